import { and, asc, desc, eq, gte, isNotNull, isNull, lt, lte, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { preparedRead } from '../db/prepared.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningAll, returningOne, write } from '../db/write.js';
import {
  type NewTicketRow,
  type SavedAnswerRow,
  type SupportMessageRow,
  supportAnswersTable,
  supportEscalationsTable,
  supportMessagesTable,
  supportTicketsTable,
  type TicketRow,
} from './schema.js';

export type { SavedAnswerRow, SupportMessageRow, TicketRow };
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
  firedSteps(ticketId: number): Promise<Set<string>>;
  /** Claims a step for a ticket; true only for the one caller that inserted the row. */
  claimStep(ticketId: number, step: string, at: Date, sent: boolean): Promise<boolean>;
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
}

export function createSupportRepo(db: Database): SupportRepo {
  const t = twin(db, supportTicketsTable);
  const m = twin(db, supportMessagesTable);
  const e = twin(db, supportEscalationsTable);
  const a = twin(db, supportAnswersTable);
  const one = async <T>(query: PromiseLike<T[]>) => (await query)[0] ?? null;
  const get = (id: number) => one(orm(db).select().from(t).where(eq(t.id, id)).limit(1));
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
    setReplyTs: async (id, ts) =>
      (
        await returningAll(
          orm(db)
            .update(t)
            .set({ replyTs: ts })
            .where(and(eq(t.id, id), isNull(t.replyTs)))
            .returning({ id: t.id }),
        )
      ).length === 1,
    addMessage: async (row) =>
      (await returningAll(orm(db).insert(m).values(row).onConflictDoNothing().returning({ ts: m.ts }))).length === 1,
    message: (channelId, ts) =>
      one(
        orm(db)
          .select()
          .from(m)
          .where(and(eq(m.channelId, channelId), eq(m.ts, ts)))
          .limit(1),
      ),
    async ticketOfThread(channelId, threadTs) {
      const row = await one(
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
    async firedSteps(ticketId) {
      const rows = await orm(db).select({ step: e.step }).from(e).where(eq(e.ticketId, ticketId));
      return new Set(rows.map((r) => r.step));
    },
    claimStep: async (ticketId, step, at, sent) =>
      (
        await returningAll(
          orm(db)
            .insert(e)
            .values({ ticketId, step, firedAt: at, sent })
            .onConflictDoNothing()
            .returning({ step: e.step }),
        )
      ).length === 1,
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
    claimCsat: async (id, at) =>
      (
        await returningAll(
          orm(db)
            .update(t)
            .set({ csatAskedAt: at })
            .where(and(eq(t.id, id), isNull(t.csatAskedAt), eq(t.state, 'resolved')))
            .returning({ id: t.id }),
        )
      ).length === 1,
    rate: async (id, rating) =>
      (
        await returningAll(
          orm(db)
            .update(t)
            .set({ csat: rating })
            .where(and(eq(t.id, id), isNull(t.csat), isNotNull(t.csatAskedAt)))
            .returning({ id: t.id }),
        )
      ).length === 1,
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
  };
}
