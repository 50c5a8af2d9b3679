/**
 * One comparison: groundcrew on one database next to a fresh bare Bolt app, both loaded the same way.
 *
 * 1. Commands: ack latency of signed `/platform help` (warm-up, then alternating rounds so noise lands on both).
 * 2. Events: signed `app_home_opened` callbacks, N in flight; each app publishes a Home view to the Web API stub.
 *    Counts acks slower than Slack's 3 s and waits until every Home tab is published.
 * 3. Memory: RSS of each app after all that load.
 * Prints the details as it goes and returns the figures each goal is judged on.
 */
import { type AppProcess, type AppStats, type Loader, statsOf } from './apps.js';
import type { BeforeApp } from './before.js';
import { type EventsResult, overDeadline, publishedHomes, runEvents, SLACK_ACK_DEADLINE_MS } from './events.js';
import { keepAliveAgent, post, type RoundResult, runRound, type Target } from './load.js';
import { type BenchStand, withStand } from './stand.js';
import { mib, ms, type Summary, summarize, table } from './stats.js';

export const GOALS = { commandP99: 1.3, eventP99: 1.3, rss: 1.2 };

export interface Settings {
  requests: number;
  concurrency: number;
  rounds: number;
  warmup: number;
  events: number;
  eventsConcurrency: number;
  eventsWarmup: number;
  loader: Loader;
  /** BENCH_BEFORE: an earlier groundcrew, a third app in the commands rounds (bench/before.ts). */
  before?: BeforeApp;
}

export interface ComparisonResult {
  commands: {
    groundcrew: Summary;
    bare: Summary;
    /** CPU time per command, groundcrew's over bare Bolt's. */
    cpuRatio: number;
    /** The earlier groundcrew of BENCH_BEFORE, when it ran on this database: the same figures. */
    before?: { label: string; summary: Summary; cpuRatio: number };
  };
  events: {
    groundcrew: Summary;
    bare: Summary;
    lateGroundcrew: number;
    lateBare: number;
    /** Acked events whose Home tab never came (groundcrew, bare Bolt), warm-up included. */
    unpublished: [number, number];
  };
  rss: { groundcrew: number; bare: number };
  errors: string[];
}

const out = (text: string) => process.stdout.write(text);
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const emptyResult = (): RoundResult => ({ latenciesMs: [], errors: [], wallMs: 0 });

function merge(into: RoundResult, from: RoundResult): void {
  into.latenciesMs.push(...from.latenciesMs);
  into.errors.push(...from.errors);
  into.wallMs += from.wallMs;
}

type Side = 'groundcrew' | 'bare' | 'before';
type Snapshot = Partial<Record<Side, AppStats>>;

async function snapshot(apps: Partial<Record<Side, AppProcess>>): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [side, app] of Object.entries(apps) as [Side, AppProcess][]) out[side] = await statsOf(app);
  return out;
}

/** Server CPU time (user + system, µs) per request between two snapshots. */
const cpuPerRequest = (side: Side, s: Summary, from: Snapshot, to: Snapshot) =>
  (to[side]!.cpuMicros - from[side]!.cpuMicros) / Math.max(1, s.count);

/** Every order of the apps, so alternating rounds put each app first, middle and last equally often. */
function orders<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** p50/p95/p99/max, req/s and server CPU per request between two snapshots. */
function latencyRow(name: string, side: Side, s: Summary, from: Snapshot, to: Snapshot, extra: string[] = []) {
  const cpu = cpuPerRequest(side, s, from, to);
  return [
    name,
    String(s.count),
    ms(s.p50),
    ms(s.p95),
    ms(s.p99),
    ms(s.max),
    s.rps.toFixed(0),
    `${cpu.toFixed(0)} µs`,
    ...extra,
  ];
}

/** A groundcrew ack of `/platform help` from a plain member (an event's ack is not checked). */
export const groundcrewCheck: Target['check'] = (body, kind) =>
  kind !== 'help' || (body.includes('"response_type":"ephemeral"') && body.includes('/platform commands:'))
    ? null
    : `groundcrew: unexpected ack body ${body.slice(0, 200)}`;

/**
 * Runs the three measurements for groundcrew on `database` (a SQLite path or a PostgreSQL URL), with a bare Bolt app
 * (and, given `beforeDatabase` and settings.before, the earlier groundcrew on that database in the commands rounds)
 * of its own; both apps are stopped before it returns.
 */
