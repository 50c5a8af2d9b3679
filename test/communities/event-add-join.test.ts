import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/communities/slack/ids.js';
import { ackBody, blockText, ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { messageButton, type ViewStateValue, viewSubmission } from '../support/payloads.js';
import { persistentDb } from '../support/persistent-db.js';
import { eventually, settled } from '../support/wait.js';
import { createTwinReader } from './db.js';
import {
  A,
  answers,
  click,
  FRONTEND_CHANNEL,
  jumpTo,
  LEAD,
  NEWBIES_CHANNEL,
  posts,
  startCommunitiesApp,
  text,
} from './support.js';

const NEWCOMER = 'U0NEWB001';
/** The first one-off event: Monday 30 November 2026, 15:00 Berlin. */
const EVENT_KEY = 'event.1@2026-11-30T14:00:00Z';

let app: TestApp | undefined;
afterEach(async () => {
  ICAL.TimezoneService.reset();
  await app?.stop();
  app = undefined;
});

const option = (value: string) => ({ text: { type: 'plain_text' as const, text: value }, value });

function eventValues(
  overrides: Partial<
    Record<
      'community' | 'title' | 'date' | 'time' | 'duration' | 'zone' | 'link' | 'capacity' | 'minimum' | 'agenda',
      string
    >
  > = {},
): Record<string, Record<string, ViewStateValue>> {
  const f = {
    community: 'frontend',
    title: 'Accessibility workshop',
    date: '2026-11-30',
    time: '15:00',
    duration: '90',
    zone: 'Europe/Berlin',
    link: 'https://meet.example.com/a11y',
    capacity: '1',
    minimum: '',
    agenda: '',
    ...overrides,
  };
  return {
    [IDS.eventCommunityBlock]: {
      [IDS.eventCommunityInput]: { type: 'static_select', selected_option: option(f.community) },
    },
    [IDS.eventTitleBlock]: { [IDS.eventTitleInput]: { type: 'plain_text_input', value: f.title } },
    [IDS.eventDateBlock]: { [IDS.eventDateInput]: { type: 'datepicker', selected_date: f.date } },
    [IDS.eventTimeBlock]: { [IDS.eventTimeInput]: { type: 'timepicker', selected_time: f.time } },
    [IDS.eventDurationBlock]: {
      [IDS.eventDurationInput]: { type: 'static_select', selected_option: option(f.duration) },
    },
    [IDS.eventZoneBlock]: { [IDS.eventZoneInput]: { type: 'plain_text_input', value: f.zone } },
    [IDS.eventLinkBlock]: { [IDS.eventLinkInput]: { type: 'plain_text_input', value: f.link } },
    [IDS.eventLocationBlock]: { [IDS.eventLocationInput]: { type: 'plain_text_input', value: null } },
    [IDS.eventCapacityBlock]: { [IDS.eventCapacityInput]: { type: 'number_input', value: f.capacity } },
    [IDS.eventMinimumBlock]: { [IDS.eventMinimumInput]: { type: 'number_input', value: f.minimum || null } },
    [IDS.eventAgendaBlock]: { [IDS.eventAgendaInput]: { type: 'number_input', value: f.agenda || null } },
    [IDS.eventDescriptionBlock]: {
      [IDS.eventDescriptionInput]: { type: 'plain_text_input', value: 'Screen readers, hands on.' },
    },
  };
}

async function submitEvent(test: TestApp, userId: string, values = eventValues()) {
  const response = await test.interact(viewSubmission({ userId, callbackId: IDS.eventView, values }));
  await settled(test);
  return ackBody(response);
}

describe('communities: /platform event add', () => {
  it('lets a lead add a one-off event that is announced, answered, reminded and in the feed like any occurrence', async () => {
    app = await startCommunitiesApp();
    // Not a lead: refused before any form, and audited.
    const refused = await ackBody(await app.command('event add', { user_id: A }));
    expect(refused?.text).toContain('Only community leads');
    expect((await app.groundcrew.services.audit.latest(1))[0]).toMatchObject({
      actor: A,
      action: 'communities.event-add',
      outcome: 'denied',
    });
    await settled(app);
    expect(app.slack.callsTo('views.open')).toHaveLength(0);

    // A lead gets the form, in their own zone, with the communities they lead.
    await app.command('event add', { user_id: LEAD });
    const [opened] = await app.slack.waitFor('views.open');
    const view = opened!.args.view as { callback_id: string; blocks: unknown[] };
    expect(view.callback_id).toBe(IDS.eventView);
    expect(JSON.stringify(view.blocks)).toContain('"initial_value":"Europe/Berlin"');
    expect(blockText(view.blocks)).toContain('Frontend guild');

    // Mistakes come back on their fields.
    const past = await submitEvent(app, LEAD, eventValues({ date: '2026-11-20' }));
    expect(past).toMatchObject({
      response_action: 'errors',
      errors: { [IDS.eventDateBlock]: 'That time is in the past.' },
    });
    const zone = await submitEvent(app, LEAD, eventValues({ zone: 'Mars/Olympus' }));
    expect(zone).toMatchObject({ response_action: 'errors', errors: { [IDS.eventZoneBlock]: expect.any(String) } });
    const holiday = await submitEvent(app, LEAD, eventValues({ date: '2026-12-24' }));
    expect(holiday).toMatchObject({ errors: { [IDS.eventDateBlock]: expect.stringContaining('Christmas Eve') } });
    // A crafted submission by someone who is no lead is refused (and audited) too.
    const crafted = await submitEvent(app, A);
    expect(crafted).toMatchObject({
      response_action: 'errors',
      errors: { [IDS.eventCommunityBlock]: expect.any(String) },
    });
    expect((await app.groundcrew.services.audit.latest(1))[0]).toMatchObject({ actor: A, outcome: 'denied' });
    expect(posts(app, FRONTEND_CHANNEL, 'New event')).toHaveLength(0);

    expect(await submitEvent(app, LEAD)).toBeNull();
    const [announced, ...again] = posts(app, FRONTEND_CHANNEL, 'New event', 'Accessibility workshop');
    expect(again).toEqual([]);
    expect(text(announced!)).toContain('https://meet.example.com/a11y');
    expect(JSON.stringify(announced!.args.blocks)).toContain(EVENT_KEY);
    await eventually(() => posts(app!, LEAD, 'Added *Accessibility workshop*', EVENT_KEY).length === 1);
    expect((await app.groundcrew.services.audit.latest(1))[0]).toMatchObject({
      actor: LEAD,
      action: 'communities.event-add',
      target: `occurrence:${EVENT_KEY}`,
      outcome: 'ok',
    });

    // RSVP with its capacity of one: the second person waits.
    await click(app, ENGINEER, IDS.going, EVENT_KEY);
    await click(app, A, IDS.going, EVENT_KEY);
    expect(answers(app).at(-1)).toContain('number 1 on the waitlist');
    expect(await createTwinReader(app.database).rsvps(EVENT_KEY)).toEqual([
      { userId: ENGINEER, status: 'going' },
      { userId: A, status: 'waitlisted' },
    ]);

    // Listed with the community's events.
    const listed = await ackBody(await app.command('events frontend', { user_id: ENGINEER }));
    expect(blockText(listed?.blocks)).toContain('Accessibility workshop');

    // In the community's feed, as ical.js reads it: one event at 15:00 Berlin, 90 minutes.
    const feed = await ackBody(await app.command('events feed', { user_id: ENGINEER }));
    const url = /Frontend guild: (\S+)/.exec(blockText(feed?.blocks))?.[1];
    const calendar = await (await app.request(new URL(url!).pathname)).text();
    const root = new ICAL.Component(ICAL.parse(calendar));
    for (const tz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
    const vevent = root
      .getAllSubcomponents('vevent')
      .find((e) => e.getFirstPropertyValue('uid') === 'event.1@groundcrew');
    const event = new ICAL.Event(vevent!);
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-11-30T14:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-11-30T15:30:00.000Z');
    expect(event.isRecurring()).toBe(false);

    // The day before: the channel reminder and a DM to the person going (not to the one waiting).
    await jumpTo(app, '2026-11-29T13:59:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Accessibility workshop')).toHaveLength(0);
    await jumpTo(app, '2026-11-29T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Accessibility workshop', '1 of 1 going')).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Coming up', 'Accessibility workshop')).toHaveLength(1);
    expect(posts(app, A, 'Coming up', 'Accessibility workshop')).toHaveLength(0);

    // A lead can cancel it from its button like any occurrence; both are told.
    await click(app, LEAD, IDS.cancel, EVENT_KEY);
    expect(posts(app, FRONTEND_CHANNEL, 'Accessibility workshop', 'called off')).toHaveLength(1);
    expect(posts(app, A, 'Accessibility workshop', 'called off')).toHaveLength(1);
  });
});

