import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, MINUTE } from '../../src/clock.js';
import { IDS } from '../../src/communities/slack/ids.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { persistentDb } from '../support/persistent-db.js';
import { createTwinReader } from './db.js';
import { A, B, C, click, communitiesConfig, jump, MEETUP_KEY, posts, startCommunitiesApp } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** The test configuration with the meetup's capacity set to `capacity`. */
function withMeetupCapacity(capacity: number): Record<string, unknown> {
  const config = communitiesConfig() as { series: { id: string; capacity?: number }[] };
  for (const s of config.series) if (s.id === 'fe-meetup') s.capacity = capacity;
  return config as Record<string, unknown>;
}

describe('communities: a raised capacity', () => {
  it('moves the waitlist up (and tells each one) on the next per-minute run, once', async () => {
    const database = await persistentDb();
    app = await startCommunitiesApp({ database });
    for (const user of [ENGINEER, A, B, C]) await click(app, user, IDS.going, MEETUP_KEY);
    const reader = createTwinReader(app.database);
    expect((await reader.rsvps(MEETUP_KEY)).map((r) => r.status)).toEqual([
      'going',
      'going',
      'waitlisted',
      'waitlisted',
    ]);
    await app.stop();

    // The capacity goes from 2 to 3 in groundcrew.yml; the app restarts on the same database.
    app = await startTestApp({
      team: { communities: withMeetupCapacity(3) },
      clock: createManualClock('2026-11-23T08:00:00Z'),
      database,
    });
    await jump(app, MINUTE);
    const after = await createTwinReader(app.database).rsvps(MEETUP_KEY);
    expect(after).toEqual([
      { userId: ENGINEER, status: 'going' },
      { userId: A, status: 'going' },
      { userId: B, status: 'going' },
      { userId: C, status: 'waitlisted' },
    ]);
    expect(posts(app, B, 'A place opened up', 'Frontend meetup')).toHaveLength(1);
    expect(posts(app, C, 'A place opened up')).toHaveLength(0);
    // The next runs promote nobody again, and B is told once.
    await jump(app, 2 * MINUTE);
    expect(posts(app, B, 'A place opened up')).toHaveLength(1);
    expect((await app.groundcrew.services.audit.latest(5)).map((e) => [e.actor, e.action])).toContainEqual([
      'system',
      'communities.rsvp',
    ]);
  });
});
