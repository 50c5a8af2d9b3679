/**
 * The support SLA sweep at scale: 100,000 open tickets, of which `due` have an escalation step due now; one sweep
 * (the scheduler's `support.sweep` minus the Slack calls) is timed, and the plan of its query is printed to show it
 * reads the next_check_at index rather than the table. Runs in the bench process on a fresh database.
 */
import { performance } from 'node:perf_hooks';
import { and, asc, isNotNull, lte } from 'drizzle-orm';
import { createAuditLog } from '../src/audit/repo.js';
import { createManualClock } from '../src/clock.js';
import { openDb } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';
import { openPostgres } from '../src/db/postgres.js';
import { orm } from '../src/db/scope.js';
import { twin } from '../src/db/twin.js';
import { zSupportConfig } from '../src/support/config.js';
import { createSupportDesk, SWEEP_BATCH } from '../src/support/escalation.js';
import { mainSchedule, resolvePolicies } from '../src/support/model.js';
import type { SupportNotifier } from '../src/support/ports.js';
import { createSupportRepo } from '../src/support/repo.js';
import { type NewTicketRow, supportTicketsTable } from '../src/support/schema.js';
import type { Backend } from './backends.js';

export const SWEEP_GOAL_MS = 200;
export const SWEEP_INDEX = 'support_tickets_next_check_idx';

export interface SweepResult {
  backend: Backend;
  tickets: number;
  due: number;
  /** The sweep that found the due tickets and fired a step for each. */
  sweepMs: number;
  sent: number;
  /** The sweep's query again with nothing due: reading the index alone. */
  idleSweepMs: number;
  plan: string;
  usesIndex: boolean;
}

const noop = async () => {};
const silentNotifier: SupportNotifier = {
  postReply: async () => '1.1',
  deafIn: async () => null,
  updateReply: noop,
  escalate: noop,
  askCsat: noop,
  pairing: noop,
  answerSaved: noop,
  postQueue: noop,
  postReport: noop,
  permalink: async () => '',
  timezoneOf: async () => null,
  homeChanged: noop,
};

/** `target`: a SQLite file path or a PostgreSQL URL of a fresh database. */
export async function runSlaSweep(
  target: string,
  backend: Backend,
  tickets = 100_000,
  due = 100,
): Promise<SweepResult> {
  const db: Database =
    backend === 'sqlite'
      ? openDb(target, undefined, { backupDir: false })
      : await openPostgres(target, { poolSize: 4 });
  try {
    // Monday 13:30 in Berlin: a question from 10:00 has 3.5 of its 4 business hours behind it (75% is due).
    const clock = createManualClock('2026-11-23T12:30:00Z');
    const now = clock.now().getTime();
    const config = zSupportConfig.parse({
      channels: ['C0HELP0001'],
      triageChannel: 'C0TRIAGE01',
      responders: ['U0PLAT001'],
      onDuty: { rotation: { people: ['U0PLAT001'], handoff: { day: 'monday', time: '09:00' } } },
      businessHours: { timezone: 'Europe/Berlin' },
    });
    const t = twin(db, supportTicketsTable);
    const rows: NewTicketRow[] = [];
    let dueSoFar = 0;
    for (let i = 0; i < tickets; i++) {
      const isDue = i % Math.floor(tickets / due) === 0 && dueSoFar < due;
      if (isDue) dueSoFar++;
      const openedAt = new Date(isDue ? now - 3.5 * 3_600_000 : now - ((i * 7919) % 7_200_000));
      rows.push({
        channelId: 'C0HELP0001',
        messageTs: `${Math.floor(openedAt.getTime() / 1000)}.${String(i).padStart(6, '0')}`,
        askerId: `U0ASKER${i % 500}`,
        source: 'channel',
        text: 'a question',
        priority: 'p3',
        state: 'open',
        tier: 1,
        openedAt,
        lastMessageAt: openedAt,
        nextCheckAt: new Date(isDue ? now - 60_000 : now + 3_600_000 + ((i * 104_729) % (3 * 86_400_000))),
      });
      if (rows.length === 1000 || i === tickets - 1) {
        await orm(db).insert(t).values(rows.splice(0)).returning({ id: t.id });
      }
    }
    await pgPool(db)?.query('analyze support_tickets', []);
    const policies = resolvePolicies(config, 'Europe/Berlin');
    const desk = createSupportDesk({
      config,
      repo: createSupportRepo(db),
      clock,
      audit: createAuditLog(db, clock),
      notifier: silentNotifier,
      policies,
      policyOf: (id) => policies.find((p) => p.id === id)!,
      schedule: mainSchedule(config, 'Europe/Berlin'),
      onDuty: async () => ({ users: ['U0PLAT001'], problem: null }),
    });
    const started = performance.now();
    const swept = await desk.sweep(clock.now());
    const sweepMs = performance.now() - started;
    const idleStarted = performance.now();
    await desk.sweep(clock.now());
    const idleSweepMs = performance.now() - idleStarted;

    const query = orm(db)
      .select()
      .from(t)
      .where(and(isNotNull(t.nextCheckAt), lte(t.nextCheckAt, clock.now())))
      .orderBy(asc(t.nextCheckAt))
      .limit(SWEEP_BATCH)
      .toSQL();
    const plan = await explain(db, query.sql, query.params);
    return {
      backend,
      tickets,
      due: swept.looked,
      sweepMs,
      sent: swept.sent,
      idleSweepMs,
      plan,
      usesIndex: plan.includes(SWEEP_INDEX),
    };
  } finally {
    await db.close();
  }
}

async function explain(db: Database, sql: string, params: unknown[]): Promise<string> {
  if (db.sqlite) {
    const rows = db.sqlite.prepare(`explain query plan ${sql}`).all(...(params as never[])) as { detail: string }[];
    return rows.map((r) => r.detail).join('\n');
  }
  const result = await pgPool(db)!.query(`explain ${sql}`, params);
  return result.rows.map((r) => r['QUERY PLAN']).join('\n');
}

interface Pool {
  query(sql: string, params: unknown[]): Promise<{ rows: Record<string, string>[] }>;
}

function pgPool(db: Database): Pool | undefined {
  return db.dialect === 'postgres' ? (db as unknown as { pool: Pool }).pool : undefined;
}
