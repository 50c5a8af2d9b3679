import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { ManualClock } from '../clock.js';
import { parseJson } from '../json.js';
import type { Scheduler } from '../scheduler/types.js';
import { readBody, sendJson } from '../slack/http.js';
import { decodeApiBody } from './form.js';
import { BOT, CHANNELS, dmChannelId, PEOPLE } from './ids.js';
import { pageAsset } from './page-assets.js';
import { type SlackStandIn, type StateValues, UiError } from './stand-in.js';
import { advanceTime, jumpSummary } from './time.js';
import { callMethod } from './web-api.js';

export interface PlaygroundRouteDeps {
  standIn: SlackStandIn;
  clock: ManualClock;
  scheduler: () => Scheduler;
  timezone: string;
  /** Extra loopback-only routes (the demo executors). */
  extra?: CustomRoute[];
  /** The playground's own address (`http://127.0.0.1:PORT`), for the upload URLs files.getUploadURLExternal hands out. */
  baseUrl?: () => string;
}

/** An uploaded file is at most this big (Slack takes far more; the app uploads charts of a few dozen kB). */
const UPLOAD_LIMIT_BYTES = 5_000_000;

type Params = { params?: Record<string, string | string[]> };

/** A path parameter of a custom route (`/playground/ui/:action`). */
export function param(req: Params, name: string): string {
  const value = req.params?.[name];
  return Array.isArray(value) ? value.join('/') : (value ?? '');
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `127.0.0.1:3000` → `127.0.0.1`; `http://localhost:3000` → `localhost`. */
function hostName(value: string): string {
  return value
    .replace(/^[a-z]+:\/\//, '')
    .replace(/:\d+$/, '')
    .toLowerCase();
}

/**
 * The playground is for the person at this machine: anything not from loopback gets 403. So does a request whose
 * Host is not a loopback name (a DNS-rebinding page) or whose Origin is another site (a page posting cross-site).
 */
export function loopbackOnly(handler: (req: IncomingMessage & Params, res: ServerResponse) => Promise<void> | void) {
  return (req: IncomingMessage & Params, res: ServerResponse) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      sendJson(res, 403, { ok: false, error: 'the playground only answers requests from this machine (127.0.0.1)' });
      return;
    }
    const host = req.headers?.host;
    const origin = req.headers?.origin;
    if ((host && !LOOPBACK_NAMES.has(hostName(host))) || (origin && !LOOPBACK_NAMES.has(hostName(origin)))) {
      sendJson(res, 403, { ok: false, error: 'the playground only answers pages served from 127.0.0.1 or localhost' });
      return;
    }
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (res.headersSent) return;
      const status = error instanceof UiError ? 400 : 500;
      sendJson(res, status, { ok: false, error: (error as Error).message });
    });
  };
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text === null) throw new UiError('body too large');
  if (!text.trim()) return {};
  const body = parseJson(text);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UiError('the body must be a JSON object');
  return body as Record<string, unknown>;
}

const str = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value === '') throw new UiError(`${name} is required`);
  return value;
};