describe('communities: a one-off event with a minimum and an agenda', () => {
  it('asks for agenda items in a thread N days before and is called off at T-1 day when too few are going', async () => {
    app = await startCommunitiesApp();
    // A minimum above the capacity is refused on its field.
    const over = await submitEvent(app, LEAD, eventValues({ capacity: '1', minimum: '2' }));
    expect(over).toMatchObject({ response_action: 'errors', errors: { [IDS.eventMinimumBlock]: expect.any(String) } });
    expect(await submitEvent(app, LEAD, eventValues({ capacity: '', minimum: '2', agenda: '2' }))).toBeNull();
    await click(app, ENGINEER, IDS.going, EVENT_KEY);

    // Two days before Monday 15:00 Berlin: Saturday 15:00 (14:00 UTC), the agenda request.
    await jumpTo(app, '2026-11-28T13:59:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Accessibility workshop')).toHaveLength(0);
    await jumpTo(app, '2026-11-28T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Agenda wanted', 'Accessibility workshop')).toHaveLength(1);

    // T-1 day: one going, two needed: called off, in the channel and to the person going; audited.
    await jumpTo(app, '2026-11-29T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Accessibility workshop', 'called off')).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Accessibility workshop', 'called off')).toHaveLength(1);
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Accessibility workshop')).toHaveLength(0);
    const audit = await app.groundcrew.services.audit.latest(5);
    expect(audit.find((e) => e.action === 'communities.call-off')).toMatchObject({
      target: `occurrence:${EVENT_KEY}`,
      detail: 'only 1 going, 2 needed',
    });
  });
});

