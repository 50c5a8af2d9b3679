import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { createCommunitiesRepo } from '../../src/communities/repo.js';
import { IDS } from '../../src/communities/slack/ids.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { A, B, C, click, jump, jumpTo, MEETUP_KEY, OFFICE_HOURS_KEY, posts, startCommunitiesApp } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** The tries of a DM to `channel` containing `part`; the fake Slack refuses the first, so `taken` is one fewer. */
function dms(channel: string, part: string): { tries: number; taken: number } {
  const tries = posts(app!, channel, part).length;
  return { tries, taken: Math.max(0, tries - 1) };
}

describe('communities: the promotion and "next one opens" DMs survive a refusal', () => {
  it('"A place opened up": refused once, sent by the next per-minute run, then never again', async () => {
    app = await startCommunitiesApp();
    for (const user of [ENGINEER, A, B]) await click(app, user, IDS.going, MEETUP_KEY); // capacity 2: B waits
    app.slack.refuse('chat.postMessage', (a) => a.channel === B, 'ratelimited', 1);
    await click(app, A, IDS.notGoing, MEETUP_KEY); // B moves up; Slack refuses the DM
    expect(dms(B, 'A place opened up')).toEqual({ tries: 1, taken: 0 });
    const repo = createCommunitiesRepo(app.database);
    const row = () => repo.announcements(MEETUP_KEY).then((rows) => rows.find((r) => r.kind.includes(':promoted@')));
    expect(await row()).toMatchObject({ kind: expect.stringContaining(`dm:${B}:promoted@`), tries: 1 });
    expect((await row())?.outcome).toMatch(/^failed: .*ratelimited/);

    await jump(app, MINUTE);
    expect(dms(B, 'A place opened up')).toEqual({ tries: 2, taken: 1 });
    expect(await row()).toMatchObject({ outcome: 'posted', tries: 2 });
    await jump(app, 3 * MINUTE);
    expect(dms(B, 'A place opened up')).toEqual({ tries: 2, taken: 1 });
  });

  it('a promotion DM is not sent late to someone who dropped meanwhile', async () => {
    app = await startCommunitiesApp();
    for (const user of [ENGINEER, A, B]) await click(app, user, IDS.going, MEETUP_KEY);
    app.slack.refuse('chat.postMessage', (a) => a.channel === B, 'ratelimited', 1);
    await click(app, A, IDS.notGoing, MEETUP_KEY);
    await click(app, B, IDS.notGoing, MEETUP_KEY);
    await jump(app, MINUTE);
    expect(dms(B, 'A place opened up')).toEqual({ tries: 1, taken: 0 });
    const rows = await createCommunitiesRepo(app.database).announcements(MEETUP_KEY);
    expect(rows.find((r) => r.kind.includes(':promoted@'))?.outcome).toMatch(/^gave up after 1 tries: no longer going/);
  });

  it('"next one opens": a refused DM keeps the follow and is sent the next minute, once', async () => {
    app = await startCommunitiesApp();
    await click(app, C, IDS.follow, OFFICE_HOURS_KEY);
    const repo = createCommunitiesRepo(app.database);
    app.slack.refuse('chat.postMessage', (a) => a.channel === C, 'ratelimited', 1);
    // The day before the office hours (Monday 16:00 Berlin): announced, and the follower's DM refused.
    await jumpTo(app, '2026-11-23T15:00:00Z');
    expect(dms(C, 'is open for sign-ups')).toEqual({ tries: 1, taken: 0 });
    expect(await repo.follows('office-hours', C)).toBe(true);

    await jump(app, MINUTE);
    expect(dms(C, 'is open for sign-ups')).toEqual({ tries: 2, taken: 1 });
    expect(await repo.follows('office-hours', C)).toBe(false);
    // The next week's announcement: the follow was used, nothing more.
    await jumpTo(app, '2026-11-30T15:01:00Z');
    expect(dms(C, 'is open for sign-ups')).toEqual({ tries: 2, taken: 1 });
  });
});
