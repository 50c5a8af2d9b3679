import { conflict } from '../errors.js';

/**
 * A request's life: submitted → awaiting_approval → approved → (webhook: queued → in_progress → done | failed)
 * or (manual: queued → claimed → done | rejected). Approval can end it as rejected or expired.
 * `queued` means handed over: a webhook accepted it, or it sits in the platform team's queue channel.
 */
export const REQUEST_STATUSES = [
  'submitted',
  'awaiting_approval',
  'approved',
  'queued',
  'in_progress',
  'claimed',
  'done',
  'rejected',
  'failed',
  'expired',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const FULFILMENT_MODES = ['webhook', 'manual'] as const;
export type FulfilmentMode = (typeof FULFILMENT_MODES)[number];

/** What a fulfilment webhook may report back. */
export const CALLBACK_STATUSES = ['queued', 'in_progress', 'done', 'failed'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

export const TERMINAL_STATUSES: readonly RequestStatus[] = ['done', 'rejected', 'failed', 'expired'];
export const isTerminal = (status: RequestStatus) => TERMINAL_STATUSES.includes(status);
/** Still going somewhere: with an approver, a webhook or the platform team. */
export const OPEN_STATUSES: readonly RequestStatus[] = REQUEST_STATUSES.filter((s) => !isTerminal(s));

const TRANSITIONS: Record<RequestStatus, readonly RequestStatus[]> = {
  submitted: ['awaiting_approval', 'queued', 'in_progress', 'done', 'failed'],
  awaiting_approval: ['approved', 'rejected', 'expired', 'failed'],
  approved: ['queued', 'in_progress', 'done', 'failed'],
  queued: ['in_progress', 'claimed', 'done', 'failed', 'rejected'],
  // A webhook may report progress more than once (a new message or output while still running).
  in_progress: ['in_progress', 'done', 'failed'],
  claimed: ['done', 'rejected'],
  done: [],
  rejected: [],
  failed: [],
  expired: [],
};

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export const STATUS_LABEL: Record<RequestStatus, string> = {
  submitted: 'submitted',
  awaiting_approval: 'awaiting approval',
  approved: 'approved',
  queued: 'queued',
  in_progress: 'in progress',
  claimed: 'claimed',
  done: 'done',
  rejected: 'rejected',
  failed: 'failed',
  expired: 'approval expired',
};

export const STATUS_ICON: Record<RequestStatus, string> = {
  submitted: ':inbox_tray:',
  awaiting_approval: ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  queued: ':clipboard:',
  in_progress: ':gear:',
  claimed: ':raising_hand:',
  done: ':tada:',
  rejected: ':no_entry_sign:',
  failed: ':x:',
  expired: ':alarm_clock:',
};

export function assertTransition(id: number, from: RequestStatus, to: RequestStatus): void {
  if (!canTransition(from, to)) {
    throw conflict(`Request #${id} is ${STATUS_LABEL[from]}; it cannot become ${STATUS_LABEL[to]}.`);
  }
}

/** A submitted answer: text, option value(s), a user or channel ID, a number, a date (YYYY-MM-DD); null when empty. */
export type FieldValue = string | string[] | number | null;
export type FieldValues = Record<string, FieldValue>;

/** The plain request as the rules see it (the repo row maps onto this). */
export interface RequestRecord {
  id: number;
  typeId: string;
  requester: string;
  fields: FieldValues;
  status: RequestStatus;
  mode: FulfilmentMode;
  submittedAt: Date;
  completedAt: Date | null;
  claimedBy: string | null;
  slaFlaggedAt: Date | null;
}

/** True while a manual request is still with the platform team and older than its type's SLA. */
export function slaBreached(
  request: Pick<RequestRecord, 'mode' | 'status' | 'submittedAt'>,
  slaMs: number | undefined,
  now: Date,
): boolean {
  if (slaMs === undefined || request.mode !== 'manual') return false;
  if (request.status !== 'queued' && request.status !== 'claimed') return false;
  return now.getTime() - request.submittedAt.getTime() > slaMs;
}

/** The open queue: SLA-breached first (longest overdue first), then oldest first. */
export function sortQueue<T extends Pick<RequestRecord, 'id' | 'mode' | 'status' | 'submittedAt'>>(
  requests: readonly T[],
  slaOf: (request: T) => number | undefined,
  now: Date,
): T[] {
  const overdueBy = (r: T) => {
    const sla = slaOf(r);
    return slaBreached(r, sla, now) ? now.getTime() - r.submittedAt.getTime() - sla! : -1;
  };
  return [...requests].sort((a, b) => {
    const oa = overdueBy(a);
    const ob = overdueBy(b);
    if (oa >= 0 || ob >= 0) {
      if (oa < 0) return 1;
      if (ob < 0) return -1;
      if (oa !== ob) return ob - oa;
    }
    return a.submittedAt.getTime() - b.submittedAt.getTime() || a.id - b.id;
  });
}

/** `REQ-12` style label used in messages. */
export const requestLabel = (id: number) => `#${id}`;
