import { DAY } from '../clock.js';
import { invalidInput, notFound } from '../errors.js';
import { mrkdwn } from '../mrkdwn.js';
import { createAnnouncements } from './announcements.js';
import type { Community } from './config.js';
import { createLeadActions, MAX_TEXT } from './leads.js';
import { type CommunityFigures, checkInOpen, communityFigures, type RsvpStatus, rsvpOpen } from './model.js';
import { createNextOfficeHours } from './next-office-hours.js';
import { createOccurrences } from './occurrences.js';
import type {
  CommunitiesServiceDeps,
  EventCommit,
  InviteResult,
  OccurrenceDetails,
  OccurrenceView,
  SkippedView,
  ThreadReply,
} from './ports.js';
import { createRsvps } from './rsvps.js';

export type { MoveResult } from './leads.js';

export const EVENTS_AHEAD_MS = 14 * DAY;

/** Kinds of the agenda request's claim row: `agenda-request@<start>` (announcements.ts). */
const AGENDA_REQUEST = 'agenda-request@';

/**
 * Use-cases of communities. Its parts: occurrences.ts (what is on the calendar), rsvps.ts (Going / Not going, the
 * waitlist), leads.ts (cancel, move, add an event), announcements.ts (what the scheduled jobs announce); here the
 * agenda items, the office-hours queue, check-in, Join, the welcome DM, Home and the figures.
 */
export function createCommunitiesService(deps: CommunitiesServiceDeps) {
  const { config, repo, clock, notifier, channels } = deps;
  const occurrences = createOccurrences(config, repo);

  async function open(key: string): Promise<OccurrenceView> {
    const view = await occurrences.find(key);
    if (!view) throw notFound('That event is not on the calendar any more.');
    return view;
  }

  const rsvps = createRsvps(deps, occurrences, open);
  const leads = createLeadActions(deps, occurrences, open);
  const announcements = createAnnouncements(deps, occurrences, rsvps.promoteWaitlists);

  return {
    config,
    occurrences,
    ...announcements,
    ...leads,
    rsvp: rsvps.rsvp,
    communities: (): readonly Community[] => config.communities,
    /** Occurrences of the next 14 days (cancelled ones included, so people see them called off). */
    async upcoming(communityId?: string, ahead = EVENTS_AHEAD_MS): Promise<OccurrenceDetails[]> {
      if (communityId && !occurrences.communityById.has(communityId)) {
        const known = config.communities.map((c) => c.id).join(', ');
        throw invalidInput(
          mrkdwn`There is no community \`${communityId}\` (known: ${known}): \`/platform communities\` lists them.`,
        );
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
