import type { App } from '@slack/bolt';
import type { Capability, CapabilityDeps } from '../services.js';
import { escapeMrkdwn } from '../slack/mrkdwn.js';
import type { DeploysConfig } from './config.js';
import { createExecutor, type Executor } from './executors.js';
import { createGuardrails, type Guardrails } from './guardrails.js';
import { deployJobs } from './jobs.js';
import { createDeploysRepo } from './repo.js';
import { deployCallbackRoute } from './routes.js';
import { createDeployService, type DeployService } from './service.js';
import { homeSection } from './slack/blocks.js';
import { registerDeployCommands } from './slack/commands.js';
import { registerDeployListeners } from './slack/listeners.js';
import { createSlackDeployNotifier } from './slack/notifier.js';

export interface DeploysCapabilityOptions {
  /** Timeout of each GitHub / webhook request (default 10 s). */
  httpTimeoutMs?: number;
}

interface Built {
  config: DeploysConfig;
  deploys: DeployService;
  guardrails: Guardrails;
}

/** Self-service deploys: `/platform deploy`, approvals, locks, freezes, live status, rollback, history. */
export function createDeploysCapability(options: DeploysCapabilityOptions = {}): Capability {
  let built: Built | undefined;

  function build(deps: CapabilityDeps): Built | undefined {
    const config = deps.config.team.deploys;
    if (!config) return undefined;
    if (built) return built;
    const { env, team } = deps.config;
    const repo = createDeploysRepo(deps.db);
    const notifier = createSlackDeployNotifier(config.channel, () => ({
      client: deps.client,
      publishHome: deps.publishHome,
    }));
    const guardrails = createGuardrails({
      config,
      zone: config.freezes.timezone ?? team.timezone,
      repo,
      clock: deps.clock,
      audit: deps.audit,
      notifier,
      logger: deps.logger,
    });
    const executors = new Map<string, Executor>();
    const context = {
      fetch: deps.fetch,
      githubApiUrl: env.GITHUB_API_URL,
      githubToken: env.GITHUB_TOKEN,
      publicUrl: env.GROUNDCREW_PUBLIC_URL ?? `http://localhost:${env.PORT}`,
      timeoutMs: options.httpTimeoutMs ?? 10_000,
    };
    for (const [name, executorConfig] of Object.entries(config.executors)) {
      executors.set(name, createExecutor(executorConfig, context));
    }
    const deploys = createDeployService({
      config,
      repo,
      guardrails,
      clock: deps.clock,
      people: deps.people,
      audit: deps.audit,
      approvals: deps.approvals,
      executor: (name) => executors.get(name) ?? null,
      notifier,
      logger: deps.logger,
      runTimeoutMs: config.runTimeout,
    });
    built = { config, deploys, guardrails };
    return built;
  }

  return {
    name: 'deploys',
    routes(deps) {
      return [deployCallbackRoute(() => build(deps()) ?? null)];
    },
    register(app: App, deps: CapabilityDeps) {
      const b = build(deps);
      if (!b) return;
      const { config, deploys, guardrails } = b;
      registerDeployCommands({
        commands: deps.commands,
        config,
        deploys,
        guardrails,
        audit: deps.audit,
        clock: deps.clock,
      });
      registerDeployListeners(app, { deploys, guardrails, logger: deps.logger });
      for (const job of deployJobs(deploys, guardrails)) deps.scheduler.register(job);
      deps.approvals.registerSubject({
        type: 'deploy',
        describe(subjectId) {
          const deploy = deploys.get(Number(subjectId));
          if (!deploy) return null;
          return {
            title: `Deploy ${deploy.service} ${deploy.ref} to ${deploy.environment}`,
            lines: [
              `*Deploy #${deploy.id}*: *${escapeMrkdwn(deploy.service)}* → *${escapeMrkdwn(deploy.environment)}*, ref \`${escapeMrkdwn(deploy.ref)}\``,
              `Requested by <@${deploy.requestedBy}>${deploy.reason ? `: ${escapeMrkdwn(deploy.reason)}` : ''}`,
              ...(deploy.rollbackOf ? [`Rolls back deploy #${deploy.rollbackOf}`] : []),
              ...(deploy.breakGlassReason ? [':rotating_light: Breaks glass through a freeze'] : []),
            ],
          };
        },
        onApproved: (approval) => deploys.onApproved(approval),
        onRejected: (approval) => deploys.onRejected(approval),
        onExpired: (approval) => deploys.onExpired(approval),
      });
      deps.home.add({
        id: 'deploys.recent',
        order: 30,
        build: ({ userId }) => homeSection(deploys.history({ requestedBy: userId }, 5)),
      });
    },
  };
}

export const deploysCapability = createDeploysCapability();
