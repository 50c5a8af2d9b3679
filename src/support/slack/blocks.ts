import type { Button, KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { formatDuration } from '../../clock.js';
import type { ReplyMessage } from '../../slack/command-registry.js';
import { itemRef } from '../../slack/item-ref.js';
import {
  channelLink,
  context,
  groupMention,
  header,
  joinMrkdwn,
  linesToSections,
  link,
  type Mrkdwn,
  mention,
  mrkdwn,
  section,
  slackDate,
  trusted,
} from '../../slack/mrkdwn.js';
import type { SupportFigures } from '../figures.js';
import type { Policy } from '../model.js';
import type { EscalationView, OfficeHours, QueueView, ReplyView } from '../ports.js';
import type { TicketRow } from '../repo.js';
import { csatActionId, IDS, priorityActionId } from './ids.js';

/** Messages of the support capability: the tier-1 reply, escalations, CSAT, the queue, the figures, Home. Pure. */

/** A link to the ticket's question (Slack resolves archive links for members of the workspace). */
export function threadUrl(ticket: Pick<TicketRow, 'channelId' | 'messageTs'>): string {
  return `https://slack.com/archives/${ticket.channelId}/p${ticket.messageTs.replace('.', '')}`;
}

const ticketLink = (t: TicketRow) => link(threadUrl(t), `#${t.id}`);

/** `Tue 25 Nov, 11:00 (Europe/Berlin)` in the given zone. */
export function localTime(at: Date, zone: string): string {
  const dt = DateTime.fromJSDate(at, { zone });
  return `${(dt.isValid ? dt : DateTime.fromJSDate(at, { zone: 'UTC' })).toFormat('ccc d LLL, HH:mm')} (${dt.isValid ? zone : 'UTC'})`;
}

const labelOf = (policies: readonly Policy[], id: string) => policies.find((p) => p.id === id)?.label ?? id;

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text, emoji: true },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

/** The tier-1 reply in the thread: tracked, top docs matches, buttons, when to expect an answer and who is on duty. */
export function replyMessage(view: ReplyView): ReplyMessage {
  const { ticket, sla } = view;
  const label = labelOf(view.policies, ticket.priority);
  const ref = itemRef(ticket);
  const blocks: KnownBlock[] = [];
  if (ticket.state === 'resolved') {
    const by = ticket.resolverId ? mention(ticket.resolverId) : trusted('someone');
    blocks.push(section(mrkdwn`:white_check_mark: Question #${ticket.id} is resolved (by ${by}).`));
    return { text: `Question #${ticket.id} is resolved.`, blocks };
  }
  const due = sla.firstResponse.stopped ? null : sla.firstResponse.dueAt;
  const expect = due
    ? mrkdwn`Expect a first answer by *${localTime(due, view.askerTimezone)}*.`
    : ticket.state === 'waiting'
      ? mrkdwn`The platform team is waiting on your reply in this thread.`
      : mrkdwn`The platform team is on it.`;
  const duty =
    view.onDuty.length > 0
      ? mrkdwn` On duty: ${trusted(view.onDuty.map((u) => mention(u).text).join(', '))}.`
      : mrkdwn``;
  blocks.push(
    section(mrkdwn`:ticket: Tracked as question #${ticket.id} — *${label}*. ${trusted(expect)}${trusted(duty)}`),
  );
  if (view.hits.length > 0 && ticket.tier === 1) {
    const lines = view.hits.map((hit) => {
      const name = hit.doc.kind === 'answer' ? `Answered before: ${hit.doc.title}` : hit.doc.title;
      const item = hit.doc.url ? mrkdwn`• ${link(hit.doc.url, name)}` : mrkdwn`• ${name}`;
      return hit.doc.excerpt ? mrkdwn`${trusted(item)} — _${hit.doc.excerpt}_` : item;
    });
    blocks.push(section(joinMrkdwn([mrkdwn`*Maybe one of these answers it:*`, ...lines])));
  }
  blocks.push({
    type: 'actions',
    block_id: IDS.replyActionsBlock,
    elements: [
      button('This solved it', IDS.solved, ref, 'primary'),
      button('Resolved', IDS.resolved, ref),
      button('Waiting on asker', IDS.waiting, ref),
      button('Needs pairing', IDS.pairing, ref),
    ],
  });
  blocks.push({
    type: 'actions',
    block_id: IDS.priorityBlock,
    elements: view.policies.map((p) =>
      button(
        p.id === ticket.priority ? `✓ ${p.label}` : p.label,
        priorityActionId(p.id),
        ref,
        p.id === ticket.priority ? 'primary' : undefined,
      ),
    ),
  });
  return { text: `Tracked as question #${ticket.id} (${label}).`, blocks };
}

