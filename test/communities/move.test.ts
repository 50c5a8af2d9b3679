import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { IDS } from '../../src/communities/slack/ids.js';
import { ackBody, ENGINEER, type TestApp } from '../support/harness.js';
import { eventually, gate, settled } from '../support/wait.js';
import {
  A,
  answers,
  click,
  FRONTEND_CHANNEL,
  jump,
  LEAD,
  MEETUP_KEY,
  moveValues,
  posts,
  REVIEW_KEY,
  startCommunitiesApp,
  submit,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('communities: a lead moves an occurrence', () => {
  it('a move to within a day does not call it off at once: the T-1 day check already due is skipped', async () => {
    // Monday 08:30 Berlin. The design review (Friday, minAttendees 2, nobody going) moves to Tuesday 08:00 Berlin:
    // its T-1 day check would have been Monday 08:00, before the move.
    app = await startCommunitiesApp();
    expect(
      await ackBody(await app.command(`events move ${REVIEW_KEY} 2026-11-24 08:00`, { user_id: LEAD })),
    ).toBeNull();
    await settled(app);
    expect(answers(app).at(-1)).toContain('moved');
    expect(answers(app).at(-1)).toContain('T-1 day check');
    expect(answers(app).at(-1)).toContain('skipped');
    // The same start again: refused in the ack, nothing changes.
    const same = await ackBody(await app.command(`events move ${REVIEW_KEY} 2026-11-24 08:00`, { user_id: LEAD }));
    expect(same?.text).toContain('already starts');
    await jump(app, MINUTE);
    // The same run sent the day-before reminder (also already due), so the decision had its turn.
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Design review')).toHaveLength(1);
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off')).toHaveLength(0);
    await jump(app, 10 * MINUTE);
    expect(posts(app, FRONTEND_CHANNEL, 'Design review', 'called off')).toHaveLength(0);
  });

  it('Move… button → modal → submit: acked before the notices, the lead told privately; same start refused', async () => {
    app = await startCommunitiesApp();
    await click(app, ENGINEER, IDS.going, MEETUP_KEY);
    await click(app, A, IDS.going, MEETUP_KEY);
    await click(app, LEAD, IDS.move, MEETUP_KEY);
    const opened = await app.slack.waitFor('views.open');
    expect((opened[0]!.args.view as { callback_id: string }).callback_id).toBe(IDS.moveView);

    // The same start as now: refused on the field, nothing posted.
    const before = app.slack.callsTo('chat.postMessage').length;
    const same = await submit(app, LEAD, IDS.moveView, MEETUP_KEY, moveValues('2026-11-26 10:00'));
    expect(await ackBody(same)).toMatchObject({
      response_action: 'errors',
      errors: { [IDS.whenBlock]: expect.stringContaining('already starts') },
    });
    expect(app.slack.callsTo('chat.postMessage')).toHaveLength(before);

    // Slack is slow to take the DMs: the submission is still acked at once (the DMs wait on `release`).
    const dms = gate();
    let held = 0;
    app.slack.on('chat.postMessage', async (args) => {
      if (String(args.channel).startsWith('U')) {
        held++;
        await dms.opened;
      }
      return { ok: true, channel: args.channel, ts: `${Date.now()}.000100` };
    });
    const moved = moveValues('2026-11-26 12:00', 'room clash');
    const response = await submit(app, LEAD, IDS.moveView, MEETUP_KEY, moved, { settle: false });
    expect(response.status).toBe(200);
    expect(await ackBody(response)).toBeNull();
    await eventually(() => held >= 1);
    dms.open();
    await settled(app);
    expect(posts(app, FRONTEND_CHANNEL, 'Frontend meetup', 'moved', 'room clash')).toHaveLength(1);
    for (const user of [ENGINEER, A]) expect(posts(app, user, 'Frontend meetup', 'moved', '12:00')).toHaveLength(1);
    expect(posts(app, LEAD, 'Frontend meetup', 'moved')).toHaveLength(1);

    // Not a lead: refused on the field, and nothing moved.
    const refused = await submit(app, A, IDS.moveView, MEETUP_KEY, moveValues('2026-11-26 14:00'));
    expect(await ackBody(refused)).toMatchObject({ response_action: 'errors' });
    expect(posts(app, FRONTEND_CHANNEL, 'Frontend meetup', 'moved')).toHaveLength(1);
  });
});
