import type { Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteFailedError } from '../../src/db/write.js';
import { slackLogContext } from '../../src/log-context.js';
import { createLogger } from '../../src/logger.js';
import { REDACTED, secretValues } from '../../src/redact.js';
import { ENGINEER, formEncode, startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened, eventCallback, messageButton, slashCommand, viewSubmission } from '../support/payloads.js';
import { signedHeaders, TEST_SIGNING_SECRET } from '../support/signing.js';
import { freePort, type Proc, SECRET, startMain, startSlackStub, waitForHealth, workdir } from './support.js';

interface Line {
  level: string;
  msg: string;
  kind?: string;
  id?: string;
  [key: string]: unknown;
}

let proc: Proc | undefined;
let stub: Server | undefined;
let app: TestApp | undefined;
afterEach(async () => {
  proc?.kill('SIGKILL');
  proc = undefined;
  await new Promise((r) => (stub ? stub.close(r) : r(null)));
  stub = undefined;
  await app?.stop();
  app = undefined;
});

/** Starts `src/main.ts` for real (stdout is a pipe, not a terminal) at `level`, sends `/platform help`, stops it. */
async function runOnce(level: string): Promise<{ lines: Line[]; raw: string }> {
  const slack = await startSlackStub();
  stub = slack.server;
  const port = await freePort();
  const dir = workdir();
  proc = startMain({
    SLACK_BOT_TOKEN: 'xoxb-logs-test-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    PORT: String(port),
    GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
    GROUNDCREW_DB: join(dir, 'gc.db'),
    LOG_LEVEL: level,
  });
  await waitForHealth(port, proc);
  const body = formEncode({ ...slashCommand('help') });
  const help = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    body,
    headers: signedHeaders(body, { secret: SECRET }),
  });
  expect(help.status).toBe(200);
  // An unsigned request: Bolt logs a warning (the line that must survive LOG_LEVEL=warn).
  const unsigned = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(unsigned.status).toBe(401);
  const exited = new Promise<number | null>((r) => proc!.on('exit', (code) => r(code)));
  proc.kill('SIGTERM');
  // The exit shows every line has been written; the process writes its log synchronously.
  expect(await exited).toBe(0);
  const raw = proc.output();
  const lines = raw
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
  return { lines, raw };
}

describe('structured logs from a running groundcrew', () => {
  it('LOG_LEVEL=debug: JSON lines at debug from groundcrew and Bolt; request lines carry kind and id', async () => {
    const { lines, raw } = await runOnce('debug');
    // Bolt's own debug line (its auth.test is skipped: main checks the token first and passes the identity).
    expect(lines.some((l) => l.level === 'debug' && l.msg.includes('Initializing HTTPReceiver'))).toBe(true);
    expect(lines.some((l) => l.level === 'info' && l.msg.includes('groundcrew is running'))).toBe(true);
    for (const line of lines) {
      expect(typeof line.time).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
    }
    const handling = lines.filter((l) => l.kind === 'command');
    expect(handling.length).toBeGreaterThan(0);
    for (const line of handling) expect(line.id).toBe('/platform help');
    expect(raw).not.toContain('xoxb-logs-test-token');
    expect(raw).not.toContain(SECRET);
  }, 90_000);

  it('LOG_LEVEL=warn holds although Bolt resets its logger to INFO: no info or debug line', async () => {
    const { lines, raw } = await runOnce('warn');
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('Failed to parse and verify'))).toBe(true);
    expect(raw).not.toContain('groundcrew is running');
    expect(lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
  }, 90_000);
});

/** A destination that keeps what the logger writes. */
function collector(): Writable & { text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return Object.assign(stream, { text: () => text });
}

