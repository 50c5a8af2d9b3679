import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import {
  channelLink,
  context,
  divider,
  header,
  joinMrkdwn,
  linesToSections,
  type Message,
  type Mrkdwn,
  mention,
  mrkdwn,
  mrkdwnText,
  section,
  slackDate,
  trusted,
} from '../../slack/mrkdwn.js';
import type { Community } from '../config.js';
import type { CommunityFigures } from '../model.js';
import type { AnnouncementKind, OccurrenceChange, OccurrenceDetails, SkippedView } from '../ports.js';
import { whenForPerson } from '../recurrence.js';
import { formatRange } from '../time.js';
import { IDS } from './ids.js';

/** Pure Block Kit builders for communities: view-models in, messages out. */

export type { Message };

const plain = (text: string) => ({ type: 'plain_text' as const, text: text.slice(0, 75), emoji: true });

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  return { type: 'button', text: plain(text), action_id: actionId, value, ...(style ? { style } : {}) };
}

/** In a channel: Slack renders `<!date…>` in each reader's own zone; the series' wall clock follows. */
function channelWhen(d: OccurrenceDetails): Mrkdwn {
  const { start, end } = d.occurrence;
  return mrkdwn`${trusted(slackDate(start, '{date_short_pretty} {time}'))}–${trusted(slackDate(end, '{time}'))} (${formatRange(start, end, d.series.timezone)})`;
}

/** `1 member`, `4 members`. */
const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** In a DM: the person's own zone from Slack (`tz`), else the series'. */
const personWhen = (d: OccurrenceDetails, tz: string | null) =>
  mrkdwn`${whenForPerson(d.occurrence, d.series.timezone, tz)}`;

function where(d: OccurrenceDetails): Mrkdwn[] {
  const lines: Mrkdwn[] = [];
  if (d.series.location) lines.push(mrkdwn`:round_pushpin: ${d.series.location}`);
  if (d.series.link) lines.push(mrkdwn`:link: <${trusted(d.series.link)}|Join the meeting>`);
  return lines;
}

function attendance(d: OccurrenceDetails): Mrkdwn {
  const cap = d.capacity === null ? '' : ` of ${d.capacity}`;
  const waiting = d.waitlist.length ? `, ${d.waitlist.length} on the waitlist` : '';
  return mrkdwn`${d.going.length}${cap} going${waiting}`;
}

function agendaLines(d: OccurrenceDetails): Mrkdwn[] {
  if (d.agenda.length === 0) return [];
  const title = d.series.kind === 'office-hours' ? '*Queue*' : '*Agenda*';
  return [mrkdwn`${trusted(title)}`, ...d.agenda.map((a, i) => mrkdwn`${i + 1}. ${a.text} — ${mention(a.userId)}`)];
}

/** Going / Not going (and the office-hours and lead buttons); none on a cancelled occurrence. */
export function occurrenceActions(
  d: OccurrenceDetails,
  options: { agenda?: boolean; lead?: boolean; checkIn?: boolean } = {},
) {
  if (d.occurrence.status === 'cancelled') return [];
  const key = d.occurrence.key;
  const elements: Button[] = [];
  if (options.checkIn) elements.push(button("I'm here", IDS.checkIn, key, 'primary'));
  elements.push(
    button('Going', IDS.going, key, options.checkIn ? undefined : 'primary'),
    button('Not going', IDS.notGoing, key),
  );
  if (d.series.kind === 'office-hours') {
    elements.push(
      button('Sign up with a topic', IDS.signUp, key),
      button('Tell me when the next one opens', IDS.follow, key),
    );
  } else if (options.agenda || d.series.agenda) {
    elements.push(button('Add an agenda item', IDS.addAgenda, key));
  }
  if (options.lead !== false) {
    elements.push(button('Move…', IDS.move, key), {
      ...button('Cancel this one', IDS.cancel, key, 'danger'),
      confirm: {
        title: plain('Cancel this event?'),
        text: mrkdwnText(mrkdwn`Everyone who answered is told. Only the community’s leads can do this.`),
        confirm: plain('Cancel it'),
        deny: plain('Keep it'),
      },
    });
  }
  return [{ type: 'actions', block_id: IDS.actionsBlock, elements } satisfies ActionsBlock];
}

