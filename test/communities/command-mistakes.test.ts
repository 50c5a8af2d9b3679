import { afterEach, describe, expect, it } from 'vitest';
import { ackBody, type TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { FRONTEND_CHANNEL, LEAD, MEETUP_KEY, posts, startCommunitiesApp } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** What the ack said to a `/platform …` typed by `user` (the clock: Monday 2026-11-23 08:30 Berlin). */
async function say(text: string, user = LEAD): Promise<string> {
  const body = await ackBody(await app!.command(text, { user_id: user }));
  return body?.text ?? '';
}

describe('communities: slash-command mistakes are named, and free text is given back', () => {
  it('a move to a time that is no time names what was typed and the form, and repeats the reason', async () => {
    app = await startCommunitiesApp();
    const answer = await say(`events move ${MEETUP_KEY} 2026-13-40 25:00 --reason "room clash with the all-hands"`);
    expect(answer).toContain('`2026-13-40 25:00`');
    expect(answer).toContain('is not a date and time');
    expect(answer).toContain('2026-12-03 11:00');
    expect(answer).toContain('Europe/Berlin');
    expect(answer).toContain('room clash with the all-hands');
    expect(posts(app, FRONTEND_CHANNEL, 'moved')).toHaveLength(0);
  });

  it('a move to a past time says which time, that it is past, and repeats the reason', async () => {
    app = await startCommunitiesApp();
    const answer = await say(`events move ${MEETUP_KEY} 2026-11-20 10:00 --reason "room clash"`);
    expect(answer).toContain('2026-11-20 10:00');
    expect(answer).toContain('in the past');
    expect(answer).toContain('room clash');
    expect(posts(app, FRONTEND_CHANNEL, 'moved')).toHaveLength(0);
  });

  it('an unknown event key is named, with where to find the keys, for move and for cancel', async () => {
    app = await startCommunitiesApp();
    const move = await say('events move fe-meetup@2026-11-27T09:00:00Z 2026-11-27 12:00 --reason "speaker ill"');
    expect(move).toContain('`fe-meetup@2026-11-27T09:00:00Z`');
    expect(move).toContain('/platform events');
    expect(move).toContain('speaker ill');
    const cancel = await say('events cancel nonsense --reason "speaker ill"');
    expect(cancel).toContain('`nonsense`');
    expect(cancel).toContain('/platform events');
    expect(cancel).toContain('speaker ill');
  });

  it('typed text with Slack markup is given back as text, pinging nobody', async () => {
    app = await startCommunitiesApp();
    const answer = await say('events cancel <!channel> --reason "<!here> sorry"');
    expect(answer).not.toContain('<!channel>');
    expect(answer).not.toContain('<!here>');
    expect(answer).toContain('&lt;!here&gt; sorry');
  });

  it('cancelling twice: the second says it is already called off, by whom, and repeats the reason', async () => {
    app = await startCommunitiesApp();
    expect(await say(`events cancel ${MEETUP_KEY} --reason "speaker ill"`)).toContain('Called off');
    await settled(app);
    expect(posts(app, FRONTEND_CHANNEL, 'Frontend meetup', 'called off')).toHaveLength(1);
    const again = await say(`events cancel ${MEETUP_KEY} --reason "venue closed"`);
    expect(again).toContain('Frontend meetup');
    expect(again).toContain('already called off');
    expect(again).toContain(`<@${LEAD}>`);
    expect(again).toContain('venue closed');
    await settled(app);
    expect(posts(app, FRONTEND_CHANNEL, 'Frontend meetup', 'called off')).toHaveLength(1);
  });

  it('/platform events <unknown community> names it and lists the known ones', async () => {
    app = await startCommunitiesApp();
    const answer = await say('events backend');
    expect(answer).toContain('`backend`');
    expect(answer).toContain('frontend');
    expect(answer).toContain('platform');
    expect(answer).toContain('/platform communities');
  });
});
