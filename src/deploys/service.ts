import type { AuditService } from '../audit/service.js';
import { type Clock, formatDuration, MINUTE } from '../clock.js';
import { conflict, forbidden, invalidInput, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PeopleService } from '../people/service.js';
import type { DeploysConfig, ServiceConfig } from './config.js';
import { type DeployJob, type Executor, ExecutorError } from './executors.js';
import type { Guardrails } from './guardrails.js';
import {
  ACTIVE_STATUSES,
  type DeployStatus,
  deployMetrics,
  nextPollDelayMs,
  type PreflightResult,
  preflight,
  rollbackTarget,
} from './model.js';
import type { Approval, DeployApprovals, DeployNotifier } from './ports.js';
import type { DeployPatch, DeploysRepo } from './repo.js';
import type { DeployRow } from './schema.js';

export interface DeployServiceDeps {
  config: DeploysConfig;
  repo: DeploysRepo;
  guardrails: Guardrails;
  clock: Clock;
  people: PeopleService;
  audit: Pick<AuditService, 'record'>;
  approvals: DeployApprovals;
  executor(name: string): Executor | null;
  notifier: DeployNotifier;
  logger: Logger;
  /** Running deploys with no word for this long are failed; requested/approved ones after STUCK_START_MS. */
  runTimeoutMs: number;
}

export interface DeployInput {
  service: string;
  environment: string;
  ref: string;
  reason?: string | undefined;
  /** Ask to deploy through a freeze (needs permission and a reason). */
  breakGlass?: boolean;
  rollbackOf?: number;
}

export interface WebhookReport {
  status: 'queued' | 'in_progress' | 'succeeded' | 'failed';
  url?: string | undefined;
  message?: string | undefined;
}

/** A deploy requested or approved but never started (e.g. groundcrew stopped mid-way) fails after this. */
export const STUCK_START_MS = 15 * MINUTE;
const MAX_POLL_ERRORS = 10;

