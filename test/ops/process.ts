import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/wait.js';

/** Runs an entry point of groundcrew as a real process, against a loopback stand-in for Slack's Web API. */
const ROOT = new URL('../..', import.meta.url).pathname;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Child = ChildProcess & { output: () => RunResult };

export function workdir(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'groundcrew-ops-'));
  writeFileSync(join(dir, 'groundcrew.yml'), yaml);
  return dir;
}

export function startProcess(entry: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, entry)], {
    cwd: mkdtempSync(join(tmpdir(), 'groundcrew-cwd-')),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

export function runToExit(entry: string, env: Record<string, string>): Promise<RunResult> {
  const child = startProcess(entry, env);
  return new Promise((resolve) => child.on('exit', () => resolve(child.output())));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface StubCall {
  method: string;
  args: Record<string, string>;
}

export type StubAnswer = { body: Record<string, unknown>; headers?: Record<string, string>; status?: number };

/**
 * A tiny Slack Web API: `answer(method, args)` returns the JSON body (and headers) for each call. Paths outside
 * /api/ come through whole as the method (a GitHub stand-in on the same port).
 */
export async function slackStub(
  answer: (method: string, args: Record<string, string>) => StubAnswer,
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

/** Spawned processes start slowly on a loaded machine: the shared `eventually` with a longer budget. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000) {
  await eventually(check, { what, timeoutMs });
}
