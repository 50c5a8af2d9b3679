import type { AuditLog } from '../audit/repo.js';
import { type Clock, formatDuration } from '../clock.js';
import type { Leases } from '../db/leases.js';
import type { Logger } from '../logger.js';
import { createSafely } from '../logger.js';
import { link, type Mrkdwn, mention, mrkdwn, trusted } from '../mrkdwn.js';
import { type DeployJob, type Executor, ExecutorError, type StartedRun } from './executors.js';
import type { Guardrails } from './guardrails.js';
import { type DeployStatus, nextPollDelayMs } from './model.js';
import type { DeployNotifier } from './ports.js';
import type { DeployPatch, DeploysRepo } from './repo.js';
import type { DeployRow } from './schema.js';

export interface LifecycleDeps {
  repo: DeploysRepo;
  guardrails: Guardrails;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  executor(name: string): Executor | null;
  notifier: DeployNotifier;
  logger: Logger;
  /** The lease on a deploy's first status message while it is posted, so no replica posts a second one. */
  leases: Pick<Leases, 'acquire'>;
  /** Told the requester of each deploy that succeeded (the surveys' micro-pulse, when configured). */
  afterSucceeded?: ((userId: string) => Promise<void>) | undefined;
}

/** How long a hold on posting a deploy's first status message lasts without renewal (renewed while it posts). */
export const STATUS_LEASE_TTL_MS = 15_000;

export const statusLeaseKey = (deployId: number) => `deploy-status:${deployId}`;

export const deployTarget = (id: number) => `deploy:${id}`;

/**
 * The moves every deploy makes, shared by the request use-cases and the run follower: compare-and-set status
 * changes, the living status message, thread notes, the requester's DM at the end, and starting the executor.
 */
/** Statuses a deploy passes through on its way to the next step in the same call. */
const PASSING: ReadonlySet<DeployStatus> = new Set(['requested', 'approved', 'starting']);

