import { defineCapability } from '../capability.js';
import { publicUrl } from '../config.js';
import { microPulseHook } from '../surveys/micro-pulse-port.js';
import { createExecutor, type Executor } from './executors.js';
import { createGuardrails } from './guardrails.js';
import { deployJobs } from './jobs.js';
import { createDeploysRepo } from './repo.js';
import { deployCallbackRoute } from './routes.js';
import { createDeployService } from './service.js';
import { approvalView, homeSection, homeStartButton } from './slack/blocks.js';
import { deployCommands } from './slack/commands.js';
import { registerDeployListeners } from './slack/listeners.js';
import { createSlackDeployNotifier } from './slack/notifier.js';

export interface DeploysCapabilityOptions {
  /** Timeout of each GitHub / webhook request (default 10 s). */
  httpTimeoutMs?: number;
}

/** Self-service deploys: `/platform deploy`, approvals, locks, freezes, live status, rollback, history. */
export function createDeploysCapability(options: DeploysCapabilityOptions = {}) {
  return defineCapability('deploys', (core) => {
    const config = core.config.team.deploys;
    if (!config) return { routes: [deployCallbackRoute(null)] };
    const { env, team } = core.config;
    const repo = createDeploysRepo(core.db);
    const notifier = createSlackDeployNotifier(config.channel, core);
    const guardrails = createGuardrails({
      config,
      zone: config.freezes.timezone ?? team.timezone,
      repo,
      clock: core.clock,
      audit: core.audit,
      notifier,
      logger: core.logger,
    });
    const executors = new Map<string, Executor>();
    const context = {
      fetch: core.fetch,
      githubApiUrl: env.GITHUB_API_URL,
      githubToken: env.GITHUB_TOKEN,
      publicUrl: publicUrl(env),
      timeoutMs: options.httpTimeoutMs ?? 10_000,
    };
    for (const [name, executorConfig] of Object.entries(config.executors)) {
      executors.set(name, createExecutor(executorConfig, context));
    }
    const deploys = createDeployService({
      config,
      repo,
      guardrails,
      clock: core.clock,
      people: core.people,
      audit: core.audit,
      approvals: core.approvals,
      executor: (name) => executors.get(name) ?? null,
      notifier,
      logger: core.logger,
      leases: core.leases,
      runTimeoutMs: config.runTimeout,
      afterSucceeded: microPulseHook(core, 'deploy-succeeded'),
    });
    core.approvals.registerSubject({
      type: 'deploy',
      describe: async (subjectId) => approvalView(await deploys.get(Number(subjectId))),
      onApproved: (approval) => deploys.onApproved(approval),
      onRejected: (approval) => deploys.onRejected(approval),
      onExpired: (approval) => deploys.onExpired(approval),
      isWaiting: (approval) => deploys.waitsOn(approval),
    });
    return {
      commands: deployCommands({ config, deploys, guardrails, clock: core.clock }),
      listeners: (app) => registerDeployListeners(app, { deploys, guardrails, logger: core.logger }),
      routes: [deployCallbackRoute({ config, deploys })],
      jobs: deployJobs(deploys, guardrails),
      homeSections: [
        {
          id: 'deploys.recent',
          order: 20,
          build: async ({ userId }) => homeSection(await deploys.history({ requestedBy: userId }, 5)),
        },
        { id: 'deploys.start', order: 40, build: homeStartButton },
      ],
    };
  });
}

export const deploysCapability = createDeploysCapability();
