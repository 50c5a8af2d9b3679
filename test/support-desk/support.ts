import { eq } from 'drizzle-orm';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { supportTicketsTable, type TicketRow } from '../../src/support/schema.js';
import { IDS } from '../../src/support/slack/ids.js';
import type { ApiCall } from '../support/fake-slack.js';
import {
  PLATFORM_ENGINEER,
  PLATFORM_GROUP,
  startTestApp,
  type TestApp,
  type TestAppOptions,
} from '../support/harness.js';
import { messageButton, TEAM_ID, userRef } from '../support/payloads.js';
import { eventually } from '../support/wait.js';

export const HELP = 'C0SUPPORT1';
export const TRIAGE = 'C0TRIAGE01';
export const ADA = 'U0ADA0001';
export const PAT = PLATFORM_ENGINEER;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** A support section: Europe/Berlin 09:00–17:00 Mon–Fri, Pat answers and is on duty. */
export function supportSection(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channels: [HELP],
    triageChannel: TRIAGE,
    responders: [PAT],
    onDuty: { rotation: { people: [PAT], handoff: { day: 'monday', time: '09:00' } } },
    businessHours: { timezone: 'Europe/Berlin' },
    ...overrides,
  };
}

/** An app with a support section; Pat is in the platform team's usergroup. */
export async function startSupportApp(options: TestAppOptions & { support?: Record<string, unknown> } = {}) {
  const { support, ...rest } = options;
  const app = await startTestApp({ ...rest, team: { support: support ?? supportSection(), ...rest.team } });
  app.slack.usergroups[PLATFORM_GROUP] = [PAT];
  return app;
}

/** The Slack ts of the clock's time now (plus a sequence so two messages in one millisecond differ). */
let seq = 0;
export function tsNow(app: TestApp): string {
  seq = (seq + 1) % 1000;
  return `${Math.floor(app.clock.now().getTime() / 1000)}.${String(app.clock.now().getTime() % 1000).padStart(3, '0')}${String(seq).padStart(3, '0')}`;
}

export async function say(
  app: TestApp,
  text: string,
  options: { user?: string; channel?: string; thread?: string; extra?: Record<string, unknown>; eventId?: string } = {},
): Promise<string> {
  const ts = tsNow(app);
  await app.event(
    {
      type: 'message',
      channel: options.channel ?? HELP,
      channel_type: 'channel',
      user: options.user ?? ADA,
      text,
      ts,
      ...(options.thread ? { thread_ts: options.thread } : {}),
      event_ts: ts,
      ...options.extra,
    },
    options.eventId ? { eventId: options.eventId } : {},
  );
  return ts;
}

export function react(app: TestApp, user: string, reaction: string, ts: string, removed = false, channel = HELP) {
  return app.event({
    type: removed ? 'reaction_removed' : 'reaction_added',
    user,
    reaction,
    item: { type: 'message', channel, ts },
    item_user: ADA,
    event_ts: tsNow(app),
  });
}

export async function tickets(app: TestApp): Promise<TicketRow[]> {
  const t = twin(app.database, supportTicketsTable);
  return orm(app.database).select().from(t).orderBy(t.id);
}

export async function ticket(app: TestApp, id: number): Promise<TicketRow | null> {
  const t = twin(app.database, supportTicketsTable);
  return (await orm(app.database).select().from(t).where(eq(t.id, id)).limit(1))[0] ?? null;
}

export function waitForTicket(app: TestApp, id: number, check: (row: TicketRow) => boolean = () => true) {
  return eventually(
    async () => {
      const row = await ticket(app, id);
      return row && check(row) ? row : null;
    },
    { what: `support ticket #${id} to match` },
  );
}

/** The tier-1 reply posted in the thread of `ts`. */
export async function replyTo(app: TestApp, ts: string): Promise<ApiCall> {
  const [call] = await app.slack.waitFor(
    'chat.postMessage',
    (c) => c.args.thread_ts === ts && /Tracked as/.test(String(c.args.text)),
  );
  return call!;
}

export const postsTo = (app: TestApp, channel: string) =>
  app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);

/** Clicks a button of the tier-1 reply (or CSAT message) for ticket `row`. */
export function click(app: TestApp, user: string, actionId: string, row: TicketRow) {
  return app.interact(
    messageButton({
      userId: user,
      actionId,
      value: `${row.id}.${row.nonce}`,
      blockId: IDS.replyActionsBlock,
      channelId: row.channelId,
      messageTs: row.replyTs ?? row.messageTs,
    }),
  );
}

/** "Track as a support question" by `by` on Ada's message `ts` in `channel` (its response URL is shortcut-<n>). */
export function trackShortcut(
  app: TestApp,
  options: { by: string; channel: string; ts: string; text: string; n: number },
) {
  return app.interact({
    type: 'message_action',
    callback_id: IDS.track,
    trigger_id: `123.456.${options.n}`,
    action_ts: options.ts,
    team: { id: TEAM_ID, domain: 'acme-eng' },
    user: userRef(options.by),
    channel: { id: options.channel, name: 'somewhere' },
    message: { type: 'message', user: ADA, text: options.text, ts: options.ts },
    response_url: `http://slack.test/response/shortcut-${options.n}`,
    message_ts: options.ts,
    token: 'x',
  });
}
