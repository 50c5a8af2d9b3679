/**
 * Events per second at saturation: one or more groundcrew replicas on one database, the driver spreading
 * `app_home_opened` events over them in turn (as a load balancer would), more and more of them in flight.
 *
 * Throughput of a step = events of the step / (first request sent → the stub has received the step's last
 * views.publish): the Home work that Bolt does after the ack is part of it. The concurrency doubles from step to step
 * (BENCH_SAT_LEVELS) until a step is not at least BENCH_SAT_GAIN (5 %) faster than the best before it: that best is
 * the figure. Every event must be processed exactly once: after each step the stub must have received one
 * views.publish per acked event, and after the last step and a quiet second, no more than one per event sent.
 */
import { type AppProcess, type AppStats, type Loader, startApp, statsOf, stopApp } from './apps.js';
import { groundcrewCheck } from './compare.js';
import { overDeadline, STALL_MS } from './events.js';
import { keepAliveAgent, NO_ACK, runRound, type Target } from './load.js';
import { ms, summarize, table } from './stats.js';
import { type SlackStub, startSlackStub } from './stub.js';

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

function publishedBy(stub: SlackStub, replicas: number): number[] {
  return Array.from({ length: replicas }, (_, i) => stub.count(replicaName(i), 'views.publish'));
}
const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

async function drained(stub: SlackStub, replicas: number, expected: number): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const count = total(publishedBy(stub, replicas));
    if (count >= expected) return;
    const now = performance.now();
    if (count !== last) {
      last = count;
      lastChange = now;
    }
    if (now > deadline || now - lastChange > STALL_MS) {
      throw new Error(`${count} of ${expected} Home tabs published; none more for ${STALL_MS / 1000} s`);
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
): Promise<SaturationResult> {
  const stub = await startSlackStub();
  const apps: AppProcess[] = [];
  try {
    const starting = Array.from({ length: replicas }, (_, i) =>
      startApp('groundcrew-app', settings.loader, {
        SLACK_API_URL: stub.urlFor(replicaName(i)),
        GROUNDCREW_DB: database,
      }),
    );
    const results = await Promise.allSettled(starting);
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
      const result = await runRound(targets, count, concurrency, 'home');
      sent += count;
      acked += result.latenciesMs.length;
      unacked += result.errors.filter((e) => e === NO_ACK).length;
      errors.push(...result.errors.filter((e) => e !== NO_ACK));
      return result;
    };
    if (settings.warmup > 0) {
      await send(settings.warmup, Math.min(50, maxLevel));
      await drained(stub, replicas, acked);
    }
    const steps: SaturationStep[] = [];
    let best: SaturationStep | undefined;
    let saturated = false;
    for (const concurrency of settings.levels) {
      const cpuBefore = await cpuOf(apps);
      const started = performance.now();
      const result = await send(settings.eventsPerLevel, concurrency);
      await drained(stub, replicas, acked);
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
        `  ${replicas} replica(s), ${concurrency} in flight: ${step.eventsPerSecond.toFixed(0)} events/s, ack p99 ` +
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
    const perReplica = publishedBy(stub, replicas);
    const published = total(perReplica);
    if (published < acked || published > sent) {
      errors.push(`${published} Home tabs published for ${acked} acked of ${sent} events sent`);
    }
    return { replicas, steps, best: best!, saturated, sent, acked, unacked, published, perReplica, errors };
  } finally {
    await Promise.all(apps.map(stopApp));
    await stub.close();
  }
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
