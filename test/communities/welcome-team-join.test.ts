import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { communitiesConfig, MONDAY_MORNING, NEWBIES_CHANNEL, posts, startCommunitiesApp, text } from './support.js';

const NEWCOMER = 'U0NEWBIE77';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const teamJoin = (a: TestApp, eventId?: string) =>
  a.event(
    { type: 'team_join', user: { id: NEWCOMER, name: 'newbie', team_id: 'T04ABCD1EFG' } },
    eventId ? { eventId } : {},
  );

describe('communities: welcome on team_join', () => {
  it('without a welcome channel, DMs someone joining the workspace the communities, once', async () => {
    const config = { ...communitiesConfig(), welcome: { message: 'Hello and welcome.' } };
    app = await startTestApp({ team: { communities: config }, clock: createManualClock(MONDAY_MORNING) });
    expect((await teamJoin(app)).status).toBe(200);
    await settled(app);
    const welcome = posts(app, NEWCOMER, 'Hello and welcome.', 'Frontend guild', 'Platform office hours');
    expect(welcome).toHaveLength(1);
    expect(text(welcome[0]!)).toContain('<#C0FRONT001>');
    // Joining again (another delivery, a new event id): no second DM.
    await teamJoin(app);
    await settled(app);
    expect(posts(app, NEWCOMER)).toHaveLength(1);
  });

  it('with a welcome channel, team_join alone sends nothing (the channel join does)', async () => {
    app = await startCommunitiesApp();
    expect((await teamJoin(app)).status).toBe(200);
    await settled(app);
    expect(posts(app, NEWCOMER)).toHaveLength(0);
    // Then they join the welcome channel: exactly one DM, so the team_join was handled and sent nothing.
    await app.event({
      type: 'member_joined_channel',
      user: NEWCOMER,
      channel: NEWBIES_CHANNEL,
      channel_type: 'C',
      team: 'T04ABCD1EFG',
    });
    await settled(app);
    expect(posts(app, NEWCOMER)).toHaveLength(1);
  });
});
