import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freeLoopbackPort } from '../../src/playground/index.js';
import { type Proc, startTsx } from '../ops/support.js';
import { eventually } from '../support/wait.js';

/**
 * These tests spawn `node --import tsx src/main.ts`, which compiles TypeScript before it listens. On the 2-core CI
 * machine with other work running, that cold start measured 15-18 s, so the start is given up to 60 s (a poll: a
 * fast start passes at once) and each test 90 s.
 */
const PROCESS_START_MS = 60_000;
vi.setConfig({ testTimeout: 90_000 });

/** `npm start`'s entry point as a real process: which mode it picks from the environment. */
function start(env: Record<string, string>, args: string[] = [], cwd?: string): Proc {
  return startTsx('src/main.ts', env, { args, ...(cwd ? { cwd } : {}) });
}

let child: Proc | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

async function waitForPlayground(port: number, proc: Proc): Promise<Response> {
  return eventually(
    async () => {
      if (proc.exitCode !== null) throw new Error(`exited: ${proc.output()}`);
      const page = await fetch(`http://127.0.0.1:${port}/playground`).catch(() => null);
      return page?.status === 200 ? page : null;
    },
    { timeoutMs: PROCESS_START_MS, what: 'the playground page', describe: () => proc.output() },
  );
}

describe('npm start picks its mode from the Slack variables', () => {
  it('with none of them set, serves the playground and says it is not connected to Slack', async () => {
    const port = await freeLoopbackPort();
    child = start({ PORT: String(port) });
    const page = await waitForPlayground(port, child);
    expect(await page.text()).toContain('groundcrew playground');
    const log = child.output();
    expect(log).toContain(`open http://127.0.0.1:${port}/playground`);
    expect(log).toContain('NOT connected to Slack');
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('reads a .env in the working directory: a token written there means Slack mode, not the playground', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'groundcrew-dotenv-'));
    writeFileSync(join(dir, '.env'), 'SLACK_BOT_TOKEN=xoxb-1\n');
    try {
      child = start({}, [], dir);
      const code = await new Promise<number | null>((r) => child!.on('exit', (c) => r(c)));
      expect(code).not.toBe(0);
      expect(child.output()).toContain('missing SLACK_SIGNING_SECRET');
      expect(child.output()).not.toContain('PLAYGROUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with --playground, ignores real-looking tokens and still talks only to itself', async () => {
    const port = await freeLoopbackPort();
    child = start({ PORT: String(port), SLACK_BOT_TOKEN: 'xoxb-real', SLACK_SIGNING_SECRET: 'secret' }, [
      '--playground',
    ]);
    await waitForPlayground(port, child);
    expect(child.output()).toContain('NOT connected to Slack');
  });

  it('says the port is taken, without a stack trace, when something already listens there', async () => {
    const port = await freeLoopbackPort();
    const other = createServer().listen(port, '127.0.0.1');
    try {
      child = start({ PORT: String(port) });
      const code = await new Promise<number | null>((r) => child!.on('exit', (c) => r(c)));
      expect(code).toBe(2);
      expect(child.output()).toContain(`port ${port} is already in use`);
      expect(child.output()).toContain('set PORT to a free port');
      expect(child.output()).not.toMatch(/\n\s+at /);
    } finally {
      other.close();
    }
  });

  it('with only some set, fails naming the missing ones (never silently a playground)', async () => {
    child = start({ SLACK_APP_TOKEN: 'xapp-1', PORT: '0' });
    const code = await new Promise<number | null>((r) => child!.on('exit', (c) => r(c)));
    expect(code).not.toBe(0);
    expect(child.output()).toContain('missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET');
    expect(child.output()).not.toContain('playground');
  });
});
