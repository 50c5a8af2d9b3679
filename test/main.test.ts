import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort, type Proc, runToExit, startMain, VALID_YAML, workdir } from './ops/support.js';
import { appHomeOpened, eventCallback, formEncode, slashCommand } from './support/payloads.js';
import { signedHeaders } from './support/signing.js';
import { eventually } from './support/wait.js';

/**
 * These tests spawn `node --import tsx src/main.ts`, which compiles TypeScript before it listens. On the 2-core CI
 * machine with other work running, that cold start measured 15-18 s, so the start is given up to 60 s (a poll: a
 * fast start passes at once) and each test 90 s.
 */
const PROCESS_START_MS = 60_000;
vi.setConfig({ testTimeout: 90_000 });

/** These tests run `npm start`'s entry point as a real process against a loopback stand-in for Slack's Web API. */
const SECRET = 'e2e-signing-secret';

async function readAll(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

let child: Proc | undefined;
let stub: Server | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await new Promise((r) => (stub ? stub.close(r) : r(null)));
  stub = undefined;
});

describe('start-up errors', () => {
  it('names a missing token, exits non-zero, prints no stack trace', async () => {
    const result = await runToExit('src/main.ts', {
      SLACK_SIGNING_SECRET: SECRET,
      GROUNDCREW_CONFIG: join(workdir(VALID_YAML), 'groundcrew.yml'),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('missing SLACK_BOT_TOKEN');
    expect(result.stderr).toContain('README');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('lists every problem in a malformed groundcrew.yml with its path', async () => {
    const dir = workdir('timezone: Moon/Base\nadmins: [alice]\nchannels:\n  help: "#platform-help"\n');
    const result = await runToExit('src/main.ts', {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: SECRET,
      GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
      GROUNDCREW_DB: ':memory:',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('timezone: expected an IANA time zone');
    expect(result.stderr).toContain('admins[0]: expected a user ID like U0123ABCD, got "alice"');
    expect(result.stderr).toContain('channels.help: expected a channel ID like C0123ABCD, got "#platform-help"');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a running groundcrew against a local Slack stand-in', () => {
  it('answers help, publishes Home on each delivery, refuses unsigned requests, reports health, stops on SIGTERM', async () => {
    const calls: { method: string; body: string }[] = [];
    stub = createServer(async (req, res) => {
      const body = await readAll(req);
      const method = (req.url ?? '').replace(/^\/api\//, '');
      calls.push({ method, body });
      const answer =
        method === 'auth.test'
          ? { ok: true, user_id: 'U0BOT0001', bot_id: 'B0BOT0001', team_id: 'T04ABCD1EFG', user: 'groundcrew' }
          : method === 'views.publish'
            ? { ok: true, view: { id: 'V1' } }
            : { ok: true };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => stub!.listen(0, '127.0.0.1', r));
    const stubPort = (stub.address() as AddressInfo).port;
    const port = await freePort();
    const dir = workdir(VALID_YAML);
    child = startMain({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `http://127.0.0.1:${stubPort}/api/`,
      PORT: String(port),
      GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
      GROUNDCREW_DB: join(dir, 'gc.db'),
    });
    const base = `http://127.0.0.1:${port}`;
    await eventually(
      () =>
        fetch(`${base}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      { timeoutMs: PROCESS_START_MS, what: 'groundcrew to come up', describe: () => child!.output() },
    );
    expect(calls.some((c) => c.method === 'auth.test')).toBe(true);

    const commandBody = formEncode({ ...slashCommand('help') });
    const started = Date.now();
    const help = await fetch(`${base}/slack/events`, {
      method: 'POST',
      body: commandBody,
      headers: signedHeaders(commandBody, { secret: SECRET }),
    });
    expect(help.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(((await help.json()) as { text: string }).text).toContain('/platform commands');

    const unsigned = await fetch(`${base}/slack/events`, {
      method: 'POST',
      body: commandBody,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(unsigned.status).toBe(401);

    const event = JSON.stringify(eventCallback(appHomeOpened('U02ABC3DEFG'), { eventId: 'Ev0E2E' }));
    const eventHeaders = signedHeaders(event, { secret: SECRET, contentType: 'application/json' });
    expect((await fetch(`${base}/slack/events`, { method: 'POST', body: event, headers: eventHeaders })).status).toBe(
      200,
    );
    const retryHeaders = {
      ...signedHeaders(event, { secret: SECRET, contentType: 'application/json' }),
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    };
    expect((await fetch(`${base}/slack/events`, { method: 'POST', body: event, headers: retryHeaders })).status).toBe(
      200,
    );
    await eventually(() => calls.some((c) => c.method === 'views.publish'), { what: 'the Home tab' });

    // A Home opening is handled again when redelivered (REPEATABLE_EVENT_TYPES, src/slack/dedupe.ts), and a graceful
    // stop waits for running handlers: by the time the process has exited, both deliveries have published.
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(calls.filter((c) => c.method === 'views.publish')).toHaveLength(2);
  });
});
