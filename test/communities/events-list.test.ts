import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, MINUTE } from '../../src/clock.js';
import { ackBody, blockText, ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import {
  communitiesConfig,
  FRONTEND_CHANNEL,
  jump,
  MONDAY_MORNING,
  PLATFORM_CHANNEL,
  posts,
  startCommunitiesApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function eventsReply(a: TestApp, userId = ENGINEER, command = 'events'): Promise<string> {
  const body = await ackBody(await a.command(command, { user_id: userId }));
  return `${String(body?.text ?? '')}\n${blockText(body?.blocks)}`;
}

describe('communities: holidays said in /platform events and the digest', () => {
  it('/platform events lists the occurrence a holiday skips, with the holiday', async () => {
    // Monday 14 December 2026: Thursday 24 December (Christmas Eve) is within the next 14 days.
    app = await startCommunitiesApp({ clock: '2026-12-14T08:00:00Z' });
    const text = await eventsReply(app);
    expect(text).toContain('No Frontend meetup on 2026-12-24 (Christmas Eve)');
    expect(text).toContain('Frontend meetup'); // the 17th is still listed
  });

  it('the digest of a week with a holiday says which occurrence is skipped and why', async () => {
    // Monday 21 December 2026, 08:58 Berlin: the digest is at 09:00.
    app = await startCommunitiesApp({ clock: '2026-12-21T07:58:00Z' });
    await jump(app, 2 * MINUTE);
    const digest = posts(app, FRONTEND_CHANNEL, 'This week in the communities');
    expect(digest).toHaveLength(1);
    expect(
      posts(app, FRONTEND_CHANNEL, 'This week in the communities', 'No Frontend meetup on 2026-12-24 (Christmas Eve)'),
    ).toHaveLength(1);
    // The platform channel's digest has its own office hours and no frontend holiday line.
    expect(posts(app, PLATFORM_CHANNEL, 'This week in the communities', 'No Frontend meetup')).toHaveLength(0);
  });
});

describe('communities: /platform events in the person’s own zone', () => {
  it('shows the times in the zone users.info gives, with the series’ wall clock beside them', async () => {
    app = await startCommunitiesApp();
    app.slack.on('users.info', (args) => ({
      ok: true,
      user: { id: args.user, name: 'ny', real_name: 'NY', tz: 'America/New_York' },
    }));
    const text = await eventsReply(app);
    // Thursday 26 November 10:00 Berlin is 04:00 in New York.
    expect(text).toMatch(/04:00.{0,40}New York.{0,40}\(10:00 Berlin/);
  });
});

describe('communities: a long /platform events list', () => {
  it('shows 15 and says how many more there are and how to see them', async () => {
    // A daily platform stand-up besides the four weekly series: 14 + 8 = 22 occurrences in the next 14 days.
    const config = communitiesConfig() as { series: Record<string, unknown>[] };
    config.series.push({
      id: 'standup',
      community: 'platform',
      title: 'Platform stand-up',
      recurrence: 'FREQ=DAILY',
      start: '2026-11-23 11:00',
      duration: '15m',
    });
    app = await startTestApp({ team: { communities: config }, clock: createManualClock(MONDAY_MORNING) });
    const all = await eventsReply(app);
    expect(all).toContain('…and 7 more events in the next 14 days, not shown here');
    expect(all).toContain("`/platform events &lt;community&gt;` lists one community's (frontend, platform)");
    expect(all).toContain('`/platform events feed`');
    // One community: 14 stand-ups and 2 office hours; the one more is named in the singular, no narrowing offered.
    const platform = await eventsReply(app, ENGINEER, 'events platform');
    expect(platform).toContain('…and 1 more event in the next 14 days');
    expect(platform).not.toContain('lists one community');
    // A short list says nothing of the kind.
    await app.stop();
    app = await startCommunitiesApp();
    expect(await eventsReply(app)).not.toContain('more event');
  });
});
