import { DAY } from '../clock.js';

/**
 * Pure survey rules: the NPS arithmetic, what a closed wave's results may show, who a reminder reaches, the wave's
 * states and micro-pulse sampling. No Slack, no database, no clock: time comes in as `now`, chance as `random`.
 *
 * Answers reach this module as counts (tally cells), never as rows with a person: that is how anonymous answers are
 * stored (docs/surveys.md, "What is stored"), and identified answers are counted the same way before they get here.
 */

// ---------- scores and NPS ----------

export type Category = 'promoter' | 'passive' | 'detractor';

/** A 0–10 answer to the NPS question. */
export function isScore(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 10;
}

/** 9–10 promoter, 7–8 passive, 0–6 detractor. */
export function categoryOf(score: number): Category {
  if (!isScore(score)) throw new RangeError(`not a 0–10 score: ${score}`);
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/** How many answers a cell of a wave's tally holds: one area (null = none chosen) and one score. */
export interface TallyCell {
  area: string | null;
  score: number;
  count: number;
}

export interface CategoryCounts {
  promoters: number;
  passives: number;
  detractors: number;
  total: number;
}

export function categoryCounts(cells: readonly TallyCell[]): CategoryCounts {
  const counts: CategoryCounts = { promoters: 0, passives: 0, detractors: 0, total: 0 };
  for (const cell of cells) {
    if (!Number.isInteger(cell.count) || cell.count < 0) throw new RangeError(`not a count: ${cell.count}`);
    const category = categoryOf(cell.score);
    if (category === 'promoter') counts.promoters += cell.count;
    else if (category === 'passive') counts.passives += cell.count;
    else counts.detractors += cell.count;
    counts.total += cell.count;
  }
  return counts;
}

/**
 * Net Promoter Score: % promoters minus % detractors, a whole number from −100 to 100; null with no answers.
 * Rounded to the nearest whole number, halves away from zero (12.5 → 13, −12.5 → −13), so a result and its mirror
 * image round alike. Computed in integers: 100·(P − D)/N is rounded without floating-point error.
 */
export function npsOf(counts: CategoryCounts): number | null {
  if (counts.total === 0) return null;
  return roundedRatio(100 * (counts.promoters - counts.detractors), counts.total);
}

/** `numerator / denominator` rounded to a whole number, halves away from zero, exactly (integers in, integer out). */
export function roundedRatio(numerator: number, denominator: number): number {
  if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || denominator <= 0) {
    throw new RangeError(`roundedRatio needs integers and a positive denominator: ${numerator}/${denominator}`);
  }
  const sign = numerator < 0 ? -1 : 1;
  const rounded = Math.floor((2 * Math.abs(numerator) + denominator) / (2 * denominator));
  return rounded === 0 ? 0 : sign * rounded;
}

/** Identified answers (non-anonymous surveys, or given with consent to be contacted) counted into tally cells. */
export function tallyOf(answers: readonly { score: number; area: string | null }[]): TallyCell[] {
  const cells = new Map<string, TallyCell>();
  for (const { score, area } of answers) {
    categoryOf(score);
    const key = `${area ?? ''}\u0000${score}`;
    const cell = cells.get(key) ?? { area, score, count: 0 };
    cell.count += 1;
    cells.set(key, cell);
  }
  return [...cells.values()];
}

// ---------- a closed wave's results ----------

/** Response rates below this share are flagged (Culture Amp's "flag groups under 60%"). */
export const LOW_RESPONSE_PERCENT = 60;

export interface AreaResult {
  area: string;
  counts: CategoryCounts;
  nps: number;
}

export interface ResultsInput {
  state: WaveState;
  /** People the wave was meant for (its invitations). */
  invited: number;
  /**
   * People the wave reached: their DM went out (or may have: cut off mid-call). The response rate divides by this,
   * not by `invited`: a member who cannot be DMed (another app's bot, a deactivated account) could never answer.
   * Omitted: everyone invited was reached.
   */
  reached?: number;
  /** Anonymous tallies and identified answers, together. */
  cells: readonly TallyCell[];
  /** Comment texts, with nothing attached to them. */
  comments: readonly string[];
  minGroupSize: number;
  /** The NPS of the survey's previous closed wave (null when it had none to show); omitted for the first wave. */
  previousNps?: number | null;
}

