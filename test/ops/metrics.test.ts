import { afterEach, describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability.js';
import { createManualClock, MINUTE } from '../../src/clock.js';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';
import { bearerMatches } from '../../src/ops/metrics.js';
import { AckWindow, ackKind, routeLabel } from '../../src/ops/metrics-http.js';
import { apiMethodLabel, classifyApiError } from '../../src/ops/metrics-slack.js';
import { deployRow, ENGINEER, nockDispatch, nockRun, startDeploysApp } from '../deploys/support.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened, messageButton, viewAction } from '../support/payloads.js';
import { eventually, gate } from '../support/wait.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus' text exposition format (the subset prom-client writes): `name{a="b",…} value`. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(app: TestApp, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await app.request('/metrics', { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('GET /metrics', () => {
  it('counts requests, acks by kind, Web API outcomes with 429s, job runs and deploys by status', async () => {
    app = await startDeploysApp();
    const dispatch = nockDispatch(555);

    // A command (starts a deploy), an event (Home tab), an action (the Home tab's Deploy… button, Bolt's client).
    expect((await app.command('deploy web staging v1.4.2 --reason "metrics"', { user_id: ENGINEER })).status).toBe(200);
    await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('started'));
    expect(dispatch.isDone()).toBe(true);
    expect((await app.event(appHomeOpened(ENGINEER))).status).toBe(200);
    await app.slack.waitFor('views.publish');
    const click = viewAction({
      userId: ENGINEER,
      callbackId: '',
      action: { type: 'button', action_id: DEPLOY_IDS.openModalButton, block_id: DEPLOY_IDS.openModalButton },
    });
    expect((await app.interact(click)).status).toBe(200);
    await app.slack.waitFor('views.open');

    // A failing call and a rate-limited one (retries: 0 in tests, so each is one attempt).
    app.slack.failWith('users.info', 'user_not_found');
    await expect(app.groundcrew.services.client.users.info({ user: ENGINEER })).rejects.toThrow(/user_not_found/);
    app.slack.rateLimit('chat.postEphemeral', 0);
    await expect(
      app.groundcrew.services.client.chat.postEphemeral({ channel: 'C0DEPLOYS1', user: ENGINEER, text: 'x' }),
    ).rejects.toThrow(/rate limit/i);

    // A job run that takes the deploy to a terminal state.
    const completed = nockRun(555, 'completed', 'success');
    app.clock.advance(5 * MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expect(completed.isDone()).toBe(true);
    expect((await deployRow(app, 1)).status).toBe('succeeded');
    expect((await app.request('/healthz')).status).toBe(200);

    // The ack is counted when its response has been sent; the listener's later Web API calls may still be going.
    const samples = await eventually(async () => {
      const s = await scrape(app!);
      return value(s, 'groundcrew_slack_api_calls_total', { method: 'views.open', outcome: 'ok' }) === 1 && s;
    });

    expect(value(samples, 'groundcrew_http_requests_total', { route: '/slack/events', status: '200' })).toBe(3);
    expect(value(samples, 'groundcrew_http_requests_total', { route: '/healthz', status: '200' })).toBe(1);
    for (const kind of ['command', 'action', 'event']) {
      expect(value(samples, 'groundcrew_slack_ack_seconds_count', { kind }), kind).toBe(1);
      expect(value(samples, 'groundcrew_slack_acks_total', { kind }), kind).toBe(1);
      expect(value(samples, 'groundcrew_slack_ack_seconds_bucket', { kind, le: '3' }), kind).toBe(1);
    }
    expect(value(samples, 'groundcrew_slack_ack_seconds_count', { kind: 'view' })).toBeUndefined();
    expect(samples.filter((s) => s.name === 'groundcrew_slack_acks_failed_total')).toEqual([]);
    expect(value(samples, 'groundcrew_slack_acks_failed_ratio_1h')).toBe(0);

    const api = (method: string, outcome: string) =>
      value(samples, 'groundcrew_slack_api_calls_total', { method, outcome });
    expect(api('users.info', 'not_found')).toBe(1);
    expect(api('chat.postEphemeral', 'rate_limited')).toBe(1);
    expect(api('views.publish', 'ok')).toBeGreaterThanOrEqual(1);
    expect(api('response_url', 'ok')).toBeGreaterThanOrEqual(1);
    expect(api('chat.postMessage', 'ok')).toBeGreaterThanOrEqual(1);

    expect(value(samples, 'groundcrew_job_runs_total', { job: 'deploys.poll-runs', outcome: 'ok' })).toBe(1);
    expect(value(samples, 'groundcrew_job_run_seconds_count', { job: 'deploys.poll-runs', outcome: 'ok' })).toBe(1);
    expect(value(samples, 'groundcrew_deploys', { status: 'succeeded' })).toBe(1);
    expect(value(samples, 'groundcrew_deploys', { status: 'running' })).toBe(0);
    expect(value(samples, 'groundcrew_approvals', { status: 'pending' })).toBe(0);
    expect(value(samples, 'groundcrew_requests', { status: 'done' })).toBe(0);
    expect(value(samples, 'groundcrew_process_resident_memory_bytes')).toBeGreaterThan(0);

    // Low cardinality: no label value is a Slack user, channel, team or group ID.
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.length).toBeGreaterThan(50);
    expect(labelValues.filter((v) => /^[UCDGWST][A-Z0-9]{6,}$/.test(v))).toEqual([]);

    // The scrape itself is counted (after its response was sent).
    const again = await scrape(app);
    expect(value(again, 'groundcrew_http_requests_total', { route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('asks for the bearer token when GROUNDCREW_METRICS_TOKEN is set', async () => {
    app = await startDeploysApp({ env: { GROUNDCREW_METRICS_TOKEN: 'metrics-token-0123456789' } });
    const none = await app.request('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.text()).not.toContain('groundcrew_');
    const wrong = await app.request('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456788' } });
    expect(wrong.status).toBe(401);
    const samples = await scrape(app, { authorization: 'Bearer metrics-token-0123456789' });
    expect(value(samples, 'groundcrew_http_requests_total', { route: '/metrics', status: '401' })).toBe(2);
  });

  it('counts acks that failed (nothing acked within 3 s) and their share over the last hour', async () => {
    // The slow listener acks only after Bolt has already answered for it: the app is slow, not the test.
    const late = gate();
    const probe = defineCapability('probe', () => ({
      listeners(bolt) {
        bolt.action('probe.fine', async ({ ack }) => ack());
        bolt.action('probe.boom', async () => {
          throw new Error('failed before ack');
        });
        bolt.action('probe.slow', async ({ ack }) => {
          await late.opened;
          await ack();
        });
      },
    }));
    app = await startTestApp({ capabilities: [probe] });
    const click = (actionId: string) =>
      app!.interact(messageButton({ userId: ENGINEER, actionId, channelId: 'C0DEPLOYS1', messageTs: '1.000001' }));
    expect((await click('probe.fine')).status).toBe(200);
    // A listener that threw before acking and one too slow: Bolt answers both with its 404 after 3 s.
    const answers = await Promise.all([click('probe.boom'), click('probe.slow')]);
    late.open();
    expect(answers.map((res) => res.status)).toEqual([404, 404]);

    let samples = await scrape(app);
    expect(value(samples, 'groundcrew_slack_acks_total', { kind: 'action' })).toBe(3);
    expect(value(samples, 'groundcrew_slack_acks_failed_total', { kind: 'action' })).toBe(2);
    expect(value(samples, 'groundcrew_slack_ack_seconds_bucket', { kind: 'action', le: '3' })).toBe(1);
    expect(value(samples, 'groundcrew_slack_acks_failed_ratio_1h')).toBeCloseTo(2 / 3);
    expect(value(samples, 'groundcrew_http_requests_total', { route: '/slack/events', status: '404' })).toBe(2);

    app.clock.advance(61 * MINUTE); // an hour later the share forgets them; the counters do not
    samples = await scrape(app);
    expect(value(samples, 'groundcrew_slack_acks_failed_ratio_1h')).toBe(0);
    expect(value(samples, 'groundcrew_slack_acks_failed_total', { kind: 'action' })).toBe(2);
  });
});

describe('metrics helpers', () => {
  it('keeps the share of failed acks over the last hour only', () => {
    const clock = createManualClock('2026-11-23T10:00:00Z');
    const window = new AckWindow(clock);
    expect(window.share()).toBe(0);
    for (let i = 0; i < 95; i++) window.record(false);
    for (let i = 0; i < 5; i++) window.record(true);
    expect(window.share()).toBeCloseTo(0.05);
    clock.advance(30 * MINUTE);
    for (let i = 0; i < 100; i++) window.record(false);
    expect(window.share()).toBeCloseTo(0.025);
    clock.advance(31 * MINUTE); // the first 100 left the window
    expect(window.share()).toBe(0);
  });

  it('labels routes, kinds, methods and error classes from a fixed set', () => {
    expect(routeLabel('/hooks/deploys/12?x=1')).toBe('/hooks/deploys');
    expect(routeLabel('/hooks/requests/7')).toBe('/hooks/requests');
    expect(routeLabel('/playground/state')).toBe('other');
    expect(routeLabel('/slack/eventsX')).toBe('other');
    expect(ackKind('command=%2Fplatform&text=help', 'application/x-www-form-urlencoded')).toBe('command');
    const payload = (type: string) => `payload=${encodeURIComponent(JSON.stringify({ type }))}`;
    expect(ackKind(payload('block_actions'), undefined)).toBe('action');
    expect(ackKind(payload('view_submission'), undefined)).toBe('view');
    expect(ackKind(payload('view_closed'), undefined)).toBe('view');
    expect(ackKind(payload('block_suggestion'), undefined)).toBe('options');
    expect(ackKind(payload('shortcut'), undefined)).toBe('shortcut');
    expect(ackKind(payload('message_action'), undefined)).toBe('shortcut');
    expect(ackKind(payload('U0SOMEONE1'), undefined)).toBe('other');
    expect(ackKind('{"type":"event_callback"}', 'application/json')).toBe('event');
    expect(ackKind('{"type":"url_verification"}', 'application/json; charset=utf-8')).toBe('other');
    expect(ackKind('{', 'application/json')).toBe('other');
    // Where Slack puts the fields: `command` after `token`, the event's own type before the body's.
    expect(ackKind('token=x&team_id=T1&command=%2Fplatform&text=help', undefined)).toBe('command');
    expect(ackKind('token=x&text=command%3Dhelp', undefined)).toBe('other');
    const event = { token: 'x', event: { type: 'app_home_opened', user: 'U1' }, type: 'event_callback' };
    expect(ackKind(JSON.stringify(event), 'application/json')).toBe('event');
    expect(apiMethodLabel('http://slack.test/api/chat.postMessage', 'http://slack.test/api/')).toBe('chat.postMessage');
    expect(apiMethodLabel('http://slack.test/api/usergroups.users.list', 'http://slack.test/api/')).toBe(
      'usergroups.users.list',
    );
    expect(apiMethodLabel('https://hooks.slack.com/actions/T1/2/x', 'http://slack.test/api/')).toBe('response_url');
    expect(apiMethodLabel('http://slack.test/api/U0ABCDEF1', 'http://slack.test/api/')).toBe('other');
    expect(classifyApiError('channel_not_found')).toBe('not_found');
    expect(classifyApiError('not_in_channel')).toBe('not_found');
    expect(classifyApiError('invalid_auth')).toBe('auth_error');
    expect(classifyApiError('missing_scope')).toBe('auth_error');
    expect(classifyApiError('invalid_blocks')).toBe('invalid_request');
    expect(classifyApiError('ratelimited')).toBe('rate_limited');
    expect(classifyApiError('internal_error')).toBe('server_error');
    expect(classifyApiError('something_new')).toBe('other_error');
  });

  it('compares the bearer token exactly', () => {
    expect(bearerMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('Bearer s3cre', 's3cret')).toBe(false);
    expect(bearerMatches('Bearer s3cretX', 's3cret')).toBe(false);
    expect(bearerMatches('s3cret', 's3cret')).toBe(false);
    expect(bearerMatches(undefined, 's3cret')).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
  });
});