/** An escalation step: the DM to the on-duty person and the triage post share the words. */
export function escalationMessage(view: EscalationView): { dm: ReplyMessage; triage: ReplyMessage } {
  const { ticket, action, sla } = view;
  const clock = action.clock === 'page' ? null : sla[action.clock];
  const what =
    action.clock === 'page'
      ? mrkdwn`:rotating_light: *${view.policy.label}* — question ${ticketLink(ticket)} pages the platform team.`
      : clock!.breached
        ? mrkdwn`:red_circle: Question ${ticketLink(ticket)} (${view.policy.label}) breached its ${action.clock === 'firstResponse' ? 'first-response' : 'resolution'} target ${formatDuration(Math.max(0, -clock!.remainingMs))} over.`
        : mrkdwn`:large_orange_circle: Question ${ticketLink(ticket)} (${view.policy.label}): ${formatDuration(clock!.remainingMs)} of business time left to its ${action.clock === 'firstResponse' ? 'first response' : 'resolution'}.`;
  const asker = mrkdwn`Asked by ${mention(ticket.askerId)} in ${channelLink(ticket.channelId)}.`;
  const who = action.notify.includes('responders')
    ? trusted(
        [
          ...view.responders.users.map((u) => mention(u).text),
          ...view.responders.usergroups.map((g) => groupMention(g)),
        ].join(' '),
      )
    : trusted('');
  // An on-duty step with nobody on duty comes here instead of a DM: say why.
  const noDuty =
    action.notify.includes('onDuty') && view.onDuty.length === 0 && view.onDutyProblem
      ? [mrkdwn`:warning: No DM went out: ${view.onDutyProblem}.`]
      : [];
  const triageText = joinMrkdwn([what, asker, ...noDuty, ...(who.text ? [mrkdwn`${who}`] : [])]);
  return {
    dm: { text: `Support question #${ticket.id} needs attention`, blocks: [section(joinMrkdwn([what, asker]))] },
    triage: { text: `Support question #${ticket.id} needs attention`, blocks: [section(triageText)] },
  };
}

export function csatMessage(ticket: TicketRow): ReplyMessage {
  const ref = itemRef(ticket);
  return {
    text: 'How did we do? Rate the answer from 1 to 5.',
    blocks: [
      section(mrkdwn`${mention(ticket.askerId)} How did we do with this question? 1 = poor, 5 = great.`),
      {
        type: 'actions',
        block_id: IDS.csatBlock,
        elements: [1, 2, 3, 4, 5].map((n) => button(String(n), csatActionId(n), ref)),
      },
    ],
  };
}

export function pairingMessages(
  ticket: TicketRow,
  duty: { users: string[]; problem: string | null },
  hours: OfficeHours | null,
) {
  const who = trusted(duty.users.map((u) => mention(u).text).join(', '));
  const asker = hours
    ? mrkdwn`This needs pairing. The next office hours: *${hours.title}* on ${trusted(slackDate(hours.at))}${hours.url ? trusted(` — ${link(hours.url, 'details').text}`) : trusted('')}.`
    : duty.users.length > 0
      ? mrkdwn`This needs pairing: ${who} will reach out to you.`
      : mrkdwn`This needs pairing. Nobody is on duty right now: the platform team has been asked in their triage channel, and one of them will reach out to you.`;
  const nobody =
    duty.users.length === 0
      ? [section(mrkdwn`:warning: Nobody is on duty (${duty.problem ?? 'no one'}): someone please pick this up.`)]
      : [];
  return {
    thread: { text: 'This needs pairing.', blocks: [section(asker)] },
    triage: {
      text: `Question #${ticket.id} needs pairing`,
      blocks: [
        section(
          mrkdwn`:handshake: Question ${ticketLink(ticket)} from ${mention(ticket.askerId)} needs pairing (tier 3).`,
        ),
        ...nobody,
      ],
    },
  };
}

