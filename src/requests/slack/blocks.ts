import type { Button, KnownBlock } from '@slack/types';
import { formatDuration } from '../../clock.js';
import type { ReplyMessage } from '../../slack/command-registry.js';
import { itemRef } from '../../slack/item-ref.js';
import {
  context,
  divider,
  escapeMrkdwn,
  header,
  joinMrkdwn,
  linesToSections,
  link,
  type Message,
  type Mrkdwn,
  mention,
  mrkdwn,
  section,
  slackDate,
  truncate,
  trusted,
} from '../../slack/mrkdwn.js';
import type { RequestType } from '../config.js';
import { isTerminal, STATUS_ICON, STATUS_LABEL } from '../model.js';
import type { RequestRow } from '../repo.js';
import type { TypeStats } from '../stats.js';
import { answerBlocks, answerViews } from './answers.js';
import { IDS } from './ids.js';

/** Messages: the queue card, the requester's DMs, listings, stats and the Home section. Pure builders. */

/** Slack's cap on blocks in one message. */
const MAX_BLOCKS = 50;

export type { Message };

const titleOf = (row: RequestRow, type: RequestType | undefined) => `#${row.id} ${type?.title ?? row.typeId}`;

/** A date as Slack shows it in each reader's time zone, for the `mrkdwn` tag. */
const date = (at: Date) => trusted(slackDate(at));

function statusLine(row: RequestRow): Mrkdwn {
  const by =
    row.status === 'claimed' && row.claimedBy
      ? row.claimedBy
      : (row.status === 'done' || row.status === 'rejected') && row.resolvedBy && row.resolvedBy !== 'webhook'
        ? row.resolvedBy
        : null;
  return mrkdwn`${STATUS_ICON[row.status]} *${STATUS_LABEL[row.status]}*${by ? trusted(mrkdwn` by ${mention(by)}`) : ''}`;
}

/** Outputs a webhook returned: URLs become links. */
export function outputsText(outputs: Record<string, string> | null): Mrkdwn[] | null {
  if (!outputs || Object.keys(outputs).length === 0) return null;
  return Object.entries(outputs).map(([key, value]) =>
    /^https?:\/\//.test(value) ? mrkdwn`• ${key}: ${link(value, truncate(value, 80))}` : mrkdwn`• ${key}: ${value}`,
  );
}

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

/** The card in the platform team's queue channel; re-rendered in place on every change. */
export function queueCard(row: RequestRow, type: RequestType): Message {
  const head: KnownBlock[] = [
    header(`Request #${row.id}: ${type.title}`),
    section(
      mrkdwn`Requested by ${mention(row.requester)} ${date(row.submittedAt)}\nStatus: ${trusted(statusLine(row))}${
        type.sla ? ` · target within ${formatDuration(type.sla)}` : ''
      }`,
    ),
  ];
  if (row.slaFlaggedAt && !isTerminal(row.status)) {
    head.push(section(mrkdwn`:rotating_light: *Past its SLA* (${formatDuration(type.sla ?? 0)}) — please pick it up.`));
  }
  if (row.lastError) {
    head.push(section(mrkdwn`:warning: Automation could not take it: ${truncate(row.lastError, 1500)}`));
  }
  const tail: KnownBlock[] = [];
  if (row.status === 'rejected' && row.message) tail.push(section(mrkdwn`*Reason:* ${row.message}`));
  if (row.status === 'failed' && row.message) {
    tail.push(section(mrkdwn`:x: *The automation reported a failure:* ${truncate(row.message, 1500)}`));
  }
  const value = itemRef(row);
  const buttons: Button[] = [];
  if (row.status === 'queued') buttons.push(button('Claim', IDS.claim, value, 'primary'));
  if (row.status === 'queued' || row.status === 'claimed') {
    buttons.push(button('Done', IDS.done, value, row.status === 'claimed' ? 'primary' : undefined));
    buttons.push(button('Reject', IDS.reject, value, 'danger'));
  }
  if (buttons.length) tail.push({ type: 'actions', block_id: IDS.queueActionsBlock, elements: buttons });
  const answers = answerBlocks(answerViews(type, row.fields), MAX_BLOCKS - head.length - tail.length);
  return {
    text: mrkdwn`Request #${row.id} (${type.title}) from ${mention(row.requester)}: ${STATUS_LABEL[row.status]}`,
    blocks: [...head, ...answers, ...tail],
  };
}

const REQUESTER_TEXT: Record<RequestRow['status'], string> = {
  submitted: 'is submitted.',
  awaiting_approval: 'is waiting for approval.',
  approved: 'is approved.',
  queued: 'is queued.',
  in_progress: 'is in progress.',
  claimed: 'is being worked on.',
  done: 'is done.',
  rejected: 'was rejected.',
  failed: 'failed.',
  expired: 'was not approved in time and is closed.',
};

