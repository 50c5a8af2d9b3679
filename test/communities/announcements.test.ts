import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { createCommunitiesRepo } from '../../src/communities/repo.js';
import { IDS } from '../../src/communities/slack/ids.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { persistentDb } from '../support/persistent-db.js';
import { settled } from '../support/wait.js';
import {
  click,
  FRONTEND_CHANNEL,
  jump,
  jumpTo,
  MEETUP_KEY,
  PLATFORM_CHANNEL,
  posts,
  REVIEW_KEY,
  startCommunitiesApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('communities: digest and reminders on the scheduler', () => {
  it('posts the digest and each reminder once, at its time, and nothing again after a restart', async () => {
    const database = await persistentDb();
    app = await startCommunitiesApp({ database });
    await click(app, ENGINEER, IDS.going, MEETUP_KEY);

    // Monday 08:30 → 08:50 Berlin: the digest (Mondays 09:00) is not due yet.
    await jump(app, 20 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'This week in the communities')).toHaveLength(0);
    // 09:00 Berlin: the digest, once, listing the meetup and the holiday-free week.
    await jump(app, 10 * MINUTE);
    const digest = posts(app, FRONTEND_CHANNEL, 'This week in the communities');
    expect(digest).toHaveLength(1);
    expect(posts(app, FRONTEND_CHANNEL, 'This week in the communities', 'Frontend meetup')).toHaveLength(1);
    await jump(app, MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'This week in the communities')).toHaveLength(1);

    // The day before (Wednesday 10:00 Berlin = 09:00 UTC): not a minute early, then once.
    await jumpTo(app, '2026-11-25T08:59:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(0);
    await jump(app, MINUTE);
    const dayBefore = posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup');
    expect(dayBefore).toHaveLength(1);
    expect(dayBefore[0]!.args.text).toContain('Frontend meetup');
    expect(posts(app, ENGINEER, 'Coming up', 'Frontend meetup', 'you are going', 'meet.example.com')).toHaveLength(1);
    await jump(app, MINUTE);
    await jump(app, 30 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(1);

    // 15 minutes before (Thursday 09:45 Berlin = 08:45 UTC).
    await jumpTo(app, '2026-11-26T08:44:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Starting in 15 minutes', 'Frontend meetup')).toHaveLength(0);
    await jump(app, MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Starting in 15 minutes', 'Frontend meetup')).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Starting in 15 minutes', 'Frontend meetup')).toHaveLength(1);
    await app.stop();

    // A restart on the same database, five minutes later: the catch-up run finds everything announced.
    app = await startCommunitiesApp({ database, clock: '2026-11-26T08:50:00Z' });
    const runs = await app.groundcrew.services.scheduler.runMissed();
    expect(runs.map((r) => [r.job, r.outcome])).toContainEqual(['communities.announcements', 'ok']);
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
  });
});

