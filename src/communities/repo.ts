import { and, asc, eq, inArray, isNull, like, lte, or } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { firstOrNull, isOneRow } from '../db/rows.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningAll, returningOne, writtenRow } from '../db/write.js';
import type { RsvpStatus } from './model.js';
import {
  type AgendaItemRow,
  type AnnouncementRow,
  communityAgendaItemsTable,
  communityAnnouncementsTable,
  communityAttendanceTable,
  communityEventsTable,
  communityFollowersTable,
  communityOverridesTable,
  communityRsvpsTable,
  communitySignupsTable,
  type EventRow,
  type OverrideRow,
  type RsvpRow,
  type SignupRow,
} from './schema.js';

export type { AgendaItemRow, AnnouncementRow, EventRow, OverrideRow, RsvpRow, SignupRow };

export type NewEvent = Omit<EventRow, 'id'>;

/** The outcome of a claim whose post failed: the next run may take it again. */
export const FAILED = 'failed: ';

/** Drizzle queries for communities; no rules here. An announcement's claim is an insert a unique key refuses. */
export interface CommunitiesRepo {
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  overrides(): Promise<OverrideRow[]>;
  override(occurrenceKey: string): Promise<OverrideRow | null>;
  /** Cancels or moves an occurrence (replacing an earlier override of it). */
  saveOverride(row: OverrideRow): Promise<void>;
  rsvps(occurrenceKey: string): Promise<RsvpRow[]>;
  /** Sets one person's answer (insert or update). */
  saveRsvp(occurrenceKey: string, userId: string, status: RsvpStatus, at: Date): Promise<void>;
  /** Occurrences with someone on the waitlist (any time: the caller skips those that started). */
  waitlistedKeys(): Promise<string[]>;
  /** Moves one person from the waitlist to going; false when they were not waiting any more (another run did it). */
  promoteRsvp(occurrenceKey: string, userId: string, at: Date): Promise<boolean>;
  /** Every answer and agenda item (office-hours sign-ups included) on these occurrences: the figures. */
  activityOn(
    keys: readonly string[],
  ): Promise<{ rsvps: RsvpRow[]; agendaKeys: string[]; attendance: { occurrenceKey: string; userId: string }[] }>;
  /** "I'm here": true the first time this person checks in to this occurrence. */
  checkIn(occurrenceKey: string, userId: string, at: Date): Promise<boolean>;
  /** Going and waitlisted answers of one person, any occurrence. */
  rsvpsOf(userId: string): Promise<RsvpRow[]>;
  addAgendaItem(occurrenceKey: string, userId: string, text: string, at: Date): Promise<void>;
  agenda(occurrenceKey: string): Promise<AgendaItemRow[]>;
  /** Signs up, or changes the topic and keeps the place. True when the person was new in the queue. */
  saveSignup(occurrenceKey: string, userId: string, topic: string, at: Date): Promise<boolean>;
  signups(occurrenceKey: string): Promise<SignupRow[]>;
  /**
   * The claim: the row when this caller is the first to announce `kind` for `subject`, or takes back a claim whose
   * post failed, or (with `staleBefore`) one that never recorded an outcome and was claimed at or before
   * `staleBefore` (its lease ran out: the process that claimed it died). Else null.
   */
  claimAnnouncement(subject: string, kind: string, at: Date, staleBefore?: Date): Promise<AnnouncementRow | null>;
  finishAnnouncement(
    id: number,
    patch: { outcome: string; channel?: string; ts?: string; tries?: number },
  ): Promise<void>;
  /**
   * DMs and notices (`dm:…`, `notice:…` kinds) whose last try failed, or whose claim recorded nothing and was
   * taken at or before `staleBefore`: what a later run tries again.
   */
  failedDeliveries(staleBefore: Date): Promise<AnnouncementRow[]>;
  /**
   * Takes back a claim whose post failed (outcome `failed: …`): `claimAnnouncement` and `reclaimFailed` may take
   * it again, still one caller at a time (the update only matches a row that is still failed).
   */
  failAnnouncement(id: number, error: string): Promise<void>;
  /**
   * Claims again an announcement whose post failed (or, with `staleBefore`, whose claim's lease ran out); null when
   * there is none or another run took it first. One conditional update, so one caller wins.
   */
  reclaimFailed(subject: string, kind: string, at: Date, staleBefore?: Date): Promise<AnnouncementRow | null>;
  announcements(subject: string): Promise<AnnouncementRow[]>;
  /** The announcement posted at `channel`/`ts` (a thread's parent), if groundcrew posted one there. */
  announcementAt(channel: string, ts: string): Promise<AnnouncementRow | null>;
  /** One-off events leads added, oldest first. */
  events(): Promise<EventRow[]>;
  addEvent(event: NewEvent): Promise<EventRow>;
  follow(seriesId: string, userId: string, at: Date): Promise<boolean>;
  /** Who asked to hear when the series' next office hours open, first asked first. */
  followers(seriesId: string): Promise<string[]>;
  follows(seriesId: string, userId: string): Promise<boolean>;
  /** Drops one follow, once its DM went out. */
  unfollow(seriesId: string, userId: string): Promise<void>;
}

