import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { preparedRead } from '../db/prepared.js';
import { firstOrNull, isOneRow } from '../db/rows.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningAll, returningOne, write } from '../db/write.js';
import {
  type EscalationRow,
  type NewEscalationRow,
  type NewTicketRow,
  type SavedAnswerRow,
  type SupportMessageRow,
  supportAnswersTable,
  supportEscalationsTable,
  supportMessagesTable,
  supportTicketsTable,
  type TicketRow,
} from './schema.js';

export type { EscalationRow, NewEscalationRow, SavedAnswerRow, SupportMessageRow, TicketRow };
export type TicketPatch = Partial<Omit<NewTicketRow, 'id'>>;

/** Drizzle queries for support tickets; no rules here. Claims are compare-and-sets or inserts a key refuses. */
export interface SupportRepo {
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** A new ticket; null when one already exists for that message (a redelivery, a second shortcut). */
  insertTicket(row: NewTicketRow): Promise<TicketRow | null>;
  get(id: number): Promise<TicketRow | null>;
  update(id: number, patch: TicketPatch): Promise<TicketRow | null>;
  /** Sets the tier-1 reply's ts only while none is set: false when another run posted it. */
  setReplyTs(id: number, ts: string): Promise<boolean>;
  /** Records a message of a ticket; false when it was recorded already. */
  addMessage(row: SupportMessageRow): Promise<boolean>;
  message(channelId: string, ts: string): Promise<SupportMessageRow | null>;
  /** The ticket whose thread (or merged question) this ts is. */
  ticketOfThread(channelId: string, threadTs: string): Promise<TicketRow | null>;
  /** The person's unresolved tickets in the channel with a message since `since` (the merge window). */
  recentOpen(askerId: string, channelId: string, since: Date): Promise<TicketRow[]>;
  /** Tickets with an escalation step due at `now`, soonest first (the sweep; uses support_tickets_next_check_idx). */
  due(now: Date, limit: number): Promise<TicketRow[]>;
  /** Unresolved tickets whose tier-1 reply was never posted (a crash between the commit and the post). */
  unreplied(since: Date): Promise<TicketRow[]>;
  /** Tickets among `ids` with an escalation step due at `now` (a ticket that just changed). */
  dueAmong(ids: number[], now: Date): Promise<TicketRow[]>;
  /** Unresolved or not, the tickets with these ids. */
  byIds(ids: number[]): Promise<TicketRow[]>;
  /** Tickets with a step message pending whose try ended by `now` (uses support_escalations_owed_idx). */
  owed(now: Date, limit: number): Promise<number[]>;
  /** The escalation steps recorded for these tickets (one query). */
  steps(ticketIds: number[]): Promise<EscalationRow[]>;
  /** Claims steps with one insert; answers the ones this caller inserted (`<ticketId>:<step>`): only it sends them. */
  claimSteps(rows: NewEscalationRow[]): Promise<Set<string>>;
  /**
   * Claims one more try at a step's message: only while it is pending and no other try holds it (its
   * `deliveringUntil` passed). The row as claimed, or null when another sweep has it or it is settled.
   */
  claimDelivery(ticketId: number, step: string, now: Date, until: Date): Promise<EscalationRow | null>;
  updateStep(
    ticketId: number,
    step: string,
    patch: Partial<Omit<NewEscalationRow, 'ticketId' | 'step'>>,
  ): Promise<void>;
  /** Sets each ticket's next_check_at with one statement. */
  setNextChecks(updates: readonly { id: number; nextCheckAt: Date | null }[]): Promise<void>;
  unresolved(): Promise<TicketRow[]>;
  byAsker(askerId: string, openOnly: boolean, limit: number): Promise<TicketRow[]>;
  openedSince(since: Date): Promise<TicketRow[]>;
  /** Claims the CSAT question, once per ticket. */
  claimCsat(id: number, at: Date): Promise<boolean>;
  /** Stores the rating, once: false when one was given already. */
  rate(id: number, rating: number): Promise<boolean>;
  saveAnswer(row: Omit<SavedAnswerRow, 'id'>): Promise<SavedAnswerRow | null>;
  answers(): Promise<SavedAnswerRow[]>;
  /** Removes question and reply text from before `before`; answers the number of tickets and messages changed. */
  purgeText(before: Date, now: Date): Promise<number>;
  /** Removes a ticket with its messages and escalation steps (a shortcut whose reply the bot may not post). */
  remove(id: number): Promise<void>;
}

