import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Helpers for tests that run groundcrew as a real process against a loopback stand-in for Slack's Web API. */
export const ROOT = new URL('../..', import.meta.url).pathname;
export const SECRET = 'ops-signing-secret';
export const VALID_YAML = 'timezone: Europe/Berlin\nadmins: [U0ADMIN01]\nplatformTeam: [U0PLAT001]\n';

export type Proc = ChildProcess & { output: () => string };

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

async function readAll(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/** A Web API stand-in: auth.test answers for a bot, every other method `{ ok: true }`. */
export async function startSlackStub(): Promise<{ server: Server; url: string; methods: string[] }> {
  const methods: string[] = [];
  const server = createServer(async (req, res) => {
    await readAll(req);
    const method = (req.url ?? '').replace(/^\/api\//, '');
    methods.push(method);
    const answer =
      method === 'auth.test'
        ? { ok: true, user_id: 'U0BOT0001', bot_id: 'B0BOT0001', team_id: 'T04ABCD1EFG', user: 'groundcrew' }
        : { ok: true };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`, methods };
}

/** Spawns a command with only the given environment (plus PATH and HOME), collecting stdout and stderr. */
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
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  return Object.assign(child, { output: () => output });
}

/** `node --import tsx src/main.ts`, the way `npm start` runs it, from an empty working directory. */
export function startMain(env: Record<string, string>): Proc {
  return spawnWithEnv(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/main.ts')], env);
}

export async function waitForHealth(port: number, proc: Proc, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline || proc.exitCode !== null)
      throw new Error(`groundcrew did not come up:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
