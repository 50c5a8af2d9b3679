import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { count } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { approvalsTable } from '../approvals/schema.js';
import { APPROVAL_STATUSES } from '../approvals/types.js';
import type { Clock } from '../clock.js';
import type { Env } from '../config.js';
import type { Database } from '../db/database.js';
import { orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { DEPLOY_STATUSES } from '../deploys/model.js';
import { deploysTable } from '../deploys/schema.js';
import { REQUEST_STATUSES } from '../requests/model.js';
import { requestsTable } from '../requests/schema.js';
import { ACK_DEADLINE_SECONDS, AckWindow, watchServer } from './metrics-http.js';
import { instrumentSlackFetch } from './metrics-slack.js';

export const METRICS_PATH = '/metrics';

export interface MetricsOptions {
  db: Database;
  clock: Clock;
  env: Pick<Env, 'SLACK_API_URL' | 'GROUNDCREW_METRICS_TOKEN'>;
  /** Node's process metrics (CPU, memory, event loop lag); default on. */
  processMetrics?: boolean;
}

export interface Metrics {
  /** This app's registry (never prom-client's global one: several apps may share a process). */
  registry: Registry;
  /** GET /metrics, behind `Authorization: Bearer <GROUNDCREW_METRICS_TOKEN>` when that is set. */
  route: CustomRoute;
  /** Wraps the fetch the Web API clients use, counting calls by method and outcome. */
  slackFetch(): typeof fetch;
  /** Times requests and acks on the HTTP server (HTTP mode). */
  watchServer(server: Server): void;
  /** Called by the scheduler after each run (or skip). */
  jobRun(job: string, outcome: 'ok' | 'failed' | 'skipped', seconds: number): void;
}

/** Counts rows by status at scrape time: survives restarts and cannot drift from the database. */
function statusGauge(
  registry: Registry,
  db: Database,
  name: string,
  help: string,
  table: SQLiteTable & { status: SQLiteColumn },
  statuses: readonly string[],
): void {
  const t = twin(db, table);
  new Gauge({
    name,
    help,
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>(statuses.map((s) => [s, 0]));
      const rows = await orm(db).select({ status: t.status, n: count() }).from(t).groupBy(t.status);
      for (const row of rows) counts.set(String(row.status), row.n);
      for (const [status, n] of counts) this.set({ status }, n);
    },
  });
}

export function createMetrics(options: MetricsOptions): Metrics {
  const { db, clock, env } = options;
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'groundcrew_' });

  /** A counter, and a histogram (in seconds), in this registry. */
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
  const httpRequests = counter('groundcrew_http_requests_total', 'HTTP requests answered, by route and status code', [
    'route',
    'status',
  ]);
  const ackSeconds = histogram(
    'groundcrew_slack_ack_seconds',
    'Time from a Slack request arriving to its ack being sent, by kind',
    ['kind'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, ACK_DEADLINE_SECONDS, 5, 10],
  );
  const acks = counter('groundcrew_slack_acks_total', 'Slack requests answered (or dropped), by kind', ['kind']);
  const lateAcks = counter(
    'groundcrew_slack_acks_failed_total',
    `Slack requests not acked in time: later than ${ACK_DEADLINE_SECONDS} s, a 5xx, or no answer; by kind`,
    ['kind'],
  );
  const window = new AckWindow(clock);
  new Gauge({
    name: 'groundcrew_slack_acks_failed_ratio_1h',
    help: 'Share of Slack requests not acked in time over the last hour (Slack disables events at about 0.05)',
    registers: [registry],
    collect() {
      this.set(window.share());
    },
  });
  const apiCalls = counter(
    'groundcrew_slack_api_calls_total',
    'Slack Web API HTTP attempts (and response URL posts), by method and outcome',
    ['method', 'outcome'],
  );
  const jobRuns = counter('groundcrew_job_runs_total', 'Scheduled job runs, by job and outcome (ok, failed, skipped)', [
    'job',
    'outcome',
  ]);
  const jobSeconds = histogram(
    'groundcrew_job_run_seconds',
    'Scheduled job run duration, by job and outcome',
    ['job', 'outcome'],
    [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300],
  );
  statusGauge(registry, db, 'groundcrew_deploys', 'Deploys in the database, by status', deploysTable, DEPLOY_STATUSES);
  statusGauge(
    registry,
    db,
    'groundcrew_requests',
    'Requests in the database, by status',
    requestsTable,
    REQUEST_STATUSES,
  );
  statusGauge(
    registry,
    db,
    'groundcrew_approvals',
    'Approvals in the database, by status',
    approvalsTable,
    APPROVAL_STATUSES,
  );

  return {
    registry,
    route: metricsRoute(registry, env.GROUNDCREW_METRICS_TOKEN),
    // globalThis.fetch is looked up per call, as the Web API client does by default (test doubles patch it).
    slackFetch: () => instrumentSlackFetch((input, init) => globalThis.fetch(input, init), env.SLACK_API_URL, apiCalls),
    watchServer(server) {
      watchServer(server, {
        request: (route, status) => httpRequests.inc({ route, status }),
        ack(kind, seconds, late) {
          ackSeconds.observe({ kind }, seconds);
          acks.inc({ kind });
          if (late) lateAcks.inc({ kind });
          window.record(late);
        },
      });
    },
    jobRun(job, outcome, seconds) {
      jobRuns.inc({ job, outcome });
      if (outcome !== 'skipped') jobSeconds.observe({ job, outcome }, seconds);
    },
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when the header carries the token; compares digests so the time taken says nothing about the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(token)) && match !== null;
}

function metricsRoute(registry: Registry, token: string | undefined): CustomRoute {
  return {
    path: METRICS_PATH,
    method: ['GET', 'HEAD'],
    handler: async (req, res) => {
      if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' });
        res.end('a bearer token is required\n');
        return;
      }
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
  };
}
