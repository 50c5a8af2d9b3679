/**
 * Events per second at saturation: one or more groundcrew replicas on one database, the driver spreading events over
 * them in turn (as a load balancer would), more and more of them in flight. Two kinds of event, each a ramp of its
 * own: `app_home_opened` (read-only: the Home tab is built and published; Bolt's event dedupe skips it) and a
 * person's top-level message in the support help channel (the path that writes: the event is claimed exactly once,
 * a ticket is stored, and the tier-1 reply is posted in its thread).
 *
 * Throughput of a step = events of the step / (first request sent → the stub has received the step's last
 * views.publish, or for messages the step's last reply in a thread): the work Bolt does after the ack is part of it. The concurrency doubles from step to step
 * (BENCH_SAT_LEVELS) until a step is not at least BENCH_SAT_GAIN (5 %) faster than the best before it: that best is
 * the figure. Every event must be processed exactly once: after each step the stub must have received one
 * views.publish per acked event, and after the last step and a quiet second, no more than one per event sent.
 */
import { type AppProcess, type AppStats, type Loader, statsOf } from './apps.js';
import { groundcrewCheck } from './compare.js';
import { overDeadline, STALL_MS } from './events.js';
import { keepAliveAgent, NO_ACK, runRound, type Target } from './load.js';
import { type BenchStand, withStand } from './stand.js';
import { ms, summarize, table } from './stats.js';
import { type SlackStub, THREAD_REPLY } from './stub.js';

/** What a ramp sends: Home tabs opened, or help-channel messages (each a new ticket). */
export type SaturationKind = 'home' | 'message';

/** The Web API call that shows one event of the kind was handled: its Home published, its reply in the thread. */
const DONE_CALL: Record<SaturationKind, string> = { home: 'views.publish', message: THREAD_REPLY };
export const KIND_LABEL: Record<SaturationKind, string> = {
  home: 'app_home_opened',
  message: 'help-channel message',
};

export interface SaturationSettings {
  /** Events in flight at each step, ascending. */
  levels: number[];
  eventsPerLevel: number;
  warmup: number;
  /** A step must beat the best so far by this factor to count as still rising. */
  gain: number;
  loader: Loader;
}

export interface SaturationStep {
  concurrency: number;
  eventsPerSecond: number;
  ackP99: number;
  late: number;
  cpuMicrosPerEvent: number;
}

export interface SaturationResult {
  kind: SaturationKind;
  replicas: number;
  steps: SaturationStep[];
  best: SaturationStep;
  /** false: throughput still rose at the last level (the figure is a lower bound). */
  saturated: boolean;
  sent: number;
  /** Events acked with HTTP 200: each must be published once. */
  acked: number;
  /** Events the driver gave up on (no ack within 10 s): handled or not, they are not failures here. */
  unacked: number;
  published: number;
  perReplica: number[];
  errors: string[];
}

const out = (text: string) => process.stdout.write(text);
const QUIET_MS = 1000;
const DRAIN_TIMEOUT_MS = 180_000;

const replicaName = (i: number) => `replica-${i + 1}`;

function handledBy(stub: SlackStub, replicas: number, kind: SaturationKind): number[] {
  return Array.from({ length: replicas }, (_, i) => stub.count(replicaName(i), DONE_CALL[kind]));
}
const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