const HEADLINE: Record<AnnouncementKind, string> = {
  'agenda-request': ':memo: Agenda wanted',
  'reminder-day': ':calendar: Coming up',
  'reminder-soon': ':alarm_clock: Starting in 15 minutes',
};

/** The post in the community channel: agenda request, the day-before and the 15-minute reminders. */
export function announcement(kind: AnnouncementKind, d: OccurrenceDetails): Message {
  const title = mrkdwn`${HEADLINE[kind]}: *${d.series.title}* (${d.community.name})`;
  const lines: Mrkdwn[] = [title, channelWhen(d), ...where(d), attendance(d)];
  if (d.occurrence.status === 'moved') lines.push(mrkdwn`_Moved from its usual time._`);
  if (kind === 'agenda-request') {
    lines.push(
      d.series.kind === 'office-hours'
        ? mrkdwn`Sign up with what you want to discuss: first signed up, first seen.`
        : mrkdwn`What should we talk about? *Reply in this thread*, one item per message (or use Add an agenda item).`,
    );
  }
  lines.push(...agendaLines(d));
  return {
    text: mrkdwn`${HEADLINE[kind]}: ${d.series.title}`,
    blocks: [
      ...linesToSections(lines),
      ...occurrenceActions(d, { agenda: kind === 'agenda-request', checkIn: kind === 'reminder-soon' }),
    ],
  };
}

/** A reminder DM to someone going. */
export function reminderDm(kind: AnnouncementKind, d: OccurrenceDetails, tz: string | null): Message {
  const lines = [mrkdwn`${HEADLINE[kind]}: *${d.series.title}* — you are going.`, personWhen(d, tz), ...where(d)];
  lines.push(...agendaLines(d));
  return {
    text: mrkdwn`${HEADLINE[kind]}: ${d.series.title}`,
    blocks: [...linesToSections(lines), ...occurrenceActions(d, { lead: false, checkIn: kind === 'reminder-soon' })],
  };
}

function changeLine(d: OccurrenceDetails, change: OccurrenceChange, when: Mrkdwn): Mrkdwn {
  const reason = change.reason ? mrkdwn` Reason: ${change.reason}.` : mrkdwn``;
  const by = change.by === 'groundcrew' ? mrkdwn`` : mrkdwn` by ${mention(change.by)}`;
  if (change.kind === 'cancelled') {
    return mrkdwn`:no_entry: *${d.series.title}* on ${trusted(when)} is called off${trusted(by)}.${trusted(reason)}`;
  }
  return mrkdwn`:arrows_counterclockwise: *${d.series.title}* moved${trusted(by)} to ${trusted(when)}. Your answer stands.${trusted(reason)}`;
}

/** A cancel or a move, said in the channel. */
export function changedPost(d: OccurrenceDetails, change: OccurrenceChange): Message {
  const line = changeLine(d, change, channelWhen(d));
  return { text: line, blocks: [section(line), ...occurrenceActions(d)] };
}

/** The lead's own answer after a move: the channel's line, and a note when its T-1 day check is skipped. */
export function movedReply(d: OccurrenceDetails, by: string, decisionSkipped: boolean): Message {
  const line = changeLine(d, { kind: 'moved', by }, channelWhen(d));
  const note = decisionSkipped
    ? mrkdwn`\n:information_source: Its T-1 day check (minimum attendees, empty agenda) was already due at the new time, so it is skipped: the event goes ahead.`
    : mrkdwn``;
  const text = mrkdwn`${trusted(line)}${trusted(note)}`;
  return { text, blocks: [section(text), ...occurrenceActions(d)] };
}

/** A cancel or a move, DM'd to someone who answered. */
export function changedDm(d: OccurrenceDetails, change: OccurrenceChange, tz: string | null): Message {
  const line = changeLine(d, change, personWhen(d, tz));
  return { text: line, blocks: [section(line), ...occurrenceActions(d, { lead: false })] };
}

export function asyncPost(d: OccurrenceDetails): Message {
  const line = mrkdwn`:speech_balloon: *${d.series.title}* (${trusted(channelWhen(d))}) goes async this time: no agenda items arrived. Post your updates in this channel.`;
  return { text: line, blocks: [section(line)] };
}

