import { MINUTE } from '../clock.js';
import type { Leases } from '../db/leases.js';
import { conflict, forbidden, invalidInput, notFound } from '../errors.js';
import { mention, mrkdwn, trusted } from '../mrkdwn.js';
import type { PeopleService } from '../people/service.js';
import type { ServiceDeps } from '../service-deps.js';
import { createApprovalSteps } from './approval-steps.js';
import type { DeploysConfig, ServiceConfig } from './config.js';
import type { Executor } from './executors.js';
import type { Guardrails } from './guardrails.js';
import { createLifecycle, deployTarget } from './lifecycle.js';
import {
  ACTIVE_STATUSES,
  alreadyDeployingMessage,
  checkDeployId,
  deployMetrics,
  type PreflightResult,
  preflight,
  rollbackTarget,
  unknownEnvironmentMessage,
  unknownServiceMessage,
} from './model.js';
import type { DeployApprovals, DeployNotifier } from './ports.js';
import type { DeploysRepo } from './repo.js';
import { createRunFollower } from './runs.js';
import type { DeployRow } from './schema.js';

export interface DeployServiceDeps extends ServiceDeps<DeploysRepo, DeployNotifier> {
  config: DeploysConfig;
  guardrails: Guardrails;
  people: PeopleService;
  approvals: DeployApprovals;
  executor(name: string): Executor | null;
  /** Leases on work other replicas must not repeat (the first status message of a deploy). */
  leases: Pick<Leases, 'acquire'>;
  /** Running deploys with no word for this long are failed; requested/approved ones after STUCK_START_MS. */
  runTimeoutMs: number;
  /** Told the requester of each deploy that succeeded (the surveys' micro-pulse, when configured). */
  afterSucceeded?: ((userId: string) => Promise<void>) | undefined;
}

export interface DeployInput {
  service: string;
  environment: string;
  ref: string;
  reason?: string | undefined;
  /** Ask to deploy through a freeze (needs permission and a reason). */
  breakGlass?: boolean;
  /**
   * The reason for breaking glass when it is not `reason` (a rollback's reason is written by groundcrew). Present but
   * undefined = no reason given, even if `reason` is set.
   */
  breakGlassReason?: string | undefined;
  rollbackOf?: number;
  /** What asked for it (`command:<trigger_id>`): the same request again finds this deploy instead of making one. */
  requestKey?: string | undefined;
}

const glassReasonOf = (input: DeployInput) => ('breakGlassReason' in input ? input.breakGlassReason : input.reason);

