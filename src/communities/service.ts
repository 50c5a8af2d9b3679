import { DAY } from '../clock.js';
import { forbidden, invalidInput, notFound } from '../errors.js';
import { createAnnouncements } from './announcements.js';
import type { Community } from './config.js';
import {
  answerRsvp,
  type CommunityFigures,
  checkInOpen,
  communityFigures,
  type RsvpEntry,
  type RsvpStatus,
  rsvpOpen,
} from './model.js';
import { createNextOfficeHours } from './next-office-hours.js';
import { createOccurrences, EVENT_SERIES_PREFIX } from './occurrences.js';
import type {
  CommunitiesServiceDeps,
  EventCommit,
  InviteResult,
  NewEventInput,
  OccurrenceDetails,
  OccurrenceView,
  SkippedView,
  ThreadReply,
} from './ports.js';
import { dueActions, holidayOn, occurrenceKey } from './recurrence.js';
import { existsInZone, instantOf, isKnownZone, parseLocalDateTime } from './time.js';

export const EVENTS_AHEAD_MS = 14 * DAY;

/** A move done: the details after it, and whether its T-1 day decision was already due (so it is skipped). */
export interface MoveResult {
  details: OccurrenceDetails;
  decisionSkipped: boolean;
}

const MAX_TEXT = 300;
const MAX_EVENT_MINUTES = 24 * 60;
/** Kinds of the agenda request's claim row: `agenda-request@<start>` (announcements.ts). */
const AGENDA_REQUEST = 'agenda-request@';

/**
 * Use-cases of communities: RSVPs with capacity and waitlist, leads cancelling and moving an occurrence, agenda
 * items, the office-hours queue, the welcome DM, and (announcements.ts) what the scheduled jobs announce. Lead
 * actions and RSVPs are audited here.
 */