export type WaveResults =
  | { shown: false; reason: 'not-closed' }
  | {
      shown: true;
      answers: number;
      invited: number;
      /** The invited the wave reached by DM: the response rate's denominator. */
      reached: number;
      /** The invited it could not reach (DM refused, or never sent before the close). */
      unreachable: number;
      /** Share of the reached who answered, 0–1; null when nobody was reached. */
      responseRate: number | null;
      /** The same as a whole percentage (halves up). */
      responsePercent: number | null;
      /** Under 60% of the reached answered (or nobody reached). */
      lowResponse: boolean;
      /** False when the wave has fewer answers than minGroupSize: then no score, counts, areas or comments. */
      enoughAnswers: boolean;
      counts: CategoryCounts | null;
      nps: number | null;
      previousNps: number | null;
      /** nps − previousNps, both as shown (rounded); null when either is missing. */
      change: number | null;
      /** Areas with at least minGroupSize answers (see areaBreakdown), largest first. */
      areas: AreaResult[];
      /** How many areas with answers are not shown. */
      hiddenAreas: number;
      /** Sorted, so their order says nothing about who wrote them when; empty when withheld. */
      comments: string[];
    };

/**
 * What a wave's results post may show. Nothing while the wave is not closed. A wave with fewer answers than
 * minGroupSize shows only how many answered: a score over two answers says what those two people think. Comments
 * likewise need minGroupSize answers in the wave; areas need minGroupSize answers each (see areaBreakdown).
 */
export function waveResults(input: ResultsInput): WaveResults {
  if (input.state !== 'closed') return { shown: false, reason: 'not-closed' };
  const all = categoryCounts(input.cells);
  const enoughAnswers = all.total >= input.minGroupSize;
  // Never below the answers: someone counted as not reached cannot have answered, so a rate over 100% is a bug.
  const reached = Math.max(all.total, Math.min(input.reached ?? input.invited, input.invited));
  const responseRate = reached > 0 ? all.total / reached : null;
  const nps = enoughAnswers ? npsOf(all) : null;
  const previousNps = input.previousNps ?? null;
  const breakdown = enoughAnswers ? areaBreakdown(input.cells, input.minGroupSize) : { areas: [], hiddenAreas: 0 };
  return {
    shown: true,
    answers: all.total,
    invited: input.invited,
    reached,
    unreachable: Math.max(0, input.invited - reached),
    responseRate,
    responsePercent: reached > 0 ? roundedRatio(100 * all.total, reached) : null,
    lowResponse: reached === 0 || all.total * 100 < LOW_RESPONSE_PERCENT * reached,
    enoughAnswers,
    counts: enoughAnswers ? all : null,
    nps,
    previousNps,
    change: nps !== null && previousNps !== null ? nps - previousNps : null,
    ...breakdown,
    comments: enoughAnswers ? sortedComments(input.comments) : [],
  };
}

/**
 * Per-area results, only for areas with at least `minGroupSize` answers. Hiding small areas is not enough: the
 * wave's totals minus the shown areas would give the hidden rest. So while that rest (small areas and answers
 * without an area) is non-empty but under minGroupSize, the smallest shown area is hidden too (ties: by name).
 */
