import type { PeopleService } from '../people/service.js';
import type { ServiceDeps } from '../service-deps.js';
import type { CommunitiesConfig, Community, Series } from './config.js';
import type { Decision } from './model.js';
import type { DueKind, Occurrence, SkippedOccurrence } from './recurrence.js';
import type { CommunitiesRepo } from './repo.js';

/** One occurrence with what it belongs to. */
export interface OccurrenceView {
  occurrence: Occurrence;
  series: Series;
  community: Community;
}

/** An occurrence and everything people added to it: what announcements show. */
export interface OccurrenceDetails extends OccurrenceView {
  going: string[];
  /** First come first. */
  waitlist: string[];
  /** Agenda items, or for office hours the queue, in order. */
  agenda: { userId: string; text: string }[];
  capacity: number | null;
}

export type AnnouncementKind = Extract<DueKind, 'agenda-request' | 'reminder-day' | 'reminder-soon'>;

export interface OccurrenceChange {
  kind: 'cancelled' | 'moved';
  /** A user ID, or `groundcrew` for the T-1 day decision. */
  by: string;
  reason?: string | undefined;
  /** The start before a move. */
  previousStart?: Date | undefined;
  /** Why groundcrew called it off (T-1 day decision). */
  decision?: Decision | undefined;
}

/** The next office hours, for support's tier-3 hand-off. */
export interface NextOfficeHours {
  occurrenceKey: string;
  title: string;
  communityId: string;
  channel: string;
  start: Date;
  end: Date;
  link: string | null;
}

/** Port for support: "the next office-hours event" after `now` (null when none is scheduled in 60 days). */
export type NextOfficeHoursPort = (now: Date) => Promise<NextOfficeHours | null>;

/** Port: how people hear about communities. The Slack adapter (slack/notifier.ts) renders and posts. */
export interface CommunitiesNotifier {
  /** Posts an announcement in the community channel; returns where it landed. */
  announce(kind: AnnouncementKind, details: OccurrenceDetails): Promise<{ channel: string; ts: string }>;
  /** A reminder DM to someone who RSVP'd, in their own time zone; throws when Slack did not take it. */
  remind(userId: string, kind: AnnouncementKind, details: OccurrenceDetails): Promise<void>;
  /** A cancelled or moved occurrence: said in the channel, and a DM to each of `userIds` (best effort, logged). */
  changed(details: OccurrenceDetails, change: OccurrenceChange, userIds: string[]): Promise<void>;
  /** The channel post of `changed` alone; throws when Slack did not take it (the call-off's notice, retried). */
  changedNotice(details: OccurrenceDetails, change: OccurrenceChange): Promise<void>;
  /** The DM of `changed` to one person; throws when Slack did not take it (retried). */
  changedDm(userId: string, details: OccurrenceDetails, change: OccurrenceChange): Promise<void>;
  /** The T-1 day decision was "go ahead, async": said in the channel. */
  goingAsync(details: OccurrenceDetails): Promise<void>;
  /** The DM to someone moved up from the waitlist; throws when Slack did not take it (retried). */
  promoted(userId: string, details: OccurrenceDetails): Promise<void>;
  /** The weekly digest of the next days in one channel. */
  digest(channel: string, upcoming: OccurrenceDetails[], skipped: SkippedView[]): Promise<{ ts: string }>;
  /** The list of communities, DM'd to someone who joined. */
  welcome(userId: string, communities: readonly Community[], message: string | null): Promise<void>;
  /** The DM to someone who asked to hear when the next office hours open; throws when Slack did not take it (retried). */
  nextOpened(userId: string, details: OccurrenceDetails): Promise<void>;
  /** A lead added a one-off event: announced in the community channel with its buttons. */
  added(details: OccurrenceDetails): Promise<{ channel: string; ts: string }>;
  /** An agenda item came in a thread: the agenda request at `post` is rewritten to list the items so far. */
  agendaChanged(details: OccurrenceDetails, post: { channel: string; ts: string }): Promise<void>;
  homeChanged(userIds: string[]): Promise<void>;
}

/** What asking Slack to add someone to a community channel gave. */
export type InviteResult =
  | { kind: 'invited' }
  | { kind: 'already-in' }
  /** Slack refused (`not_in_channel`, a private channel, `restricted_action`, …): the person is told how to join. */
  | { kind: 'cannot'; error: string };

/** Port: adds a person to a channel (the Slack adapter calls conversations.invite). */
export interface ChannelInviter {
  invite(channel: string, userId: string): Promise<InviteResult>;
}

/** A thread reply in a channel: a candidate agenda item when its thread is an agenda request. */
export interface ThreadReply {
  channel: string;
  threadTs: string;
  ts: string;
  userId: string;
  text: string;
}

/** Runs the writes together with marking the Slack event processed (src/slack/dedupe.ts commitWithEvent). */
export type EventCommit = <T>(effect: () => Promise<T>) => Promise<{ applied: true; value: T } | { applied: false }>;

/** A one-off event as a lead describes it in the modal (times are wall clock in `timezone`). */
export interface NewEventInput {
  community: string;
  title: string;
  /** `2026-12-03` */
  date: string;
  /** `11:00` */
  time: string;
  durationMinutes: number;
  timezone: string;
  description?: string | undefined;
  location?: string | undefined;
  link?: string | undefined;
  capacity?: number | undefined;
  /** Called off at T-1 day when fewer are going. */
  minAttendees?: number | undefined;
  /** Agenda items asked for in a thread this many days before. */
  agendaDaysBefore?: number | undefined;
}

export interface SkippedView extends SkippedOccurrence {
  series: Series;
  community: Community;
}

/** The shared service deps (repo, notifier, clock, audit, logger) and what communities need besides. */
export interface CommunitiesServiceDeps extends ServiceDeps<CommunitiesRepo, CommunitiesNotifier> {
  config: CommunitiesConfig;
  /** The team zone the digest's cron is read in. */
  timezone: string;
  people: Pick<PeopleService, 'expand' | 'hasRole'>;
  channels: ChannelInviter;
}