export function createLifecycle(deps: LifecycleDeps) {
  const { repo, guardrails, clock, audit, notifier, logger } = deps;
  const target = deployTarget;

  const safely = createSafely(logger, 'deploys', 'error');

  /**
   * Shows the deploy's status: edits its message, or posts the first one. The first one is posted under the lease
   * `deploy-status:<id>`: whoever holds it (this call, another call, another replica's sweep) posts it, stores where,
   * and then brings it up to date with whatever status the deploy reached meanwhile.
   */
  async function show(deploy: DeployRow): Promise<DeployRow> {
    if (deploy.messageTs) return showOn(deploy, false);
    const lease = await deps.leases.acquire(statusLeaseKey(deploy.id), STATUS_LEASE_TTL_MS);
    if (!lease) return deploy; // being posted right now; its poster shows the latest status
    try {
      // Read again under the lease: the one who held it before may have posted it meanwhile.
      const fresh = (await repo.get(deploy.id)) ?? deploy;
      return await showOn(fresh, !fresh.messageTs);
    } finally {
      await lease.release();
    }
  }

  async function showOn(deploy: DeployRow, first: boolean): Promise<DeployRow> {
    let current = deploy;
    await safely(`status message of #${deploy.id}`, async () => {
      const where = await notifier.showStatus(deploy);
      if (!first) return;
      current = (await repo.update(deploy.id, { channel: where.channel, messageTs: where.ts })) ?? deploy;
      // A show() that found the first message being posted left its status to us.
      if (current.status !== deploy.status || current.detail !== deploy.detail) await notifier.showStatus(current);
    });
    // `requested` and `approved` last only until the next step (approval asked, executor started), which refreshes
    // the requester's Home itself: no Home publish before the dispatch.
    if (!PASSING.has(deploy.status)) await safely('home refresh', () => notifier.homeChanged([deploy.requestedBy]));
    return current;
  }

  const note = (deploy: DeployRow, text: Mrkdwn) =>
    safely(`thread note on #${deploy.id}`, () => notifier.threadNote(deploy, text));

  function job(deploy: DeployRow): DeployJob {
    const { id, nonce, service, environment, ref, requestedBy, reason } = deploy;
    return { id, nonce, service, environment, ref, requestedBy, reason };
  }

  function summary(deploy: DeployRow): Mrkdwn {
    return mrkdwn`#${deploy.id} ${deploy.service} → ${deploy.environment} (\`${deploy.ref}\`)`;
  }

  /** Moves a deploy to a final status, once: status message, thread, requester DM, audit. */
  /** `detail` is stored and shown as mrkdwn (the status message, the thread, the DM). */
  async function finish(deploy: DeployRow, to: DeployStatus, detail: Mrkdwn, by?: string): Promise<DeployRow | null> {
    const now = clock.now();
    const row = await repo.transition(deploy.id, deploy.status, {
      status: to,
      finishedAt: now,
      updatedAt: now,
      detail,
      nextPollAt: null,
      ...(by ? { finishedBy: by } : {}),
    });
    if (!row) return null;
    await audit.record({
      actor: by ?? 'system',
      action: `deploys.${to}`,
      target: target(row.id),
      inputs: { service: row.service, environment: row.environment, ref: row.ref },
      outcome: to === 'failed' ? 'failed' : 'ok',
      detail,
    });
    const shown = await show(row);
    await note(
      shown,
      mrkdwn`${to === 'succeeded' ? ':large_green_circle:' : ':information_source:'} ${trusted(detail)}`,
    );
    const took = row.startedAt ? ` in ${formatDuration(now.getTime() - row.startedAt.getTime())}` : '';
    const run = row.runUrl ? mrkdwn` ${link(row.runUrl, 'Run')}` : mrkdwn``;
    const outcome = to === 'succeeded' ? mrkdwn`succeeded${took}` : mrkdwn`${to}: ${trusted(detail)}`;
    await safely('requester DM', () =>
      notifier.dm(row.requestedBy, mrkdwn`Your deploy ${trusted(summary(row))} ${trusted(outcome)}.${trusted(run)}`),
    );
    const afterSucceeded = deps.afterSucceeded;
    if (to === 'succeeded' && afterSucceeded) await safely('micro-pulse', () => afterSucceeded(row.requestedBy));
    return shown;
  }

  async function transition(deploy: DeployRow, to: DeployStatus, patch: DeployPatch = {}): Promise<DeployRow | null> {
    const row = await move(deploy, to, patch);
    return row ? show(row) : null;
  }

  /** A status change in the database only (compare-and-set), no Slack: for steps that lead straight to a dispatch. */
  function move(deploy: DeployRow, to: DeployStatus, patch: DeployPatch = {}): Promise<DeployRow | null> {
    return repo.transition(deploy.id, deploy.status, { ...patch, status: to, updatedAt: clock.now() });
  }

  /** approved → running (or failed/cancelled). Guardrails are checked again: a freeze may have begun meanwhile. */
  async function startRun(deploy: DeployRow): Promise<DeployRow> {
    const now = clock.now();
    const freeze = deploy.breakGlassReason ? null : await guardrails.freezeStatus(deploy.environment, now);
    const lock = (await guardrails.activeLocks(now)).find(
      (l) =>
        l.environment === deploy.environment &&
        l.holder !== deploy.requestedBy &&
        (l.service === null || l.service === deploy.service),
    );
    if (freeze || lock) {
      const why = freeze
        ? mrkdwn`${deploy.environment} froze before it could start (${freeze.freeze.reason})`
        : mrkdwn`${deploy.environment} was locked by ${mention(lock!.holder)} before it could start ("${lock!.reason}")`;
      return (await finish(deploy, 'cancelled', why)) ?? deploy;
    }
    const executor = deps.executor(deploy.executor);
    if (!executor)
      return (await finish(deploy, 'failed', mrkdwn`executor "${deploy.executor}" is no longer configured`)) ?? deploy;
    // The claim: approved → starting in one compare-and-set. Only the caller that moved it dispatches; the
    // stuck-start sweep uses the same compare-and-set, so exactly one of them wins. No Slack call before the dispatch.
    const claimed = await move(deploy, 'starting', { dispatchStartedAt: now });
    if (!claimed) return (await repo.get(deploy.id)) ?? deploy;
    let started: StartedRun;
    try {
      started = await executor.start(job(claimed));
    } catch (error) {
      if (!(error instanceof ExecutorError)) logger.error(`deploys: starting #${deploy.id} failed:`, error);
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ExecutorError && error.uncertain) return unanswered(claimed, message);
      return (
        (await finish(claimed, 'failed', mrkdwn`could not start: ${message}`)) ?? (await repo.get(deploy.id)) ?? claimed
      );
    }
    return begun(claimed, started);
  }

  /**
   * The dispatch got no answer: it may have started a run all the same. The deploy stays `starting`; the sweep
   * looks for its run (GitHub) or the executor's report is accepted (webhook), and only then is it failed.
   */
  async function unanswered(deploy: DeployRow, message: string): Promise<DeployRow> {
    const detail = mrkdwn`${message}; the run may have started all the same, so groundcrew is looking for it`;
    const row = await repo.transition(deploy.id, 'starting', { detail, updatedAt: clock.now() });
    if (!row) return (await repo.get(deploy.id)) ?? deploy;
    await audit.record({ actor: 'system', action: 'deploys.dispatch-unanswered', target: target(deploy.id), detail });
    const shown = await show(row);
    await note(shown, mrkdwn`:hourglass_flowing_sand: ${trusted(detail)}.`);
    return shown;
  }

  /** starting → running once the executor accepted the dispatch (or its run was found); then people hear of it. */
  async function begun(deploy: DeployRow, started: StartedRun): Promise<DeployRow> {
    const now = clock.now();
    const running = await move(deploy, 'running', {
      startedAt: now,
      runId: started.runId,
      runUrl: started.runUrl,
      nextPollAt: started.runId ? new Date(now.getTime() + nextPollDelayMs(0)) : null,
      pollAttempts: 0,
      detail: null,
    });
    if (!running) {
      // Moved meanwhile (the executor already reported, or a cancel): its status message comes from that move.
      return (await repo.get(deploy.id)) ?? deploy;
    }
    await audit.record({ actor: 'system', action: 'deploys.start', target: target(deploy.id), detail: started.detail });
    const shown = await show(running);
    await note(shown, mrkdwn`:rocket: ${started.detail}`);
    return shown;
  }

  return { safely, show, note, summary, finish, transition, move, startRun, begun, job };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