/** The DM a requester gets at every change. */
export function requesterMessage(row: RequestRow, type: RequestType, note?: Mrkdwn): Message {
  let detail: Mrkdwn | null = null;
  if (row.status === 'queued') {
    detail = row.mode === 'manual' ? mrkdwn`It is in the platform team’s queue.` : mrkdwn`Automation has picked it up.`;
  }
  if (row.status === 'claimed' && row.claimedBy) detail = mrkdwn`${mention(row.claimedBy)} is on it.`;
  if (row.status === 'awaiting_approval' && type.approval) {
    detail = mrkdwn`It needs ${type.approval.count} approval${type.approval.count === 1 ? '' : 's'}; approvers have been asked.`;
  }
  const lines = [mrkdwn`${STATUS_ICON[row.status]} Your request *${titleOf(row, type)}* ${REQUESTER_TEXT[row.status]}`];
  if (detail) lines.push(detail);
  if (note) lines.push(note);
  if (row.message) {
    const quoted = truncate(row.message, 1500);
    lines.push(
      row.status === 'rejected' && row.resolvedBy
        ? mrkdwn`Rejected by ${mention(row.resolvedBy)}: ${quoted}`
        : mrkdwn`> ${quoted}`,
    );
  }
  const blocks: KnownBlock[] = [section(joinMrkdwn(lines))];
  const outputs = row.status === 'done' || row.status === 'in_progress' ? outputsText(row.outputs) : null;
  // Outputs can be many or long (a webhook's body may be 100 kB): spread them over sections, within 50 blocks.
  if (outputs) blocks.push(...linesToSections([mrkdwn`*Outputs*`, ...outputs]).slice(0, MAX_BLOCKS - 1));
  if (row.status === 'submitted') blocks.push(...answerBlocks(answerViews(type, row.fields), 4));
  return { text: mrkdwn`Your request ${titleOf(row, type)} ${REQUESTER_TEXT[row.status]}`, blocks };
}

function listLine(row: RequestRow, type: RequestType | undefined, now: Date, withRequester: boolean): Mrkdwn {
  const sla = type?.sla;
  const overdue = sla !== undefined && row.slaFlaggedAt && !isTerminal(row.status);
  const age = formatDuration(now.getTime() - row.submittedAt.getTime());
  const by = row.claimedBy && row.status === 'claimed' ? trusted(mrkdwn` by ${mention(row.claimedBy)}`) : '';
  const from = withRequester ? trusted(mrkdwn` · from ${mention(row.requester)}`) : '';
  return mrkdwn`${overdue ? ':rotating_light: ' : ''}${STATUS_ICON[row.status]} *${titleOf(row, type)}* — ${STATUS_LABEL[row.status]}${by}${from} · ${date(row.submittedAt)} (${age} ago)${overdue ? trusted(` · *past SLA* (${formatDuration(sla)})`) : ''}`;
}

/**
 * A titled list in at most `maxBlocks` blocks (title included); lines that do not fit are counted in a last line.
 */
export function listBlocks(title: Mrkdwn, lines: readonly Mrkdwn[], maxBlocks = MAX_BLOCKS): KnownBlock[] {
  let shown = lines.length;
  for (;;) {
    const visible = lines.slice(0, shown);
    const more = lines.length - shown;
    const sections = linesToSections(more ? [...visible, mrkdwn`_…and ${more} more_`] : visible);
    if (sections.length + 1 <= maxBlocks || shown === 0) return [section(title), ...sections].slice(0, maxBlocks);
    shown = Math.max(0, shown - Math.max(1, Math.ceil(shown / 10)));
  }
}

export function myRequestsMessage(
  rows: RequestRow[],
  typeOf: (id: string) => RequestType | undefined,
  now: Date,
): ReplyMessage {
  if (rows.length === 0) return { text: 'You have no requests yet. Start one with `/platform request`.' };
  return {
    text: `Your requests (${rows.length})`,
    blocks: listBlocks(
      mrkdwn`*Your requests* (latest ${rows.length})`,
      rows.map((r) => listLine(r, typeOf(r.typeId), now, false)),
    ),
  };
}

/**
 * `/platform requests --open`: first the platform team's own work (manual requests, past-SLA first, then oldest),
 * then — separately — what is open elsewhere (awaiting approval, with automation).
 */
