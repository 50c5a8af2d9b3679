import { isTerminal, type RequestRecord } from './model.js';

export type StatsRow = Pick<RequestRecord, 'typeId' | 'status' | 'mode' | 'submittedAt' | 'completedAt'>;

/**
 * Per request type:
 * - `volume`: requests submitted (every status);
 * - `selfServiceRate`: of the requests fulfilled (`done`), the share a webhook fulfilled with no platform engineer
 *   touching it (requests that fell back to manual, or were manual from the start, count as touched); null if none done;
 * - `medianMs` / `p90Ms`: time from submission to done (median of the middle two for an even count;
 *   p90 by nearest rank: the value at position ceil(0.9 × n) in ascending order); null if none done;
 * - `rejectionRate`: rejected / volume (rejected by an approver or by the platform team); null if volume is 0.
 */
export interface TypeStats {
  typeId: string;
  volume: number;
  done: number;
  selfService: number;
  selfServiceRate: number | null;
  medianMs: number | null;
  p90Ms: number | null;
  rejected: number;
  rejectionRate: number | null;
  open: number;
}

export function computeStats(rows: readonly StatsRow[], typeIds: readonly string[]): TypeStats[] {
  return typeIds.map((typeId) => {
    const mine = rows.filter((r) => r.typeId === typeId);
    const done = mine.filter((r) => r.status === 'done' && r.completedAt);
    const selfService = done.filter((r) => r.mode === 'webhook').length;
    const durations = done.map((r) => r.completedAt!.getTime() - r.submittedAt.getTime()).sort((a, b) => a - b);
    const rejected = mine.filter((r) => r.status === 'rejected').length;
    const open = mine.filter((r) => !isTerminal(r.status)).length;
    return {
      typeId,
      volume: mine.length,
      done: done.length,
      selfService,
      selfServiceRate: done.length ? selfService / done.length : null,
      medianMs: median(durations),
      p90Ms: percentileNearestRank(durations, 90),
      rejected,
      rejectionRate: mine.length ? rejected / mine.length : null,
      open,
    };
  });
}

/** Median of ascending values (mean of the middle two for an even count). */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of ascending values. */
export function percentileNearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
