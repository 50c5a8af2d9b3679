import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/wait.js';

/** Helpers for tests that run groundcrew as a real process against a loopback stand-in for Slack's Web API. */
export const ROOT = new URL('../..', import.meta.url).pathname;
export const SECRET = 'ops-signing-secret';
export const VALID_YAML = 'timezone: Europe/Berlin\nadmins: [U0ADMIN01]\nplatformTeam: [U0PLAT001]\n';

export function tempDir(prefix = 'groundcrew-ops-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function workdir(yaml = VALID_YAML): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'groundcrew.yml'), yaml);
  return dir;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** true when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise((r) => server.close(r));
  return bound;
}

export interface StubCall {
  method: string;
  args: Record<string, string>;
}

export type StubAnswer = { body: Record<string, unknown>; headers?: Record<string, string>; status?: number };

/**
 * A tiny Slack Web API: `answer(method, args)` returns the JSON body (and headers) for each call, or null to hold
 * the call unanswered. Paths outside
 * /api/ come through whole as the method (a GitHub stand-in on the same port).
 */
export async function slackStub(
  answer: (method: string, args: Record<string, string>) => StubAnswer | null,
  port = 0,
): Promise<{ server: Server; url: string; calls: StubCall[] }> {
  const calls: StubCall[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const method = (req.url ?? '').split('?')[0]!.replace(/^\/api\//, '');
    const args = Object.fromEntries(new URLSearchParams(body));
    calls.push({ method, args });
    const reply = answer(method, args);
    if (reply === null) return; // held: never answered (a process killed while it waits)
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${bound}/api/`, calls };
}

export const BOT_AUTH = {
  ok: true,
  url: 'https://acme-eng.slack.com/',
  team: 'acme-eng',
  user: 'groundcrew',
  team_id: 'T04ABCD1EFG',
  user_id: 'U0BOT0001',
  bot_id: 'B0BOT0001',
  is_enterprise_install: false,
};

/** A Web API stand-in: auth.test answers for a bot, every other method `{ ok: true }`. */
export async function startSlackStub(): Promise<{ server: Server; url: string; methods: string[] }> {
  const stub = await slackStub((method) => ({ body: method === 'auth.test' ? BOT_AUTH : { ok: true } }));
  return {
    server: stub.server,
    url: stub.url,
    get methods() {
      return stub.calls.map((c) => c.method);
    },
  };
}

/** What a finished (or still running) process printed, stdout and stderr apart. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A spawned process: `output()` is stdout and stderr interleaved as they came, `streams()` keeps them apart. */
export type Proc = ChildProcess & { output: () => string; streams: () => RunResult };

/**
 * The one way tests spawn a process: only the given environment (plus PATH and HOME), stdout and stderr collected.
 * Every groundcrew process in the tests comes from here (through `startTsx`).
 */
export function spawnWithEnv(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = tempDir(),
  detached = false,
): Proc {
  const child = spawn(command, args, {
    cwd,
    detached,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    output += d;
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
    stderr += d;
  });
  return Object.assign(child, {
    output: () => output,
    streams: () => ({ code: child.exitCode, stdout, stderr }),
  });
}

/**
 * A TypeScript entry point of the repo (e.g. `src/main.ts`) under tsx, the way `npm start` runs it. tsx is resolved
 * from here, so the process may run anywhere; by default from an empty folder, so a developer's own .env never leaks in.
 */
export function startTsx(
  entry: string,
  env: Record<string, string>,
  options: { args?: string[]; cwd?: string; detached?: boolean } = {},
): Proc {
  const args = ['--import', import.meta.resolve('tsx'), join(ROOT, entry), ...(options.args ?? [])];
  return spawnWithEnv(process.execPath, args, env, options.cwd ?? tempDir('groundcrew-cwd-'), options.detached);
}

/** `node --import tsx src/main.ts`, the way `npm start` runs it, from an empty working directory. */
export function startMain(env: Record<string, string>): Proc {
  return startTsx('src/main.ts', env);
}

/** Runs an entry point to its end; what it printed, stdout and stderr apart. */
export function runToExit(entry: string, env: Record<string, string>): Promise<RunResult> {
  const child = startTsx(entry, env);
  return new Promise((resolve) => child.on('exit', () => resolve(child.streams())));
}

export async function waitForHealth(port: number, proc: Proc, timeoutMs = SPAWN_BUDGET_MS): Promise<void> {
  await eventually(
    async () => {
      if (proc.exitCode !== null) throw new Error(`groundcrew exited with ${proc.exitCode}`);
      return fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
    },
    { what: 'groundcrew to come up', timeoutMs, describe: () => proc.output() },
  );
}

/** How long a spawned groundcrew may take to reach a step: it compiles TypeScript first on a loaded machine. */
export const SPAWN_BUDGET_MS = 45_000;

/** The shared `eventually`, for checks on a spawned process. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  await eventually(check, { what, timeoutMs });
}

/** Process IDs whose environment holds `marker` (Linux /proc); used to find processes a test started. */
export function pidsWithEnv(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}
