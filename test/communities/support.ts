import { IDS } from '../../src/communities/slack/ids.js';
import { advanceTime } from '../../src/playground/time.js';
import type { ApiCall } from '../support/fake-slack.js';
import { blockText, startTestApp, type TestApp } from '../support/harness.js';
import { messageButton, viewSubmission } from '../support/payloads.js';
import type { PersistentDb } from '../support/persistent-db.js';
import { settled } from '../support/wait.js';

export const LEAD = 'U0LEAD001';
/** People answering in the tests, besides ENGINEER and LEAD. */
export const A = 'U0AAAA001';
export const B = 'U0BBBB001';
export const C = 'U0CCCC001';
export const D = 'U0DDDD001';
export const FRONTEND_CHANNEL = 'C0FRONT001';
export const PLATFORM_CHANNEL = 'C0PLATOH1';
export const NEWBIES_CHANNEL = 'C0NEWBIES1';
export const TZ = 'Europe/Berlin';

/** Monday 23 November 2026, 08:30 in Berlin. */
export const MONDAY_MORNING = '2026-11-23T07:30:00Z';

/** Every Thursday 10:00 Berlin (09:00 UTC), two places. */
export const MEETUP_KEY = 'fe-meetup@2026-11-26T09:00:00Z';
/** Friday 27 November 14:00 Berlin, needs two people going. */
export const REVIEW_KEY = 'fe-review@2026-11-27T13:00:00Z';
/** Wednesday 25 November 15:00 Berlin; agenda asked 2 days before, called off when empty. */
export const FORUM_KEY = 'fe-forum@2026-11-25T14:00:00Z';
/** Tuesday 24 November 16:00 Berlin. */
export const OFFICE_HOURS_KEY = 'office-hours@2026-11-24T15:00:00Z';

export function communitiesConfig(): Record<string, unknown> {
  return {
    timezone: TZ,
    communities: [
      {
        id: 'frontend',
        name: 'Frontend guild',
        description: 'Components and the design system.',
        channel: FRONTEND_CHANNEL,
        leads: [LEAD],
      },
      {
        id: 'platform',
        name: 'Platform office hours',
        description: 'Ask the platform team.',
        channel: PLATFORM_CHANNEL,
        leads: [LEAD],
      },
    ],
    series: [
      {
        id: 'fe-meetup',
        community: 'frontend',
        title: 'Frontend meetup',
        recurrence: 'FREQ=WEEKLY;BYDAY=TH',
        start: '2026-11-26 10:00',
        duration: '1h',
        link: 'https://meet.example.com/frontend',
        capacity: 2,
      },
      {
        id: 'fe-review',
        community: 'frontend',
        title: 'Design review',
        recurrence: 'FREQ=WEEKLY;BYDAY=FR',
        start: '2026-11-27 14:00',
        duration: '1h',
        minAttendees: 2,
      },
      {
        id: 'fe-forum',
        community: 'frontend',
        title: 'Architecture forum',
        recurrence: 'FREQ=WEEKLY;BYDAY=WE',
        start: '2026-11-25 15:00',
        duration: '1h',
        agenda: { daysBefore: 2, ifEmpty: 'cancel' },
      },
      {
        id: 'office-hours',
        community: 'platform',
        title: 'Platform office hours',
        recurrence: 'FREQ=WEEKLY;BYDAY=TU',
        start: '2026-11-24 16:00',
        duration: '1h',
        kind: 'office-hours',
      },
    ],
    digest: { schedule: '0 9 * * 1' },
    holidays: [{ date: '2026-12-24', name: 'Christmas Eve' }],
    welcome: { channel: NEWBIES_CHANNEL, message: 'Welcome! These are our communities of practice.' },
  };
}

export async function startCommunitiesApp(
  options: { clock?: string; database?: PersistentDb; config?: Record<string, unknown> } = {},
): Promise<TestApp> {
  const { createManualClock } = await import('../../src/clock.js');
  return startTestApp({
    team: { communities: options.config ?? communitiesConfig() },
    clock: createManualClock(options.clock ?? MONDAY_MORNING),
    ...(options.database ? { database: options.database } : {}),
  });
}

/** Moves the manual clock and runs what the scheduler would have run meanwhile (as the playground does). */
export async function jump(app: TestApp, ms: number) {
  const runs = await advanceTime(app.clock, app.groundcrew.services.scheduler, TZ, ms);
  for (const run of runs) if (run.outcome === 'failed') throw new Error(`${run.job} failed: ${run.error}`);
  await settled(app);
  return runs;
}

/** Jumps to an instant (forward only). */
export async function jumpTo(app: TestApp, iso: string) {
  const ms = new Date(iso).getTime() - app.clock.now().getTime();
  if (ms < 0) throw new Error(`jumpTo ${iso}: that is in the past`);
  return jump(app, ms);
}

export const text = (call: ApiCall) => `${String(call.args.text ?? '')}\n${blockText(call.args.blocks)}`;

/** Messages posted (chat.postMessage) to `channel` whose text contains every one of `parts`. */
export function posts(app: TestApp, channel: string, ...parts: string[]): ApiCall[] {
  return app.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === channel && parts.every((p) => text(c).includes(p)));
}

export async function click(app: TestApp, userId: string, actionId: string, value: string): Promise<void> {
  const response = await app.interact(
    messageButton({
      userId,
      actionId,
      value,
      blockId: IDS.actionsBlock,
      channelId: FRONTEND_CHANNEL,
      messageTs: '1.1',
    }),
  );
  if (response.status !== 200) throw new Error(`click ${actionId}: HTTP ${response.status}`);
  await settled(app);
}

/** What the app answered a click with (ephemeral through response_url), newest last. */
export function answers(app: TestApp): string[] {
  return app.slack.callsTo('response_url').map((c) => String(c.args.text ?? ''));
}

type TextValues = Record<string, Record<string, { type: 'plain_text_input'; value: string }>>;

/**
 * Submits a modal for `key`; waits for the app to settle unless `settle: false` (a test holding Slack's answers
 * with a gate asserts on the ack first).
 */
export async function submit(
  app: TestApp,
  userId: string,
  callbackId: string,
  key: string,
  values: TextValues,
  options: { settle?: boolean } = {},
): Promise<Response> {
  const response = await app.interact(viewSubmission({ userId, callbackId, privateMetadata: key, values }));
  if (options.settle !== false) await settled(app);
  return response;
}

/** The Move… modal's values. */
export const moveValues = (when: string, reason = ''): TextValues => ({
  [IDS.whenBlock]: { [IDS.whenInput]: { type: 'plain_text_input', value: when } },
  [IDS.reasonBlock]: { [IDS.reasonInput]: { type: 'plain_text_input', value: reason } },
});