export function createCommunitiesRepo(db: Database): CommunitiesRepo {
  const overrides = twin(db, communityOverridesTable);
  const rsvps = twin(db, communityRsvpsTable);
  const agenda = twin(db, communityAgendaItemsTable);
  const signups = twin(db, communitySignupsTable);
  const announcements = twin(db, communityAnnouncementsTable);
  const followers = twin(db, communityFollowersTable);
  const events = twin(db, communityEventsTable);
  const attendance = twin(db, communityAttendanceTable);
  const reclaimFailed: CommunitiesRepo['reclaimFailed'] = async (subject, kind, at, staleBefore) => {
    const failed = like(announcements.outcome, `${FAILED}%`);
    const takeable = staleBefore
      ? or(failed, and(isNull(announcements.outcome), lte(announcements.claimedAt, staleBefore)))
      : failed;
    return (
      (await returningOne(
        orm(db)
          .update(announcements)
          .set({ outcome: null, claimedAt: at })
          .where(and(eq(announcements.subject, subject), eq(announcements.kind, kind), takeable))
          .returning(),
      )) ?? null
    );
  };
  return {
    transaction: (fn) => inTransaction(db, fn),
    overrides: () => orm(db).select().from(overrides).orderBy(asc(overrides.occurrenceKey)),
    override: async (key) =>
      firstOrNull(orm(db).select().from(overrides).where(eq(overrides.occurrenceKey, key)).limit(1)),
    async saveOverride(row) {
      const { occurrenceKey: _key, ...rest } = row;
      await orm(db).insert(overrides).values(row).onConflictDoUpdate({ target: overrides.occurrenceKey, set: rest });
    },
    rsvps: (key) =>
      orm(db).select().from(rsvps).where(eq(rsvps.occurrenceKey, key)).orderBy(asc(rsvps.at), asc(rsvps.id)),
    async saveRsvp(occurrenceKey, userId, status, at) {
      await orm(db)
        .insert(rsvps)
        .values({ occurrenceKey, userId, status, at })
        .onConflictDoUpdate({ target: [rsvps.occurrenceKey, rsvps.userId], set: { status, at } });
    },
    waitlistedKeys: async () =>
      (
        await orm(db)
          .selectDistinct({ key: rsvps.occurrenceKey })
          .from(rsvps)
          .where(eq(rsvps.status, 'waitlisted'))
          .orderBy(asc(rsvps.occurrenceKey))
      ).map((r) => r.key),
    promoteRsvp: async (occurrenceKey, userId, at) =>
      isOneRow(
        returningAll(
          orm(db)
            .update(rsvps)
            .set({ status: 'going', at })
            .where(
              and(eq(rsvps.occurrenceKey, occurrenceKey), eq(rsvps.userId, userId), eq(rsvps.status, 'waitlisted')),
            )
            .returning({ id: rsvps.id }),
        ),
      ),
    async activityOn(keys) {
      if (keys.length === 0) return { rsvps: [], agendaKeys: [], attendance: [] };
      const list = [...keys];
      const items = await orm(db)
        .select({ key: agenda.occurrenceKey })
        .from(agenda)
        .where(inArray(agenda.occurrenceKey, list));
      const queued = await orm(db)
        .select({ key: signups.occurrenceKey })
        .from(signups)
        .where(inArray(signups.occurrenceKey, list));
      return {
        rsvps: await orm(db).select().from(rsvps).where(inArray(rsvps.occurrenceKey, list)),
        agendaKeys: [...items, ...queued].map((r) => r.key),
        attendance: await orm(db)
          .select({ occurrenceKey: attendance.occurrenceKey, userId: attendance.userId })
          .from(attendance)
          .where(inArray(attendance.occurrenceKey, list)),
      };
    },
    checkIn: async (occurrenceKey, userId, at) =>
      isOneRow(
        orm(db)
          .insert(attendance)
          .values({ occurrenceKey, userId, at })
          .onConflictDoNothing()
          .returning({ id: attendance.id }),
      ),
    rsvpsOf: (userId) =>
      orm(db)
        .select()
        .from(rsvps)
        .where(and(eq(rsvps.userId, userId), inArray(rsvps.status, ['going', 'waitlisted']))),
    async addAgendaItem(occurrenceKey, userId, text, at) {
      await orm(db).insert(agenda).values({ occurrenceKey, userId, text, at });
    },
    agenda: (key) =>
      orm(db).select().from(agenda).where(eq(agenda.occurrenceKey, key)).orderBy(asc(agenda.at), asc(agenda.id)),
    async saveSignup(occurrenceKey, userId, topic, at) {
      const inserted = await orm(db)
        .insert(signups)
        .values({ occurrenceKey, userId, topic, at })
        .onConflictDoNothing()
        .returning({ id: signups.id });
      if (inserted.length === 1) return true;
      await orm(db)
        .update(signups)
        .set({ topic })
        .where(and(eq(signups.occurrenceKey, occurrenceKey), eq(signups.userId, userId)));
      return false;
    },
    signups: (key) =>
      orm(db).select().from(signups).where(eq(signups.occurrenceKey, key)).orderBy(asc(signups.at), asc(signups.id)),
    async claimAnnouncement(subject, kind, at, staleBefore) {
      const inserted = await returningOne(
        orm(db).insert(announcements).values({ subject, kind, claimedAt: at }).onConflictDoNothing().returning(),
      );
      return inserted ?? reclaimFailed(subject, kind, at, staleBefore);
    },
    async finishAnnouncement(id, patch) {
      await orm(db).update(announcements).set(patch).where(eq(announcements.id, id));
    },
    async failAnnouncement(id, error) {
      await orm(db)
        .update(announcements)
        .set({ outcome: `${FAILED}${error}`.slice(0, 500), channel: null, ts: null })
        .where(eq(announcements.id, id));
    },
    reclaimFailed,
    failedDeliveries: (staleBefore) =>
      orm(db)
        .select()
        .from(announcements)
        .where(
          and(
            or(like(announcements.kind, 'dm:%'), like(announcements.kind, 'notice:%')),
            or(
              like(announcements.outcome, `${FAILED}%`),
              and(isNull(announcements.outcome), lte(announcements.claimedAt, staleBefore)),
            ),
          ),
        )
        .orderBy(asc(announcements.id)),
    announcements: (subject) =>
      orm(db).select().from(announcements).where(eq(announcements.subject, subject)).orderBy(asc(announcements.id)),
    announcementAt: async (channel, ts) =>
      firstOrNull(
        orm(db)
          .select()
          .from(announcements)
          .where(and(eq(announcements.channel, channel), eq(announcements.ts, ts)))
          .orderBy(asc(announcements.id))
          .limit(1),
      ),
    events: () => orm(db).select().from(events).orderBy(asc(events.id)),
    addEvent: async (event) => writtenRow(orm(db).insert(events).values(event).returning()),
    follow: async (seriesId, userId, at) =>
      isOneRow(
        orm(db)
          .insert(followers)
          .values({ seriesId, userId, at })
          .onConflictDoNothing()
          .returning({ id: followers.id }),
      ),
    followers: async (seriesId) =>
      (
        await orm(db)
          .select({ userId: followers.userId })
          .from(followers)
          .where(eq(followers.seriesId, seriesId))
          .orderBy(asc(followers.id))
      ).map((r) => r.userId),
    follows: async (seriesId, userId) =>
      isOneRow(
        orm(db)
          .select({ id: followers.id })
          .from(followers)
          .where(and(eq(followers.seriesId, seriesId), eq(followers.userId, userId)))
          .limit(1),
      ),
    unfollow: async (seriesId, userId) => {
      await orm(db)
        .delete(followers)
        .where(and(eq(followers.seriesId, seriesId), eq(followers.userId, userId)));
    },
  };
}
