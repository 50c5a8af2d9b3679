import { performance } from 'node:perf_hooks';
import { and, eq, lt, lte } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Database } from './database.js';
import { leasesTable } from './schema.js';
import { twin } from './twin.js';
import { returningAll } from './write.js';

/**
 * Leases: "this replica is doing X until T", kept in the database so every replica sees it (docs/postgresql.md,
 * "Several replicas"). One row per piece of work in `leases`; each operation is one compare-and-set statement,
 * the same SQL on SQLite and PostgreSQL:
 *
 * - `claim`: insert the row, or take over a row whose lease has expired — `insert … on conflict (key) do update …
 *   where leases.expires_at <= now returning key`. One row back: ours. None: someone holds it (this replica too:
 *   a claim is exclusive, so two deliveries in one process are kept apart as well as two processes).
 * - `renew`: push `expires_at` out, `where holder = us`. false: the lease was taken over (we were too slow).
 * - `release`: delete it, `where holder = us`: a replica never frees another's work.
 *
 * A holder that dies stops renewing; once the lease expires, the next claim takes the work over. Expiry is read on
 * the claiming replica's clock, so a ttl must be far longer than the clock difference between hosts (NTP keeps it
 * to milliseconds) and than the work it guards (or `hold` it, which renews).
 *
 * Leases are their own statements, committed at once: call them outside `inTransaction` (a claim other replicas
 * cannot see yet guards nothing).
 */

export interface Lease {
  key: string;
  holder: string;
  expiresAt: Date;
}

/** A lease this replica holds and keeps renewing until it is released. */
export interface HeldLease {
  readonly key: string;
  /** Aborted once a renewal found the lease taken over: stop before doing anything another replica may redo. */
  readonly signal: AbortSignal;
  /** Stops renewing and gives the lease back (a failed release is logged: the lease then expires on its own). */
  release(): Promise<void>;
  /**
   * Stops renewing and leaves the lease to expire, saving the write of a release: for work that is done and whose
   * result tells everyone so (an event marked processed), where the lease only has to outlive the work.
   */
  lapse(): void;
}

export type Held<T> = { claimed: true; value: T } | { claimed: false };

export interface Leases {
  /** This replica (src/replica.ts): the holder every claim is made for. */
  readonly holder: string;
  /** Takes `key` for `ttlMs` if nobody holds it (or its lease expired); true when it is now ours. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Extends our lease on `key` to `ttlMs` from now; false when it is not ours (anymore). */
  renew(key: string, ttlMs: number): Promise<boolean>;
  /** Gives `key` back; false when it was not ours. */
  release(key: string): Promise<boolean>;
  /** The lease on `key`, live or expired, or null. */
  find(key: string): Promise<Lease | null>;
  /**
   * Claims `key` and renews it every third of `ttlMs` until `release()`: for work longer than a ttl, or whose end
   * is not in one function (the event middleware). null: another holder has it.
   */
  acquire(key: string, ttlMs: number): Promise<HeldLease | null>;
  /**
   * Runs `work` only if `key` can be claimed, renewing the lease every third of `ttlMs` while it runs and releasing
   * it afterwards (also when `work` throws). `{ claimed: false }`: another holder has it, `work` did not run.
   */
  hold<T>(key: string, ttlMs: number, work: (lease: HeldLease) => Promise<T>): Promise<Held<T>>;
  /** Deletes leases that expired before `before` (housekeeping); returns how many. */
  prune(before: Date): Promise<number>;
  /**
   * Stops every renewal and gives back every lease this holder has, at once: for a replica that is stopping, so
   * the others take over what it leaves unfinished now rather than when its leases would have expired.
   */
  releaseAll(): Promise<number>;
}

export interface LeasesDeps {
  db: Database;
  clock: Clock;
  /** The replica id (replicaId() in src/replica.ts). */
  holder: string;
  /** Told when a renewal fails or finds the lease lost, and when a release fails. */
  logger?: Pick<Logger, 'warn'>;
  /**
   * How often a held lease is renewed, in real milliseconds; default a third of its ttl. Tests on a fixed clock set
   * it short, so that work outliving its ttl on that clock sees its heartbeat land between two steps of the clock.
   */
  renewEveryMs?: number;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0)
    throw new Error(`a lease needs a ttl of whole milliseconds > 0, not ${ttlMs}`);
}