/** Every HTTP route of the playground, served next to POST /slack/events on the app's own port. */
export function playgroundRoutes(deps: PlaygroundRouteDeps): CustomRoute[] {
  const { standIn, clock } = deps;
  const ws = standIn.ws;
  /** This process's run: a page that was open before a restart sees a new one and starts over. */
  const boot = randomUUID();

  const state = async (userId: string) => ({
    boot,
    version: ws.version,
    now: clock.now().toISOString(),
    timezone: deps.timezone,
    me: userId,
    bot: BOT,
    people: PEOPLE,
    channels: [
      ...CHANNELS.map((c) => ({ ...c, kind: 'channel' })),
      { id: dmChannelId(userId), name: BOT.name, topic: 'Your direct messages with groundcrew', kind: 'dm' },
    ],
    messages: ws.messages.filter((m) => ws.canSee(userId, m)),
    modal: (() => {
      const stack = ws.modals.get(userId) ?? [];
      const top = stack.at(-1);
      return top ? { id: top.id, hash: top.hash, view: top.view, errors: top.errors, depth: stack.length } : null;
    })(),
    home: ws.homes.get(userId)?.view ?? null,
    homeId: ws.homes.get(userId)?.id ?? null,
    jobs: (await deps.scheduler().list()).map((j) => ({
      name: j.name,
      description: j.description,
      nextRun: j.nextRun?.toISOString() ?? null,
    })),
    log: ws.log.slice(-60),
  });

  const ui: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    command: async (b) => standIn.command(str(b.user, 'user'), str(b.channel, 'channel'), str(b.text, 'text')),
    message: async (b) =>
      standIn.message(
        str(b.user, 'user'),
        str(b.channel, 'channel'),
        str(b.text, 'text'),
        (b.threadTs as string) || undefined,
      ),
    react: async (b) =>
      standIn.react(str(b.user, 'user'), str(b.channel, 'channel'), str(b.ts, 'ts'), str(b.name, 'name')),
    home: async (b) => standIn.openHome(str(b.user, 'user'), b.tab === 'messages' ? 'messages' : 'home'),
    action: async (b) => {
      const source =
        typeof b.viewId === 'string'
          ? { viewId: b.viewId }
          : { channel: str(b.channel, 'channel'), ts: str(b.ts, 'ts') };
      const action = b.action as Parameters<SlackStandIn['action']>[2];
      if (!action || typeof action.action_id !== 'string') throw new UiError('action is required');
      return standIn.action(str(b.user, 'user'), source, action, (b.values ?? {}) as StateValues);
    },
    submit: async (b) => standIn.submit(str(b.user, 'user'), str(b.viewId, 'viewId'), (b.values ?? {}) as StateValues),
    close: async (b) => standIn.close(str(b.user, 'user'), str(b.viewId, 'viewId'), b.all === true),
    time: async (b) => {
      const ms = Number(b.ms);
      if (!Number.isFinite(ms) || ms <= 0 || ms > 7 * 86_400_000) throw new UiError('ms must be between 1 and a week');
      const before = ws.messages.length;
      const runs = await advanceTime(clock, deps.scheduler(), deps.timezone, ms);
      const posted = ws.messages.slice(before);
      ws.record({
        direction: 'slack→app',
        what: `clock +${Math.round(ms / 60_000)} min`,
        detail: `${runs.length} job run(s)`,
      });
      ws.changed();
      return {
        now: clock.now().toISOString(),
        summary: jumpSummary(ms, posted),
        jobsRun: runs.map((r) => `${r.job}: ${r.outcome}`),
      };
    },
  };

  return [
    { path: '/', method: ['GET'], handler: loopbackOnly((_req, res) => redirect(res, '/playground')) },
    {
      path: '/favicon.ico',
      method: ['GET'],
      handler: loopbackOnly((_req, res) => {
        res.writeHead(204);
        res.end();
      }),
    },
    {
      path: '/playground',
      method: ['GET'],
      handler: loopbackOnly((_req, res) => serveAsset(res, 'index.html')),
    },
    {
      path: '/playground/static/:file',
      method: ['GET'],
      handler: loopbackOnly((req, res) => serveAsset(res, param(req, 'file'))),
    },
    {
      path: '/playground/state',
      method: ['GET'],
      handler: loopbackOnly(async (req, res) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const userId = url.searchParams.get('user') ?? PEOPLE[0]!.id;
        const since = Number(url.searchParams.get('since') ?? '-1');
        // Long-poll only a page that is up to date with this run; one from before a restart is answered at once.
        const pageBoot = url.searchParams.get('boot') || boot;
        if (pageBoot === boot && Number.isFinite(since) && since >= 0 && since <= ws.version) {
          await ws.waitForChange(since, 25_000);
        }
        sendJson(res, 200, await state(userId));
      }),
    },
    {
      path: '/playground/ui/:action',
      method: ['POST'],
      handler: loopbackOnly(async (req, res) => {
        const handler = ui[param(req, 'action')];
        if (!handler) throw new UiError(`unknown action ${param(req, 'action')}`);
        const result = await handler(await jsonBody(req));
        sendJson(res, 200, { ok: true, ...(result && typeof result === 'object' ? result : {}) });
      }),
    },
    {
      path: '/playground/api/:method',
      method: ['POST'],
      handler: loopbackOnly(async (req, res) => {
        const method = param(req, 'method');
        const text = (await readBody(req, 5_000_000)) ?? '';
        let args: Record<string, unknown>;
        try {
          args = decodeApiBody(text, req.headers['content-type']);
        } catch {
          sendJson(res, 200, { ok: false, error: 'invalid_form_data' });
          return;
        }
        const result = callMethod(method, args, ws, { baseUrl: deps.baseUrl?.() ?? '' });
        ws.record({
          direction: 'app→slack',
          what: `${method}${result.ok ? '' : ` → ${String(result.error)}`}`,
          detail: summarise(args),
        });
        sendJson(res, 200, result);
      }),
    },
    {
      // The upload URL files.getUploadURLExternal hands out: the raw bytes, or a multipart form (one file field).
      path: '/playground/files/upload/:id',
      method: ['POST'],
      handler: loopbackOnly(async (req, res) => {
        const file = ws.files.get(param(req, 'id'));
        if (!file || file.completed) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size > UPLOAD_LIMIT_BYTES) throw new UiError('file too large');
          chunks.push(chunk as Buffer);
        }
        file.bytes = fileBytes(Buffer.concat(chunks), String(req.headers['content-type'] ?? ''));
        ws.record({ direction: 'app→slack', what: 'file upload', detail: `${file.name}: ${file.bytes.length} bytes` });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`OK - ${file.bytes.length}`);
      }),
    },
    {
      path: '/playground/files/:id',
      method: ['GET'],
      handler: loopbackOnly((req, res) => {
        const file = ws.files.get(param(req, 'id'));
        if (!file?.bytes || !file.completed) {
          sendJson(res, 404, { ok: false, error: 'file_not_found' });
          return;
        }
        const png = file.bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        res.writeHead(200, {
          'content-type': png ? 'image/png' : 'application/octet-stream',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
        res.end(file.bytes);
      }),
    },
    {
      path: '/playground/respond/:id',
      method: ['POST'],
      handler: loopbackOnly(async (req, res) => {
        const result = standIn.respond(param(req, 'id'), await jsonBody(req));
        sendJson(res, result.status, result.body);
      }),
    },
    ...(deps.extra ?? []),
  ];
}

/** The file's bytes from an upload body: the body itself, or the first part of a multipart form. */
function fileBytes(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!contentType.toLowerCase().startsWith('multipart/form-data') || !boundary) return body;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = body.indexOf(marker);
  const headersEnd = start < 0 ? -1 : body.indexOf('\r\n\r\n', start);
  if (headersEnd < 0) return body;
  const end = body.indexOf(Buffer.from(`\r\n${marker.toString()}`), headersEnd);
  return body.subarray(headersEnd + 4, end < 0 ? body.length : end);
}

function summarise(args: Record<string, unknown>): string {
  const { token: _token, team_id: _team, ...rest } = args;
  return JSON.stringify(rest).slice(0, 400);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location });
  res.end();
}

function serveAsset(res: ServerResponse, name: string): void {
  const asset = pageAsset(name);
  if (!asset) {
    sendJson(res, 404, { ok: false, error: 'not found' });
    return;
  }
  res.writeHead(200, { 'content-type': asset.contentType, 'cache-control': 'no-store' });
  res.end(asset.body);
}