export function createSupportRepo(db: Database): SupportRepo {
  const t = twin(db, supportTicketsTable);
  const m = twin(db, supportMessagesTable);
  const e = twin(db, supportEscalationsTable);
  const a = twin(db, supportAnswersTable);
  /** Changes ticket `id` only while `where` holds (a compare-and-set): true for the one caller that won. */
  const setWhere = (id: number, patch: Partial<typeof t.$inferInsert>, where: SQL | undefined) =>
    isOneRow(
      returningAll(
        orm(db)
          .update(t)
          .set(patch)
          .where(and(eq(t.id, id), where))
          .returning({ id: t.id }),
      ),
    );
  const get = (id: number) => firstOrNull(orm(db).select().from(t).where(eq(t.id, id)).limit(1));
  // A person's open questions: on every Home tab opening.
  const openByAsker = preparedRead(db, 'support.open-by-asker', (o) =>
    o
      .select()
      .from(t)
      .where(and(eq(t.askerId, sql.placeholder('asker')), ne(t.state, 'resolved')))
      .orderBy(desc(t.openedAt), desc(t.id))
      .limit(sql.placeholder('limit')),
  );
  return {
    transaction: (fn) => inTransaction(db, fn),
    insertTicket: async (row) =>
      (await returningOne(orm(db).insert(t).values(row).onConflictDoNothing().returning())) ?? null,
    get,
    update: async (id, patch) =>
      (await returningOne(orm(db).update(t).set(patch).where(eq(t.id, id)).returning())) ?? null,
    setReplyTs: async (id, ts) => setWhere(id, { replyTs: ts }, isNull(t.replyTs)),
    addMessage: async (row) =>
      isOneRow(returningAll(orm(db).insert(m).values(row).onConflictDoNothing().returning({ ts: m.ts }))),
    message: (channelId, ts) =>
      firstOrNull(
        orm(db)
          .select()
          .from(m)
          .where(and(eq(m.channelId, channelId), eq(m.ts, ts)))
          .limit(1),
      ),
    async ticketOfThread(channelId, threadTs) {
      const row = await firstOrNull(
        orm(db)
          .select({ ticketId: m.ticketId })
          .from(m)
          .where(and(eq(m.channelId, channelId), eq(m.ts, threadTs), eq(m.kind, 'question')))
          .limit(1),
      );
      return row ? get(row.ticketId) : null;
    },
    recentOpen: (askerId, channelId, since) =>
      orm(db)
        .select()
        .from(t)
        .where(
          and(eq(t.askerId, askerId), eq(t.channelId, channelId), ne(t.state, 'resolved'), gte(t.lastMessageAt, since)),
        ),
    due: (now, limit) =>
      orm(db)
        .select()
        .from(t)
        .where(and(isNotNull(t.nextCheckAt), lte(t.nextCheckAt, now)))
        .orderBy(asc(t.nextCheckAt))
        .limit(limit),
    unreplied: (since) =>
      orm(db)
        .select()
        .from(t)
        .where(and(isNull(t.replyTs), ne(t.state, 'resolved'), gte(t.openedAt, since)))
        .orderBy(asc(t.id)),
    dueAmong: async (ids, now) =>
      ids.length === 0
        ? []
        : orm(db)
            .select()
            .from(t)
            .where(and(inArray(t.id, ids), isNotNull(t.nextCheckAt), lte(t.nextCheckAt, now)))
            .orderBy(asc(t.nextCheckAt)),
    byIds: async (ids) => (ids.length === 0 ? [] : orm(db).select().from(t).where(inArray(t.id, ids))),
    owed: async (now, limit) =>
      (
        await orm(db)
          .selectDistinct({ ticketId: e.ticketId })
          .from(e)
          .where(and(eq(e.delivery, 'pending'), lte(e.deliveringUntil, now)))
          .limit(limit)
      ).map((r) => r.ticketId),
    steps: async (ticketIds) =>
      ticketIds.length === 0 ? [] : orm(db).select().from(e).where(inArray(e.ticketId, ticketIds)),
    async claimSteps(rows) {
      if (rows.length === 0) return new Set();
      const won = await returningAll(
        orm(db).insert(e).values(rows).onConflictDoNothing().returning({ ticketId: e.ticketId, step: e.step }),
      );
      return new Set(won.map((r) => `${r.ticketId}:${r.step}`));
    },
    claimDelivery: (ticketId, step, now, until) =>
      returningOne(
        orm(db)
          .update(e)
          .set({ deliveringUntil: until, attempts: sql`${e.attempts} + 1` })
          .where(
            and(
              eq(e.ticketId, ticketId),
              eq(e.step, step),
              eq(e.delivery, 'pending'),
              or(isNull(e.deliveringUntil), lte(e.deliveringUntil, now)),
            ),
          )
          .returning(),
      ).then((row) => row ?? null),
    async updateStep(ticketId, step, patch) {
      await write(() =>
        orm(db)
          .update(e)
          .set(patch)
          .where(and(eq(e.ticketId, ticketId), eq(e.step, step)))
          .returning({ step: e.step }),
      );
    },
    async setNextChecks(updates) {
      if (updates.length === 0) return;
      // One CASE over the ids: the value goes through the column's own encoding, cast so both backends type it.
      const type = sql.raw(db.dialect === 'postgres' ? 'timestamptz' : 'integer');
      const cases = sql.join(
        updates.map(
          (u) =>
            sql`when ${u.id} then cast(${u.nextCheckAt === null ? sql`null` : sql.param(u.nextCheckAt, t.nextCheckAt)} as ${type})`,
        ),
        sql` `,
      );
      await write(() =>
        orm(db)
          .update(t)
          .set({ nextCheckAt: sql`case ${t.id} ${cases} end` })
          .where(
            inArray(
              t.id,
              updates.map((u) => u.id),
            ),
          )
          .returning({ id: t.id }),
      );
    },
    unresolved: () => orm(db).select().from(t).where(ne(t.state, 'resolved')).orderBy(asc(t.openedAt)),
    byAsker: (askerId, openOnly, limit) =>
      openOnly
        ? openByAsker({ asker: askerId, limit })
        : orm(db)
            .select()
            .from(t)
            .where(and(eq(t.askerId, askerId), openOnly ? ne(t.state, 'resolved') : undefined))
            .orderBy(desc(t.openedAt), desc(t.id))
            .limit(limit),
    openedSince: (since) => orm(db).select().from(t).where(gte(t.openedAt, since)).orderBy(asc(t.openedAt)),
    claimCsat: async (id, at) => setWhere(id, { csatAskedAt: at }, and(isNull(t.csatAskedAt), eq(t.state, 'resolved'))),
    rate: async (id, rating) => setWhere(id, { csat: rating }, and(isNull(t.csat), isNotNull(t.csatAskedAt))),
    saveAnswer: async (row) =>
      (await returningOne(orm(db).insert(a).values(row).onConflictDoNothing().returning())) ?? null,
    answers: () => orm(db).select().from(a).orderBy(asc(a.id)),
    purgeText: (before, now) =>
      inTransaction(db, async () => {
        const tickets = await write(() =>
          orm(db)
            .update(t)
            .set({ text: null, textRemovedAt: now })
            .where(and(lt(t.openedAt, before), isNotNull(t.text)))
            .returning({ id: t.id }),
        );
        const messages = await write(() =>
          orm(db)
            .update(m)
            .set({ text: null })
            .where(and(lt(m.at, before), isNotNull(m.text)))
            .returning({ ts: m.ts }),
        );
        return tickets.length + messages.length;
      }),
    remove: (id) =>
      inTransaction(db, async () => {
        await orm(db).delete(e).where(eq(e.ticketId, id));
        await orm(db).delete(m).where(eq(m.ticketId, id));
        await orm(db).delete(t).where(eq(t.id, id));
      }),
  };
}