export function promotedDm(d: OccurrenceDetails, tz: string | null): Message {
  const line = mrkdwn`:tada: A place opened up: you are now going to *${d.series.title}*, ${trusted(personWhen(d, tz))}.`;
  return { text: line, blocks: [section(line), ...occurrenceActions(d, { lead: false })] };
}

export function nextOpenedDm(d: OccurrenceDetails, tz: string | null): Message {
  const line = mrkdwn`:wave: The next *${d.series.title}* is open for sign-ups: ${trusted(personWhen(d, tz))}.`;
  return { text: line, blocks: [section(line), ...occurrenceActions(d, { lead: false })] };
}

function listLine(d: OccurrenceDetails, when: Mrkdwn): Mrkdwn {
  const off = d.occurrence.status === 'cancelled' ? mrkdwn` — _called off_` : mrkdwn``;
  return mrkdwn`• *${d.series.title}* (${d.community.name}) — ${trusted(when)} — ${trusted(attendance(d))}${trusted(off)}`;
}

/** The weekly digest. */
export function digestMessage(upcoming: OccurrenceDetails[], skipped: SkippedView[]): Message {
  const lines: Mrkdwn[] = [mrkdwn`:spiral_calendar_pad: *This week in the communities*`];
  if (upcoming.length === 0) lines.push(mrkdwn`Nothing scheduled this week.`);
  lines.push(...upcoming.map((d) => listLine(d, channelWhen(d))));
  for (const s of skipped) {
    lines.push(mrkdwn`• _No ${s.series.title} on ${s.date}${s.holiday ? ` (${s.holiday})` : ''}: holiday._`);
  }
  lines.push(mrkdwn`Answer with \`/platform events\`.`);
  return { text: mrkdwn`This week in the communities`, blocks: linesToSections(lines) };
}

/** A one-off event a lead added, announced in the community channel. */
export function addedPost(d: OccurrenceDetails): Message {
  const lines: Mrkdwn[] = [
    mrkdwn`:spiral_calendar_pad: New event: *${d.series.title}* (${d.community.name})`,
    channelWhen(d),
    ...where(d),
  ];
  if (d.series.description) lines.push(mrkdwn`${d.series.description}`);
  lines.push(attendance(d));
  return { text: mrkdwn`New event: ${d.series.title}`, blocks: [...linesToSections(lines), ...occurrenceActions(d)] };
}

/** `/platform events`: each occurrence with its buttons, in the person's zone. */
/** `/platform events` shows at most this many (two blocks each, within Slack's 50 a message); it says how many more. */
export const EVENTS_SHOWN = 15;

/**
 * `/platform events [community]`. `communityIds`: the ids to narrow a long list by (empty when already narrowed to
 * one community).
 */
export function eventsMessage(
  list: OccurrenceDetails[],
  tz: string | null,
  community?: string,
  skipped: SkippedView[] = [],
  communityIds: readonly string[] = [],
): Message {
  const title = community ? `Upcoming events of ${community}` : 'Upcoming events (next 14 days)';
  const holidays = skipped.slice(0, 10).map((s) => skippedLine(s));
  if (list.length === 0) {
    const none = mrkdwn`${title}: none.`;
    return { text: none, blocks: [section(joinMrkdwn([none, ...holidays]))] };
  }
  const blocks: KnownBlock[] = [header(title)];
  for (const d of list.slice(0, EVENTS_SHOWN)) {
    blocks.push(section(joinMrkdwn([listLine(d, personWhen(d, tz)), ...where(d)])), ...occurrenceActions(d));
  }
  const more = list.length - EVENTS_SHOWN;
  if (more > 0) {
    const narrow =
      communityIds.length > 1
        ? mrkdwn`\`/platform events &lt;community&gt;\` lists one community's (${communityIds.join(', ')}); `
        : mrkdwn``;
    blocks.push(
      context(
        mrkdwn`…and ${counted(more, 'more event')} in the next 14 days, not shown here: ${trusted(narrow)}\`/platform events feed\` gives the calendar feed with all of them.`,
      ),
    );
  }
  if (holidays.length > 0) blocks.push(context(joinMrkdwn(holidays)));
  return { text: mrkdwn`${title}`, blocks };
}

