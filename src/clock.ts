/** Every time-dependent rule takes a Clock, never the ambient Date.now(). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: used by tests and by the playground's time controls. */
export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): Date;
}

export function createManualClock(start: Date | string): ManualClock {
  let current = new Date(start).getTime();
  if (Number.isNaN(current)) throw new Error(`createManualClock: invalid start ${String(start)}`);
  return {
    now: () => new Date(current),
    set(at) {
      current = new Date(at).getTime();
    },
    advance(ms) {
      current += ms;
      return new Date(current);
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Parses durations people type: `90m`, `2h`, `1h30m`, `3d`, `45s`. Returns milliseconds or null. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?\s*(d|h|m|s|min|mins|hr|hrs)\s*)+$/.test(trimmed)) return null;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(d|hrs|hr|h|mins|min|m|s)/g)) {
    const value = Number(match[1]);
    const unit = match[2];
    const factor =
      unit === 'd' ? DAY : unit === 'h' || unit === 'hr' || unit === 'hrs' ? HOUR : unit === 's' ? 1000 : MINUTE;
    total += value * factor;
  }
  return total > 0 ? Math.round(total) : null;
}

/** `1h 5m`, `3d 2h`, `45s` — a short human form of a duration. */
export function formatDuration(ms: number): string {
  const negative = ms < 0;
  let rest = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes && !days) parts.push(`${minutes}m`);
  if (!days && !hours && (seconds || parts.length === 0)) parts.push(`${seconds}s`);
  return (negative ? '-' : '') + parts.join(' ');
}
