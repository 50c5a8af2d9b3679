/**
 * `npm run bench`: groundcrew next to a bare Bolt app, on loopback, on each database backend — method and figures
 * in bench/README.md.
 *
 * Per backend (SQLite; PostgreSQL when a server is named): the commands, events and memory comparison with a bare
 * Bolt app (compare.ts), the support intake next to bare Bolt (intake.ts) and the support SLA sweep (sla-sweep.ts).
 * Then events/s at saturation (saturation.ts) for one replica on each backend and for two
 * replicas on one PostgreSQL database. Prints one table of every goal per backend, PASS/MISS, and the saturation
 * figures. Exits non-zero only when a request fails (non-200, bad ack body, transport error, a Home tab never
 * published, an event published other than once), not on a MISS.
 *
 * Env: BENCH_BACKENDS (sqlite,postgres when BENCH_PG or GROUNDCREW_TEST_PG is set, else sqlite), BENCH_PG,
 *      BENCH_PG_PREFIX, BENCH_REQUESTS (10000), BENCH_CONCURRENCY (20), BENCH_ROUNDS (20), BENCH_WARMUP (2000),
 *      BENCH_EVENTS (2000), BENCH_EVENTS_CONCURRENCY (50), BENCH_EVENTS_WARMUP (200), BENCH_SAT_LEVELS
 *      (10,20,40,80,160,320), BENCH_SAT_EVENTS (1000), BENCH_SAT_WARMUP (300), BENCH_SAT_GAIN (1.05),
 *      BENCH_SATURATION (1; 0 skips it, `only` runs nothing else), BENCH_LOADER (bundle | tsc | tsx), BENCH_NODE_ARGS, BENCH_EXTRA_LISTENERS,
 *      BENCH_TEAM_CONFIG, BENCH_BARE_BODY=text, BENCH_SLA_SWEEP (1 | 0 | only), BENCH_SWEEP_TICKETS, BENCH_SWEEP_DUE,
 *      BENCH_INTAKE (1 | 0 | only), BENCH_INTAKE_MESSAGES (1000), BENCH_INTAKE_CONCURRENCY (20), BENCH_INTAKE_WARMUP (200).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, loaderFromEnv, npmStartNodeFlags } from './apps.js';
import { type Backend, backendPlan, createDatabase, type FreshDatabase, serverVersion } from './backends.js';
import { beforeFromEnv } from './before.js';
import { type ComparisonResult, GOALS, runComparison, type Settings, verdict } from './compare.js';
import { INTAKE_GOAL_P99, type IntakeResult, type IntakeSettings, runIntake } from './intake.js';
import {
  KIND_LABEL,
  runSaturation,
  type SaturationKind,
  type SaturationResult,
  type SaturationSettings,
  stepsTable,
} from './saturation.js';
import { runSlaSweep, SWEEP_GOAL_MS, type SweepResult } from './sla-sweep.js';
import { mib, ms, table } from './stats.js';

function fromEnv(name: string, fallback: number, ok: (n: number) => boolean, what: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!ok(value)) {
    process.stderr.write(`bench: ${name} must be ${what}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}
const intFromEnv = (name: string, fallback: number, min = 1) =>
  fromEnv(name, fallback, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);

function levelsFromEnv(): number[] {
  const raw = process.env.BENCH_SAT_LEVELS?.trim() || '10,20,40,80,160,320';
  const levels = raw.split(',').map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 1) || levels.some((n, i) => i > 0 && n <= levels[i - 1]!)) {
    process.stderr.write(`bench: BENCH_SAT_LEVELS must be ascending integers ≥ 1, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return levels;
}

const requests = intFromEnv('BENCH_REQUESTS', 10_000);
const settings: Settings = {
  requests,
  concurrency: intFromEnv('BENCH_CONCURRENCY', 20),
  rounds: Math.min(intFromEnv('BENCH_ROUNDS', 20), requests),
  warmup: intFromEnv('BENCH_WARMUP', 2000, 0),
  events: intFromEnv('BENCH_EVENTS', 2000),
  eventsConcurrency: intFromEnv('BENCH_EVENTS_CONCURRENCY', 50),
  eventsWarmup: intFromEnv('BENCH_EVENTS_WARMUP', 200, 0),
  loader: loaderFromEnv(),
};
const saturation: SaturationSettings = {
  levels: levelsFromEnv(),
  eventsPerLevel: intFromEnv('BENCH_SAT_EVENTS', 1000),
  warmup: intFromEnv('BENCH_SAT_WARMUP', 300, 0),
  gain: fromEnv('BENCH_SAT_GAIN', 1.05, (n) => n >= 1 && n < 2, 'a number from 1 to 2'),
  loader: settings.loader,
};
// The support-message ramps: each message is a new ticket (claimed, stored, answered), far more work than a Home tab,
// so fewer per step by default.
const messageSaturation: SaturationSettings = {
  ...saturation,
  eventsPerLevel: intFromEnv('BENCH_SAT_MESSAGES', 300),
  warmup: intFromEnv('BENCH_SAT_MESSAGE_WARMUP', 100, 0),
};
const saturationKinds = (process.env.BENCH_SAT_KINDS?.trim() || 'home,message').split(',').map((k) => k.trim());
if (saturationKinds.some((k) => k !== 'home' && k !== 'message')) {
  process.stderr.write(`bench: BENCH_SAT_KINDS must be home and/or message, got ${JSON.stringify(saturationKinds)}\n`);
  process.exit(2);
}
const saturationMode = process.env.BENCH_SATURATION?.trim() || '1';
if (!['0', '1', 'only'].includes(saturationMode)) {
  process.stderr.write(`bench: BENCH_SATURATION must be 1, 0 or only, got ${JSON.stringify(saturationMode)}\n`);
  process.exit(2);
}
const sweepMode = process.env.BENCH_SLA_SWEEP?.trim() || '1';
if (!['0', '1', 'only'].includes(sweepMode)) {
  process.stderr.write(`bench: BENCH_SLA_SWEEP must be 1, 0 or only, got ${JSON.stringify(sweepMode)}\n`);
  process.exit(2);
}
const sweepTickets = intFromEnv('BENCH_SWEEP_TICKETS', 100_000);
const sweepDue = intFromEnv('BENCH_SWEEP_DUE', 100, 0);
const intakeMode = process.env.BENCH_INTAKE?.trim() || '1';
if (!['0', '1', 'only'].includes(intakeMode)) {
  process.stderr.write(`bench: BENCH_INTAKE must be 1, 0 or only, got ${JSON.stringify(intakeMode)}\n`);
  process.exit(2);
}
const intake: IntakeSettings = {
  messages: intFromEnv('BENCH_INTAKE_MESSAGES', 1000),
  concurrency: intFromEnv('BENCH_INTAKE_CONCURRENCY', 20),
  warmup: intFromEnv('BENCH_INTAKE_WARMUP', 200, 0),
  loader: settings.loader,
};
const only = [saturationMode, sweepMode, intakeMode].filter((m) => m === 'only').length > 0;
const sweepOn = sweepMode === 'only' || (sweepMode !== '0' && !only);
const intakeOn = intakeMode === 'only' || (intakeMode !== '0' && !only);
const saturationOn = saturationMode === 'only' || (saturationMode !== '0' && !only);
const compareOn = !only;

const out = (text: string) => process.stdout.write(text);
const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')}`;
  }
};

interface SaturationRun {
  backend: Backend;
  result: SaturationResult;
}

/** Rows: the goals; columns: the backends. */
function goalsTable(results: Map<Backend, ComparisonResult>): string {
  const backends = [...results.keys()];
  const cell = (fn: (r: ComparisonResult) => string) => backends.map((b) => fn(results.get(b)!));
  const ratio = (gc: number, bare: number, goal: number, unit: (n: number) => string) =>
    `${(gc / bare).toFixed(2)}× ${verdict(gc / bare <= goal)} (${unit(gc)} / ${unit(bare)})`;
  return table(
    ['goal (groundcrew / bare Bolt)', ...backends],
    [
      [
        `commands: ack p99 ≤ ${GOALS.commandP99}×`,
        ...cell((r) => ratio(r.commands.groundcrew.p99, r.commands.bare.p99, GOALS.commandP99, ms)),
      ],
      [
        `events: ack p99 ≤ ${GOALS.eventP99}×`,
        ...cell((r) => ratio(r.events.groundcrew.p99, r.events.bare.p99, GOALS.eventP99, ms)),
      ],
      [
        'events: no ack over 3 s',
        ...cell((r) => `${verdict(r.events.lateGroundcrew === 0)} (${r.events.lateGroundcrew} / ${r.events.lateBare})`),
      ],
      [
        'events: every Home tab published',
        ...cell(
          (r) =>
            `${verdict(r.events.unpublished[0] === 0)} (${r.events.unpublished[0]} / ${r.events.unpublished[1]} missing)`,
        ),
      ],
      [`RSS after the load ≤ ${GOALS.rss}×`, ...cell((r) => ratio(r.rss.groundcrew, r.rss.bare, GOALS.rss, mib))],
      ...(settings.before
        ? [
            [
              'commands: ack p99 no worse than before (BENCH_BEFORE)',
              ...cell((r) => {
                const b = r.commands.before;
                if (!b)
                  return settings.before!.postgres ? 'not run' : 'not run: that checkout has no PostgreSQL backend';
                const now = r.commands.groundcrew.p99 / r.commands.bare.p99;
                const then = b.summary.p99 / r.commands.bare.p99;
                // Judged at the two decimals shown: a difference below that is far inside the noise.
                const noWorse = Number(now.toFixed(2)) <= Number(then.toFixed(2));
                return `${verdict(noWorse)} (p99 ${now.toFixed(2)}× / before ${then.toFixed(2)}×; CPU/req ${r.commands.cpuRatio.toFixed(2)}× / ${b.cpuRatio.toFixed(2)}×)`;
              }),
            ],
          ]
        : []),
    ],
  );
}