export async function runComparison(
  database: string,
  settings: Settings,
  beforeDatabase?: string,
): Promise<ComparisonResult> {
  return withStand(settings.loader, (stand) => compare(stand, database, settings, beforeDatabase));
}

async function compare(
  stand: BenchStand,
  database: string,
  settings: Settings,
  beforeDatabase: string | undefined,
): Promise<ComparisonResult> {
  const { requests, concurrency, warmup, events, eventsConcurrency, eventsWarmup } = settings;
  // With a third app (BENCH_BEFORE) the rounds go through all six orders, so their number is made a multiple of six:
  // each app is then first, middle and last equally often.
  const rounds = settings.before ? Math.ceil(settings.rounds / 6) * 6 : settings.rounds;
  const perRound = Math.ceil(requests / rounds);
  const { stub } = stand;
  const gcApp = await stand.groundcrew(database);
  const groundcrew: Target = {
    name: 'groundcrew',
    port: gcApp.port,
    agent: keepAliveAgent(Math.max(concurrency, eventsConcurrency)),
    check: groundcrewCheck,
  };
  // The baseline acks with the very body groundcrew answers and publishes the very Home view groundcrew built, so
  // the comparison isolates what groundcrew adds per request, not the size of what it sends.
  const probe = await post(groundcrew);
  if (probe.status !== 200 || groundcrew.check(probe.body, 'help')) {
    throw new Error(`groundcrew's first ack was HTTP ${probe.status}: ${probe.body.slice(0, 200)}`);
  }
  const homeProbe = await post(groundcrew, 'home');
  if (homeProbe.status !== 200) throw new Error(`groundcrew's first event ack was HTTP ${homeProbe.status}`);
  if ((await publishedHomes(stub, 'groundcrew', 1, 10_000)) > 0) throw new Error('groundcrew published no Home tab');
  const homeView = stub.lastView('groundcrew')!;
  const sameBody = process.env.BENCH_BARE_BODY !== 'text';
  const bareApp = await stand.bare({
    BENCH_HOME_VIEW: homeView,
    ...(sameBody ? { BENCH_ACK_BODY: probe.body } : {}),
  });
  const bare: Target = {
    name: 'bare Bolt',
    port: bareApp.port,
    agent: keepAliveAgent(Math.max(concurrency, eventsConcurrency)),
    check: (body, kind) =>
      kind === 'home' || (sameBody ? body === probe.body : body.includes('"text":"help"'))
        ? null
        : `bare Bolt: unexpected ack body ${body.slice(0, 200)}`,
  };
  const before = settings.before;
  const beforeApp = before && beforeDatabase ? await stand.before(before, beforeDatabase) : undefined;
  const beforeTarget: Target | undefined = beforeApp && {
    name: 'before',
    port: beforeApp.port,
    agent: keepAliveAgent(concurrency),
    check: (body, kind) =>
      kind !== 'help' || body.includes('"response_type":"ephemeral"')
        ? null
        : `before: unexpected ack body ${body.slice(0, 200)}`,
  };
  const beforeProbe = beforeTarget && (await post(beforeTarget));
  if (beforeProbe && (beforeProbe.status !== 200 || beforeTarget!.check(beforeProbe.body, 'help'))) {
    throw new Error(
      `the earlier groundcrew's first ack was HTTP ${beforeProbe.status}: ${beforeProbe.body.slice(0, 200)}`,
    );
  }
  const apps: Partial<Record<Side, AppProcess>> = { groundcrew: gcApp, bare: bareApp };
  const idle = await snapshot(apps);
  if (beforeApp) apps.before = beforeApp;

  out(
    `Bolt runs per request: groundcrew ${gcApp.listeners} listeners + ${gcApp.middleware} global middleware, ` +
      `bare Bolt ${bareApp.listeners} + ${bareApp.middleware}` +
      (process.env.BENCH_EXTRA_LISTENERS ? ` (${process.env.BENCH_EXTRA_LISTENERS} extra in groundcrew)` : '') +
      `\nbare Bolt acks with ${sameBody ? `the same ${Buffer.byteLength(probe.body)}-byte body as groundcrew` : 'the text "help" (BENCH_BARE_BODY=text)'}` +
      ` and publishes the same ${Buffer.byteLength(homeView)}-byte Home view\n\n` +
      `1. commands: signed "/platform help", ${rounds} alternating rounds × ${perRound} per app, ` +
      `${concurrency} concurrent, after ${warmup} warm-up requests each\n` +
      (before && !beforeApp ? `(BENCH_BEFORE skipped here: that groundcrew has no PostgreSQL backend)\n` : '') +
      (beforeProbe
        ? `and groundcrew before (BENCH_BEFORE: ${before!.label}) as a third app in the same rounds; it acks with ` +
          `its own ${Buffer.byteLength(beforeProbe.body)}-byte help body and runs ${beforeApp!.listeners} listeners + ` +
          `${beforeApp!.middleware} global middleware per request\n`
        : ''),
  );

  // 1. Commands.
  const commandTargets = beforeTarget ? [groundcrew, bare, beforeTarget] : [groundcrew, bare];
  const commands = new Map<Target, RoundResult>(commandTargets.map((t) => [t, emptyResult()]));
  const errors: string[] = [];
  for (const target of commandTargets)
    if (warmup > 0) errors.push(...(await runRound(target, warmup, concurrency)).errors);
  const warm = await snapshot(apps);
  const roundOrders = orders(commandTargets);
  for (let round = 0; round < rounds; round++) {
    for (const target of roundOrders[round % roundOrders.length]!) {
      merge(commands.get(target)!, await runRound(target, perRound, concurrency));
    }
  }
  const afterCommands = await snapshot(apps);
  const summaryOf = (target: Target) => summarize(commands.get(target)!.latenciesMs, commands.get(target)!.wallMs);
  const gc = summaryOf(groundcrew);
  const bb = summaryOf(bare);
  const bf = beforeTarget && summaryOf(beforeTarget);
  const header = ['app', 'acks', 'p50', 'p95', 'p99', 'max', 'req/s', 'CPU/req'];
  out(
    `\n${table(header, [
      latencyRow('groundcrew', 'groundcrew', gc, warm, afterCommands),
      latencyRow('bare Bolt', 'bare', bb, warm, afterCommands),
      ...(bf ? [latencyRow('groundcrew before', 'before', bf, warm, afterCommands)] : []),
    ])}\n`,
  );
  const bareCpu = cpuPerRequest('bare', bb, warm, afterCommands);
  const ratios = (side: Side, s: Summary) =>
    `p50 ${(s.p50 / bb.p50).toFixed(2)}×, p95 ${(s.p95 / bb.p95).toFixed(2)}×, p99 ${(s.p99 / bb.p99).toFixed(2)}×, ` +
    `req/s ${(s.rps / bb.rps).toFixed(2)}×, CPU/req ${(cpuPerRequest(side, s, warm, afterCommands) / bareCpu).toFixed(2)}×`;
  const commandRatio = gc.p99 / bb.p99;
  out(
    `ratio groundcrew/bare: ${ratios('groundcrew', gc)}\n` +
      (bf ? `ratio groundcrew before/bare: ${ratios('before', bf)}\n` : '') +
      `goal: p99 ≤ ${GOALS.commandP99}× bare Bolt — ${verdict(commandRatio <= GOALS.commandP99)}\n\n`,
  );
  for (const result of commands.values()) errors.push(...result.errors);
  // The earlier groundcrew takes no part in the events and memory items.
  if (beforeApp) delete apps.before;

  // 2. Events, one app at a time: each app's Home work is drained before the other app's load starts.
  out(
    `2. events: ${events} signed app_home_opened per app, ${eventsConcurrency} concurrent, after ${eventsWarmup} ` +
      `warm-up events each; groundcrew first, then bare Bolt\n`,
  );
  const eventResults = new Map<Side, EventsResult>();
  const unpublished = { groundcrew: 0, bare: 0 };
  const eventSnapshots: Partial<Record<Side, [Snapshot, Snapshot]>> = {};
  for (const [side, target] of [
    ['groundcrew', groundcrew],
    ['bare', bare],
  ] as const) {
    if (eventsWarmup > 0) {
      const warm = await runEvents(stub, side, target, eventsWarmup, eventsConcurrency);
      errors.push(...warm.errors);
      unpublished[side] += warm.unpublished;
    }
    const from = await snapshot(apps);
    const result = await runEvents(stub, side, target, events, eventsConcurrency);
    unpublished[side] += result.unpublished;
    eventSnapshots[side] = [from, await snapshot(apps)];
    eventResults.set(side, result);
    errors.push(...result.errors);
  }
  const ge = eventResults.get('groundcrew')!;
  const be = eventResults.get('bare')!;
  const gs = summarize(ge.latenciesMs, ge.wallMs);
  const bs = summarize(be.latenciesMs, be.wallMs);
  const late = (r: EventsResult) => overDeadline(r.latenciesMs) + (r.errors.length - (r.unpublished > 0 ? 1 : 0));
  const eventRow = (name: string, side: Side, s: Summary, r: EventsResult) =>
    latencyRow(name, side, s, eventSnapshots[side]![0], eventSnapshots[side]![1], [
      String(late(r)),
      `${(r.drainMs / 1000).toFixed(2)} s`,
    ]);
  out(
    `\n${table(
      [...header, `> ${SLACK_ACK_DEADLINE_MS / 1000} s`, 'Home drain'],
      [eventRow('groundcrew', 'groundcrew', gs, ge), eventRow('bare Bolt', 'bare', bs, be)],
    )}\n`,
  );
  const eventRatio = gs.p99 / bs.p99;
  out(
    `(CPU/req includes publishing the Home view; "Home drain" is last ack → last views.publish)\n` +
      `ratio groundcrew/bare: p50 ${(gs.p50 / bs.p50).toFixed(2)}×, p99 ${eventRatio.toFixed(2)}×, CPU/req ` +
      `${(cpuPerRequest('groundcrew', gs, ...eventSnapshots.groundcrew!) / cpuPerRequest('bare', bs, ...eventSnapshots.bare!)).toFixed(2)}×\n` +
      (unpublished.groundcrew + unpublished.bare > 0
        ? `Home tabs never published after the ack: groundcrew ${unpublished.groundcrew}, bare Bolt ${unpublished.bare}\n`
        : '') +
      `goal: no ack over ${SLACK_ACK_DEADLINE_MS / 1000} s — ${verdict(late(ge) === 0)} (groundcrew ${late(ge)}, bare Bolt ${late(be)}); ` +
      `p99 ≤ ${GOALS.eventP99}× bare Bolt — ${verdict(eventRatio <= GOALS.eventP99)}\n\n`,
  );

  // 3. Memory after the load.
  const after = await snapshot(apps);
  const rssRatio = after.groundcrew!.rss / after.bare!.rss;
  const memRow = (name: string, side: Side) => [
    name,
    mib(idle[side]!.rss),
    mib(afterCommands[side]!.rss),
    mib(after[side]!.rss),
    mib(after[side]!.heapUsed),
    mib(after[side]!.maxRss),
  ];
  out(
    `3. memory (RSS) after the load above\n\n${table(
      ['app', 'RSS idle', 'after commands', 'after events', 'heap used', 'peak RSS'],
      [memRow('groundcrew', 'groundcrew'), memRow('bare Bolt', 'bare')],
    )}\n` +
      `ratio groundcrew/bare after the load: ${rssRatio.toFixed(2)}× (idle ${(idle.groundcrew!.rss / idle.bare!.rss).toFixed(2)}×)\n` +
      `goal: RSS ≤ ${GOALS.rss}× bare Bolt — ${verdict(rssRatio <= GOALS.rss)}\n\n`,
  );
  const calls = [...stub.calls('groundcrew')].map(([method, count]) => `${method} ×${count}`).join(', ');
  out(`groundcrew Web API calls during the run: ${calls || 'none'}\n`);
  return {
    commands: {
      groundcrew: gc,
      bare: bb,
      cpuRatio: cpuPerRequest('groundcrew', gc, warm, afterCommands) / bareCpu,
      ...(bf && {
        before: {
          label: before!.label,
          summary: bf,
          cpuRatio: cpuPerRequest('before', bf, warm, afterCommands) / bareCpu,
        },
      }),
    },
    events: {
      groundcrew: gs,
      bare: bs,
      lateGroundcrew: late(ge),
      lateBare: late(be),
      unpublished: [unpublished.groundcrew, unpublished.bare],
    },
    rss: { groundcrew: after.groundcrew!.rss, bare: after.bare!.rss },
    errors,
  };
}