const parse = (text: string): Line[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

describe('the logger inside the app', () => {
  it('tags every line written while handling a command or an event with its kind and id', async () => {
    const out = collector();
    app = await startTestApp({ logger: createLogger('debug', { destination: out, secrets: [] }) });
    expect((await app.command('help', { user_id: ENGINEER })).status).toBe(200);
    await app.event(appHomeOpened(ENGINEER), { eventId: 'Ev0LOGCTX1' });
    await app.slack.waitFor('views.publish');
    const lines = parse(out.text());
    const command = lines.filter((l) => l.kind === 'command');
    expect(command.some((l) => l.msg.includes('ack()'))).toBe(true);
    expect(new Set(command.map((l) => l.id))).toEqual(new Set(['/platform help']));
    const event = lines.filter((l) => l.kind === 'event');
    expect(event.some((l) => l.msg.includes("apiCall('views.publish')"))).toBe(true);
    expect(new Set(event.map((l) => `${l.id} ${l.event_id}`))).toEqual(new Set(['app_home_opened Ev0LOGCTX1']));
    // Lines outside any request (start-up) carry no request fields.
    expect(lines.filter((l) => l.kind === undefined).length).toBeGreaterThan(0);
  });

  it('names actions, views, options and shortcuts by their ids', () => {
    const button = messageButton({
      userId: ENGINEER,
      actionId: 'deploy.approve',
      channelId: 'C0DEPLOYS1',
      messageTs: '1.2',
    });
    expect(slackLogContext(button)).toMatchObject({ kind: 'action', id: 'deploy.approve' });
    const submit = viewSubmission({ userId: ENGINEER, callbackId: 'requests.form', values: {} });
    expect(slackLogContext(submit)).toMatchObject({ kind: 'view', id: 'requests.form', step: 'view_submission' });
    expect(slackLogContext({ type: 'block_suggestion', action_id: 'pick.service' })).toMatchObject({
      kind: 'options',
      id: 'pick.service',
    });
    expect(slackLogContext({ type: 'shortcut', callback_id: 'open.deploy', trigger_id: 't1' })).toMatchObject({
      kind: 'shortcut',
      id: 'open.deploy',
      trigger_id: 't1',
    });
    expect(slackLogContext(eventCallback(appHomeOpened(ENGINEER), { eventId: 'Ev1' }))).toMatchObject({
      kind: 'event',
      id: 'app_home_opened',
      event_id: 'Ev1',
    });
  });

  it('redacts secrets by field name and by value, in messages, objects and errors', async () => {
    const out = collector();
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      GITHUB_TOKEN: 'ghp_test_long',
    };
    const team = {
      deploys: { executors: { hook: { webhook: { url: 'http://x', secret: 'webhook-secret-123456' } } } },
    };
    const logger = createLogger('debug', { destination: out, secrets: secretValues(env, team) });
    app = await startTestApp({ logger });
    await app.command('help', { user_id: ENGINEER });
    logger.info('configured', { token: 'some-other-value', nested: { headers: { Authorization: 'Bearer abc' } } });
    logger.error(
      `call failed with xoxb-test-token and ${TEST_SIGNING_SECRET}`,
      new Error('GitHub said ghp_test_long is bad; webhook-secret-123456 too'),
    );
    const text = out.text();
    for (const secret of [...Object.values(env), 'webhook-secret-123456', 'some-other-value', 'Bearer abc']) {
      expect(text).not.toContain(secret);
    }
    const lines = parse(text);
    const configured = lines.find((l) => l.msg === 'configured')!;
    expect(configured.data).toEqual({ token: REDACTED, nested: { headers: { Authorization: REDACTED } } });
    const failed = lines.find((l) => l.level === 'error')!;
    expect(failed.msg).toContain(`call failed with ${REDACTED} and ${REDACTED}`);
    expect((failed.err as { message: string }).message).toBe(`GitHub said ${REDACTED} is bad; ${REDACTED} too`);
    // The Web API client's own debug lines were written too (the redaction had real traffic to work on).
    expect(lines.some((l) => l.msg.includes('http request'))).toBe(true);
  });

  it('logs an error with what caused it (a refused write names the driver error underneath), secrets redacted', () => {
    const out = collector();
    const logger = createLogger('debug', { destination: out, secrets: ['s3cret-value'] });
    const driver = Object.assign(new Error('could not serialize access (s3cret-value)'), { code: '40001' });
    logger.error('the database refused a write:', new WriteFailedError(driver));
    const [line] = parse(out.text());
    expect(line!.err).toMatchObject({
      type: 'WriteFailedError',
      code: 'unavailable',
      cause: { type: 'Error', code: '40001', message: `could not serialize access (${REDACTED})` },
    });
  });

  it('writes readable text, not JSON, on a terminal', () => {
    const out = collector();
    const logger = createLogger('info', { destination: out, pretty: true, secrets: [] });
    logger.info('groundcrew is running');
    logger.debug('hidden');
    expect(out.text()).toMatch(/INFO.*groundcrew is running/);
    expect(out.text()).not.toContain('hidden');
    expect(() => JSON.parse(out.text().split('\n')[0]!)).toThrow();
  });
});
