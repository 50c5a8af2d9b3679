/**
 * Stand-in for https://slack.com/api/ on loopback. Each app gets its own prefix (`/<app>/api/`), so calls are
 * counted per app; every method answers `{ ok: true }` (usergroups.users.list also names one platform member).
 * The last `views.publish` view each app sent is kept, so the baseline can publish the very view groundcrew built.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_PLATFORM_MEMBER } from './protocol.js';

/** The stub's count of chat.postMessage calls made in a thread (`thread_ts` given). */
export const THREAD_REPLY = 'chat.postMessage+thread';

export interface SlackStub {
  server: Server;
  /** The Web API base URL for one app, e.g. `http://127.0.0.1:1234/groundcrew/api/`. */
  urlFor(app: string): string;
  /** Calls of `method` made by `app` so far. */
  count(app: string, method: string): number;
  /** Every method `app` called, with counts. */
  calls(app: string): Map<string, number>;
  /** The `view` argument of the last views.publish `app` made (JSON text), if any. */
  lastView(app: string): string | undefined;
  close(): Promise<void>;
}

export async function startSlackStub(): Promise<SlackStub> {
  const calls = new Map<string, Map<string, number>>();
  const views = new Map<string, string>();
  let posted = 0;
  const callsOf = (app: string) => {
    const map = calls.get(app) ?? new Map<string, number>();
    calls.set(app, map);
    return map;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const [, app = '', , method = ''] = (req.url ?? '').split('?')[0]!.split('/');
      const perApp = callsOf(app);
      perApp.set(method, (perApp.get(method) ?? 0) + 1);
      // A post in a thread is counted under `chat.postMessage+thread` too (the support intake waits for those).
      if (
        method === 'chat.postMessage' &&
        new URLSearchParams(Buffer.concat(chunks).toString('utf8')).has('thread_ts')
      ) {
        perApp.set(THREAD_REPLY, (perApp.get(THREAD_REPLY) ?? 0) + 1);
      }
      if (method === 'views.publish') {
        const view = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('view');
        if (view) views.set(app, view);
      }
      // chat.postMessage answers a ts, as Slack does (support keeps its tier-1 reply's ts to update it later).
      const body =
        method === 'usergroups.users.list'
          ? { ok: true, users: [BENCH_PLATFORM_MEMBER] }
          : method === 'chat.postMessage'
            ? { ok: true, ts: `1767225600.${String(++posted).padStart(6, '0')}` }
            : { ok: true };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    urlFor: (app) => `http://127.0.0.1:${port}/${app}/api/`,
    count: (app, method) => calls.get(app)?.get(method) ?? 0,
    calls: callsOf,
    lastView: (app) => views.get(app),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
