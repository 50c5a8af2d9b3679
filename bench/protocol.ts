/** IPC between the benchmark driver (parent) and each app under test (a forked child process). */

export type ChildMessage =
  | { type: 'ready'; port: number; listeners: number; middleware: number }
  | { type: 'stats'; rss: number; heapUsed: number; maxRss: number; cpuMicros: number }
  | { type: 'failed'; error: string };

export type ParentMessage = { type: 'stats' } | { type: 'stop' };

export const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
export const BENCH_BOT_TOKEN = 'xoxb-bench-token';
export const BENCH_BOT_ID = 'B0BOT0001';
export const BENCH_BOT_USER_ID = 'U0BOT0001';
/** The caller: a plain member (not an admin, not in the platform usergroup). */
export const BENCH_CALLER = 'U02ABC3DEFG';
export const BENCH_PLATFORM_MEMBER = 'U0PLAT001';

/**
 * Wires the child side of the protocol: reports the port and how many listeners and global middleware the Bolt app
 * runs per request (Bolt keeps them in private fields; read for this report only), answers stats probes (memory,
 * CPU time so far), stops on request.
 */
export function serveChild(port: number, app: unknown, stop: () => Promise<void>): void {
  const send = (message: ChildMessage) => process.send?.(message);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') {
      const { rss, heapUsed } = process.memoryUsage();
      const { user, system } = process.cpuUsage();
      // resourceUsage().maxRSS is in kilobytes.
      send({ type: 'stats', rss, heapUsed, maxRss: process.resourceUsage().maxRSS * 1024, cpuMicros: user + system });
    } else if (message.type === 'stop') {
      void stop().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
  const internals = app as { listeners?: unknown[]; middleware?: unknown[] };
  send({
    type: 'ready',
    port,
    listeners: internals.listeners?.length ?? Number.NaN,
    middleware: internals.middleware?.length ?? Number.NaN,
  });
}

export function reportFailure(error: unknown): never {
  process.send?.({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