export function createCommunitiesService(deps: CommunitiesServiceDeps) {
  const { config, repo, clock, audit, notifier, people, channels } = deps;
  const occurrences = createOccurrences(config, repo);
  const announcements = createAnnouncements(deps, occurrences);

  async function open(key: string): Promise<OccurrenceView> {
    const view = await occurrences.find(key);
    if (!view) throw notFound('That event is not on the calendar any more.');
    return view;
  }

  async function isLead(community: Community, userId: string): Promise<boolean> {
    if (await people.hasRole(userId, 'admin')) return true;
    return (await people.expand(community.leads)).includes(userId);
  }

  async function requireLead(view: OccurrenceView, userId: string, action: string): Promise<void> {
    if (await isLead(view.community, userId)) return;
    await audit.record({
      actor: userId,
      action: `communities.${action}`,
      target: `occurrence:${view.occurrence.key}`,
      outcome: 'denied',
      detail: 'not a lead of the community',
    });
    throw forbidden(`Only the leads of ${view.community.name} can ${action} its events.`);
  }

  async function checkMove(key: string, by: string, when: string): Promise<{ view: OccurrenceView; start: Date }> {
    const view = await open(key);
    await requireLead(view, by, 'move');
    const floating = parseLocalDateTime(when);
    if (!floating) throw invalidInput(`Give the new time like \`2026-12-03 11:00\` (${view.series.timezone}).`);
    const start = instantOf(floating, view.series.timezone);
    if (start <= clock.now()) throw invalidInput('The new time is in the past.');
    if (start.getTime() === view.occurrence.start.getTime()) {
      throw invalidInput('That is the time it already starts at: nothing was changed.');
    }
    return { view, start };
  }

  /** Everyone who answered Going or is waiting: they hear about a cancel or a move. */
  const answered = (d: OccurrenceDetails) => [...d.going, ...d.waitlist];

  return {
    config,
    occurrences,
    ...announcements,
    communities: (): readonly Community[] => config.communities,
    isLead,
    /** Refuses (and audits) someone who is not a lead of the occurrence's community. */
    async assertLead(key: string, userId: string, action: 'cancel' | 'move'): Promise<void> {
      await requireLead(await open(key), userId, action);
    },

    /** Occurrences of the next 14 days (cancelled ones included, so people see them called off). */
    async upcoming(communityId?: string, ahead = EVENTS_AHEAD_MS): Promise<OccurrenceDetails[]> {
      if (communityId && !occurrences.communityById.has(communityId)) {
        const known = config.communities.map((c) => c.id).join(', ');
        throw invalidInput(`There is no community \`${communityId}\` (known: ${known}).`);
      }
      const now = clock.now();
      const views = await occurrences.upcoming({ from: now, to: new Date(now.getTime() + ahead) }, communityId);
      return Promise.all(views.map((v) => occurrences.details(v)));
    },

    /** Occurrences of the next 14 days a holiday skips: `/platform events` says so. */
    async skipped(communityId?: string, ahead = EVENTS_AHEAD_MS): Promise<SkippedView[]> {
      const now = clock.now();
      return occurrences.skipped({ from: now, to: new Date(now.getTime() + ahead) }, communityId);
    },

    /** Going / Not going. Returns the person's status and the details after the change; promotions are told. */
    async rsvp(
      key: string,
      userId: string,
      going: boolean,
    ): Promise<{ status: RsvpStatus; details: OccurrenceDetails }> {
      const view = await open(key);
      const now = clock.now();
      if (!rsvpOpen(view.occurrence, now)) {
        throw invalidInput(
          view.occurrence.status === 'cancelled'
            ? 'This event was called off, so it takes no answers.'
            : 'This event has started: answers are closed.',
        );
      }
      const capacity = view.series.capacity ?? null;
      const result = await repo.transaction(async () => {
        const entries: RsvpEntry[] = (await repo.rsvps(key)).map((r) => ({
          userId: r.userId,
          status: r.status,
          at: r.at,
        }));
        const answer = answerRsvp(entries, { userId, going, at: now }, capacity);
        for (const change of answer.changes) {
          const entry = answer.entries.find((e) => e.userId === change.userId)!;
          await repo.saveRsvp(key, entry.userId, entry.status, entry.at);
        }
        if (answer.changes.length > 0) {
          await audit.record({
            actor: userId,
            action: 'communities.rsvp',
            target: `occurrence:${key}`,
            inputs: { going },
            detail: answer.changes.map((c) => `${c.userId}: ${c.from ?? 'none'} → ${c.to}`).join('; '),
          });
        }
        return answer;
      });
      const details = await occurrences.details(view);
      const promoted = result.changes.filter((c) => c.userId !== userId && c.to === 'going').map((c) => c.userId);
      for (const person of promoted) await notifier.promoted(person, details);
      await notifier.homeChanged([userId, ...promoted]);
      return { status: result.status, details };
    },

    /** A lead calls one occurrence off; everyone who answered is told, and the channel. */
    async cancel(key: string, by: string, reason?: string): Promise<OccurrenceDetails> {
      const view = await open(key);
      await requireLead(view, by, 'cancel');
      if (view.occurrence.status === 'cancelled') throw invalidInput('That event is already called off.');
      const { occurrence } = view;
      await repo.transaction(async () => {
        await repo.saveOverride({
          occurrenceKey: key,
          seriesId: occurrence.seriesId,
          originalStart: occurrence.originalStart,
          kind: 'cancelled',
          start: null,
          reason: reason?.slice(0, MAX_TEXT) ?? null,
          by,
          at: clock.now(),
        });
        await audit.record({
          actor: by,
          action: 'communities.cancel',
          target: `occurrence:${key}`,
          inputs: { reason },
        });
      });
      const details = await occurrences.details(await open(key));
      await notifier.changed(details, { kind: 'cancelled', by, reason }, answered(details));
      await notifier.homeChanged(answered(details));
      return details;
    },

    /**
     * A lead moves one occurrence to `when` (`2026-12-03 11:00`, wall clock in the series' zone). It keeps its key,
     * so its RSVPs, agenda and queue stay; everyone who answered is told, and the channel.
     */
    async move(key: string, by: string, when: string, reason?: string): Promise<MoveResult> {
      const { view, start } = await checkMove(key, by, when);
      const previousStart = view.occurrence.start;
      await repo.transaction(async () => {
        await repo.saveOverride({
          occurrenceKey: key,
          seriesId: view.occurrence.seriesId,
          originalStart: view.occurrence.originalStart,
          kind: 'moved',
          start,
          reason: reason?.slice(0, MAX_TEXT) ?? null,
          by,
          at: clock.now(),
        });
        await audit.record({
          actor: by,
          action: 'communities.move',
          target: `occurrence:${key}`,
          inputs: { from: previousStart.toISOString(), to: start.toISOString(), reason },
        });
      });
      const details = await occurrences.details(await open(key));
      await notifier.changed(details, { kind: 'moved', by, reason, previousStart }, answered(details));
      await notifier.homeChanged(answered(details));
      const decision = dueActions(details.occurrence, details.series).find((a) => a.kind === 'decision');
      return { details, decisionSkipped: decision !== undefined && decision.at <= clock.now() };
    },

    /** The refusals of `move` (not a lead, a bad or past time, the start it already has), without moving. */
    async checkMove(key: string, by: string, when: string): Promise<void> {
      await checkMove(key, by, when);
    },

    /**
     * A reply in a channel thread. When the thread is an agenda request groundcrew posted and the occurrence still
     * takes items, the reply is an agenda item: written in the same transaction that marks the event processed
     * (`commit`), so a redelivered event adds nothing. The request post is then rewritten to list the items.
     * Returns the details when an item was added, else null.
     */
    async agendaFromThread(reply: ThreadReply, commit: EventCommit): Promise<OccurrenceDetails | null> {
      const text = reply.text.trim();
      if (!text) return null;
      const post = await repo.announcementAt(reply.channel, reply.threadTs);
      if (!post?.kind.startsWith(AGENDA_REQUEST) || !post.channel || !post.ts) return null;
      const view = await occurrences.find(post.subject);
      if (!view || view.series.kind === 'office-hours' || !rsvpOpen(view.occurrence, clock.now())) return null;
      const at = clock.now();
      const done = await commit(() =>
        repo.addAgendaItem(view.occurrence.key, reply.userId, text.slice(0, MAX_TEXT), at),
      );
      if (!done.applied) return null;
      const details = await occurrences.details(view);
      await notifier.agendaChanged(details, { channel: post.channel, ts: post.ts });
      return details;
    },

    async addAgendaItem(key: string, userId: string, text: string): Promise<OccurrenceDetails> {
      const view = await open(key);
      const item = text.trim();
      if (!item) throw invalidInput('Write the agenda item.', { item: 'Write the agenda item.' });
      if (!rsvpOpen(view.occurrence, clock.now())) throw invalidInput('This event takes no agenda items any more.');
      await repo.addAgendaItem(key, userId, item.slice(0, MAX_TEXT), clock.now());
      return occurrences.details(view);
    },

    /** Office hours: signs up with a topic (signing up again changes the topic and keeps the place). */
    async signUp(
      key: string,
      userId: string,
      topic: string,
    ): Promise<{ position: number; details: OccurrenceDetails }> {
      const view = await open(key);
      if (view.series.kind !== 'office-hours') throw invalidInput('Only office hours take sign-ups.');
      const text = topic.trim();
      if (!text) throw invalidInput('Say what you want to discuss.', { topic: 'Say what you want to discuss.' });
      if (!rsvpOpen(view.occurrence, clock.now())) throw invalidInput('These office hours take no sign-ups any more.');
      await repo.saveSignup(key, userId, text.slice(0, MAX_TEXT), clock.now());
      const details = await occurrences.details(view);
      return { position: details.agenda.findIndex((a) => a.userId === userId) + 1, details };
    },

    /** "I'm here": records who came (once per person), from 15 minutes before the start to the end. */
    async checkIn(key: string, userId: string): Promise<{ first: boolean; details: OccurrenceDetails }> {
      const view = await open(key);
      if (!checkInOpen(view.occurrence, clock.now())) {
        throw invalidInput(
          view.occurrence.status === 'cancelled'
            ? 'This event was called off.'
            : 'Check-in opens 15 minutes before the start and closes at the end.',
        );
      }
      const first = await repo.checkIn(key, userId, clock.now());
      return { first, details: await occurrences.details(view) };
    },

    /** "Tell me when the next one opens" for the series of `key`. */
    async follow(key: string, userId: string): Promise<boolean> {
      const view = await open(key);
      return repo.follow(view.series.id, userId, clock.now());
    },

    /** Join: asks Slack to add the person to the community's channel; the caller says how to join when it cannot. */
    async join(communityId: string, userId: string): Promise<{ community: Community; result: InviteResult }> {
      const community = occurrences.communityById.get(communityId);
      if (!community) throw notFound('That community is not set up any more: see `/platform communities`.');
      return { community, result: await channels.invite(community.channel, userId) };
    },

    /** The zone the event form starts in when Slack gives none for the person. */
    defaultZone: config.timezone ?? deps.timezone,

    /**
     * The communities `userId` leads (every one for an admin): where they may add an event. Someone who leads none
     * is refused, and the refusal audited.
     */
    async eventCommunities(userId: string): Promise<Community[]> {
      const out: Community[] = [];
      for (const community of config.communities) if (await isLead(community, userId)) out.push(community);
      if (out.length > 0) return out;
      await audit.record({
        actor: userId,
        action: 'communities.event-add',
        target: 'communities',
        outcome: 'denied',
        detail: 'leads no community',
      });
      throw forbidden('Only community leads can add events: see the leads in `/platform communities`.');
    },

    /**
     * A lead adds a one-off event: stored, audited, announced in the community channel; from then on it is an
     * occurrence like any other (RSVP, reminders, cancel and move, the feed). Field mistakes come back per field.
     */
    async addEvent(
      by: string,
      input: NewEventInput,
    ): Promise<{ details: OccurrenceDetails; announceProblem: string | null }> {
      const community = occurrences.communityById.get(input.community);
      if (!community) throw invalidInput('Pick a community.', { community: 'Pick a community.' });
      if (!(await isLead(community, by))) {
        await audit.record({
          actor: by,
          action: 'communities.event-add',
          target: `community:${community.id}`,
          outcome: 'denied',
          detail: 'not a lead of the community',
        });
        throw forbidden(`Only the leads of ${community.name} can add its events.`);
      }
      const fields: Record<string, string> = {};
      const title = input.title.trim();
      if (!title) fields.title = 'Give the event a title.';
      else if (title.length > 150) fields.title = 'At most 150 characters.';
      const zone = input.timezone.trim();
      if (!isKnownZone(zone)) fields.timezone = `Not a time zone: give one like Europe/Berlin.`;
      const floating = parseLocalDateTime(`${input.date} ${input.time}`);
      let start: Date | null = null;
      if (!floating) fields.when = 'Pick a date and a time.';
      else if (!fields.timezone) {
        if (!existsInZone(floating, zone))
          fields.when = `That time does not exist in ${zone} (the clocks jump over it).`;
        else {
          start = instantOf(floating, zone);
          if (start <= clock.now()) fields.when = 'That time is in the past.';
          const holiday = holidayOn(start, zone, community.id, config.holidays);
          if (holiday) fields.when = `${holiday.date} is a holiday${holiday.name ? ` (${holiday.name})` : ''}.`;
        }
      }
      if (
        !Number.isInteger(input.durationMinutes) ||
        input.durationMinutes < 5 ||
        input.durationMinutes > MAX_EVENT_MINUTES
      ) {
        fields.duration = 'Between 5 minutes and 24 hours.';
      }
      const link = input.link?.trim() || undefined;
      if (link && !/^https?:\/\/[^\s<>|]+$/.test(link)) fields.link = 'A link like https://meet.example.com/frontend.';
      const capacity = input.capacity;
      if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 1 || capacity > 10_000)) {
        fields.capacity = 'A whole number from 1 to 10000, or leave it empty.';
      }
      const [first] = Object.values(fields);
      if (first !== undefined || !start) throw invalidInput(first ?? 'Check the event.', fields);
      const startAt: Date = start;
      const description = input.description?.trim().slice(0, 1000) || null;
      const location = input.location?.trim().slice(0, 200) || null;
      const localStart = `${input.date} ${input.time}`;
      const row = await repo.transaction(async () => {
        const added = await repo.addEvent({
          community: community.id,
          title,
          description,
          start: localStart,
          timezone: zone,
          duration: input.durationMinutes * 60_000,
          location,
          link: link ?? null,
          capacity: capacity ?? null,
          createdBy: by,
          createdAt: clock.now(),
        });
        await audit.record({
          actor: by,
          action: 'communities.event-add',
          target: `occurrence:${occurrenceKey(`${EVENT_SERIES_PREFIX}${added.id}`, startAt)}`,
          inputs: {
            community: community.id,
            title,
            start: localStart,
            timezone: zone,
            minutes: input.durationMinutes,
            capacity,
          },
        });
        return added;
      });
      const view = await occurrences.find(occurrenceKey(`${EVENT_SERIES_PREFIX}${row.id}`, startAt));
      if (!view) throw new Error(`event ${row.id} was stored but names no occurrence`);
      const details = await occurrences.details(view);
      // The event is stored: a channel that refuses the post must not make the lead add it twice.
      try {
        await notifier.added(details);
        return { details, announceProblem: null };
      } catch (error) {
        return { details, announceProblem: error instanceof Error ? error.message : String(error) };
      }
    },

    /** The welcome DM, once per person (a row claims it). */
    async welcome(userId: string, channel: string | null): Promise<boolean> {
      const welcome = config.welcome;
      if (!welcome) return false;
      if ((welcome.channel ?? null) !== channel) return false;
      const claim = await repo.claimAnnouncement(`welcome@${userId}`, 'welcome', clock.now());
      if (!claim) return false;
      await notifier.welcome(userId, config.communities, welcome.message ?? null);
      await repo.finishAnnouncement(claim.id, { outcome: 'posted' });
      return true;
    },

    /** What the person answered Going (or waits for), upcoming, soonest first: their Home tab. */
    async mine(userId: string, limit = 3): Promise<(OccurrenceDetails & { status: RsvpStatus })[]> {
      const now = clock.now();
      const out: (OccurrenceDetails & { status: RsvpStatus })[] = [];
      for (const rsvp of await repo.rsvpsOf(userId)) {
        const view = await occurrences.find(rsvp.occurrenceKey);
        if (!view || view.occurrence.status === 'cancelled' || view.occurrence.end <= now) continue;
        out.push({ ...(await occurrences.details(view)), status: rsvp.status });
      }
      return out.sort((a, b) => a.occurrence.start.getTime() - b.occurrence.start.getTime()).slice(0, limit);
    },

    /**
     * Per community over the last `days`: members (channel members, given by the caller), events held, average
     * going, average attendance (people who checked in), agenda items (office-hours sign-ups included).
     */
    async figures(members: { communityId: string; userId: string }[], days = 90): Promise<CommunityFigures[]> {
      const now = clock.now();
      const views = await occurrences.upcoming({ from: new Date(now.getTime() - days * DAY), to: now });
      const { rsvps, agendaKeys, attendance } = await repo.activityOn(views.map((v) => v.occurrence.key));
      return communityFigures({
        communityIds: config.communities.map((c) => c.id),
        members,
        occurrences: views.map((v) => ({ ...v.occurrence, communityId: v.community.id })),
        rsvps: rsvps.map((r) => ({ occurrenceKey: r.occurrenceKey, userId: r.userId, status: r.status })),
        agendaItems: agendaKeys.map((occurrenceKey) => ({ occurrenceKey })),
        attendance,
        now,
      });
    },

    /** The next office hours that are not called off (support's tier-3 hand-off: see next-office-hours.ts). */
    nextOfficeHours: createNextOfficeHours(config, occurrences),
  };
}

export type CommunitiesService = ReturnType<typeof createCommunitiesService>;
