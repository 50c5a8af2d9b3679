import type { AuditLog } from '../audit/repo.js';
import type { Leases } from '../db/leases.js';
import type { PeopleService } from '../people/service.js';
import type { ServiceDeps } from '../service-deps.js';
import type { SupportConfig } from './config.js';
import type { EscalationAction } from './escalation-rules.js';
import type { SupportFigures } from './figures.js';
import type { Policy, QueueEntry, SlaStatus } from './model.js';
import type { SupportRepo, TicketRow } from './repo.js';
import type { SearchHit } from './search.js';

/** A message in a help channel (or one a shortcut tracks), as the service takes it. */
export interface IncomingMessage {
  channelId: string;
  ts: string;
  userId: string;
  text: string;
  at: Date;
}

/** What the tier-1 reply (and its later versions) shows. */
export interface ReplyView {
  ticket: TicketRow;
  policies: readonly Policy[];
  sla: SlaStatus;
  hits: SearchHit[];
  /** The asker's own time zone (users.info), else the team's. */
  askerTimezone: string;
  onDuty: string[];
}

export interface EscalationView {
  ticket: TicketRow;
  policy: Policy;
  action: EscalationAction;
  sla: SlaStatus;
  onDuty: string[];
  /** Why nobody is on duty (then an on-duty step goes to the triage channel and says so); null otherwise. */
  onDutyProblem: string | null;
  responders: { users: string[]; usergroups: string[] };
  triageChannel: string;
}

export interface QueueView {
  entries: QueueEntry<TicketRow>[];
  policies: readonly Policy[];
  now: Date;
}

export interface OfficeHours {
  title: string;
  at: Date;
  url: string | null;
}

/** Port: how people hear about tickets. The Slack adapter (slack/notifier.ts) renders and posts. */
export interface SupportNotifier {
  /**
   * Posts the tier-1 reply in the ticket's thread; returns its ts, or `{ cannotPost }` with Slack's code when the
   * bot may not post in that conversation (channel_not_found, not_in_channel, is_archived, …: trying again will not
   * help). Throws on other failures (tried again by the sweep).
   */
  postReply(view: ReplyView): Promise<string | { cannotPost: string }>;
  /**
   * Why groundcrew would not hear a thread in this conversation (its replies and reactions): `not_in_channel` (the
   * bot is not a member: Slack sends it no events from there) or `private` (a private channel or DM: message.groups
   * and message.im are not subscribed). null when it hears it, or when Slack cannot tell (then tracking goes ahead).
   */
  deafIn(channelId: string): Promise<'not_in_channel' | 'private' | null>;
  /** Re-renders the tier-1 reply (priority, state). */
  updateReply(view: ReplyView): Promise<void>;
  /**
   * Sends one part of an escalation's message (`escalationParts` in model.ts): `dm:<user>` a DM to an on-duty
   * person, `triage` the post to the triage channel (mentioning the responders when the step says so). Throws when
   * Slack refuses it or the call fails: the part is tried again by the next sweep.
   */
  escalate(view: EscalationView, part: string): Promise<void>;
  /** Asks the asker for a 1–5 rating in the thread. */
  askCsat(ticket: TicketRow): Promise<void>;
  /** Tier 3: tells the triage channel, and the asker what happens next. */
  pairing(
    ticket: TicketRow,
    triageChannel: string,
    onDuty: { users: string[]; problem: string | null },
    officeHours: OfficeHours | null,
  ): Promise<void>;
  /** The 📖 answer saved: a short note in the thread. */
  answerSaved(ticket: TicketRow, savedBy: string): Promise<void>;
  postQueue(channel: string, view: QueueView): Promise<void>;
  postReport(channel: string, figures: SupportFigures, days: number): Promise<void>;
  /** A link to a reply in the ticket's thread (a saved answer), to cite it later. */
  permalink(ticket: TicketRow, ts: string): Promise<string>;
  /** The person's time zone from their Slack profile; null when it cannot be read. */
  timezoneOf(userId: string): Promise<string | null>;
  homeChanged(userIds: string[]): Promise<void>;
}

export interface SupportServiceDeps extends ServiceDeps<SupportRepo, SupportNotifier> {
  config: SupportConfig;
  /** The team's time zone. */
  timezone: string;
  people: Pick<PeopleService, 'isIn' | 'expand'>;
  audit: Pick<AuditLog, 'record' | 'recordMany'>;
  /** The docs folder's chunks as search documents (read once, on first use). */
  loadDocs(): Promise<{ id: string; title: string; text: string; url: string | null }[]>;
  /** The next office-hours event, when the communities capability offers one. */
  officeHours?: () => Promise<OfficeHours | null>;
  /** Told the asker of each question that was resolved (the surveys' micro-pulse, when configured). */
  afterResolved?: ((userId: string) => Promise<void>) | undefined;
  /** Posting a ticket's tier-1 reply holds `support-reply:<id>`, so a sweep on another replica does not post it too. */
  leases: Pick<Leases, 'hold'>;
}

/** Runs a listener's writes together with marking its event processed (src/slack/dedupe.ts commitWithEvent). */
export type EventCommit = <T>(effect: () => Promise<T>) => Promise<{ applied: true; value: T } | { applied: false }>;
