import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/communities/slack/ids.js';
import { ackBody, ENGINEER, type TestApp } from '../support/harness.js';
import { eventually } from '../support/wait.js';
import { createTwinReader } from './db.js';
import {
  A,
  answers,
  click,
  FORUM_KEY,
  FRONTEND_CHANNEL,
  jumpTo,
  LEAD,
  MEETUP_KEY,
  posts,
  startCommunitiesApp,
  submit,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const agendaItem = (value: string) => ({
  [IDS.agendaBlock]: { [IDS.agendaInput]: { type: 'plain_text_input' as const, value } },
});

describe('communities: agendas', () => {
  it('asks for agenda items N days before, lists them in the reminder, and calls off a week with none', async () => {
    app = await startCommunitiesApp();
    // Two days before Wednesday 15:00 Berlin: Monday 15:00 (14:00 UTC).
    await jumpTo(app, '2026-11-23T13:59:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Architecture forum')).toHaveLength(0);
    await jumpTo(app, '2026-11-23T14:00:00Z');
    const request = posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Architecture forum', 'Add an agenda item');
    expect(request).toHaveLength(1);

    await click(app, A, IDS.addAgenda, FORUM_KEY);
    const opened = await app.slack.waitFor('views.open');
    expect((opened[0]!.args.view as { callback_id: string }).callback_id).toBe(IDS.agendaView);
    const response = await submit(app, A, IDS.agendaView, FORUM_KEY, agendaItem('Monorepo build times'));
    expect(await ackBody(response)).toBeNull();
    await eventually(() => posts(app!, A, 'Added to the agenda', 'Architecture forum').length === 1);
    // An empty item is refused on the field.
    const empty = await submit(app, A, IDS.agendaView, FORUM_KEY, agendaItem('  '));
    expect(await ackBody(empty)).toMatchObject({
      response_action: 'errors',
      errors: { [IDS.agendaBlock]: expect.any(String) },
    });

    // T-1 day (Tuesday 14:00 UTC): an item arrived, so it goes ahead; the reminder lists it.
    await jumpTo(app, '2026-11-24T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Architecture forum', 'called off')).toHaveLength(0);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Architecture forum', 'Monorepo build times')).toHaveLength(1);

    // The next week nobody adds anything: called off at T-1 day, no reminder.
    await jumpTo(app, '2026-11-30T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Architecture forum')).toHaveLength(2);
    await jumpTo(app, '2026-12-01T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Architecture forum', 'called off', 'no agenda items arrived')).toHaveLength(1);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Architecture forum')).toHaveLength(1);
  });
});

describe('communities: leads cancel and move one occurrence', () => {
  it('moves an occurrence keeping its RSVPs, tells everyone who answered, and reminds at the new time', async () => {
    app = await startCommunitiesApp();
    await click(app, ENGINEER, IDS.going, MEETUP_KEY);
    await click(app, A, IDS.going, MEETUP_KEY);

    // Not a lead: refused and audited.
    const refused = await ackBody(await app.command(`events move ${MEETUP_KEY} 2026-11-26 12:00`, { user_id: A }));
    expect(refused?.text).toContain('Only the leads of Frontend guild');
    const audit = await app.groundcrew.services.audit.latest(5);
    expect(audit[0]).toMatchObject({ actor: A, action: 'communities.move', outcome: 'denied' });

    const moved = await ackBody(
      await app.command(`events move ${MEETUP_KEY} 2026-11-26 12:00 --reason "room clash"`, { user_id: LEAD }),
    );
    expect(moved).toBeNull(); // acked at once; the answer follows through response_url
    await eventually(() => answers(app!).some((a) => a.includes('moved')));
    await eventually(() => posts(app!, FRONTEND_CHANNEL, 'Frontend meetup', 'moved', 'room clash').length === 1);
    for (const user of [ENGINEER, A]) {
      await eventually(() => posts(app!, user, 'Frontend meetup', 'moved', 'Your answer stands', '12:00').length === 1);
    }
    expect((await app.groundcrew.services.audit.latest(1))[0]).toMatchObject({
      actor: LEAD,
      action: 'communities.move',
      outcome: 'ok',
    });

    // The RSVPs stayed: the day-before reminder comes at the new time (Wednesday 12:00 Berlin) to both.
    await jumpTo(app, '2026-11-25T09:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup')).toHaveLength(0);
    await jumpTo(app, '2026-11-25T11:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Frontend meetup', '2 of 2 going')).toHaveLength(1);
    for (const user of [ENGINEER, A]) expect(posts(app, user, 'Coming up', 'Frontend meetup')).toHaveLength(1);
  });

  it('cancels an occurrence from its button: the channel and everyone who answered are told', async () => {
    app = await startCommunitiesApp();
    await click(app, ENGINEER, IDS.going, MEETUP_KEY);
    await click(app, A, IDS.cancel, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('Only the leads');
    expect(posts(app, FRONTEND_CHANNEL, 'called off')).toHaveLength(0);
    // The refusal is audited: who tried, on which occurrence, why refused.
    expect((await app.groundcrew.services.audit.latest(1))[0]).toMatchObject({
      actor: A,
      action: 'communities.cancel',
      target: `occurrence:${MEETUP_KEY}`,
      outcome: 'denied',
      detail: 'not a lead of the community',
    });

    await click(app, LEAD, IDS.cancel, MEETUP_KEY);
    expect(answers(app).at(-1)).toContain('Called off');
    // The lead's cancel is audited as done.
    expect((await app.groundcrew.services.audit.latest(1))[0]).toMatchObject({
      actor: LEAD,
      action: 'communities.cancel',
      target: `occurrence:${MEETUP_KEY}`,
      outcome: 'ok',
    });
    expect(posts(app, FRONTEND_CHANNEL, 'Frontend meetup', 'called off', `<@${LEAD}>`)).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Frontend meetup', 'called off')).toHaveLength(1);
    const reader = createTwinReader(app.database);
    expect(await reader.rsvps(MEETUP_KEY)).toEqual([{ userId: ENGINEER, status: 'going' }]);
    // No reminders for it.
    await jumpTo(app, '2026-11-26T08:50:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Frontend meetup', 'Coming up')).toHaveLength(0);
    expect(posts(app, FRONTEND_CHANNEL, 'Frontend meetup', 'Starting in 15 minutes')).toHaveLength(0);
  });
});
