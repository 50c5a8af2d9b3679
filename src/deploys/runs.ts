import type { AuditLog } from '../audit/repo.js';
import { type Clock, formatDuration, MINUTE } from '../clock.js';
import { conflict } from '../errors.js';
import { mrkdwn, trusted } from '../mrkdwn.js';
import type { Executor } from './executors.js';
import { deployTarget, type Lifecycle } from './lifecycle.js';
import { nextPollDelayMs } from './model.js';
import type { DeploysRepo } from './repo.js';
import type { DeployRow } from './schema.js';

export interface WebhookReport {
  status: 'queued' | 'in_progress' | 'succeeded' | 'failed';
  url?: string | undefined;
  message?: string | undefined;
}

export interface RunFollowerDeps {
  repo: DeploysRepo;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  executor(name: string): Executor | null;
  /** Running deploys with no result for this long are failed. */
  runTimeoutMs: number;
}

/** A deploy requested or approved but never started (e.g. groundcrew stopped mid-way) fails after this. */
export const STUCK_START_MS = 15 * MINUTE;
/** A GitHub dispatch with no answer whose run has not appeared in the workflow's runs after this is failed. */
export const DISPATCH_LOOKUP_MS = 5 * MINUTE;
const MAX_POLL_ERRORS = 10;

/** Following runs after they started: GitHub polling, webhook reports, and failing what went silent. */
export function createRunFollower(deps: RunFollowerDeps, life: Lifecycle) {
  const { repo, clock, audit } = deps;
  const { finish, show, note, begun, job } = life;

  /**
   * A deploy left `starting` (a dispatch with no answer, or groundcrew stopped mid-dispatch): found in GitHub's runs
   * → followed; not found after DISPATCH_LOOKUP_MS → failed. A webhook executor cannot be asked: its report is
   * accepted while starting, and silence for the run timeout fails it.
   */
  async function reconcile(deploy: DeployRow, now: Date): Promise<void> {
    const since = deploy.dispatchStartedAt ?? deploy.updatedAt;
    const waited = now.getTime() - since.getTime();
    const executor = deps.executor(deploy.executor);
    if (executor?.runsSince) {
      try {
        const runs = await executor.runsSince(job(deploy), since);
        let run: (typeof runs)[number] | undefined;
        for (const candidate of runs) {
          if (candidate.runId !== null && !(await repo.runTaken(deploy.executor, candidate.runId))) {
            run = candidate;
            break;
          }
        }
        if (run) {
          await begun(deploy, run);
          return;
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (waited < deps.runTimeoutMs) {
          await repo.update(deploy.id, { detail: mrkdwn`looking for its run failed (will retry): ${message}` });
          return;
        }
      }
      if (waited < DISPATCH_LOOKUP_MS) return;
      await finish(
        deploy,
        'failed',
        mrkdwn`the dispatch got no answer and no run of ${executor.describe ?? deploy.executor} appeared within ${formatDuration(waited)}; request it again`,
      );
      return;
    }
    if (waited < deps.runTimeoutMs) return;
    await finish(deploy, 'failed', mrkdwn`no word from the executor for ${formatDuration(waited)} since the dispatch`);
  }
  const target = deployTarget;

  return {
    /** Follows GitHub runs that are due a poll (bounded back-off per deploy). */
    async pollRuns(now: Date): Promise<void> {
      for (const deploy of await repo.duePolls(now)) {
        const executor = deps.executor(deploy.executor);
        if (!executor?.poll || !deploy.runId) continue;
        try {
          const state = await executor.poll(deploy.runId);
          if (state.done) {
            const fresh =
              state.runUrl && !deploy.runUrl
                ? ((await repo.update(deploy.id, { runUrl: state.runUrl })) ?? deploy)
                : deploy;
            await finish(fresh, state.outcome, mrkdwn`${state.detail}`);
            continue;
          }
          const attempts = deploy.pollAttempts + 1;
          if (deploy.startedAt && now.getTime() - deploy.startedAt.getTime() > deps.runTimeoutMs) {
            await finish(
              deploy,
              'failed',
              mrkdwn`the GitHub run did not complete within ${formatDuration(deps.runTimeoutMs)}`,
            );
            continue;
          }
          const updated = await repo.update(deploy.id, {
            pollAttempts: attempts,
            pollErrors: 0,
            nextPollAt: new Date(now.getTime() + nextPollDelayMs(attempts)),
            ...(state.runUrl && state.runUrl !== deploy.runUrl ? { runUrl: state.runUrl } : {}),
          });
          if (updated && updated.runUrl !== deploy.runUrl) await show(updated);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const errors = deploy.pollErrors + 1;
          if (errors >= MAX_POLL_ERRORS) {
            await finish(
              deploy,
              'failed',
              mrkdwn`lost track of the GitHub run after ${errors} failed checks: ${message}`,
            );
            continue;
          }
          await repo.update(deploy.id, {
            pollErrors: errors,
            pollAttempts: deploy.pollAttempts + 1,
            nextPollAt: new Date(now.getTime() + nextPollDelayMs(deploy.pollAttempts + 1)),
          });
          if (errors === 1)
            await note(deploy, mrkdwn`:warning: Checking the GitHub run failed (will retry): ${message}`);
        }
      }
    },
    /** Nothing stays in flight forever: stuck starts and silent runs are failed with a reason. */
    async sweepStale(now: Date): Promise<void> {
      for (const deploy of await repo.withStatus(['starting'])) await reconcile(deploy, now);
      // A deploy in flight with no status message (groundcrew stopped, or Slack failed, before it was stored): post it.
      for (const deploy of await repo.withStatus(['awaiting_approval', 'running'])) {
        if (!deploy.messageTs) await show(deploy); // unless another call or replica is posting it right now
      }
      for (const deploy of await repo.withStatus(['requested', 'approved'])) {
        if (now.getTime() - deploy.updatedAt.getTime() < STUCK_START_MS) continue;
        await finish(
          deploy,
          'failed',
          mrkdwn`it never started (groundcrew stopped while starting it); request it again`,
        );
      }
      for (const deploy of await repo.withStatus(['running'])) {
        // A run with an ID is followed by pollRuns, unless its executor can no longer poll (config changed).
        if (deploy.runId && deps.executor(deploy.executor)?.poll) continue;
        if (now.getTime() - deploy.updatedAt.getTime() < deps.runTimeoutMs) continue;
        await finish(
          deploy,
          'failed',
          mrkdwn`no word from the executor for ${formatDuration(now.getTime() - deploy.updatedAt.getTime())} and no run to follow${deploy.runId ? ` (executor "${deploy.executor}" cannot follow run ${deploy.runId} any more)` : ''}`,
        );
      }
    },
    /** A signed report from a webhook executor. Returns null when the deploy does not exist. */
    async webhookReport(deployId: number, report: WebhookReport): Promise<DeployRow | null> {
      const deploy = await repo.get(deployId);
      if (!deploy) return null;
      // `starting`: the dispatch got no answer (or groundcrew stopped mid-dispatch) but the deploy system ran it.
      if (deploy.status !== 'running' && deploy.status !== 'starting') {
        throw conflict(`deploy #${deployId} is ${deploy.status}, not running`);
      }
      await audit.record({
        actor: `webhook:${deploy.executor}`,
        action: 'deploys.report',
        target: target(deployId),
        inputs: { ...report },
      });
      const url = report.url ?? deploy.runUrl;
      let current = url !== deploy.runUrl ? ((await repo.update(deployId, { runUrl: url })) ?? deploy) : deploy;
      if (current.status === 'starting' && report.status !== 'succeeded' && report.status !== 'failed') {
        current = await begun(current, {
          runId: null,
          runUrl: url,
          detail: `The deploy system reported: ${report.status.replace('_', ' ')}.`,
        });
        if (current.status !== 'running') return current;
      }
      if (report.status === 'succeeded' || report.status === 'failed') {
        return finish(
          current,
          report.status,
          report.message ? mrkdwn`${report.message}` : mrkdwn`the deploy system reported ${report.status}`,
        );
      }
      // The latest progress line is kept in `detail` (a finish replaces it). The same report again (a replay, a
      // retry) only keeps the deploy alive: the thread and the status message hear of each change once. The new
      // line is stored by a compare-and-set on `detail`, so of reports arriving together one tells people.
      const progress = mrkdwn`${report.status.replace('_', ' ')}${report.message ? `: ${report.message}` : ''}`;
      const changed = await repo.newProgress(deployId, progress, clock.now());
      if (!changed) return (await repo.update(deployId, { updatedAt: clock.now() })) ?? current;
      const touched = changed;
      await show(touched);
      await note(touched, mrkdwn`:arrows_counterclockwise: ${trusted(progress)}`);
      return touched;
    },
  };
}
