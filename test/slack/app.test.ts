import { afterEach, describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability.js';
import { eventProcessed } from '../../src/slack/dedupe.js';
import {
  ADMIN,
  ackBody,
  blockText,
  ENGINEER,
  formEncode,
  PLATFORM_ENGINEER,
  PLATFORM_GROUP,
  startTestApp,
  type TestApp,
} from '../support/harness.js';
import { appHomeOpened, slashCommand } from '../support/payloads.js';
import { persistentDb } from '../support/persistent-db.js';
import { gate, settled } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('receiving Slack requests', () => {
  it('answers /platform help within the ack, listing only what the caller may run', async () => {
    app = await startTestApp();
    const started = Date.now();
    const res = await app.command('help', { user_id: ENGINEER });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    const body = await ackBody(res);
    expect(body).toMatchObject({ response_type: 'ephemeral' });
    expect(blockText(body?.blocks)).not.toContain('admin jobs');

    const adminRes = await ackBody(await app.command('', { user_id: ADMIN }));
    expect(blockText(adminRes?.blocks)).toContain('/platform admin jobs');
    expect(blockText(adminRes?.blocks)).toContain('/platform admin audit [n]');
  });

  it('suggests the closest subcommand for a typo', async () => {
    app = await startTestApp();
    const body = await ackBody(await app.command('admin jbos', { user_id: ADMIN }));
    expect(blockText(body?.blocks)).toContain('did you mean `admin jobs`?');
  });

  it('tells a member that admin commands are not theirs, without running them', async () => {
    app = await startTestApp();
    const body = await ackBody(await app.command('admin audit', { user_id: ENGINEER }));
    expect(body?.text).toContain('is for groundcrew admins');
  });

  it('resolves platform-team membership through the usergroup', async () => {
    app = await startTestApp();
    app.slack.usergroups[PLATFORM_GROUP] = [PLATFORM_ENGINEER];
    await app.event(appHomeOpened(PLATFORM_ENGINEER));
    const [publish] = await app.slack.waitFor('views.publish');
    expect(blockText((publish!.args.view as { blocks: unknown }).blocks)).toContain('Your role: *platform team*');
    expect(app.slack.callsTo('usergroups.users.list')[0]?.args.usergroup).toBe(PLATFORM_GROUP);
  });

  it('rejects unsigned, badly signed and stale requests with 401', async () => {
    app = await startTestApp();
    const body = formEncode({ ...slashCommand('help') });
    expect((await app.post(body, { signed: false })).status).toBe(401);
    const tampered = await fetch(`${app.baseUrl}/slack/events`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-slack-signature': 'v0=0000000000000000000000000000000000000000000000000000000000000000',
      },
    });
    expect(tampered.status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await app.post(body, { timestamp: stale })).status).toBe(401);
    await settled(app);
    expect(app.slack.calls).toEqual([]);
  });

  it('serves /healthz: 200 while the database answers, 503 once it is closed', async () => {
    app = await startTestApp();
    const ok = await fetch(`${app.baseUrl}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, db: 'up' });
    await app.database.close();
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(503);
  });
});

describe('App Home', () => {
  it('publishes the caller’s Home tab with their role and commands', async () => {
    app = await startTestApp();
    await app.event(appHomeOpened(ADMIN));
    const [publish] = await app.slack.waitFor('views.publish');
    expect(publish!.args.user_id).toBe(ADMIN);
    const view = publish!.args.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    const text = blockText(view.blocks);
    expect(text).toContain('Your role: *groundcrew admin*');
    expect(text).toContain('/platform help');
    expect(text).not.toContain('/platform admin jobs');
  });

  it('ignores the Messages tab', async () => {
    app = await startTestApp();
    await app.event({ ...appHomeOpened(ADMIN), tab: 'messages' });
    await app.event(appHomeOpened(ENGINEER));
    const publishes = await app.slack.waitFor('views.publish');
    expect(publishes.map((p) => p.args.user_id)).toEqual([ENGINEER]);
  });
});

describe('event redelivery', () => {
  /** A capability whose event handler is not idempotent: each run posts a message. */
  const probe = defineCapability('probe', (core) => ({
    listeners(bolt) {
      bolt.event('reaction_added', async ({ event }) => {
        await core.client.chat.postMessage({ channel: 'C0PROBE001', text: `${event.user} ${event.reaction}` });
      });
    },
  }));
  const reaction = (user: string) => ({
    type: 'reaction_added',
    user,
    reaction: 'eyes',
    item: { type: 'message', channel: 'C0PROBE001', ts: '1763892000.000100' },
    event_ts: '1763892000.000200',
  });
  const posted = (test: TestApp) => test.slack.callsTo('chat.postMessage').map((c) => c.args.text);

  it('processes a redelivered event once', async () => {
    app = await startTestApp({ capabilities: [probe] });
    await app.event(reaction(ENGINEER), { eventId: 'Ev0DUPLICATE' });
    await app.slack.waitFor('chat.postMessage');
    const retry = await app.event(reaction(ENGINEER), { eventId: 'Ev0DUPLICATE', retryNum: 1 });
    expect(retry.status).toBe(200);
    await app.event(reaction(ADMIN), { eventId: 'Ev0OTHER' });
    await app.slack.waitFor('chat.postMessage', () => true, { count: 2 });
    await settled(app);
    expect(posted(app)).toEqual([`${ENGINEER} eyes`, `${ADMIN} eyes`]);
  });

  it('remembers processed events across a restart', async () => {
    const database = await persistentDb();
    app = await startTestApp({ database, capabilities: [probe] });
    await app.event(reaction(ENGINEER), { eventId: 'Ev0RESTART' });
    await app.slack.waitFor('chat.postMessage');
    await settled(app);
    await app.stop();

    app = await startTestApp({ database, capabilities: [probe] });
    await app.event(reaction(ENGINEER), { eventId: 'Ev0RESTART', retryNum: 2 });
    await app.event(reaction(ADMIN), { eventId: 'Ev0FRESH' });
    await app.slack.waitFor('chat.postMessage');
    await settled(app);
    expect(posted(app)).toEqual([`${ADMIN} eyes`]);
  });

  it('a redelivered Home opening publishes the Home again and leaves no processed-event row', async () => {
    app = await startTestApp();
    await app.event(appHomeOpened(ENGINEER), { eventId: 'Ev0HOMEAGAIN' });
    await app.event(appHomeOpened(ENGINEER), { eventId: 'Ev0HOMEAGAIN', retryNum: 1 });
    const publishes = await app.slack.waitFor('views.publish', () => true, { count: 2 });
    expect(publishes.map((p) => p.args.user_id)).toEqual([ENGINEER, ENGINEER]);
    await settled(app);
    expect(await eventProcessed(app.database, 'Ev0HOMEAGAIN')).toBe(false);
  });
});

describe('admin commands', () => {
  it('lists jobs with schedule and next run, runs one, and audits it', async () => {
    app = await startTestApp();
    const jobs = await ackBody(await app.command('admin jobs', { user_id: ADMIN }));
    const text = blockText(jobs?.blocks);
    expect(text).toContain('`core.prune-events`');
    expect(text).toContain('Schedule `17 3 * * *`');
    expect(text).toContain('never run');

    const run = await app.command('admin run core.prune-events', { user_id: ADMIN });
    expect(run.status).toBe(200);
    const [reply] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('core.prune-events'));
    expect(reply!.args.text).toContain('ran successfully');

    const audit = await ackBody(await app.command('admin audit 5', { user_id: ADMIN }));
    expect(blockText(audit?.blocks)).toContain('*admin.run-job* on `job:core.prune-events`');
  });

  it('explains an unknown job and a bad count', async () => {
    app = await startTestApp();
    const unknown = await ackBody(await app.command('admin run nope', { user_id: ADMIN }));
    expect(unknown?.text).toContain('There is no job `nope`');
    expect(unknown?.text).toContain('`core.prune-events`');
    const bad = await ackBody(await app.command('admin audit lots', { user_id: ADMIN }));
    expect(bad?.text).toContain('`lots` is not a count');
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight handler finish before stopping, and then refuses new connections', async () => {
    const held = gate();
    let finished = false;
    const slow = defineCapability('slow', () => ({
      commands: [
        {
          name: 'slow',
          usage: 'slow',
          summary: 'waits',
          minRole: 'member',
          async handle(ctx) {
            await ctx.ackNow();
            await held.opened;
            await ctx.reply('done waiting');
            finished = true;
          },
        },
      ],
    }));
    app = await startTestApp({ capabilities: [slow] });
    expect((await app.command('slow')).status).toBe(200);
    expect(app.groundcrew.slack.inFlight()).toBe(1);
    // stop() is already draining when the handler is let go.
    const stopping = app.groundcrew.stop(5000);
    held.open();
    await stopping;
    expect(finished).toBe(true);
    expect(app.slack.callsTo('response_url').map((c) => c.args.text)).toEqual(['done waiting']);
    await expect(fetch(`${app.baseUrl}/healthz`)).rejects.toThrow();
  });
});

describe('role lookup failures', () => {
  it('treats the caller as a member when the usergroup cannot be read, and still answers', async () => {
    app = await startTestApp();
    app.slack.failWith('usergroups.users.list', 'missing_scope');
    const body = await ackBody(await app.command('help', { user_id: PLATFORM_ENGINEER }));
    expect(body?.text).toContain('/platform commands');
  });
});

describe('unknown flags', () => {
  it('refuses a flag the command does not take, naming the nearest, and does nothing', async () => {
    app = await startTestApp();
    const body = await ackBody(await app.command('admin audit 5 --limt 3', { user_id: ADMIN }));
    expect(body?.text).toContain('Unknown flag --limt');
    expect(body?.text).toContain('It takes no flags');
    await settled(app);
    expect(app.slack.calls).toEqual([]);
  });
});
