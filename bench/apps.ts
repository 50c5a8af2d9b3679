/**
 * Starting, probing and stopping the apps under test, each a forked child process on loopback.
 *
 * By default (BENCH_LOADER=bundle) each app runs from its own bundle made by scripts/bundle.mjs (dist/bench-<app>/),
 * the way `npm start` and the container run groundcrew (`node dist/app/main.js`); bare Bolt goes through the same
 * bundler so both are built alike. BENCH_LOADER=tsc runs both from JavaScript compiled by `tsc` (bench/tsconfig.json →
 * dist/bench/), as groundcrew shipped before the bundle; BENCH_LOADER=tsx runs both from TypeScript under tsx.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..');

export type Loader = 'bundle' | 'tsc' | 'tsx';

export function loaderFromEnv(): Loader {
  const raw = process.env.BENCH_LOADER?.trim() || 'bundle';
  if (raw !== 'bundle' && raw !== 'tsc' && raw !== 'tsx') {
    process.stderr.write(`bench: BENCH_LOADER must be "bundle", "tsc" or "tsx", got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return raw;
}

const APPS = ['groundcrew-app', 'bare-bolt-app'];

/** Where BENCH_LOADER=bundle puts one app: two folders below the root, as scripts/bundle.mjs requires. */
function bundleDir(name: string): string {
  return join(repoRoot, 'dist', `bench-${name}`);
}

/**
 * bundle: bundles each app with scripts/bundle.mjs. tsc: compiles both apps and what they import into dist/bench/
 * (incremental: fast when nothing changed).
 */
export function buildApps(loader: Loader): void {
  if (loader === 'bundle') {
    for (const name of APPS) {
      const args = [join(repoRoot, 'scripts', 'bundle.mjs'), join(here, `${name}.ts`), bundleDir(name)];
      execFileSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
    }
  } else if (loader === 'tsc') {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { cwd: repoRoot, stdio: 'inherit' });
  }
}

/** The node flags of `npm start` (`… exec node <flags> dist/app/main.js` in package.json). */
export function npmStartNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const match = /exec node ((?:--\S+ )*)dist\/app\/main\.js/.exec(pkg.scripts.start);
  if (!match) throw new Error(`package.json's start script does not run dist/app/main.js: ${pkg.scripts.start}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

export interface AppProcess {
  child: ChildProcess;
  port: number;
  listeners: number;
  middleware: number;
}

export interface AppStats {
  rss: number;
  heapUsed: number;
  maxRss: number;
  cpuMicros: number;
}

function nextMessage<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs = 60_000,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => finish(new Error(`no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'failed') finish(new Error(message.error));
      else if (message.type === type) finish(null, message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => finish(new Error(`exited (code ${code}) before sending "${type}"`));
    function finish(error: Error | null, message?: Extract<ChildMessage, { type: T }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolvePromise(message!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/**
 * Forks `dist/bench-<name>/<name>.js` (bundle), `dist/bench/bench/<name>.js` (tsc) or `bench/<name>.ts` (tsx); `at`
 * forks another built file instead, with its own working directory (an earlier checkout: bench/before.ts).
 */
export async function startApp(
  name: string,
  loader: Loader,
  env: Record<string, string>,
  at?: { file: string; cwd: string },
): Promise<AppProcess> {
  const words = (raw: string | undefined) => raw?.split(/\s+/).filter(Boolean) ?? [];
  // BENCH_GC_NODE_ARGS: node flags for groundcrew only (what a V8 flag costs it and saves it, next to a bare Bolt
  // app run as is).
  // Unset, groundcrew gets the node flags `npm start` passes (package.json), as users run it; set (also to nothing),
  // BENCH_GC_NODE_ARGS replaces them.
  const gcArgs = process.env.BENCH_GC_NODE_ARGS ?? npmStartNodeFlags().join(' ');
  const extraArgs = [...words(process.env.BENCH_NODE_ARGS), ...(name === 'groundcrew-app' ? words(gcArgs) : [])];
  const file = at
    ? at.file
    : loader === 'tsx'
      ? join(here, `${name}.ts`)
      : loader === 'bundle'
        ? join(bundleDir(name), `${name}.js`)
        : join(repoRoot, 'dist', 'bench', 'bench', `${name}.js`);
  const child = fork(file, [], {
    cwd: at?.cwd ?? repoRoot,
    execArgv: [...(loader === 'tsx' && !at ? ['--import', 'tsx'] : []), ...extraArgs],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const { port, listeners, middleware } = await nextMessage(child, 'ready');
    return { child, port, listeners, middleware };
  } catch (error) {
    child.kill();
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

export async function statsOf(app: AppProcess): Promise<AppStats> {
  const reply = nextMessage(app.child, 'stats');
  app.child.send({ type: 'stats' } satisfies ParentMessage);
  const { rss, heapUsed, maxRss, cpuMicros } = await reply;
  return { rss, heapUsed, maxRss, cpuMicros };
}

export async function stopApp(app: AppProcess): Promise<void> {
  if (app.child.exitCode !== null) return;
  const exited = new Promise((r) => app.child.once('exit', r));
  app.child.send({ type: 'stop' } satisfies ParentMessage);
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
