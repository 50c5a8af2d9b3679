import { desc, eq } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { auditLogTable } from '../db/schema.js';
import { orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { write, writtenRow } from '../db/write.js';

export type AuditRow = typeof auditLogTable.$inferSelect;
export type AuditOutcome = AuditRow['outcome'];

export interface AuditEntry {
  /** Slack user ID, or `system` / `webhook:<name>` for non-human actors. */
  actor: string;
  /** `capability.verb`, e.g. `deploys.approve`, `admin.run-job`. */
  action: string;
  /** What was acted on, e.g. `deploy:42`, `job:core.prune-events`. */
  target?: string;
  inputs?: Record<string, unknown>;
  outcome?: AuditOutcome;
  detail?: string;
}

/** The one audit trail (a repo: the services decide what goes in): who did what, when, on what, with which inputs, and the outcome. */
export interface AuditLog {
  /** Stores the entry (inside a transaction: with it). */
  record(entry: AuditEntry): Promise<AuditRow>;
  /** Stores several entries with one statement (a sweep's), all at the clock's time now. */
  recordMany(entries: readonly AuditEntry[]): Promise<void>;
  latest(limit: number, actor?: string): Promise<AuditRow[]>;
}

export function createAuditLog(db: Database, clock: Clock): AuditLog {
  const t = twin(db, auditLogTable);
  const rowOf = (entry: AuditEntry, at: Date) => ({
    at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    inputs: entry.inputs ?? null,
    outcome: entry.outcome ?? 'ok',
    detail: entry.detail ?? null,
  });
  return {
    record(entry) {
      return writtenRow(orm(db).insert(t).values(rowOf(entry, clock.now())).returning());
    },
    async recordMany(entries) {
      if (entries.length === 0) return;
      const at = clock.now();
      await write(() =>
        orm(db)
          .insert(t)
          .values(entries.map((entry) => rowOf(entry, at)))
          .returning({ id: t.id }),
      );
    },
    async latest(limit, actor) {
      return orm(db)
        .select()
        .from(t)
        .where(actor ? eq(t.actor, actor) : undefined)
        .orderBy(desc(t.at), desc(t.id))
        .limit(limit);
    },
  };
}