/** An occurrence a holiday skips: `No Frontend meetup on 2026-12-24 (Christmas Eve).` */
function skippedLine(s: SkippedView): Mrkdwn {
  return mrkdwn`_No ${s.series.title} on ${s.date}${s.holiday ? ` (${s.holiday})` : ''}._`;
}

/** `/platform communities`, and the welcome DM: each community with a Join button (and its member count when known). */
export function communitiesMessage(
  communities: readonly Community[],
  intro: string | null,
  members: ReadonlyMap<string, number> = new Map(),
): Message {
  const blocks: KnownBlock[] = [section(intro ? mrkdwn`${intro}` : mrkdwn`*Communities of practice*`)];
  for (const c of communities.slice(0, 45)) {
    const leads = [...c.leads.users.map(mention), ...c.leads.usergroups.map((g) => trusted(`<!subteam^${g}>`))];
    const count = members.get(c.id);
    const size = count === undefined ? mrkdwn`` : mrkdwn` · ${String(count)} member${count === 1 ? '' : 's'}`;
    const line = mrkdwn`*${c.name}* — ${c.description}\n${channelLink(c.channel)}${trusted(size)} · Leads: ${trusted(leads.map((l) => l.text).join(', '))}`;
    blocks.push({
      type: 'section',
      block_id: `${IDS.joinBlockPrefix}${c.id}`,
      text: mrkdwnText(line),
      accessory: button('Join', IDS.join, c.id),
    });
  }
  blocks.push(context(mrkdwn`Upcoming events: \`/platform events\`.`));
  return { text: mrkdwn`Communities of practice`, blocks };
}

/** What the Join button answers when Slack would not add the person: how to join by hand. */
export function howToJoin(community: Community, error: string): string {
  const leads = community.leads.users.map((u) => `<@${u}>`).join(', ');
  const ask = leads ? ` or ask a lead (${leads}) to add you` : '';
  return `I could not add you to <#${community.channel}> (${error}). Open <#${community.channel}> and click *Join channel*${ask}.`;
}

export function feedMessage(urls: { name: string; url: string }[]): Message {
  const lines = [
    mrkdwn`*Calendar feeds* — subscribe in your calendar app. The links carry a key: do not share them outside.`,
    ...urls.map((u) => mrkdwn`• ${u.name}: ${trusted(u.url)}`),
  ];
  return { text: mrkdwn`Calendar feeds`, blocks: linesToSections(lines) };
}

/** The Home tab: the person's next events. */
export function homeSection(mine: (OccurrenceDetails & { status: string })[], tz: string | null): KnownBlock[] {
  if (mine.length === 0) return [];
  const lines = mine.map(
    (d) =>
      mrkdwn`• *${d.series.title}* — ${trusted(personWhen(d, tz))}${d.status === 'waitlisted' ? ' — _on the waitlist_' : ''}`,
  );
  return [
    header('My next events'),
    ...linesToSections(lines),
    context(mrkdwn`All events: \`/platform events\``),
    divider,
  ];
}

/** `/platform communities stats`. */
export function statsMessage(figures: CommunityFigures[], communities: readonly Community[], days: number): Message {
  const name = (id: string) => communities.find((c) => c.id === id)?.name ?? id;
  const lines: Mrkdwn[] = [mrkdwn`*Communities, last ${days} days*`];
  for (const f of figures) {
    const going = f.averageGoing === null ? '–' : String(f.averageGoing);
    const there = f.averageAttendance === null ? '–' : String(f.averageAttendance);
    lines.push(
      mrkdwn`• *${name(f.communityId)}*: ${counted(f.members, 'member')} · ${counted(f.eventsHeld, 'event')} held · ${going} going per event · ${there} there per event · ${counted(f.agendaItems, 'agenda item')}`,
    );
  }
  lines.push(
    mrkdwn`_"Going" counts the answers; "there" counts people who clicked I'm here (from 15 minutes before the start to the end)._`,
  );
  return { text: mrkdwn`Communities, last ${days} days`, blocks: linesToSections(lines) };
}