export function queueMessage(
  queue: { waiting: RequestRow[]; elsewhere: RequestRow[] },
  typeOf: (id: string) => RequestType | undefined,
  now: Date,
): ReplyMessage {
  const { waiting, elsewhere } = queue;
  const breached = waiting.filter((r) => r.slaFlaggedAt).length;
  const counts = `${waiting.length}${breached ? `, ${breached} past SLA` : ''}`;
  const others = elsewhere.length ? `; ${elsewhere.length} open elsewhere` : '';
  const text = `Waiting for the platform team: ${counts}${others}`;
  const line = (r: RequestRow) => listLine(r, typeOf(r.typeId), now, true);
  const elsewhereTitle = mrkdwn`*Open elsewhere* (${elsewhere.length}) — awaiting approval or with automation; nothing to do yet`;
  if (waiting.length === 0) {
    if (elsewhere.length === 0) return { text: 'The request queue is empty. :sparkles:' };
    return {
      text,
      blocks: [
        section(mrkdwn`*Waiting for the platform team:* nothing. :sparkles:`),
        ...listBlocks(elsewhereTitle, elsewhere.map(line), MAX_BLOCKS - 1),
      ],
    };
  }
  const work = listBlocks(
    mrkdwn`*Waiting for the platform team* (${counts}) — past-SLA first, then oldest`,
    waiting.map(line),
    elsewhere.length ? MAX_BLOCKS - 5 : MAX_BLOCKS,
  );
  const rest = elsewhere.length
    ? [divider, ...listBlocks(elsewhereTitle, elsewhere.map(line), MAX_BLOCKS - work.length - 1)]
    : [];
  return { text, blocks: [...work, ...rest] };
}

const pct = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);
const dur = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));

export function statsMessage(
  stats: TypeStats[],
  typeOf: (id: string) => RequestType | undefined,
  days?: number,
): ReplyMessage {
  const period = days ? `last ${days} day${days === 1 ? '' : 's'}` : 'all time';
  const blocks: KnownBlock[] = [header(`Request stats (${period})`)];
  for (const s of stats.slice(0, 45)) {
    blocks.push(
      section(
        mrkdwn`*${typeOf(s.typeId)?.title ?? s.typeId}* (\`${s.typeId}\`)
Volume *${s.volume}* · self-service *${pct(s.selfServiceRate)}* (${s.selfService}/${s.done} fulfilled) · time to fulfil median *${dur(s.medianMs)}*, p90 *${dur(s.p90Ms)}* · rejected *${pct(s.rejectionRate)}* (${s.rejected}/${s.volume}) · open ${s.open}`,
      ),
    );
  }
  blocks.push(
    context(
      mrkdwn`Self-service: fulfilled by a webhook with no platform engineer touching it. Median/p90: submission to done (p90 by nearest rank).`,
    ),
  );
  return { text: `Request stats for ${stats.length} type(s), ${period}`, blocks };
}

export function homeSection(
  rows: RequestRow[],
  typeOf: (id: string) => RequestType | undefined,
  now: Date,
  queue?: { open: number; breached: number },
): KnownBlock[] {
  const blocks: KnownBlock[] = [header('My requests')];
  if (rows.length === 0) blocks.push(section(mrkdwn`No requests yet. Start one with \`/platform request\`.`));
  else blocks.push(section(joinMrkdwn(rows.map((r) => listLine(r, typeOf(r.typeId), now, false)))));
  const hints = [mrkdwn`All of yours: \`/platform requests\``];
  if (queue)
    hints.push(
      mrkdwn`Queue: ${queue.open} waiting for the platform team${queue.breached ? `, ${queue.breached} past SLA` : ''} — \`/platform requests --open\``,
    );
  blocks.push(context(joinMrkdwn(hints, ' · ')), divider);
  return blocks;
}

/** The one-time SLA note in the queue channel (threaded under the card when there is one). */
export function slaBreachMessage(row: RequestRow, type: RequestType): Message {
  const by = row.claimedBy ? trusted(mrkdwn` by ${mention(row.claimedBy)}`) : ', unclaimed';
  const text = mrkdwn`:rotating_light: Request *#${row.id} ${type.title}* from ${mention(row.requester)} is past its SLA (${formatDuration(type.sla ?? 0)}; ${STATUS_LABEL[row.status]}${by}).`;
  return { text, blocks: [section(text)] };
}

/** The Home tab's "New request…" button (opens the same picker as `/platform request`). */
export function homeStartButton(): KnownBlock[] {
  return [
    {
      type: 'actions',
      block_id: IDS.openPicker,
      elements: [{ type: 'button', action_id: IDS.openPicker, text: { type: 'plain_text', text: 'New request…' } }],
    },
  ];
}

/** How a request describes itself on an approval card (null once it or its type is gone). */
export function approvalView(row: RequestRow | null, typeById: (id: string) => RequestType | undefined) {
  const type = row && typeById(row.typeId);
  if (!row || !type) return null;
  return {
    title: `Request #${row.id}: ${type.title}`,
    lines: [
      mrkdwn`Requested by ${mention(row.requester)}`,
      ...answerViews(type, row.fields).map((a) => mrkdwn`*${a.label}*: ${trusted(a.text)}`),
    ],
  };
}

/** The filer's confirmation in the channel they filed from (ephemeral). */
export function submittedNote(row: Pick<RequestRow, 'id'>, type: Pick<RequestType, 'title'>): string {
  return `:inbox_tray: Request #${row.id} (${escapeMrkdwn(type.title)}) is filed with the platform team. Updates come to you in a DM; \`/platform requests\` lists yours.`;
}