function queueLine(entry: QueueView['entries'][number], policies: QueueView['policies']): Mrkdwn {
  const t = entry.item;
  const label = labelOf(policies, t.priority);
  const what = entry.clock === 'firstResponse' ? 'first response' : 'resolution';
  const status = entry.paused
    ? mrkdwn`waiting on asker, ${formatDuration(entry.status.remainingMs)} left`
    : entry.status.breached
      ? mrkdwn`*breached ${formatDuration(entry.breachedForMs)} ago* (${what})`
      : mrkdwn`${formatDuration(entry.status.remainingMs)} left (${what})`;
  return mrkdwn`• ${ticketLink(t)} ${label} — ${trusted(status)} — ${mention(t.askerId)}`;
}

export function queueMessage(view: QueueView, limit = 40): ReplyMessage {
  if (view.entries.length === 0)
    return { text: 'The support queue is empty.', blocks: [section(mrkdwn`The support queue is empty.`)] };
  const lines = view.entries.slice(0, limit).map((e) => queueLine(e, view.policies));
  const more = view.entries.length > limit ? [context(mrkdwn`…and ${view.entries.length - limit} more.`)] : [];
  return {
    text: `Support queue: ${view.entries.length} open`,
    blocks: [header(`Support queue: ${view.entries.length} open`), ...linesToSections(lines), ...more],
  };
}

const pct = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);
const dur = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));

export function statsMessage(f: SupportFigures, days: number): ReplyMessage {
  const lines: Mrkdwn[] = [
    mrkdwn`*Questions:* ${f.volume}`,
    mrkdwn`*Deflected by the docs:* ${f.deflection.confirmed} confirmed, ${f.deflection.claimed} claimed (${f.deflection.refuted} asked again within 7 days)`,
    mrkdwn`*First response:* median ${dur(f.timeToFirstResponse.medianMs)}, p90 ${dur(f.timeToFirstResponse.p90Ms)} (business time)`,
    mrkdwn`*Resolution:* median ${dur(f.timeToResolution.medianMs)}, p90 ${dur(f.timeToResolution.p90Ms)} (business time)`,
    ...f.byPriority.map(
      (p) =>
        mrkdwn`• ${p.label}: ${p.tickets} — first response in SLA ${pct(p.firstResponse.rate)}, resolution in SLA ${pct(p.resolution.rate)}`,
    ),
    mrkdwn`*CSAT:* ${f.csat.average === null ? '—' : f.csat.average.toFixed(1)} from ${f.csat.count} rating(s)`,
  ];
  return {
    text: `Support, last ${days} days`,
    blocks: [header(`Support, last ${days} days`), ...linesToSections(lines)],
  };
}

/** Home: the viewer's open questions. */
export function mineSection(rows: TicketRow[], policies: readonly Policy[]): KnownBlock[] {
  if (rows.length === 0) return [];
  const lines = rows.map(
    (t) =>
      mrkdwn`• ${ticketLink(t)} ${labelOf(policies, t.priority)} — ${t.state === 'waiting' ? 'waiting on you' : t.state === 'responded' ? 'answered, open' : 'waiting for a first answer'}`,
  );
  return [section(joinMrkdwn([mrkdwn`*Your open support questions*`, ...lines]))];
}

/** Home: the head of the queue, for responders. */
export function queueHeadSection(view: QueueView, limit = 5): KnownBlock[] {
  if (view.entries.length === 0) return [];
  const lines = view.entries.slice(0, limit).map((e) => queueLine(e, view.policies));
  return [
    section(joinMrkdwn([mrkdwn`*Support queue* (${view.entries.length} open, \`/platform queue\` for all)`, ...lines])),
  ];
}