export function areaBreakdown(
  cells: readonly TallyCell[],
  minGroupSize: number,
): { areas: AreaResult[]; hiddenAreas: number } {
  const byArea = new Map<string, TallyCell[]>();
  for (const cell of cells) {
    if (cell.area === null || cell.count === 0) continue;
    byArea.set(cell.area, [...(byArea.get(cell.area) ?? []), cell]);
  }
  const total = categoryCounts(cells).total;
  const shown = [...byArea.entries()]
    .map(([area, areaCells]) => ({ area, counts: categoryCounts(areaCells) }))
    .filter((a) => a.counts.total >= minGroupSize)
    .sort((a, b) => b.counts.total - a.counts.total || a.area.localeCompare(b.area, 'en'));
  let rest = total - shown.reduce((sum, a) => sum + a.counts.total, 0);
  while (shown.length > 0 && rest > 0 && rest < minGroupSize) rest += shown.pop()!.counts.total;
  return {
    areas: shown.map((a) => ({ ...a, nps: npsOf(a.counts)! })),
    hiddenAreas: byArea.size - shown.length,
  };
}

function sortedComments(comments: readonly string[]): string[] {
  return comments
    .map((c) => c.trim())
    .filter((c) => c.length > 0)
    .sort((a, b) => a.localeCompare(b, 'en') || (a < b ? -1 : a > b ? 1 : 0));
}

/** One point of the trend chart per closed wave; a wave without a score to show is a gap, not a zero. */
export interface TrendPoint {
  wave: string;
  nps: number | null;
  responsePercent: number | null;
}

export function trendPoint(label: string, results: WaveResults): TrendPoint {
  return results.shown
    ? { wave: label, nps: results.nps, responsePercent: results.responsePercent }
    : { wave: label, nps: null, responsePercent: null };
}

// ---------- reminders ----------

/**
 * Who a reminder reaches: the invited minus whoever has answered minus whoever opted out, sorted by id so the
 * list's order tells nothing. The answered set is only ever used as here — subtracted — and is never shown.
 */
export function reminderTargets(
  invited: ReadonlySet<string>,
  answered: ReadonlySet<string>,
  optedOut: ReadonlySet<string>,
): string[] {
  return [...invited].filter((id) => !answered.has(id) && !optedOut.has(id)).sort();
}

/**
 * Whether a reminder is due: `reminders` are times after the wave opened, ascending; `sent` is how many have gone
 * out. After a pause (a restart) several may be due at once: one reminder goes, and all of them count as sent.
 */
export function dueReminder(
  wave: Pick<Wave, 'opensAt' | 'closesAt' | 'closedAt'>,
  reminders: readonly number[],
  sent: number,
  now: Date,
  /** When the reminder `after` the wave opened is due; default elapsed time (survey reminders use reminderTime). */
  dueAt: (after: number) => Date = (after) => new Date(wave.opensAt.getTime() + after),
): { send: boolean; sentAfter: number } {
  if (waveState(wave, now) !== 'open' || !acceptsAnswers(wave, now)) return { send: false, sentAfter: sent };
  const due = reminders.filter((after) => dueAt(after).getTime() <= now.getTime()).length;
  return due > sent ? { send: true, sentAfter: due } : { send: false, sentAfter: sent };
}

// ---------- waves ----------

export type WaveState = 'scheduled' | 'open' | 'closed';

export interface Wave {
  /** When it starts taking answers (its DMs go out from then). */
  opensAt: Date;
  /** When it stops taking answers and should be closed (see closeTime). */
  closesAt: Date;
  /** When it was closed (by the close job or an admin); null until then. */
  closedAt: Date | null;
}

/**
 * A wave closes `openFor` after it opens, or when the survey's next scheduled wave starts if that comes first (a
 * schedule read in a zone with daylight saving can bring two starts an hour closer than openFor allows).
 */
export function closeTime(opensAt: Date, openFor: number, nextScheduledStart: Date | null = null): Date {
  const end = opensAt.getTime() + openFor;
  const next = nextScheduledStart?.getTime();
  return new Date(next !== undefined && next > opensAt.getTime() ? Math.min(end, next) : end);
}

/** scheduled → open → closed. A wave stays open past closesAt until it is closed; it no longer takes answers. */
export function waveState(wave: Pick<Wave, 'opensAt' | 'closedAt'>, now: Date): WaveState {
  if (wave.closedAt !== null) return 'closed';
  return now.getTime() < wave.opensAt.getTime() ? 'scheduled' : 'open';
}