export function createLeases(deps: LeasesDeps): Leases {
  const { db, clock, holder } = deps;
  const t = twin(db, leasesTable);
  const until = (ttlMs: number) => new Date(clock.now().getTime() + ttlMs);
  /** Renewal timers of the leases acquired and not yet released. */
  const renewals = new Set<NodeJS.Timeout>();

  async function claim(key: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const rows = await returningAll(
      db.orm
        .insert(t)
        .values({ key, holder, expiresAt })
        .onConflictDoUpdate({ target: t.key, set: { holder, expiresAt }, setWhere: lte(t.expiresAt, now) })
        .returning({ key: t.key }),
    );
    return rows.length === 1;
  }

  async function renew(key: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const rows = await returningAll(
      db.orm
        .update(t)
        .set({ expiresAt: until(ttlMs) })
        .where(and(eq(t.key, key), eq(t.holder, holder)))
        .returning({ key: t.key }),
    );
    return rows.length === 1;
  }

  async function release(key: string): Promise<boolean> {
    const rows = await returningAll(
      db.orm
        .delete(t)
        .where(and(eq(t.key, key), eq(t.holder, holder)))
        .returning({ key: t.key }),
    );
    return rows.length === 1;
  }

  async function acquire(key: string, ttlMs: number): Promise<HeldLease | null> {
    if (!(await claim(key, ttlMs))) return null;
    const lost = new AbortController();
    let renewing: Promise<void> = Promise.resolve();
    /** When the renewal now waiting for its answer was sent (performance.now()); undefined when none is. */
    let inFlightSince: number | undefined;
    let released: Promise<void> | undefined;
    const timer = setInterval(
      () => {
        // One renewal at a time: on a slow database, ticks that came while one was waiting would queue behind it and
        // hold pool connections for nothing (the latest renewal is the one that counts).
        if (inFlightSince !== undefined) {
          // A renewal still unanswered after a whole ttl (real time): the lease may well have expired meanwhile, so
          // the holder is told it is lost rather than carrying on as if it held it.
          if (performance.now() - inFlightSince <= ttlMs) return;
          deps.logger?.warn(`lease ${key}: a renewal has had no answer for ${ttlMs} ms; treated as lost`);
          lost.abort(new Error(`lease ${key} lost: renewal unanswered`));
          stop();
          return;
        }
        inFlightSince = performance.now();
        renewing = renew(key, ttlMs)
          .finally(() => {
            inFlightSince = undefined;
          })
          .then(
            (ours) => {
              if (ours) return;
              deps.logger?.warn(`lease ${key}: taken over by another holder while ${holder} was still working`);
              lost.abort(new Error(`lease ${key} lost`));
              stop();
            },
            (error: unknown) => deps.logger?.warn(`lease ${key}: renewal failed (retried): ${String(error)}`),
          );
      },
      deps.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    renewals.add(timer);
    const stop = () => {
      clearInterval(timer);
      renewals.delete(timer);
    };
    return {
      key,
      signal: lost.signal,
      lapse: stop,
      release() {
        released ??= (async () => {
          stop();
          await renewing;
          if (lost.signal.aborted) return;
          await release(key).catch((error: unknown) => {
            // It expires on its own; until then nobody else takes this work.
            deps.logger?.warn(`lease ${key}: release failed, it will expire instead: ${String(error)}`);
          });
        })();
        return released;
      },
    };
  }

  async function hold<T>(key: string, ttlMs: number, work: (lease: HeldLease) => Promise<T>): Promise<Held<T>> {
    const lease = await acquire(key, ttlMs);
    if (!lease) return { claimed: false };
    try {
      return { claimed: true, value: await work(lease) };
    } finally {
      await lease.release();
    }
  }

  return {
    holder,
    claim,
    renew,
    release,
    async find(key) {
      return (await db.orm.select().from(t).where(eq(t.key, key)).limit(1))[0] ?? null;
    },
    acquire,
    hold,
    async prune(before) {
      const rows = await returningAll(db.orm.delete(t).where(lt(t.expiresAt, before)).returning({ key: t.key }));
      return rows.length;
    },
    async releaseAll() {
      for (const timer of renewals) clearInterval(timer);
      renewals.clear();
      const rows = await returningAll(db.orm.delete(t).where(eq(t.holder, holder)).returning({ key: t.key }));
      return rows.length;
    },
  };
}

/** Whether a lease is live at `now` (held and not yet expired). */
export function isLive(lease: Lease | null, now: Date): lease is Lease {
  return lease !== null && lease.expiresAt.getTime() > now.getTime();
}
