import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/communities/slack/ids.js';
import { blockText, ENGINEER, type TestApp } from '../support/harness.js';
import { appHomeOpened } from '../support/payloads.js';
import {
  A,
  answers,
  B,
  C,
  click,
  D,
  FRONTEND_CHANNEL,
  jumpTo,
  LEAD,
  MEETUP_KEY,
  posts,
  REVIEW_KEY,
  startCommunitiesApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('communities: RSVP with a capacity, waitlist, minimum attendees', () => {
  it('fills the places, waitlists the rest first come first, and promotes (and tells) when someone drops', async () => {
    app = await startCommunitiesApp();
    for (const user of [A, B, C, D]) await click(app, user, IDS.going, MEETUP_KEY);
    expect(answers(app)).toEqual([
      expect.stringContaining('You are going to *Frontend meetup*'),
      expect.stringContaining('You are going to *Frontend meetup*'),
      expect.stringContaining('number 1 on the waitlist'),
      expect.stringContaining('number 2 on the waitlist'),
    ]);
    // Going again keeps one's place.
    await click(app, C, IDS.going, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('number 1 on the waitlist');

    await click(app, A, IDS.notGoing, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('not going');
    // C was first on the waitlist: promoted and told; D is not.
    expect(posts(app, C, 'A place opened up', 'Frontend meetup')).toHaveLength(1);
    expect(posts(app, D, 'A place opened up')).toHaveLength(0);
    await click(app, D, IDS.going, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('number 1 on the waitlist');

    // The day-before reminder goes to those going (B, C), not to the waitlist or to who dropped.
    await jumpTo(app, '2026-11-25T09:00:00Z');
    expect(
      posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup', '2 of 2 going, 1 on the waitlist'),
    ).toHaveLength(1);
    for (const user of [B, C]) expect(posts(app, user, 'Coming up', 'Frontend meetup')).toHaveLength(1);
    for (const user of [A, D]) expect(posts(app, user, 'Coming up')).toHaveLength(0);
  });

  it('calls off an event short of its minimum at T-1 day and tells who answered, with no reminder', async () => {
    app = await startCommunitiesApp();
    await click(app, ENGINEER, IDS.going, REVIEW_KEY);
    // T-1 day: Thursday 14:00 Berlin (13:00 UTC); one going, two needed.
    await jumpTo(app, '2026-11-26T12:59:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off')).toHaveLength(0);
    await jumpTo(app, '2026-11-26T13:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off', 'only 1 going, 2 needed')).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Design review', 'called off')).toHaveLength(1);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Design review')).toHaveLength(0);
    // Called off: no answers taken, and no 15-minute reminder.
    await click(app, LEAD, IDS.going, REVIEW_KEY);
    expect(answers(app).at(-1)).toContain('called off');
    await jumpTo(app, '2026-11-27T12:50:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Starting in 15 minutes', 'Design review')).toHaveLength(0);
  });

  it('goes ahead when enough people are going', async () => {
    app = await startCommunitiesApp();
    await click(app, ENGINEER, IDS.going, REVIEW_KEY);
    await click(app, LEAD, IDS.going, REVIEW_KEY);
    await jumpTo(app, '2026-11-26T13:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off')).toHaveLength(0);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Design review', '2 going')).toHaveLength(1);
  });

  it('shows the person’s next events on their Home tab, waitlisted ones marked', async () => {
    app = await startCommunitiesApp();
    await click(app, A, IDS.going, MEETUP_KEY);
    await click(app, B, IDS.going, MEETUP_KEY);
    await click(app, C, IDS.going, MEETUP_KEY);
    await click(app, C, IDS.going, REVIEW_KEY);
    const home = async (userId: string) => {
      app!.slack.reset();
      await app!.event(appHomeOpened(userId));
      const [publish] = await app!.slack.waitFor('views.publish', (c) => c.args.user_id === userId);
      return blockText((publish!.args.view as { blocks: unknown[] }).blocks);
    };
    const mine = await home(C);
    expect(mine).toContain('My next events');
    expect(mine).toMatch(/\*Frontend meetup\* — Thu 26 Nov 2026, 10:00–11:00 Berlin time — _on the waitlist_/);
    expect(mine).toMatch(/\*Design review\* — Fri 27 Nov 2026, 14:00–15:00 Berlin time(?! — _on)/);
    expect(mine.indexOf('Frontend meetup')).toBeLessThan(mine.indexOf('Design review'));
    expect(await home(D)).not.toContain('My next events');
  });

  it('/platform communities stats: members, events held, average going and agenda items per community', async () => {
    app = await startCommunitiesApp();
    app.slack.on('conversations.members', (args) => ({
      ok: true,
      members: args.channel === FRONTEND_CHANNEL ? [A, B, C, ENGINEER] : [A],
      response_metadata: { next_cursor: '' },
    }));
    await click(app, A, IDS.going, MEETUP_KEY);
    await click(app, B, IDS.going, MEETUP_KEY);
    await click(app, A, IDS.going, REVIEW_KEY);
    await click(app, B, IDS.going, REVIEW_KEY);
    // Held: the meetup (Thu) and the review (Fri) with 2 going each; the forum (Wed) was called off (no agenda).
    for (const day of ['24', '25', '26', '27', '28']) await jumpTo(app, `2026-11-${day}T12:00:00Z`);
    await app.command('communities stats', { user_id: ENGINEER });
    const [reply] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('last 90 days'));
    const body = blockText(reply!.args.blocks);
    expect(body).toContain(
      '*Frontend guild*: 4 members · 2 events held · 2 going per event · 0 there per event · 0 agenda items',
    );
    expect(body).toContain(
      '*Platform office hours*: 1 member · 1 event held · 0 going per event · 0 there per event · 0 agenda items',
    );
  });

  it("takes I'm here from 15 minutes before the start to the end, once per person, and counts it as attendance", async () => {
    app = await startCommunitiesApp();
    await click(app, A, IDS.going, MEETUP_KEY);
    // Too early (Monday for Thursday 10:00 Berlin).
    await click(app, A, IDS.checkIn, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('Check-in opens 15 minutes before the start');

    // The 15-minute reminder carries the button, in the channel and in the DM of the person going.
    await jumpTo(app, '2026-11-25T09:00:00Z');
    await jumpTo(app, '2026-11-26T08:45:00Z');
    const [soon] = posts(app, FRONTEND_CHANNEL, 'Starting in 15 minutes', 'Frontend meetup');
    expect(JSON.stringify(soon!.args.blocks)).toContain(`"action_id":"${IDS.checkIn}"`);
    const [dm] = posts(app, A, 'Starting in 15 minutes', 'Frontend meetup');
    expect(JSON.stringify(dm!.args.blocks)).toContain(`"action_id":"${IDS.checkIn}"`);
    // The day-before reminder does not.
    const [day] = posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup');
    expect(JSON.stringify(day!.args.blocks)).not.toContain(IDS.checkIn);

    await click(app, A, IDS.checkIn, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('Checked in to *Frontend meetup*');
    await click(app, A, IDS.checkIn, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('already checked in');
    await click(app, B, IDS.checkIn, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('Checked in');
    // Closed at the end (11:00 Berlin).
    await jumpTo(app, '2026-11-26T10:00:00Z');
    await click(app, C, IDS.checkIn, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('closes at the end');

    // Held so far in the frontend guild: the meetup (1 going, 2 there); the forum was called off (no agenda).
    await app.command('communities stats', { user_id: ENGINEER });
    const [reply] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('last 90 days'));
    expect(blockText(reply!.args.blocks)).toContain(
      '*Frontend guild*: 0 members · 1 event held · 1 going per event · 2 there per event · 0 agenda items',
    );
  });
});
