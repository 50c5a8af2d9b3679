import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { createCommunitiesRepo } from '../../src/communities/repo.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import {
  A,
  B,
  communitiesConfig,
  FORUM_KEY,
  FRONTEND_CHANNEL,
  jumpTo,
  MONDAY_MORNING,
  posts,
  startCommunitiesApp,
  text,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

let replyTs = 0;
/** A person's reply in a thread, as Slack sends it (message.channels). */
function reply(threadTs: string, user: string, body: string, extra: Record<string, unknown> = {}) {
  const ts = `1767300000.${String(++replyTs).padStart(6, '0')}`;
  return {
    type: 'message',
    channel: FRONTEND_CHANNEL,
    channel_type: 'channel',
    user,
    text: body,
    ts,
    event_ts: ts,
    thread_ts: threadTs,
    parent_user_id: 'U0BOT0001',
    client_msg_id: `c-${replyTs}`,
    team: 'T04ABCD1EFG',
    ...extra,
  };
}

async function agendaRequestTs(test: TestApp): Promise<string> {
  const rows = await createCommunitiesRepo(test.database).announcements(FORUM_KEY);
  const request = rows.find((r) => r.kind.startsWith('agenda-request@'));
  if (!request?.ts || request.channel !== FRONTEND_CHANNEL) throw new Error('no agenda request posted');
  return request.ts;
}

const agenda = async (test: TestApp) =>
  (await createCommunitiesRepo(test.database).agenda(FORUM_KEY)).map((a) => `${a.userId}: ${a.text}`);

describe('communities: agenda items from replies in the agenda request’s thread', () => {
  it('takes people’s replies (a redelivery once; bots, edits, deletions and other threads not), lists them, and keeps the week', async () => {
    app = await startCommunitiesApp();
    // Two days before Wednesday 15:00 Berlin: the request asks for replies in its thread.
    await jumpTo(app, '2026-11-23T14:00:00Z');
    const [request] = posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Architecture forum', 'Reply in this thread');
    expect(request).toBeDefined();
    const thread = await agendaRequestTs(app);

    const first = reply(thread, A, 'Monorepo build times');
    expect((await app.event(first, { eventId: 'Ev0AGENDA01' })).status).toBe(200);
    await settled(app);
    // Slack redelivers the same event: still one item.
    await app.event(first, { eventId: 'Ev0AGENDA01', retryNum: 1 });
    await settled(app);
    expect(await agenda(app)).toEqual([`${A}: Monorepo build times`]);

    // Not agenda items: a bot's reply, an edit, a deletion, a top-level message, a reply in another thread.
    await app.event(reply(thread, 'U0OTHERBOT', 'I am a bot', { bot_id: 'B0OTHER01' }), { eventId: 'Ev0AGENDA02' });
    await app.event(
      {
        type: 'message',
        subtype: 'message_changed',
        channel: FRONTEND_CHANNEL,
        hidden: true,
        message: { ...reply(thread, A, 'Monorepo build times (edited)'), edited: { user: A, ts: '1767300001.000000' } },
        ts: '1767300001.000000',
        event_ts: '1767300001.000000',
        channel_type: 'channel',
      },
      { eventId: 'Ev0AGENDA03' },
    );
    await app.event(
      {
        type: 'message',
        subtype: 'message_deleted',
        channel: FRONTEND_CHANNEL,
        hidden: true,
        deleted_ts: first.ts,
        ts: '1767300002.000000',
        event_ts: '1767300002.000000',
        channel_type: 'channel',
      },
      { eventId: 'Ev0AGENDA04' },
    );
    const { thread_ts: _t, parent_user_id: _p, ...topLevel } = reply(thread, B, 'not in the thread');
    await app.event(topLevel, { eventId: 'Ev0AGENDA05' });
    await app.event(reply('1767225600.999999', B, 'another thread'), { eventId: 'Ev0AGENDA06' });
    // The last event a person sends in the thread shows the ones before it were handled.
    await app.event(reply(thread, B, 'Dependency upgrades'), { eventId: 'Ev0AGENDA07' });
    // Items are listed in the order they were stored; events run side by side (on PostgreSQL several at once), so
    // the next reply is sent once this one is in, as a person would reply after seeing the list.
    await eventually(async () => (await agenda(app!)).length === 2, { what: "B's item stored" });
    // A reply also sent to the channel is a reply too.
    await app.event(reply(thread, A, 'Flaky tests', { subtype: 'thread_broadcast' }), { eventId: 'Ev0AGENDA09' });
    await settled(app);
    expect(await agenda(app)).toEqual([`${A}: Monorepo build times`, `${B}: Dependency upgrades`, `${A}: Flaky tests`]);

    // The request post is rewritten to list the items so far.
    const updates = app.slack.callsTo('chat.update').filter((c) => c.args.ts === thread);
    expect(updates).toHaveLength(3);
    expect(text(updates.at(-1)!)).toContain('1. Monorepo build times');
    expect(text(updates.at(-1)!)).toContain('2. Dependency upgrades');

    // T-1 day: items arrived, so no call-off; the reminder lists them in order.
    await jumpTo(app, '2026-11-24T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Architecture forum', 'called off')).toHaveLength(0);
    const [reminder] = posts(app, FRONTEND_CHANNEL, 'Coming up', 'Architecture forum');
    expect(text(reminder!)).toMatch(/1\. Monorepo build times[\s\S]*2\. Dependency upgrades/);

    // Once the event has started, replies in the old thread add nothing.
    await jumpTo(app, '2026-11-25T14:30:00Z');
    await app.event(reply(thread, A, 'too late'), { eventId: 'Ev0AGENDA08' });
    await settled(app);
    expect(await agenda(app)).toHaveLength(3);
  });

  it('calls the week off when its thread got no replies (cancel-if-empty reads the same items)', async () => {
    app = await startCommunitiesApp();
    await jumpTo(app, '2026-11-23T14:00:00Z');
    const thread = await agendaRequestTs(app);
    // Only a bot answered in the thread.
    await app.event(reply(thread, 'U0OTHERBOT', 'beep', { bot_id: 'B0OTHER01' }), { eventId: 'Ev0EMPTY001' });
    await settled(app);
    await jumpTo(app, '2026-11-24T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Architecture forum', 'called off', 'no agenda items arrived')).toHaveLength(1);
  });
});

describe('communities: an empty agenda with ifEmpty: async', () => {
  it('announces the week as going async at T-1 day instead of calling it off, and still reminds', async () => {
    const config = communitiesConfig();
    config.series = (config.series as { id: string; agenda?: unknown }[]).map((s) =>
      s.id === 'fe-forum' ? { ...s, agenda: { daysBefore: 2, ifEmpty: 'async' } } : s,
    );
    app = await startTestApp({ team: { communities: config }, clock: createManualClock(MONDAY_MORNING) });
    await jumpTo(app, '2026-11-23T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Architecture forum')).toHaveLength(1);
    await jumpTo(app, '2026-11-24T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Architecture forum', 'goes async this time')).toHaveLength(1);
    expect(posts(app, FRONTEND_CHANNEL, 'Architecture forum', 'called off')).toHaveLength(0);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Architecture forum')).toHaveLength(1);
  });
});
