import { forbidden, invalidInput } from '../errors.js';
import { mention, mrkdwn, trusted } from '../mrkdwn.js';
import type { Community } from './config.js';
import { EVENT_SERIES_PREFIX, type Occurrences } from './occurrences.js';
import type { CommunitiesServiceDeps, NewEventInput, OccurrenceDetails, OccurrenceView } from './ports.js';
import { dueActions, holidayOn, occurrenceKey } from './recurrence.js';
import { existsInZone, formatRange, instantOf, isKnownZone, parseLocalDateTime } from './time.js';

/** A move done: the details after it, and whether its T-1 day decision was already due (so it is skipped). */
export interface MoveResult {
  details: OccurrenceDetails;
  decisionSkipped: boolean;
}

export const MAX_TEXT = 300;
const MAX_EVENT_MINUTES = 24 * 60;

/**
 * What leads do: cancel or move one occurrence, add a one-off event. Each is refused (and the refusal audited) for
 * someone who does not lead the community; each change is audited. Part of the communities service.
 */
export function createLeadActions(
  deps: CommunitiesServiceDeps,
  occurrences: Occurrences,
  open: (key: string) => Promise<OccurrenceView>,
) {
  const { config, repo, clock, audit, notifier, people } = deps;

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
    const zone = view.series.timezone;
    const floating = parseLocalDateTime(when);
    if (!floating) {
      throw invalidInput(mrkdwn`\`${when}\` is not a date and time: give it like \`2026-12-03 11:00\` (${zone}).`);
    }
    const start = instantOf(floating, zone);
    if (start <= clock.now()) {
      throw invalidInput(mrkdwn`The new time, ${when} (${zone}), is in the past: give one still to come.`);
    }
    if (start.getTime() === view.occurrence.start.getTime()) {
      throw invalidInput('That is the time it already starts at: nothing was changed.');
    }
    return { view, start };
  }

  /**
   * Stores a lead's cancel or move of one occurrence and audits it (`communities.cancel` / `.move`), in one
   * transaction; the occurrence's details after the change.
   */
  async function override(
    key: string,
    view: OccurrenceView,
    by: string,
    reason: string | undefined,
    change: { kind: 'cancelled'; start: null } | { kind: 'moved'; start: Date },
    inputs: Record<string, unknown>,
  ): Promise<OccurrenceDetails> {
    const { seriesId, originalStart } = view.occurrence;
    await repo.transaction(async () => {
      const at = clock.now();
      await repo.saveOverride({
        occurrenceKey: key,
        seriesId,
        originalStart,
        ...change,
        reason: reason?.slice(0, MAX_TEXT) ?? null,
        by,
        at,
      });
      const action = change.kind === 'cancelled' ? 'communities.cancel' : 'communities.move';
      await audit.record({ actor: by, action, target: `occurrence:${key}`, inputs });
    });
    return occurrences.details(await open(key));
  }

  /** Everyone who answered Going or is waiting: they hear about a cancel or a move. */
  const answered = (d: OccurrenceDetails) => [...d.going, ...d.waitlist];

  return {
    isLead,
    /** Refuses (and audits) someone who is not a lead of the occurrence's community. */
    async assertLead(key: string, userId: string, action: 'cancel' | 'move'): Promise<void> {
      await requireLead(await open(key), userId, action);
    },

    /** A lead calls one occurrence off; everyone who answered is told, and the channel. */
    async cancel(key: string, by: string, reason?: string): Promise<OccurrenceDetails> {
      const view = await open(key);
      await requireLead(view, by, 'cancel');
      const { occurrence, series } = view;
      if (occurrence.status === 'cancelled') {
        const earlier = await repo.override(key);
        const who = trusted(earlier ? mrkdwn` by ${mention(earlier.by)}` : '');
        const when = formatRange(occurrence.start, occurrence.end, series.timezone);
        throw invalidInput(mrkdwn`${series.title} (${when}) is already called off${who}: nothing was changed.`);
      }
      const details = await override(key, view, by, reason, { kind: 'cancelled', start: null }, { reason });
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
      const inputs = { from: previousStart.toISOString(), to: start.toISOString(), reason };
      const details = await override(key, view, by, reason, { kind: 'moved', start }, inputs);
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
      const { minAttendees, agendaDaysBefore } = input;
      if (minAttendees !== undefined) {
        if (!Number.isInteger(minAttendees) || minAttendees < 1 || minAttendees > 10_000) {
          fields.minAttendees = 'A whole number from 1, or leave it empty.';
        } else if (capacity !== undefined && minAttendees > capacity) {
          fields.minAttendees = `At most the capacity (${capacity}).`;
        }
      }
      if (
        agendaDaysBefore !== undefined &&
        (!Number.isInteger(agendaDaysBefore) || agendaDaysBefore < 1 || agendaDaysBefore > 30)
      ) {
        fields.agendaDaysBefore = 'A whole number of days from 1 to 30, or leave it empty.';
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
          minAttendees: minAttendees ?? null,
          agendaDaysBefore: agendaDaysBefore ?? null,
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
            minAttendees,
            agendaDaysBefore,
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
  };
}

export type LeadActions = ReturnType<typeof createLeadActions>;