async function drained(stub: SlackStub, replicas: number, kind: SaturationKind, expected: number): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const count = total(handledBy(stub, replicas, kind));
    if (count >= expected) return;
    const now = performance.now();
    if (count !== last) {
      last = count;
      lastChange = now;
    }
    if (now > deadline || now - lastChange > STALL_MS) {
      throw new Error(`${count} of ${expected} ${KIND_LABEL[kind]}s handled; none more for ${STALL_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function cpuOf(apps: AppProcess[]): Promise<number> {
  const stats: AppStats[] = await Promise.all(apps.map(statsOf));
  return stats.reduce((sum, s) => sum + s.cpuMicros, 0);
}

/** Starts `replicas` groundcrew processes on `database` together (they migrate it once, under a lock) and ramps. */
export async function runSaturation(
  database: string,
  replicas: number,
  settings: SaturationSettings,
  kind: SaturationKind = 'home',
): Promise<SaturationResult> {
  return withStand(settings.loader, (stand) => ramp(stand, database, replicas, settings, kind));
}

async function ramp(
  stand: BenchStand,
  database: string,
  replicas: number,
  settings: SaturationSettings,
  kind: SaturationKind,
): Promise<SaturationResult> {
  const { stub } = stand;
  const results = await Promise.allSettled(
    Array.from({ length: replicas }, (_, i) => stand.groundcrew(database, replicaName(i))),
  );
  const apps: AppProcess[] = [];
  for (const r of results) if (r.status === 'fulfilled') apps.push(r.value);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const maxLevel = Math.max(...settings.levels);
  const targets: Target[] = apps.map((app, i) => ({
    name: replicaName(i),
    port: app.port,
    agent: keepAliveAgent(maxLevel),
    check: groundcrewCheck,
  }));
  const errors: string[] = [];
  let sent = 0;
  let acked = 0;
  let unacked = 0;
  // Past saturation an ack may take longer than the driver waits: counted with the late acks, not as a failure.
  const send = async (count: number, concurrency: number) => {
    const result = await runRound(targets, count, concurrency, kind);
    sent += count;
    acked += result.latenciesMs.length;
    unacked += result.errors.filter((e) => e === NO_ACK).length;
    errors.push(...result.errors.filter((e) => e !== NO_ACK));
    return result;
  };
  if (settings.warmup > 0) {
    await send(settings.warmup, Math.min(50, maxLevel));
    await drained(stub, replicas, kind, acked);
  }
  const steps: SaturationStep[] = [];
  let best: SaturationStep | undefined;
  let saturated = false;
  for (const concurrency of settings.levels) {
    const cpuBefore = await cpuOf(apps);
    const started = performance.now();
    const result = await send(settings.eventsPerLevel, concurrency);
    await drained(stub, replicas, kind, acked);
    const elapsed = performance.now() - started;
    const s = summarize(result.latenciesMs, result.wallMs);
    const step: SaturationStep = {
      concurrency,
      eventsPerSecond: (result.latenciesMs.length / elapsed) * 1000,
      ackP99: s.p99,
      late: overDeadline(result.latenciesMs) + result.errors.length,
      cpuMicrosPerEvent: ((await cpuOf(apps)) - cpuBefore) / Math.max(1, result.latenciesMs.length),
    };
    steps.push(step);
    out(
      `  ${KIND_LABEL[kind]}, ${replicas} replica(s), ${concurrency} in flight: ${step.eventsPerSecond.toFixed(0)} events/s, ack p99 ` +
        `${ms(step.ackP99)}, ${step.late} over 3 s\n`,
    );
    if (best && step.eventsPerSecond < best.eventsPerSecond * settings.gain) {
      saturated = true;
      break;
    }
    if (!best || step.eventsPerSecond > best.eventsPerSecond) best = step;
  }
  // Once each: every acked event is published (the drains above), and nothing more arrives after a quiet second.
  // An event whose ack failed (already an error) may or may not have been handled.
  await new Promise((r) => setTimeout(r, QUIET_MS));
  const perReplica = handledBy(stub, replicas, kind);
  const published = total(perReplica);
  if (published < acked || published > sent) {
    errors.push(`${published} ${KIND_LABEL[kind]}s handled for ${acked} acked of ${sent} events sent`);
  }
  return { kind, replicas, steps, best: best!, saturated, sent, acked, unacked, published, perReplica, errors };
}

/** The steps of one ramp, as printed after it. */
export function stepsTable(result: SaturationResult): string {
  return table(
    ['in flight', 'events/s', 'ack p99', '> 3 s', 'CPU/event (all replicas)'],
    result.steps.map((s) => [
      String(s.concurrency),
      s.eventsPerSecond.toFixed(0),
      ms(s.ackP99),
      String(s.late),
      `${s.cpuMicrosPerEvent.toFixed(0)} µs`,
    ]),
  );
}
