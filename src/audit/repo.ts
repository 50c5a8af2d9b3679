import { desc, eq } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { auditLogTable } from '../db/schema.js';
import { writtenRow } from '../db/write-sync.js';

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
  record(entry: AuditEntry): AuditRow;
  latest(limit: number, actor?: string): AuditRow[];
}

export function createAuditLog(db: Db, clock: Clock): AuditLog {
  return {
    record(entry) {
      return writtenRow(
        db
          .insert(auditLogTable)
          .values({
            at: clock.now(),
            actor: entry.actor,
            action: entry.action,
            target: entry.target ?? null,
            inputs: entry.inputs ?? null,
            outcome: entry.outcome ?? 'ok',
            detail: entry.detail ?? null,
          })
          .returning(),
      );
    },
    latest(limit, actor) {
      const query = db.select().from(auditLogTable);
      return (actor ? query.where(eq(auditLogTable.actor, actor)) : query)
        .orderBy(desc(auditLogTable.at), desc(auditLogTable.id))
        .limit(limit)
        .all();
    },
  };
}