export function createDeployService(deps: DeployServiceDeps) {
  const { config, repo, guardrails, clock, people, audit, approvals, notifier, logger } = deps;
  const target = deployTarget;
  const life = createLifecycle(deps);
  const { show, note, summary, finish, move, startRun, safely } = life;
  const runs = createRunFollower(deps, life);
  const steps = createApprovalSteps(deps, life);

  async function mayDeploy(userId: string, service: ServiceConfig): Promise<boolean> {
    const owners = service.owners;
    if (owners.users.length === 0 && owners.usergroups.length === 0) return true;
    return (await people.isIn(userId, owners)) || (await people.hasRole(userId, 'admin'));
  }

  async function mayBreakGlass(userId: string): Promise<boolean> {
    return (await people.hasRole(userId, 'admin')) || (await people.isIn(userId, config.breakGlass));
  }

  async function preflightOf(
    userId: string,
    input: DeployInput,
    surface: 'command' | 'form' = 'command',
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
      ...(input.breakGlass ? { breakGlass: { reason: glassReasonOf(input) } } : {}),
      freeze: await guardrails.freezeStatus(input.environment, now),
      locks: await guardrails.activeLocks(now),
      activeDeploys: await repo.active(),
      zone: guardrails.zone,
      now,
      surface,
    });
  }

  /**
   * The pre-flight, once per attempt. The audit log gets a dry run, or a refused attempt (pre-flight problems);
   * pass the result to request() so the deploy is not checked a second time.
   */
  async function check(
    userId: string,
    input: DeployInput,
    options: { dryRun?: boolean; surface?: 'command' | 'form' } = {},
  ) {
    const result = await preflightOf(userId, input, options.surface);
    if (options.dryRun) {
      await audit.record({
        actor: userId,
        action: 'deploys.dry-run',
        inputs: { ...input },
        detail: result.ok ? 'passes' : 'blocked',
      });
    } else if (!result.ok) {
      await audit.record({
        actor: userId,
        action: 'deploys.request',
        inputs: { ...input },
        outcome: 'denied',
        detail: result.problems.map((p) => p.message).join(' '),
      });
    }
    return result;
  }

  /** Stores and starts a deploy. `checked`: this attempt's check() result (else it is checked here). */
  async function request(
    userId: string,
    input: DeployInput,
    checked?: PreflightResult,
  ): Promise<{ deploy: DeployRow; preflight: PreflightResult }> {
    const result = checked ?? (await check(userId, input));
    if (!result.ok) {
      const fields: Record<string, string> = {};
      for (const p of result.problems) fields[p.field] ??= p.message;
      throw invalidInput(result.problems.map((p) => p.message).join('\n'), fields);
    }
    const now = clock.now();
    const glassReason = glassReasonOf(input);
    const inserted = await repo.insert({
      service: input.service,
      environment: input.environment,
      ref: input.ref,
      reason: input.reason ?? null,
      requestedBy: userId,
      status: 'requested',
      executor: result.serviceConfig!.executor,
      breakGlassReason: result.breaksGlass ? (glassReason ?? null) : null,
      rollbackOf: input.rollbackOf ?? null,
      requestedAt: now,
      updatedAt: now,
      requestKey: input.requestKey ?? null,
    });
    if ('clash' in inserted) {
      const earlier =
        inserted.clash === 'request_key' && input.requestKey ? await repo.byRequestKey(input.requestKey) : null;
      // The same signed request again (a replay): it already made this deploy; nothing more happens.
      if (earlier) return { deploy: earlier, preflight: result };
      // Pre-flight saw the target free, but another deploy of it was stored meanwhile: the database said no.
      const active = await repo.active();
      const running = active.find((d) => d.service === input.service && d.environment === input.environment);
      const message = running
        ? alreadyDeployingMessage(running)
        : `${input.service} is already being deployed to ${input.environment}; wait for it to finish or cancel it.`;
      await audit.record({
        actor: userId,
        action: 'deploys.request',
        inputs: { ...input },
        outcome: 'denied',
        detail: message,
      });
      throw invalidInput(message, { service: message });
    }
    let deploy = inserted.row;
    await audit.record({ actor: userId, action: 'deploys.request', target: target(deploy.id), inputs: { ...input } });
    const announceGlass = async () => {
      if (!result.breaksGlass) return;
      const freeze = await guardrails.freezeStatus(input.environment, now);
      await audit.record({
        actor: userId,
        action: 'deploys.break-glass',
        target: target(deploy.id),
        inputs: { environment: input.environment, freeze: freeze?.freeze.reason },
        detail: glassReason,
      });
      await safely('break-glass announcement', () =>
        notifier.announce(
          mrkdwn`:rotating_light: ${mention(userId)} broke glass: deploying ${trusted(summary(deploy))} through the freeze (${freeze?.freeze.reason ?? 'freeze'}). Reason: ${glassReason ?? ''}`,
        ),
      );
    };
    // Held until the deploy is linked to its approval or approved: the recovery sweep leaves it alone meanwhile.
    const lease = await steps.claimStart(deploy.id);
    if (!lease) return { deploy: (await repo.get(deploy.id)) ?? deploy, preflight: result };
    if (result.environmentConfig!.approvals.count > 0) {
      try {
        await announceGlass();
        deploy = await show(deploy);
        return { deploy: await steps.ask(deploy), preflight: result };
      } finally {
        await lease.release();
      }
    }
    // Straight to the dispatch: no Slack call before it. The status message is posted once, after the executor
    // answered (lifecycle.begun), already showing the run.
    const approved = await move(deploy, 'approved', { approvedBy: [] }).finally(() => lease.release());
    const started = approved ? await startRun(approved) : ((await repo.get(deploy.id)) ?? deploy);
    await announceGlass();
    return { deploy: started, preflight: result };
  }

  async function cancelNow(deploy: DeployRow, userId: string): Promise<DeployRow> {
    let stopped = '';
    if (deploy.status === 'awaiting_approval' && deploy.approvalId !== null) {
      await approvals
        .cancel(deploy.approvalId, userId)
        .catch((error: unknown) => logger.warn('deploys: cancelling approval:', error));
    }
    if (deploy.status === 'running') {
      const executor = deps.executor(deploy.executor);
      let asked = false;
      try {
        asked = (await executor?.cancel?.({ deployId: deploy.id, runId: deploy.runId, by: userId })) ?? false;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await note(deploy, mrkdwn`:warning: ${mention(userId)} asked to cancel, but ${message}`);
        throw conflict(`Deploy #${deploy.id} is still running: ${message}`);
      }
      stopped = asked
        ? '; the deploy system was asked to stop'
        : '; the deploy system was not asked to stop (there is no run to cancel)';
    }
    const done = await finish(deploy, 'cancelled', mrkdwn`cancelled by ${mention(userId)}${stopped}`, userId);
    if (!done)
      throw conflict(`Deploy #${deploy.id} changed meanwhile; it is now ${(await repo.get(deploy.id))?.status}.`);
    return done;
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
    onApproved: steps.onApproved,
    onRejected: steps.onRejected,
    onExpired: steps.onExpired,
    waitsOn: steps.waitsOn,
    recoverRequested: steps.recoverRequested,
    async cancel(deployId: number, userId: string): Promise<DeployRow> {
      checkDeployId(deployId);
      const deploy = await repo.get(deployId);
      if (!deploy) throw notFound(`There is no deploy #${deployId}.`);
      if (deploy.requestedBy !== userId && !(await people.hasRole(userId, 'admin'))) {
        throw forbidden(`Only <@${deploy.requestedBy}> (who asked for it) or an admin can cancel deploy #${deployId}.`);
      }
      if (!ACTIVE_STATUSES.includes(deploy.status)) throw conflict(`Deploy #${deployId} is already ${deploy.status}.`);
      // Being dispatched right now: stopping it here would leave a run nobody asked to stop.
      if (deploy.status === 'starting') {
        throw conflict(`Deploy #${deployId} is being started right now; cancel it again in a moment, once it runs.`);
      }
      // A double click: the second one must not ask the deploy system again while the first is asking. Claimed
      // in the database, like the dispatch, so it holds whichever process gets the click.
      const now = clock.now();
      // A claim outlives its click by at most the executor's answer (10 s by default) plus Slack's: 2 min is ample.
      if (!(await repo.claimCancel(deployId, now, new Date(now.getTime() - 2 * MINUTE)))) {
        throw conflict(`Deploy #${deployId} is already being cancelled.`);
      }
      try {
        return await cancelNow(deploy, userId);
      } catch (error) {
        await repo.releaseCancel(deployId);
        throw error;
      }
    },

    /**
     * Redeploys the last good ref before `deployId` (or before the latest success of service/env), through the
     * same pre-flight. `reason` is the person's; `breakGlass` rolls back through a freeze (needs that reason).
     */
    async rollback(
      userId: string,
      from: { deployId: number } | { service: string; environment: string },
      options: { reason?: string | undefined; breakGlass?: boolean } = {},
    ) {
      let current: DeployRow | null;
      if ('deployId' in from) {
        checkDeployId(from.deployId);
        current = await repo.get(from.deployId);
        if (!current) throw notFound(`There is no deploy #${from.deployId}.`);
        if (current.status !== 'succeeded')
          throw conflict(`Deploy #${current.id} is ${current.status}; only a succeeded deploy can be rolled back.`);
      } else {
        if (!config.services.some((s) => s.name === from.service)) {
          throw invalidInput(unknownServiceMessage(config, from.service));
        }
        if (!config.environments.some((e) => e.name === from.environment)) {
          throw invalidInput(unknownEnvironmentMessage(config, from.environment));
        }
        current = (await repo.history(from, 200)).find((d) => d.status === 'succeeded') ?? null;
        if (!current)
          throw notFound(`Nothing has been deployed successfully for ${from.service} in ${from.environment} yet.`);
      }
      const history = await repo.history({ service: current.service, environment: current.environment }, 200);
      const previous = rollbackTarget(history, current);
      if (!previous) {
        throw notFound(
          `There is no earlier successful ref of ${current.service} in ${current.environment} to roll back to.`,
        );
      }
      const what = `roll back #${current.id} (${current.ref}) to ${previous.ref} from #${previous.id}`;
      return request(userId, {
        service: current.service,
        environment: current.environment,
        ref: previous.ref,
        reason: options.reason ? `${options.reason} — ${what}` : what,
        rollbackOf: current.id,
        ...(options.breakGlass ? { breakGlass: true, breakGlassReason: options.reason } : {}),
      });
    },
    ...runs,
    get: (id: number) => repo.get(id),
    byRequestKey: (key: string) => repo.byRequestKey(key),
    history: (filter: { service?: string; environment?: string; requestedBy?: string }, limit: number) =>
      repo.history(filter, limit),
    async metrics(service: string, environment: string, now: Date) {
      const rows = await repo.history({ service, environment }, 1000);
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
