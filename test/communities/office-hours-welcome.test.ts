import { afterEach, describe, expect, it } from 'vitest';
import { nextOfficeHoursFrom } from '../../src/communities/next-office-hours.js';
import { IDS } from '../../src/communities/slack/ids.js';
import type { TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import {
  A,
  B,
  C,
  click,
  jumpTo,
  LEAD,
  NEWBIES_CHANNEL,
  OFFICE_HOURS_KEY,
  PLATFORM_CHANNEL,
  posts,
  startCommunitiesApp,
  submit,
  text,
} from './support.js';

const NEWCOMER = 'U0NEWB001';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const topic = (value: string) => ({
  [IDS.topicBlock]: { [IDS.topicInput]: { type: 'plain_text_input' as const, value } },
});

describe('communities: office hours as a queue', () => {
  it('keeps sign-ups in order (signing up again changes the topic, keeps the place) and lists them as the agenda', async () => {
    app = await startCommunitiesApp();
    await click(app, C, IDS.follow, OFFICE_HOURS_KEY);
    await submit(app, A, IDS.signUpView, OFFICE_HOURS_KEY, topic('Terraform state'));
    await submit(app, B, IDS.signUpView, OFFICE_HOURS_KEY, topic('Kafka quotas'));
    await submit(app, A, IDS.signUpView, OFFICE_HOURS_KEY, topic('Terraform state locks'));
    expect(posts(app, A, 'number 1 in the queue')).toHaveLength(2);
    expect(posts(app, B, 'number 2 in the queue')).toHaveLength(1);

    // The day before (Monday 16:00 Berlin): the queue, in order, in the channel.
    await jumpTo(app, '2026-11-23T15:00:00Z');
    const [reminder, ...more] = posts(app, PLATFORM_CHANNEL, 'Coming up', 'Platform office hours');
    expect(more).toEqual([]);
    const body = text(reminder!);
    expect(body).toContain(`1. Terraform state locks — <@${A}>`);
    expect(body).toContain(`2. Kafka quotas — <@${B}>`);
    expect(body).not.toContain('Terraform state —');
    // "Tell me when the next one opens": told once.
    expect(posts(app, C, 'is open for sign-ups', 'Platform office hours')).toHaveLength(1);
    await jumpTo(app, '2026-11-30T15:00:00Z');
    expect(posts(app, C, 'is open for sign-ups')).toHaveLength(1);
  });

  it('gives the next office hours for the support hand-off, passing over a called-off one', async () => {
    app = await startCommunitiesApp();
    const next = nextOfficeHoursFrom(app.team.communities, app.database);
    expect(await next(app.clock.now())).toMatchObject({
      occurrenceKey: OFFICE_HOURS_KEY,
      title: 'Platform office hours',
      channel: PLATFORM_CHANNEL,
      start: new Date('2026-11-24T15:00:00Z'),
    });
    await click(app, LEAD, IDS.cancel, OFFICE_HOURS_KEY);
    expect((await next(app.clock.now()))?.occurrenceKey).toBe('office-hours@2026-12-01T15:00:00Z');
  });
});

describe('communities: welcome', () => {
  it('DMs someone joining the welcome channel the communities, once', async () => {
    app = await startCommunitiesApp();
    const join = (channel: string) =>
      app!.event({ type: 'member_joined_channel', user: NEWCOMER, channel, channel_type: 'C', team: 'T04ABCD1EFG' });
    expect((await join('C0OTHER001')).status).toBe(200);
    await settled(app);
    expect(posts(app, NEWCOMER)).toHaveLength(0);
    await join(NEWBIES_CHANNEL);
    await settled(app);
    const [welcome, ...more] = posts(app, NEWCOMER, 'Welcome! These are our communities', 'Frontend guild');
    expect(more).toEqual([]);
    expect(text(welcome!)).toContain('<#C0FRONT001>');
    await join(NEWBIES_CHANNEL);
    await settled(app);
    expect(posts(app, NEWCOMER)).toHaveLength(1);
  });
});