function sweepTable(runs: SweepResult[]): string {
  return table(
    ['database', 'open tickets', 'due', 'sweep', `goal < ${SWEEP_GOAL_MS} ms`, 'nothing due', 'index used'],
    runs.map((r) => [
      r.backend,
      String(r.tickets),
      `${r.due} (${r.sent} sent)`,
      ms(r.sweepMs),
      verdict(r.sweepMs < SWEEP_GOAL_MS),
      ms(r.idleSweepMs),
      verdict(r.usesIndex),
    ]),
  );
}

function intakeTable(runs: Map<Backend, IntakeResult>): string {
  return table(
    ['database', 'messages', 'ack p99 groundcrew', 'bare Bolt', `goal ≤ ${INTAKE_GOAL_P99}×`, 'over 3 s', 'unanswered'],
    [...runs].map(([backend, r]) => [
      backend,
      String(r.groundcrew.summary.count),
      ms(r.groundcrew.summary.p99),
      ms(r.bare.summary.p99),
      `${r.ratio.toFixed(2)}× ${verdict(r.ratio <= INTAKE_GOAL_P99)}`,
      `${r.groundcrew.late} / ${r.bare.late}`,
      String(r.groundcrew.unreplied),
    ]),
  );
}

function saturationTable(runs: SaturationRun[]): string {
  return table(
    [
      'events',
      'database',
      'replicas',
      'events/s',
      'at in flight',
      'ack p99 there',
      'events sent',
      'handled',
      'per replica',
    ],
    runs.map(({ backend, result: r }) => [
      KIND_LABEL[r.kind],
      backend,
      String(r.replicas),
      `${r.saturated ? '' : '≥ '}${r.best.eventsPerSecond.toFixed(0)}`,
      String(r.best.concurrency),
      ms(r.best.ackP99),
      String(r.sent),
      `${r.published}${r.published === r.sent ? ' (once each)' : r.published >= r.acked && r.published <= r.sent ? '' : ' MISMATCH'}`,
      r.perReplica.join(' + '),
    ]),
  );
}