export function createDeployService(deps: DeployServiceDeps) {
  const { config, repo, guardrails, clock, people, audit, approvals, notifier, logger } = deps;
  const target = (id: number) => `deploy:${id}`;

  async function safely(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      logger.error(`deploys: ${what} failed:`, error);
    }
  }

  async function show(deploy: DeployRow): Promise<DeployRow> {
    let current = deploy;
    await safely(`status message of #${deploy.id}`, async () => {
      const where = await notifier.showStatus(deploy);
      if (!deploy.messageTs)
        current = repo.update(deploy.id, { channel: where.channel, messageTs: where.ts }) ?? deploy;
    });
    await safely('home refresh', () => notifier.homeChanged([deploy.requestedBy]));
    return current;
  }

  const note = (deploy: DeployRow, text: string) =>
    safely(`thread note on #${deploy.id}`, () => notifier.threadNote(deploy, text));

  async function mayDeploy(userId: string, service: ServiceConfig): Promise<boolean> {
    const owners = service.owners;
    if (owners.users.length === 0 && owners.usergroups.length === 0) return true;
    return (await people.isIn(userId, owners)) || (await people.hasRole(userId, 'admin'));
  }

  async function mayBreakGlass(userId: string): Promise<boolean> {
    return (await people.hasRole(userId, 'admin')) || (await people.isIn(userId, config.breakGlass));
  }

  async function check(
    userId: string,
    input: DeployInput & { breakGlassReason?: string | undefined },
  ): Promise<PreflightResult> {
    const now = clock.now();
    const service = config.services.find((s) => s.name === input.service);
    return preflight({
      config,
      userId,
      service: input.service,
      environment: input.environment,
      ref: input.ref,
      isOwner: service ? await mayDeploy(userId, service) : true,
      mayBreakGlass: await mayBreakGlass(userId),
      ...(input.breakGlass ? { breakGlass: { reason: input.breakGlassReason ?? input.reason } } : {}),
      freeze: guardrails.freezeStatus(input.environment, now),
      locks: guardrails.activeLocks(now),
      activeDeploys: repo.active(),
      zone: guardrails.zone,
      now,
    });
  }

  function job(deploy: DeployRow): DeployJob {
    const { id, service, environment, ref, requestedBy, reason } = deploy;
    return { id, service, environment, ref, requestedBy, reason };
  }

  function summary(deploy: DeployRow): string {
    return `#${deploy.id} ${deploy.service} → ${deploy.environment} (\`${deploy.ref}\`)`;
  }

  /** Moves a deploy to a final status, once: status message, thread, requester DM, audit. */
  async function finish(deploy: DeployRow, to: DeployStatus, detail: string, by?: string): Promise<DeployRow | null> {
    const now = clock.now();
    const row = repo.transition(deploy.id, deploy.status, {
      status: to,
      finishedAt: now,
      updatedAt: now,
      detail,
      nextPollAt: null,
      ...(by ? { finishedBy: by } : {}),
    });
    if (!row) return null;
    audit.record({
      actor: by ?? 'system',
      action: `deploys.${to}`,
      target: target(row.id),
      inputs: { service: row.service, environment: row.environment, ref: row.ref },
      outcome: to === 'failed' ? 'failed' : 'ok',
      detail,
    });
    const shown = await show(row);
    await note(shown, `${to === 'succeeded' ? ':large_green_circle:' : ':information_source:'} ${detail}`);
    const took = row.startedAt ? ` in ${formatDuration(now.getTime() - row.startedAt.getTime())}` : '';
    const link = row.runUrl ? ` <${row.runUrl}|Run>` : '';
    await safely('requester DM', () =>
      notifier.dm(
        row.requestedBy,
        `Your deploy ${summary(row)} ${to === 'succeeded' ? `succeeded${took}` : `${to}: ${detail}`}.${link}`,
      ),
    );
    return shown;
  }

  async function transition(deploy: DeployRow, to: DeployStatus, patch: DeployPatch = {}): Promise<DeployRow | null> {
    const row = repo.transition(deploy.id, deploy.status, { ...patch, status: to, updatedAt: clock.now() });
    return row ? show(row) : null;
  }

  /** approved → running (or failed/cancelled). Guardrails are checked again: a freeze may have begun meanwhile. */
  async function startRun(deploy: DeployRow): Promise<DeployRow> {
    const now = clock.now();
    const freeze = deploy.breakGlassReason ? null : guardrails.freezeStatus(deploy.environment, now);
    const lock = guardrails
      .activeLocks(now)
      .find(
        (l) =>
          l.environment === deploy.environment &&
          l.holder !== deploy.requestedBy &&
          (l.service === null || l.service === deploy.service),
      );
    if (freeze || lock) {
      const why = freeze
        ? `${deploy.environment} froze before it could start (${freeze.freeze.reason})`
        : `${deploy.environment} was locked by <@${lock!.holder}> before it could start ("${lock!.reason}")`;
      return (await finish(deploy, 'cancelled', why)) ?? deploy;
    }
    const executor = deps.executor(deploy.executor);
    if (!executor)
      return (await finish(deploy, 'failed', `executor "${deploy.executor}" is no longer configured`)) ?? deploy;
    try {
      const started = await executor.start(job(deploy));
      const running = await transition(deploy, 'running', {
        startedAt: clock.now(),
        runId: started.runId,
        runUrl: started.runUrl,
        nextPollAt: started.runId ? new Date(clock.now().getTime() + nextPollDelayMs(0)) : null,
        pollAttempts: 0,
        detail: null,
      });
      if (!running) return repo.get(deploy.id) ?? deploy;
      audit.record({ actor: 'system', action: 'deploys.start', target: target(deploy.id), detail: started.detail });
      await note(running, `:rocket: ${started.detail}`);
      return running;
    } catch (error) {
      if (!(error instanceof ExecutorError)) logger.error(`deploys: starting #${deploy.id} failed:`, error);
      const message = error instanceof Error ? error.message : String(error);
      return (await finish(deploy, 'failed', `could not start: ${message}`)) ?? deploy;
    }
  }

  async function request(
    userId: string,
    input: DeployInput,
  ): Promise<{ deploy: DeployRow; preflight: PreflightResult }> {
    const result = await check(userId, input);
    if (!result.ok) {
      audit.record({
        actor: userId,
        action: 'deploys.request',
        inputs: { ...input },
        outcome: 'denied',
        detail: result.problems.map((p) => p.message).join(' '),
      });
      const fields: Record<string, string> = {};
      for (const p of result.problems) fields[p.field] ??= p.message;
      throw invalidInput(result.problems.map((p) => p.message).join('\n'), fields);
    }
    const now = clock.now();
    let deploy = repo.insert({
      service: input.service,
      environment: input.environment,
      ref: input.ref,
      reason: input.reason ?? null,
      requestedBy: userId,
      status: 'requested',
      executor: result.serviceConfig!.executor,
      breakGlassReason: result.breaksGlass ? (input.reason ?? null) : null,
      rollbackOf: input.rollbackOf ?? null,
      requestedAt: now,
      updatedAt: now,
    });
    audit.record({ actor: userId, action: 'deploys.request', target: target(deploy.id), inputs: { ...input } });
    if (result.breaksGlass) {
      const freeze = guardrails.freezeStatus(input.environment, now);
      audit.record({
        actor: userId,
        action: 'deploys.break-glass',
        target: target(deploy.id),
        inputs: { environment: input.environment, freeze: freeze?.freeze.reason },
        detail: input.reason,
      });
      await safely('break-glass announcement', () =>
        notifier.announce(
          `:rotating_light: <@${userId}> broke glass: deploying ${summary(deploy)} through the freeze (${freeze?.freeze.reason ?? 'freeze'}). Reason: ${input.reason}`,
        ),
      );
    }
    deploy = await show(deploy);
    const env = result.environmentConfig!;
    if (env.approvals.count > 0) {
      try {
        const approval = await approvals.request({
          subjectType: 'deploy',
          subjectId: String(deploy.id),
          requester: userId,
          policy: { count: env.approvals.count, approvers: env.approvals.approvers, ttlMs: env.approvalTtl },
        });
        const waiting = await transition(deploy, 'awaiting_approval', { approvalId: approval.id });
        return { deploy: waiting ?? deploy, preflight: result };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return {
          deploy: (await finish(deploy, 'failed', `could not ask for approval: ${message}`)) ?? deploy,
          preflight: result,
        };
      }
    }
    const approved = await transition(deploy, 'approved', { approvedBy: [] });
    return { deploy: approved ? await startRun(approved) : deploy, preflight: result };
  }

  function forApproval(approval: Approval): DeployRow | null {
    const deploy = repo.get(Number(approval.subjectId));
    if (deploy?.status !== 'awaiting_approval') {
      logger.warn(
        `deploys: approval ${approval.id} resolved for deploy ${approval.subjectId}, which is not awaiting approval`,
      );
      return null;
    }
    return deploy;
  }

  async function isAdmin(userId: string) {
    return people.hasRole(userId, 'admin');
  }

  return {
    check,
    request,
    async deployableFor(userId: string): Promise<ServiceConfig[]> {
      const out: ServiceConfig[] = [];
      for (const service of config.services) if (await mayDeploy(userId, service)) out.push(service);
      return out;
    },
    mayBreakGlass,
    async onApproved(approval: Approval) {
      const deploy = forApproval(approval);
      if (!deploy) return;
      const approvedBy = approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.userId);
      const approved = await transition(deploy, 'approved', { approvedBy });
      if (approved) await startRun(approved);
    },
    async onRejected(approval: Approval) {
      const deploy = forApproval(approval);
      if (!deploy) return;
      const last = approval.decisions.at(-1);
      await finish(
        deploy,
        'rejected',
        `rejected by <@${last?.userId ?? '?'}>: ${last?.reason ?? 'no reason given'}`,
        last?.userId,
      );
    },
    async onExpired(approval: Approval) {
      const deploy = forApproval(approval);
      if (!deploy) return;
      const ttl = config.environments.find((e) => e.name === deploy.environment)?.approvalTtl;
      await finish(deploy, 'expired', `no approval within ${ttl ? formatDuration(ttl) : 'the time allowed'}`);
    },
    async cancel(deployId: number, userId: string): Promise<DeployRow> {
      const deploy = repo.get(deployId);
      if (!deploy) throw notFound(`There is no deploy #${deployId}.`);
      if (deploy.requestedBy !== userId && !(await isAdmin(userId))) {
        throw forbidden(`Only <@${deploy.requestedBy}> (who asked for it) or an admin can cancel deploy #${deployId}.`);
      }
      if (!ACTIVE_STATUSES.includes(deploy.status)) throw conflict(`Deploy #${deployId} is already ${deploy.status}.`);
      let detail = `cancelled by <@${userId}>`;
      if (deploy.status === 'awaiting_approval' && deploy.approvalId !== null) {
        await approvals
          .cancel(deploy.approvalId, userId)
          .catch((error: unknown) => logger.warn('deploys: cancelling approval:', error));
      }
      if (deploy.status === 'running') {
        const executor = deps.executor(deploy.executor);
        if (deploy.runId && executor?.cancel) {
          try {
            await executor.cancel(deploy.runId);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            await note(deploy, `:warning: <@${userId}> asked to cancel, but ${message}`);
            throw conflict(`Deploy #${deployId} is still running: ${message}`);
          }
        } else {
          detail += '; the deploy system was not asked to stop (no cancel for this executor)';
        }
      }
      const done = await finish(deploy, 'cancelled', detail, userId);
      if (!done) throw conflict(`Deploy #${deployId} changed meanwhile; it is now ${repo.get(deployId)?.status}.`);
      return done;
    },
    /** Redeploys the last good ref before `deployId` (or before the latest success of service/env). */
    async rollback(userId: string, from: { deployId: number } | { service: string; environment: string }) {
      let current: DeployRow | null;
      if ('deployId' in from) {
        current = repo.get(from.deployId);
        if (!current) throw notFound(`There is no deploy #${from.deployId}.`);
        if (current.status !== 'succeeded')
          throw conflict(`Deploy #${current.id} is ${current.status}; only a succeeded deploy can be rolled back.`);
      } else {
        current = repo.history(from, 200).find((d) => d.status === 'succeeded') ?? null;
        if (!current)
          throw notFound(`Nothing has been deployed successfully for ${from.service} in ${from.environment} yet.`);
      }
      const history = repo.history({ service: current.service, environment: current.environment }, 200);
      const previous = rollbackTarget(history, current);
      if (!previous) {
        throw notFound(
          `There is no earlier successful ref of ${current.service} in ${current.environment} to roll back to.`,
        );
      }
      return request(userId, {
        service: current.service,
        environment: current.environment,
        ref: previous.ref,
        reason: `roll back #${current.id} (${current.ref}) to ${previous.ref} from #${previous.id}`,
        rollbackOf: current.id,
      });
    },
    /** Follows GitHub runs that are due a poll (bounded back-off per deploy). */
    async pollRuns(now: Date): Promise<void> {
      for (const deploy of repo.duePolls(now)) {
        const executor = deps.executor(deploy.executor);
        if (!executor?.poll || !deploy.runId) continue;
        try {
          const state = await executor.poll(deploy.runId);
          if (state.done) {
            const fresh =
              state.runUrl && !deploy.runUrl ? (repo.update(deploy.id, { runUrl: state.runUrl }) ?? deploy) : deploy;
            await finish(fresh, state.outcome, state.detail);
            continue;
          }
          const attempts = deploy.pollAttempts + 1;
          if (deploy.startedAt && now.getTime() - deploy.startedAt.getTime() > deps.runTimeoutMs) {
            await finish(
              deploy,
              'failed',
              `the GitHub run did not complete within ${formatDuration(deps.runTimeoutMs)}`,
            );
            continue;
          }
          const updated = repo.update(deploy.id, {
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
            await finish(deploy, 'failed', `lost track of the GitHub run after ${errors} failed checks: ${message}`);
            continue;
          }
          repo.update(deploy.id, {
            pollErrors: errors,
            pollAttempts: deploy.pollAttempts + 1,
            nextPollAt: new Date(now.getTime() + nextPollDelayMs(deploy.pollAttempts + 1)),
          });
          if (errors === 1) await note(deploy, `:warning: Checking the GitHub run failed (will retry): ${message}`);
        }
      }
    },
    /** Nothing stays in flight forever: stuck starts and silent runs are failed with a reason. */
    async sweepStale(now: Date): Promise<void> {
      for (const deploy of repo.withStatus(['requested', 'approved'])) {
        if (now.getTime() - deploy.updatedAt.getTime() < STUCK_START_MS) continue;
        await finish(deploy, 'failed', 'it never started (groundcrew stopped while starting it); request it again');
      }
      for (const deploy of repo.withStatus(['running'])) {
        if (deploy.runId) continue;
        if (now.getTime() - deploy.updatedAt.getTime() < deps.runTimeoutMs) continue;
        await finish(
          deploy,
          'failed',
          `no word from the executor for ${formatDuration(now.getTime() - deploy.updatedAt.getTime())} and no run to follow`,
        );
      }
    },
    /** A signed report from a webhook executor. Returns null when the deploy does not exist. */
    async webhookReport(deployId: number, report: WebhookReport): Promise<DeployRow | null> {
      const deploy = repo.get(deployId);
      if (!deploy) return null;
      if (deploy.status !== 'running') throw conflict(`deploy #${deployId} is ${deploy.status}, not running`);
      audit.record({
        actor: `webhook:${deploy.executor}`,
        action: 'deploys.report',
        target: target(deployId),
        inputs: { ...report },
      });
      const url = report.url ?? deploy.runUrl;
      const current = url !== deploy.runUrl ? (repo.update(deployId, { runUrl: url }) ?? deploy) : deploy;
      if (report.status === 'succeeded' || report.status === 'failed') {
        return finish(current, report.status, report.message ?? `the deploy system reported ${report.status}`);
      }
      const touched = repo.update(deployId, { updatedAt: clock.now() }) ?? current;
      await show(touched);
      await note(
        touched,
        `:arrows_counterclockwise: ${report.status.replace('_', ' ')}${report.message ? `: ${report.message}` : ''}`,
      );
      return touched;
    },
    get: (id: number) => repo.get(id),
    history: (filter: { service?: string; environment?: string; requestedBy?: string }, limit: number) =>
      repo.history(filter, limit),
    metrics(service: string, environment: string, now: Date) {
      const rows = repo.history({ service, environment }, 1000);
      const rolledBack = new Set(
        rows.filter((r) => r.rollbackOf !== null && r.status === 'succeeded').map((r) => r.rollbackOf),
      );
      return deployMetrics(
        rows.map((r) => ({
          status: r.status,
          requestedAt: r.requestedAt,
          finishedAt: r.finishedAt,
          rolledBack: rolledBack.has(r.id),
        })),
        now,
      );
    },
  };
}

export type DeployService = ReturnType<typeof createDeployService>;
