/**
 * Support intake next to bare Bolt: signed help-channel messages (each a different person's top-level message, so
 * each one becomes a ticket with its tier-1 reply), N in flight. Per app: a warm-up, then the measured messages;
 * after each, the driver waits until the stand-in has received one chat.postMessage per message (the reply in the
 * thread), so one app's leftover work never overlaps the other's load. Goal: ack p99 ≤ 1.3 × bare Bolt's.
 *
 * groundcrew runs from the team file (groundcrew.example.yml: `support.channels` is C0PLATHELP, BENCH_HELP_CHANNEL
 * otherwise) on a fresh database; the baseline answers each message with one chat.postMessage in its thread.
 * Everything talks to 127.0.0.1 only.
 */
import type { Loader } from './apps.js';
import { callsArrived, overDeadline, SLACK_ACK_DEADLINE_MS } from './events.js';
import { keepAliveAgent, type RoundResult, runRound, type Target } from './load.js';
import { type BenchStand, withStand } from './stand.js';
import { ms, type Summary, summarize, table } from './stats.js';
import { type SlackStub, THREAD_REPLY } from './stub.js';

export const INTAKE_GOAL_P99 = 1.3;

export interface IntakeSettings {
  messages: number;
  concurrency: number;
  warmup: number;
  loader: Loader;
}

export interface IntakeSide {
  summary: Summary;
  /** Acks slower than Slack's 3 s. */
  late: number;
  /** Acked messages that never got their reply in the thread (warm-up included). */
  unreplied: number;
  /** Last ack → last reply reaching the stand-in. */
  drainMs: number;
}

export interface IntakeResult {
  groundcrew: IntakeSide;
  bare: IntakeSide;
  ratio: number;
  errors: string[];
}

const out = (text: string) => process.stdout.write(text);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** Waits until `app` has posted `expected` replies in threads, or none came for STALL_MS; answers how many are missing. */
const repliesPosted = (stub: SlackStub, app: string, expected: number) =>
  callsArrived(stub, app, THREAD_REPLY, expected);

async function load(stub: SlackStub, side: string, target: Target, count: number, concurrency: number) {
  const before = stub.count(side, THREAD_REPLY);
  const result: RoundResult = await runRound(target, count, concurrency, 'message');
  const acked = performance.now();
  const unreplied = await repliesPosted(stub, side, before + result.latenciesMs.length);
  return { result, unreplied, drainMs: performance.now() - acked };
}

/** Runs the comparison for groundcrew on `database` (a SQLite path or a PostgreSQL URL); both apps are stopped after. */
export async function runIntake(database: string, settings: IntakeSettings): Promise<IntakeResult> {
  return withStand(settings.loader, (stand) => intake(stand, database, settings));
}

async function intake(stand: BenchStand, database: string, settings: IntakeSettings): Promise<IntakeResult> {
  const { messages, concurrency, warmup } = settings;
  const { stub } = stand;
  const gcApp = await stand.groundcrew(database);
  const bareApp = await stand.bare({ BENCH_MESSAGES: '1' });
  const target = (name: string, port: number): Target => ({
    name,
    port,
    agent: keepAliveAgent(concurrency),
    check: () => null,
  });
  const errors: string[] = [];
  const sides = new Map<'groundcrew' | 'bare', IntakeSide>();
  for (const [side, app] of [
    ['groundcrew', gcApp],
    ['bare', bareApp],
  ] as const) {
    const t = target(side === 'groundcrew' ? 'groundcrew' : 'bare Bolt', app.port);
    let unreplied = 0;
    if (warmup > 0) {
      const warm = await load(stub, side, t, warmup, concurrency);
      errors.push(...warm.result.errors);
      unreplied += warm.unreplied;
    }
    const run = await load(stub, side, t, messages, concurrency);
    errors.push(...run.result.errors);
    unreplied += run.unreplied;
    if (unreplied > 0) errors.push(`${side}: ${unreplied} acked message(s) never got their reply in the thread`);
    sides.set(side, {
      summary: summarize(run.result.latenciesMs, run.result.wallMs),
      late: overDeadline(run.result.latenciesMs) + run.result.errors.length,
      unreplied,
      drainMs: run.drainMs,
    });
  }
  const gc = sides.get('groundcrew')!;
  const bare = sides.get('bare')!;
  const ratio = gc.summary.p99 / bare.summary.p99;
  const row = (name: string, s: IntakeSide) => [
    name,
    String(s.summary.count),
    ms(s.summary.p50),
    ms(s.summary.p95),
    ms(s.summary.p99),
    ms(s.summary.max),
    s.summary.rps.toFixed(0),
    String(s.late),
    `${(s.drainMs / 1000).toFixed(2)} s`,
  ];
  out(
    `${table(
      ['app', 'acks', 'p50', 'p95', 'p99', 'max', 'msg/s', `> ${SLACK_ACK_DEADLINE_MS / 1000} s`, 'reply drain'],
      [row('groundcrew', gc), row('bare Bolt', bare)],
    )}\n` +
      `("reply drain" is last ack → last reply in a thread; groundcrew's reply comes after the ticket is stored)\n` +
      `ratio groundcrew/bare: p50 ${(gc.summary.p50 / bare.summary.p50).toFixed(2)}×, p99 ${ratio.toFixed(2)}×\n` +
      `goal: ack p99 ≤ ${INTAKE_GOAL_P99}× bare Bolt — ${verdict(ratio <= INTAKE_GOAL_P99)}; ` +
      `every message answered in its thread — ${verdict(gc.unreplied === 0)}\n`,
  );
  const calls = [...stub.calls('groundcrew')].map(([method, count]) => `${method} ×${count}`).join(', ');
  out(`groundcrew Web API calls during the run: ${calls || 'none'}\n`);
  return { groundcrew: gc, bare, ratio, errors };
}
