import { and, asc, desc, eq, gte, inArray, isNull, lte, ne, type SQL } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { preparedRead } from '../db/prepared.js';
import { firstOrNull, isOneRow } from '../db/rows.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { writtenRow } from '../db/write.js';
import {
  type ApprovalDecisionRow,
  type ApprovalMessageRow,
  type ApprovalRow,
  approvalDecisionsTable,
  approvalMessagesTable,
  approvalsTable,
} from './schema.js';
import type { Approval, ApprovalDecision, ApprovalDecisionKind, ApprovalStatus } from './types.js';

export interface NewApproval {
  subjectType: string;
  subjectId: string;
  requester: string;
  required: number;
  approvers: string[];
  createdAt: Date;
  expiresAt: Date;
  cardChannel?: string | null;
}

export interface CardRef {
  channel: string;
  ts: string;
  userId: string | null;
}

function toDecision(row: ApprovalDecisionRow): ApprovalDecision {
  return {
    userId: row.userId,
    decision: row.decision,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    at: row.at,
  };
}

function toApproval(row: ApprovalRow, decisions: ApprovalDecisionRow[]): Approval {
  return {
    id: row.id,
    nonce: row.nonce,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    requester: row.requester,
    required: row.required,
    approvers: row.approvers,
    status: row.status,
    decisions: decisions.map(toDecision),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    ...(row.resolvedAt ? { resolvedAt: row.resolvedAt } : {}),
    ...(row.cancelledBy ? { cancelledBy: row.cancelledBy } : {}),
  };
}

export type ApprovalsRepo = ReturnType<typeof createApprovalsRepo>;

/**
 * Drizzle queries only. Each method is one statement (or a read and its decisions); what must not happen twice is
 * decided by the database: a decision per approver by a unique index, a resolution by a compare-and-set on status.
 */
export function createApprovalsRepo(db: Database) {
  const approvals = twin(db, approvalsTable);
  // Every pending approval: on every Home tab opening (the ones waiting for that person are picked from these).
  const pendingRows = preparedRead(db, 'approvals.pending', (o) =>
    o
      .select()
      .from(approvals)
      .where(eq(approvals.status, 'pending'))
      .orderBy(asc(approvals.expiresAt), asc(approvals.id)),
  );
  const decisions = twin(db, approvalDecisionsTable);
  const messages = twin(db, approvalMessagesTable);

  async function decisionsOf(ids: number[]): Promise<Map<number, ApprovalDecisionRow[]>> {
    const out = new Map<number, ApprovalDecisionRow[]>();
    if (ids.length === 0) return out;
    const rows = await orm(db)
      .select()
      .from(decisions)
      .where(inArray(decisions.approvalId, ids))
      .orderBy(asc(decisions.at), asc(decisions.id));
    for (const row of rows) out.set(row.approvalId, [...(out.get(row.approvalId) ?? []), row]);
    return out;
  }

  async function hydrate(rows: ApprovalRow[]): Promise<Approval[]> {
    const found = await decisionsOf(rows.map((r) => r.id));
    return rows.map((row) => toApproval(row, found.get(row.id) ?? []));
  }

  /** The approvals `where` picks, in `order`, with their decisions. */
  async function listed(where: SQL | undefined, ...order: SQL[]): Promise<Approval[]> {
    return hydrate(
      await orm(db)
        .select()
        .from(approvals)
        .where(where)
        .orderBy(...order),
    );
  }

  async function get(id: number): Promise<Approval | null> {
    const [row] = await orm(db).select().from(approvals).where(eq(approvals.id, id)).limit(1);
    return row ? firstOrNull(hydrate([row])) : null;
  }

  return {
    get,

    async insert(input: NewApproval): Promise<Approval> {
      const row = await writtenRow(
        orm(db)
          .insert(approvals)
          .values({ ...input, status: 'pending' })
          .returning(),
      );
      return toApproval(row, []);
    },

    /** Runs `fn` in one transaction: every write of this repo (and any other) made inside is committed, or none. */
    transaction<T>(fn: () => Promise<T>): Promise<T> {
      return inTransaction(db, fn);
    },

    /** The channel that also gets a card (null: DMs only). */
    async cardChannel(id: number): Promise<string | null> {
      const [row] = await orm(db)
        .select({ c: approvals.cardChannel })
        .from(approvals)
        .where(eq(approvals.id, id))
        .limit(1);
      return row?.c ?? null;
    },

    /** Every card was tried. */
    async markCardsSent(id: number, at: Date): Promise<void> {
      await orm(db).update(approvals).set({ cardsSentAt: at }).where(eq(approvals.id, id));
    },

    /** Pending approvals whose cards never all went out (the process stopped while they were being posted). */
    async unsent(): Promise<Approval[]> {
      return listed(and(eq(approvals.status, 'pending'), isNull(approvals.cardsSentAt)), asc(approvals.id));
    },

    /** Records a decision; false when this user already decided (the unique index holds under races). */
    async addDecision(input: {
      approvalId: number;
      userId: string;
      decision: ApprovalDecisionKind;
      reason?: string;
      at: Date;
    }): Promise<boolean> {
      return isOneRow(
        orm(db)
          .insert(decisions)
          .values({ ...input, reason: input.reason ?? null })
          .onConflictDoNothing()
          .returning({ id: decisions.id }),
      );
    },

    /** Moves a pending approval to a final status (compare-and-set); false when it was no longer pending. */
    async resolve(
      id: number,
      status: Exclude<ApprovalStatus, 'pending'>,
      at: Date,
      cancelledBy?: string,
    ): Promise<boolean> {
      return isOneRow(
        orm(db)
          .update(approvals)
          .set({ status, resolvedAt: at, cancelledBy: cancelledBy ?? null })
          .where(and(eq(approvals.id, id), eq(approvals.status, 'pending')))
          .returning({ id: approvals.id }),
      );
    },

    /** Approvals resolved (any final status) at or after `since`, oldest first. */
    async resolvedSince(since: Date): Promise<Approval[]> {
      return listed(
        and(ne(approvals.status, 'pending'), gte(approvals.resolvedAt, since)),
        asc(approvals.resolvedAt),
        asc(approvals.id),
      );
    },

    /** Pending approvals whose expiry is at or before `now`. */
    async due(now: Date): Promise<Approval[]> {
      return listed(
        and(eq(approvals.status, 'pending'), lte(approvals.expiresAt, now)),
        asc(approvals.expiresAt),
        asc(approvals.id),
      );
    },

    /** Every Home tab open asks for these (the statement cache keeps the query prepared). */
    async pending(): Promise<Approval[]> {
      return hydrate(await pendingRows({}));
    },

    async latestFor(subjectType: string, subjectId: string): Promise<Approval | null> {
      const [row] = await orm(db)
        .select()
        .from(approvals)
        .where(and(eq(approvals.subjectType, subjectType), eq(approvals.subjectId, subjectId)))
        .orderBy(desc(approvals.createdAt), desc(approvals.id))
        .limit(1);
      return row ? firstOrNull(hydrate([row])) : null;
    },

    async addCard(approvalId: number, card: CardRef, postedAt: Date): Promise<void> {
      await orm(db)
        .insert(messages)
        .values({ approvalId, channel: card.channel, ts: card.ts, userId: card.userId, postedAt })
        .onConflictDoNothing();
    },

    async cards(approvalId: number): Promise<ApprovalMessageRow[]> {
      return orm(db).select().from(messages).where(eq(messages.approvalId, approvalId)).orderBy(asc(messages.id));
    },
  };
}