describe('communities: a failed post is retried, never lost, never doubled', () => {
  it('gives the claim back when chat.postMessage fails and posts once on the next minute', async () => {
    app = await startCommunitiesApp({ clock: '2026-11-25T08:58:00Z' });
    await click(app, ENGINEER, IDS.going, MEETUP_KEY);
    // The day-before reminder (Wednesday 09:00 UTC) fails once in the channel, and the DM fails once too.
    await jump(app, MINUTE); // 08:59: what fell due earlier (the forum's agenda request) is caught up first.
    app.slack.refuse('chat.postMessage', (a) => a.channel === FRONTEND_CHANNEL, 'internal_error');
    await expect(jump(app, MINUTE)).rejects.toThrow(/announcement\(s\) failed, retried next minute/);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(1); // the refused call
    expect(posts(app, ENGINEER, 'Coming up', 'Frontend meetup')).toHaveLength(0);
    app.slack.refuse('chat.postMessage', (a) => a.channel === ENGINEER, 'internal_error');
    // The next minute takes it again: one more channel post (accepted), the DM tried once (refused, recorded).
    await jump(app, MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(2);
    const dm = `dm:${ENGINEER}:reminder-day@2026-11-26T09:00:00.000Z`;
    const outcomes = async () =>
      (await createCommunitiesRepo(app!.database).announcements(MEETUP_KEY)).map((c) => [c.kind, c.outcome, c.tries]);
    expect(await outcomes()).toEqual([
      ['reminder-day@2026-11-26T09:00:00.000Z', 'posted', 0],
      [dm, 'failed: An API error occurred: internal_error', 1],
    ]);
    // The minute after, the DM is tried again and Slack takes it: sent once, recorded, never again.
    await jump(app, MINUTE);
    expect(posts(app, ENGINEER, 'Coming up', 'Frontend meetup')).toHaveLength(2); // refused, then taken
    expect((await outcomes())[1]).toEqual([dm, 'posted', 2]);
    await jump(app, 10 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(2);
    expect(posts(app, ENGINEER, 'Coming up', 'Frontend meetup')).toHaveLength(2);
  });

  it('a refused agenda request is posted on the next minute, with its post recorded for the thread', async () => {
    app = await startCommunitiesApp({ clock: '2026-11-23T13:58:00Z' });
    await jump(app, MINUTE);
    app.slack.refuse('chat.postMessage', (a) => a.channel === FRONTEND_CHANNEL, 'transport');
    await expect(jump(app, MINUTE)).rejects.toThrow(/agenda-request of fe-forum/);
    await jump(app, MINUTE);
    const requests = posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Architecture forum');
    expect(requests.length).toBeGreaterThanOrEqual(2); // the refused attempt(s), then the one that went out
    const claims = await createCommunitiesRepo(app.database).announcements('fe-forum@2026-11-25T14:00:00Z');
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({ outcome: 'posted', channel: FRONTEND_CHANNEL, ts: expect.any(String) });
    await jump(app, 5 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Architecture forum')).toHaveLength(requests.length);
  });

  it('a refused digest is taken again by the per-minute run, once, and only in the channel that failed', async () => {
    app = await startCommunitiesApp({ clock: '2026-11-23T07:59:00Z' });
    const isDigest = (a: Record<string, unknown>) =>
      a.channel === FRONTEND_CHANNEL && String(a.text).includes('This week in the communities');
    app.slack.refuse('chat.postMessage', isDigest, 'internal_error');
    await expect(jump(app, MINUTE)).rejects.toThrow(/digest in C0FRONT001/);
    expect(posts(app, PLATFORM_CHANNEL, 'This week in the communities')).toHaveLength(1);
    await jump(app, MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'This week in the communities')).toHaveLength(2); // refused, then posted
    await jump(app, 10 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'This week in the communities')).toHaveLength(2);
    expect(posts(app, PLATFORM_CHANNEL, 'This week in the communities')).toHaveLength(1);
  });
});

describe('communities: a claim whose post never finished', () => {
  it('is taken again once its lease ran out (the process died after claiming), and posted once', async () => {
    const database = await persistentDb();
    app = await startCommunitiesApp({ database, clock: '2026-11-25T08:58:00Z' });
    await click(app, ENGINEER, IDS.going, MEETUP_KEY);
    await jump(app, MINUTE); // 08:59: what fell due earlier (the forum's agenda request) is done
    // 09:00: the run claims the day-before reminder (its first step), and the process is gone before it posts.
    const kind = 'reminder-day@2026-11-26T09:00:00.000Z';
    expect(
      await createCommunitiesRepo(app.database).claimAnnouncement(MEETUP_KEY, kind, new Date('2026-11-25T09:00:00Z')),
    ).not.toBeNull();
    await app.stop();

    // A new process on the same database: while the lease (40 minutes) runs, the claim is someone else's.
    app = await startCommunitiesApp({ database, clock: '2026-11-25T09:00:00Z' });
    await jumpTo(app, '2026-11-25T09:39:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(0);
    // Then it is taken again and posted, once, with the DM.
    await jumpTo(app, '2026-11-25T09:40:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Coming up', 'Frontend meetup')).toHaveLength(1);
    await jump(app, 10 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(1);
    const claims = await createCommunitiesRepo(app.database).announcements(MEETUP_KEY);
    expect(claims.map((c) => [c.kind, c.outcome])).toEqual([
      [kind, 'posted'],
      [`dm:${ENGINEER}:${kind}`, 'posted'],
    ]);
  });
});

describe('communities: DMs and call-off notices are retried, a bounded number of times', () => {
  it('a refused call-off notice (dropped connection) and DM (an error) go out on the next run, once', async () => {
    // The design review (Friday 14:00 Berlin) needs two going; its T-1 day check is Thursday 13:00 UTC.
    app = await startCommunitiesApp({ clock: '2026-11-26T12:58:00Z' });
    await click(app, ENGINEER, IDS.going, REVIEW_KEY);
    await jump(app, MINUTE);
    app.slack.refuse(
      'chat.postMessage',
      (a) => a.channel === FRONTEND_CHANNEL && /called off/.test(String(a.text)),
      'transport',
    );
    app.slack.refuse('chat.postMessage', (a) => a.channel === ENGINEER, 'internal_error');
    await jump(app, MINUTE); // 13:00: called off; Slack refuses both
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off')).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Design review', 'called off')).toHaveLength(1);
    await jump(app, MINUTE); // tried again: both taken
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off')).toHaveLength(2);
    expect(posts(app, ENGINEER, 'Design review', 'called off')).toHaveLength(2);
    await jump(app, 10 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off')).toHaveLength(2);
    expect(posts(app, ENGINEER, 'Design review', 'called off')).toHaveLength(2);
    const rows = await createCommunitiesRepo(app.database).announcements(REVIEW_KEY);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([
      ['decision@2026-11-27T13:00:00.000Z', 'cancel: too-few'],
      ['notice:call-off@2026-11-27T13:00:00.000Z', 'posted'],
      [`dm:${ENGINEER}:call-off@2026-11-27T13:00:00.000Z`, 'posted'],
    ]);
  });

  it('a DM Slack keeps refusing is tried 5 times, then given up with an audit entry', async () => {
    app = await startCommunitiesApp({ clock: '2026-11-25T08:58:00Z' });
    await click(app, ENGINEER, IDS.going, MEETUP_KEY);
    await jump(app, MINUTE);
    app.slack.refuse('chat.postMessage', (a) => a.channel === ENGINEER, 'ratelimited', 100);
    for (let minute = 0; minute < 10; minute++) await jump(app, MINUTE); // one run a minute, 09:00 to 09:09
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Coming up', 'Frontend meetup')).toHaveLength(5);
    const rows = await createCommunitiesRepo(app.database).announcements(MEETUP_KEY);
    expect(rows[1]).toMatchObject({
      tries: 5,
      outcome: expect.stringMatching(/^gave up after 5 tries: .*ratelimited/),
    });
    const audit = await app.groundcrew.services.audit.latest(10);
    expect(audit.find((e) => e.action === 'communities.delivery-gave-up')).toMatchObject({
      actor: 'system',
      outcome: 'failed',
      target: `occurrence:${MEETUP_KEY}`,
    });
  });
});