export function acceptsAnswers(wave: Pick<Wave, 'opensAt' | 'closesAt' | 'closedAt'>, now: Date): boolean {
  return waveState(wave, now) === 'open' && now.getTime() < wave.closesAt.getTime();
}

export function closeIsDue(wave: Pick<Wave, 'opensAt' | 'closesAt' | 'closedAt'>, now: Date): boolean {
  return waveState(wave, now) === 'open' && now.getTime() >= wave.closesAt.getTime();
}

export type Refusal = { ok: false; message: string };

/**
 * Whether a new wave may start now, given the survey's latest wave: yes if there is none or it is closed; "close
 * it first" if it is open but past its close time (the caller closes it, then starts); no while it takes answers.
 */
export function canStartWave(
  latest: Pick<Wave, 'opensAt' | 'closesAt' | 'closedAt'> | null,
  now: Date,
): { ok: true; closeLatestFirst: boolean } | Refusal {
  if (latest === null || waveState(latest, now) === 'closed') return { ok: true, closeLatestFirst: false };
  if (closeIsDue(latest, now)) return { ok: true, closeLatestFirst: true };
  return { ok: false, message: 'the current wave is still open; close it first' };
}

/** Whether a wave may be closed now: only an open one (early, by an admin, or when due). */
export function canCloseWave(wave: Pick<Wave, 'opensAt' | 'closedAt'>, now: Date): { ok: true } | Refusal {
  const state = waveState(wave, now);
  if (state === 'closed') return { ok: false, message: 'this wave is already closed' };
  if (state === 'scheduled') return { ok: false, message: 'this wave has not opened yet' };
  return { ok: true };
}

// ---------- micro-pulse ----------

/** Nobody gets a micro-pulse question more than once in this long. */
export const MICRO_PULSE_COOLDOWN_MS = 30 * DAY;

export type MicroPulseSkip = 'not-in-audience' | 'opted-out' | 'asked-recently' | 'not-sampled';

/**
 * Whether to ask this person the micro-pulse question after their deploy succeeded or their support question was
 * resolved. Only the audience, not opted out, not asked in the last 30 days; then a `sample` share of them.
 * `random` (0 ≤ x < 1) is drawn only for someone otherwise eligible, so a seeded source gives repeatable runs.
 */
export function microPulseDecision(input: {
  inAudience: boolean;
  optedOut: boolean;
  lastAskedAt: Date | null;
  sample: number;
  now: Date;
  random: () => number;
}): { ask: true } | { ask: false; reason: MicroPulseSkip } {
  if (!input.inAudience) return { ask: false, reason: 'not-in-audience' };
  if (input.optedOut) return { ask: false, reason: 'opted-out' };
  if (input.lastAskedAt !== null && input.now.getTime() - input.lastAskedAt.getTime() < MICRO_PULSE_COOLDOWN_MS) {
    return { ask: false, reason: 'asked-recently' };
  }
  return input.random() < input.sample ? { ask: true } : { ask: false, reason: 'not-sampled' };
}

export function isMicroScore(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5;
}

/**
 * A micro-pulse period's summary from its counts per score (index 0 = score 1 … index 4 = score 5): the mean to one
 * decimal (halves up, computed exactly), or null when the period has fewer than minGroupSize answers.
 */
export function microPulseSummary(
  countsByScore: readonly number[],
  minGroupSize: number,
): { answers: number; mean: number | null } {
  if (countsByScore.length !== 5) throw new RangeError('expected five counts, for scores 1 to 5');
  const answers = countsByScore.reduce((sum, n) => sum + n, 0);
  if (answers < minGroupSize || answers === 0) return { answers, mean: null };
  const sum = countsByScore.reduce((total, n, index) => total + n * (index + 1), 0);
  return { answers, mean: roundedRatio(10 * sum, answers) / 10 };
}