describe('communities: an added event across a restart', () => {
  it('is still there after a restart on the same database, and its reminder is posted once', async () => {
    const database = await persistentDb();
    app = await startCommunitiesApp({ database });
    expect(await submitEvent(app, LEAD)).toBeNull();
    await click(app, ENGINEER, IDS.going, EVENT_KEY);
    await jumpTo(app, '2026-11-29T14:00:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Accessibility workshop')).toHaveLength(1);
    await app.stop();

    // Five minutes later, a new process on the same database: the catch-up finds the reminder announced.
    app = await startCommunitiesApp({ database, clock: '2026-11-29T14:05:00Z' });
    await jumpTo(app, '2026-11-30T13:45:00Z');
    expect(posts(app, FRONTEND_CHANNEL, 'Coming up', 'Accessibility workshop')).toHaveLength(0);
    expect(
      posts(app, FRONTEND_CHANNEL, 'Starting in 15 minutes', 'Accessibility workshop', '1 of 1 going'),
    ).toHaveLength(1);
    expect(posts(app, ENGINEER, 'Starting in 15 minutes', 'Accessibility workshop')).toHaveLength(1);
  });
});

describe('communities: an added event whose channel refuses the post', () => {
  it('keeps the event and tells the lead it could not be announced (so it is not added twice)', async () => {
    app = await startCommunitiesApp();
    app.slack.on('chat.postMessage', (args) =>
      args.channel === FRONTEND_CHANNEL
        ? { ok: false, error: 'not_in_channel' }
        : { ok: true, channel: args.channel, ts: '1767225600.900000' },
    );
    expect(await submitEvent(app, LEAD)).toBeNull();
    await eventually(
      () => posts(app!, LEAD, 'Added *Accessibility workshop*', 'could not announce', 'not_in_channel').length === 1,
    );
    const listed = await ackBody(await app.command('events frontend', { user_id: ENGINEER }));
    expect(blockText(listed?.blocks)).toContain('Accessibility workshop');
  });
});