async function main(): Promise<number> {
  const plan = backendPlan();
  const startedAt = Date.now();
  if (settings.loader !== 'tsx') {
    out(
      settings.loader === 'bundle'
        ? 'bundling both apps (scripts/bundle.mjs → dist/bench-*/)…\n'
        : 'compiling both apps with tsc (bench/tsconfig.json → dist/bench/)…\n',
    );
    buildApps(settings.loader);
  }
  if (process.env.BENCH_BEFORE?.trim()) {
    out("bundling the earlier groundcrew (BENCH_BEFORE) with this checkout's scripts/bundle.mjs…\n");
    settings.before = await beforeFromEnv();
  }
  const pg = plan.pgServer ? await serverVersion(plan.pgServer) : undefined;
  out(
    `machine: ${cpus().length} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}; ` +
      `both apps ${{ bundle: 'bundled (node dist/bench-*/…, as npm start)', tsc: 'compiled by tsc (node dist/bench/…)', tsx: 'under tsx' }[settings.loader]}\n` +
      `groundcrew's node flags: ${process.env.BENCH_GC_NODE_ARGS ?? `${npmStartNodeFlags().join(' ')} (npm start's)`}\n` +
      `team file: ${process.env.BENCH_TEAM_CONFIG || 'groundcrew.example.yml'}\n` +
      (settings.before ? `before (BENCH_BEFORE): ${settings.before.dir}, ${settings.before.label}\n` : '') +
      `backends: ${plan.backends.join(', ')}${pg ? ` (${pg}, a fresh database per run, dropped after)` : ''}` +
      `${plan.skipped ? `; PostgreSQL skipped: ${plan.skipped}` : ''}\n` +
      `uptime at start: ${uptime()}\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'groundcrew-bench-'));
  const databases: FreshDatabase[] = [];
  /** A fresh database for one run: a new SQLite file, or a new PostgreSQL database. */
  const fresh = async (backend: Backend, tag: string): Promise<string> => {
    if (backend === 'sqlite') return join(dir, `${tag}.db`);
    const db = await createDatabase(plan.pgServer!);
    databases.push(db);
    return db.url;
  };
  const errors: string[] = [];
  const comparisons = new Map<Backend, ComparisonResult>();
  const saturations: SaturationRun[] = [];
  const sweeps: SweepResult[] = [];
  const intakes = new Map<Backend, IntakeResult>();
  // A run that fails (an app that does not start, a Home tab never published) is reported; the others still run.
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      out(`\n${message}\n`);
      errors.push(message);
    }
  };
  try {
    for (const backend of compareOn ? plan.backends : []) {
      out(`\n=== groundcrew on ${backend} next to bare Bolt ===\n`);
      await attempt(`${backend} comparison`, async () => {
        const before = settings.before && (backend === 'sqlite' || settings.before.postgres);
        const result = await runComparison(
          await fresh(backend, 'compare'),
          settings,
          before ? await fresh(backend, 'compare-before') : undefined,
        );
        comparisons.set(backend, result);
        errors.push(...result.errors);
      });
    }
    for (const backend of intakeOn ? plan.backends : []) {
      out(
        `\n=== support intake on ${backend}: ${intake.messages} help-channel messages, ${intake.concurrency} ` +
          `concurrent, after ${intake.warmup} warm-up each; groundcrew first, then bare Bolt ===\n`,
      );
      await attempt(`${backend} support intake`, async () => {
        const result = await runIntake(await fresh(backend, 'intake'), intake);
        intakes.set(backend, result);
        errors.push(...result.errors);
      });
    }
    for (const backend of sweepOn ? plan.backends : []) {
      out(`\n=== support SLA sweep on ${backend}: ${sweepTickets} open tickets, ${sweepDue} due ===\n`);
      await attempt(`${backend} SLA sweep`, async () => {
        const result = await runSlaSweep(await fresh(backend, 'sla-sweep'), backend, sweepTickets, sweepDue);
        sweeps.push(result);
        out(`query plan of the sweep:\n${result.plan}\n`);
        if (!result.usesIndex) errors.push(`${backend} SLA sweep: the query plan does not use the next_check_at index`);
      });
    }
    if (saturationOn) {
      const runs: [Backend, number][] = plan.backends.flatMap((b): [Backend, number][] =>
        b === 'postgres'
          ? [
              [b, 1],
              [b, 2],
            ]
          : [[b, 1]],
      );
      for (const kind of saturationKinds as SaturationKind[]) {
        const ramp = kind === 'home' ? saturation : messageSaturation;
        out(
          `\n=== events/s at saturation: ${KIND_LABEL[kind]} spread over the replicas, ${ramp.eventsPerLevel} per ` +
            `step, ${ramp.levels.join(' → ')} in flight, after ${ramp.warmup} warm-up ===\n`,
        );
        for (const [backend, replicas] of runs) {
          await attempt(`${backend} saturation (${KIND_LABEL[kind]}), ${replicas} replica(s)`, async () => {
            const db = await fresh(backend, `saturation-${kind}-${replicas}`);
            const result = await runSaturation(db, replicas, ramp, kind);
            saturations.push({ backend, result });
            out(`${backend}, ${replicas} replica(s):\n${stepsTable(result)}\n\n`);
            errors.push(...result.errors.map((e) => `${backend}, ${replicas} replica(s): ${e}`));
          });
        }
      }
    }
  } finally {
    for (const db of databases) await db.drop().catch((e: Error) => out(`could not drop ${db.name}: ${e.message}\n`));
    rmSync(dir, { recursive: true, force: true });
  }

  out(`\n=== summary ===\n`);
  if (comparisons.size > 0) out(`\n${goalsTable(comparisons)}\n`);
  if (intakes.size > 0)
    out(`\nsupport intake (help-channel messages, each a ticket with its tier-1 reply):\n\n${intakeTable(intakes)}\n`);
  if (sweeps.length > 0)
    out(`\nsupport SLA sweep (one run of support.sweep without its Slack calls):\n\n${sweepTable(sweeps)}\n`);
  if (saturations.length > 0) {
    out(
      `\nevents/s at saturation (the best step; "≥" when it still rose at the last level):\n\n` +
        `${saturationTable(saturations)}\n`,
    );
  }
  out(`\nuptime at the end: ${uptime()}; the run took ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`);
  if (errors.length > 0) {
    const distinct = [...new Set(errors)].slice(0, 5);
    process.stderr.write(`\n${errors.length} request(s) failed, e.g.:\n${distinct.map((e) => `  ${e}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
