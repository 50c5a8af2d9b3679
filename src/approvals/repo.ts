import { and, asc, desc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { writtenRow } from '../db/write-sync.js';
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

/** Drizzle queries only. better-sqlite3 is synchronous, so each method is atomic within the process. */
export function createApprovalsRepo(db: Db) {
  // Prepared once: every Home tab open asks for the pending approvals.
  const pendingRows = db
    .select()
    .from(approvalsTable)
    .where(eq(approvalsTable.status, 'pending'))
    .orderBy(asc(approvalsTable.expiresAt), asc(approvalsTable.id))
    .prepare();
  function decisionsOf(ids: number[]): Map<number, ApprovalDecisionRow[]> {
    const out = new Map<number, ApprovalDecisionRow[]>();
    if (ids.length === 0) return out;
    const rows = db
      .select()
      .from(approvalDecisionsTable)
      .where(inArray(approvalDecisionsTable.approvalId, ids))
      .orderBy(asc(approvalDecisionsTable.at), asc(approvalDecisionsTable.id))
      .all();
    for (const row of rows) out.set(row.approvalId, [...(out.get(row.approvalId) ?? []), row]);
    return out;
  }

  function hydrate(rows: ApprovalRow[]): Approval[] {
    const decisions = decisionsOf(rows.map((r) => r.id));
    return rows.map((row) => toApproval(row, decisions.get(row.id) ?? []));
  }

  function get(id: number): Approval | null {
    const row = db.select().from(approvalsTable).where(eq(approvalsTable.id, id)).get();
    return row ? (hydrate([row])[0] ?? null) : null;
  }

  return {
    get,

    insert(input: NewApproval): Approval {
      const row = writtenRow(
        db
          .insert(approvalsTable)
          .values({ ...input, status: 'pending' })
          .returning(),
      );
      return toApproval(row, []);
    },

    /** Runs `fn` in one transaction (it must be synchronous): all of its writes are committed, or none. */
    transaction<T>(fn: () => T): T {
      return db.transaction(() => fn());
    },

    /** The channel that also gets a card (null: DMs only). */
    cardChannel(id: number): string | null {
      return (
        db.select({ c: approvalsTable.cardChannel }).from(approvalsTable).where(eq(approvalsTable.id, id)).get()?.c ??
        null
      );
    },

    /** Every card was tried. */
    markCardsSent(id: number, at: Date): void {
      db.update(approvalsTable).set({ cardsSentAt: at }).where(eq(approvalsTable.id, id)).run();
    },

    /** Pending approvals whose cards never all went out (the process stopped while they were being posted). */
    unsent(): Approval[] {
      const rows = db
        .select()
        .from(approvalsTable)
        .where(and(eq(approvalsTable.status, 'pending'), isNull(approvalsTable.cardsSentAt)))
        .orderBy(asc(approvalsTable.id))
        .all();
      return hydrate(rows);
    },

    /** Records a decision; false when this user already decided (the unique index holds under races). */
    addDecision(input: {
      approvalId: number;
      userId: string;
      decision: ApprovalDecisionKind;
      reason?: string;
      at: Date;
    }) {
      const result = db
        .insert(approvalDecisionsTable)
        .values({ ...input, reason: input.reason ?? null })
        .onConflictDoNothing()
        .run();
      return result.changes === 1;
    },

    /** Moves a pending approval to a final status; false when it was no longer pending (someone else won). */
    resolve(id: number, status: Exclude<ApprovalStatus, 'pending'>, at: Date, cancelledBy?: string): boolean {
      const result = db
        .update(approvalsTable)
        .set({ status, resolvedAt: at, cancelledBy: cancelledBy ?? null })
        .where(and(eq(approvalsTable.id, id), eq(approvalsTable.status, 'pending')))
        .run();
      return result.changes === 1;
    },

    /** Pending approvals whose expiry is at or before `now`. */
    due(now: Date): Approval[] {
      const rows = db
        .select()
        .from(approvalsTable)
        .where(and(eq(approvalsTable.status, 'pending'), lte(approvalsTable.expiresAt, now)))
        .orderBy(asc(approvalsTable.expiresAt), asc(approvalsTable.id))
        .all();
      return hydrate(rows);
    },

    pending(): Approval[] {
      return hydrate(pendingRows.all());
    },

    latestFor(subjectType: string, subjectId: string): Approval | null {
      const row = db
        .select()
        .from(approvalsTable)
        .where(and(eq(approvalsTable.subjectType, subjectType), eq(approvalsTable.subjectId, subjectId)))
        .orderBy(desc(approvalsTable.createdAt), desc(approvalsTable.id))
        .limit(1)
        .get();
      return row ? (hydrate([row])[0] ?? null) : null;
    },

    addCard(approvalId: number, card: CardRef, postedAt: Date): void {
      db.insert(approvalMessagesTable)
        .values({ approvalId, channel: card.channel, ts: card.ts, userId: card.userId, postedAt })
        .onConflictDoNothing()
        .run();
    },

    cards(approvalId: number): ApprovalMessageRow[] {
      return db
        .select()
        .from(approvalMessagesTable)
        .where(eq(approvalMessagesTable.approvalId, approvalId))
        .orderBy(asc(approvalMessagesTable.id))
        .all();
    },
  };
}