describe('communities: Join buttons', () => {
  const join = (test: TestApp, userId: string, community: string) =>
    test.interact(
      messageButton({
        userId,
        actionId: IDS.join,
        value: community,
        blockId: `${IDS.joinBlockPrefix}${community}`,
        channelId: 'D0DM00001',
        messageTs: '1.1',
      }),
    );

  it('lists every community with its member count and a Join button that invites the clicker', async () => {
    app = await startCommunitiesApp();
    app.slack.on('conversations.info', (args) => ({
      ok: true,
      channel: { id: args.channel, num_members: args.channel === FRONTEND_CHANNEL ? 12 : 1 },
    }));
    const list = await ackBody(await app.command('communities', { user_id: A }));
    const listText = blockText(list?.blocks);
    expect(listText).toContain('Frontend guild');
    expect(listText).toContain('12 members');
    expect(listText).toContain('1 member ·');
    const buttons = JSON.stringify(list?.blocks);
    expect(buttons).toContain(`"action_id":"${IDS.join}","value":"frontend"`);
    expect(buttons).toContain(`"action_id":"${IDS.join}","value":"platform"`);

    await join(app, A, 'frontend');
    await settled(app);
    const [invite] = await app.slack.waitFor('conversations.invite');
    expect(invite!.args).toMatchObject({ channel: FRONTEND_CHANNEL, users: A });
    expect(answers(app).at(-1)).toContain(`Added you to <#${FRONTEND_CHANNEL}>`);

    app.slack.failWith('conversations.invite', 'already_in_channel');
    await join(app, A, 'frontend');
    await settled(app);
    expect(answers(app).at(-1)).toContain('already in');
  });

  it('says how to join when Slack will not invite (bot not in the channel, a private channel, restricted)', async () => {
    app = await startCommunitiesApp();
    for (const error of ['not_in_channel', 'channel_not_found', 'restricted_action', 'missing_scope']) {
      app.slack.failWith('conversations.invite', error);
      await join(app, A, 'frontend');
      await settled(app);
      const said = answers(app).at(-1)!;
      expect(said, error).toContain(`could not add you to <#${FRONTEND_CHANNEL}> (${error})`);
      expect(said, error).toContain('*Join channel*');
      expect(said, error).toContain(`<@${LEAD}>`);
    }
  });

  it('puts Join buttons in the welcome DM', async () => {
    app = await startCommunitiesApp();
    await app.event({ type: 'member_joined_channel', user: NEWCOMER, channel: NEWBIES_CHANNEL, channel_type: 'C' });
    await settled(app);
    const [welcome] = posts(app, NEWCOMER, 'Welcome!');
    expect(JSON.stringify(welcome!.args.blocks)).toContain(`"action_id":"${IDS.join}","value":"frontend"`);
  });
});

describe('communities: not set up', () => {
  it('answers /platform communities and /platform event add with how to set communities up', async () => {
    app = await startTestApp();
    for (const command of ['communities', 'event add', 'events']) {
      const reply = await ackBody(await app.command(command, { user_id: LEAD }));
      expect(reply?.text, command).toContain('`communities:` section of groundcrew.yml is missing');
    }
    await settled(app);
    expect(app.slack.callsTo('views.open')).toHaveLength(0);
  });
});
