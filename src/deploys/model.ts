import { invalidInput } from '../errors.js';
import { escapeMrkdwn } from '../mrkdwn.js';
import type { DeploysConfig, EnvironmentConfig, ServiceConfig } from './config.js';
import { type FreezeStatus, formatLocal } from './freezes.js';

/**
 * Deploy lifecycle. `requested` is the first state; the last five are final. `starting`: the dispatch to the
 * executor has been claimed (or sent) and its answer is not stored yet — after a crash or a timeout the run is looked
 * for rather than assumed lost.
 */
export const DEPLOY_STATUSES = [
  'requested',
  'awaiting_approval',
  'approved',
  'starting',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
  'rejected',
] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];

export const FINAL_STATUSES: readonly DeployStatus[] = ['succeeded', 'failed', 'cancelled', 'expired', 'rejected'];
/** In flight: at most one deploy per service and environment is in one of these (a unique index says so). */
export const ACTIVE_STATUSES: readonly DeployStatus[] = [
  'requested',
  'awaiting_approval',
  'approved',
  'starting',
  'running',
];

const TRANSITIONS: Record<DeployStatus, readonly DeployStatus[]> = {
  requested: ['awaiting_approval', 'approved', 'cancelled', 'failed'],
  awaiting_approval: ['approved', 'rejected', 'expired', 'cancelled'],
  approved: ['starting', 'failed', 'cancelled'],
  starting: ['running', 'succeeded', 'failed', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
  expired: [],
  rejected: [],
};

export function canTransition(from: DeployStatus, to: DeployStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export const isFinal = (status: DeployStatus) => FINAL_STATUSES.includes(status);

export const STATUS_LABEL: Record<DeployStatus, string> = {
  requested: 'Requested',
  awaiting_approval: 'Awaiting approval',
  approved: 'Approved',
  starting: 'Starting',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
  rejected: 'Rejected',
};

export const STATUS_EMOJI: Record<DeployStatus, string> = {
  requested: ':hourglass_flowing_sand:',
  awaiting_approval: ':raised_hand:',
  approved: ':white_check_mark:',
  starting: ':hourglass_flowing_sand:',
  running: ':rocket:',
  succeeded: ':large_green_circle:',
  failed: ':red_circle:',
  cancelled: ':black_circle:',
  expired: ':alarm_clock:',
  rejected: ':no_entry:',
};

/** A lock as the rules see it. `service` null = the whole environment. */
export interface LockView {
  id: number;
  /** Carried by the lock's buttons (src/item-ref.ts); null for locks from before it. */
  nonce: string | null;
  environment: string;
  service: string | null;
  holder: string;
  reason: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ActiveDeployView {
  id: number;
  service: string;
  environment: string;
  status: DeployStatus;
  requestedBy: string;
}

export type ProblemField = 'service' | 'environment' | 'ref' | 'reason';
export type ProblemCode =
  | 'unknown_service'
  | 'unknown_environment'
  | 'environment_not_allowed'
  | 'not_owner'
  | 'frozen'
  | 'locked'
  | 'already_running'
  | 'bad_ref'
  | 'break_glass_not_allowed'
  | 'break_glass_needs_reason';

export interface Problem {
  code: ProblemCode;
  field: ProblemField;
  /** A full sentence naming what blocks and what to do. */
  message: string;
  /** The lock that blocks (code `locked`), so a reply can offer "Notify me when free". */
  lock?: { id: number; nonce: string | null };
}

export interface PreflightInput {
  config: DeploysConfig;
  userId: string;
  service: string;
  environment: string;
  ref: string;
  /** Whether the user is an owner of the service (resolved through usergroups by the caller). */
  isOwner: boolean;
  /** Admin or listed in `breakGlass`. */
  mayBreakGlass: boolean;
  breakGlass?: { reason: string | undefined };
  freeze: FreezeStatus | null;
  locks: readonly LockView[];
  activeDeploys: readonly ActiveDeployView[];
  zone: string;
  now: Date;
  /** Where the advice will be read: the command's flags or the form's fields. Default: command. */
  surface?: 'command' | 'form';
}

export interface PreflightResult {
  ok: boolean;
  problems: Problem[];
  serviceConfig: ServiceConfig | null;
  environmentConfig: EnvironmentConfig | null;
  /** Distinct approvals needed before it runs (0 = starts right away). */
  approvalsNeeded: number;
  /** True when a freeze is in force and break glass was asked for and allowed. */
  breaksGlass: boolean;
}

/** A git ref as people type it: branch, tag or SHA, without spaces or shell-ish characters. */
export const REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

const mention = (userId: string) => `<@${userId}>`;

/** `web in production` for a service lock, `production` for the whole environment. */
export const scopeName = (environment: string, service: string | null) =>
  service ? `${service} in ${environment}` : environment;

export const unknownServiceMessage = (config: Pick<DeploysConfig, 'services'>, name: string) =>
  `There is no service "${name}". Services: ${config.services.map((s) => s.name).join(', ') || 'none configured'}.`;

export const unknownEnvironmentMessage = (config: Pick<DeploysConfig, 'environments'>, name: string, orAll = false) =>
  `There is no environment "${name}". Environments: ${config.environments.map((e) => e.name).join(', ')}${orAll ? ', or all' : ''}.`;

/** The answer when the target already has a deploy in flight (pre-flight, or the database refusing a second one). */
export function alreadyDeployingMessage(running: ActiveDeployView): string {
  return (
    `${running.service} is already being deployed to ${running.environment} (deploy #${running.id}, ` +
    `${STATUS_LABEL[running.status].toLowerCase()}, by ${mention(running.requestedBy)}); wait for it to finish or cancel it.`
  );
}

/** Every reason this deploy cannot go ahead now, each with what to do about it. */
export function preflight(input: PreflightInput): PreflightResult {
  const { config, service, environment, now, zone } = input;
  const problems: Problem[] = [];
  const serviceConfig = config.services.find((s) => s.name === service) ?? null;
  const environmentConfig = config.environments.find((e) => e.name === environment) ?? null;
  if (!serviceConfig) {
    problems.push({
      code: 'unknown_service',
      field: 'service',
      message: unknownServiceMessage(config, service),
    });
  } else if (!input.isOwner) {
    problems.push({
      code: 'not_owner',
      field: 'service',
      message: `You are not among ${service}'s owners, so you cannot deploy it; ask one of them or the platform team.`,
    });
  }
  if (!environmentConfig) {
    problems.push({
      code: 'unknown_environment',
      field: 'environment',
      message: unknownEnvironmentMessage(config, environment),
    });
  } else if (serviceConfig && !serviceConfig.environments.includes(environment)) {
    problems.push({
      code: 'environment_not_allowed',
      field: 'environment',
      message: `${service} is not deployed to ${environment}; it goes to ${serviceConfig.environments.join(', ')}.`,
    });
  }
  if (!REF_PATTERN.test(input.ref)) {
    problems.push({
      code: 'bad_ref',
      field: 'ref',
      message: `"${input.ref}" is not a branch, tag or commit SHA.`,
    });
  }
  let breaksGlass = false;
  if (input.freeze && environmentConfig) {
    const until = formatLocal(input.freeze.until, zone, now);
    const freezeLine = `${environment} is frozen until ${until} — ${escapeMrkdwn(input.freeze.freeze.reason)}`;
    const form = input.surface === 'form';
    if (input.breakGlass && input.mayBreakGlass && input.breakGlass.reason) {
      breaksGlass = true;
    } else if (input.breakGlass && !input.mayBreakGlass) {
      problems.push({
        code: 'break_glass_not_allowed',
        field: 'environment',
        message: `${freezeLine}; only admins and the people listed under breakGlass can deploy through it — ask an admin to break glass.`,
      });
    } else if (input.breakGlass && !input.breakGlass.reason) {
      problems.push({
        code: 'break_glass_needs_reason',
        field: 'reason',
        message: `${freezeLine}; breaking glass needs a reason: ${form ? 'fill in Reason' : 'add --reason "…"'}.`,
      });
    } else {
      problems.push({
        code: 'frozen',
        field: 'environment',
        message: input.mayBreakGlass
          ? `${freezeLine}; if it cannot wait, ${form ? 'tick Break glass below and give a Reason' : 'add --break-glass --reason "…"'} (audited and announced).`
          : `${freezeLine}; ask an admin to break glass.`,
      });
    }
  }
  for (const lock of input.locks) {
    if (lock.environment !== environment || lock.holder === input.userId) continue;
    if (lock.service !== null && lock.service !== service) continue;
    const what = scopeName(environment, lock.service);
    problems.push({
      code: 'locked',
      field: 'environment',
      lock: { id: lock.id, nonce: lock.nonce },
      message:
        `${what} is locked by ${mention(lock.holder)} — "${escapeMrkdwn(lock.reason)}" (until ${formatLocal(lock.expiresAt, zone, now)}); ` +
        'ask them to unlock, or use Notify me when free in `/platform locks`.',
    });
  }
  const running = input.activeDeploys.find((d) => d.service === service && d.environment === environment);
  if (running) {
    problems.push({ code: 'already_running', field: 'service', message: alreadyDeployingMessage(running) });
  }
  return {
    ok: problems.length === 0,
    problems,
    serviceConfig,
    environmentConfig,
    approvalsNeeded: environmentConfig?.approvals.count ?? 0,
    breaksGlass,
  };
}

// ---------- figures ----------

export interface DeployFact {
  status: DeployStatus;
  requestedAt: Date;
  finishedAt: Date | null;
  /** A later deploy rolled this one back. */
  rolledBack: boolean;
}

export interface DeployMetrics {
  windowDays: number;
  /** Deploys that ran (succeeded or failed) per week over the window. */
  perWeek: number;
  /** (failed + rolled back) ÷ deploys that ran; null when none ran. */
  changeFailureRate: number | null;
  /** Median ms from request to success; null when none succeeded. */
  medianLeadTimeMs: number | null;
  ran: number;
}

export function deployMetrics(facts: readonly DeployFact[], now: Date, windowDays = 28): DeployMetrics {
  const since = now.getTime() - windowDays * 24 * 3600_000;
  const inWindow = facts.filter((f) => f.requestedAt.getTime() >= since && f.requestedAt <= now);
  const ran = inWindow.filter((f) => f.status === 'succeeded' || f.status === 'failed');
  const bad = ran.filter((f) => f.status === 'failed' || f.rolledBack).length;
  const leadTimes = ran
    .filter((f) => f.status === 'succeeded' && f.finishedAt)
    .map((f) => f.finishedAt!.getTime() - f.requestedAt.getTime())
    .sort((a, b) => a - b);
  return {
    windowDays,
    perWeek: Math.round((ran.length / (windowDays / 7)) * 10) / 10,
    changeFailureRate: ran.length === 0 ? null : bad / ran.length,
    medianLeadTimeMs: median(leadTimes),
    ran: ran.length,
  };
}

export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/**
 * The ref a rollback of `current` goes back to: the latest succeeded deploy before it with a different ref.
 * `history` is newest first for one service and environment.
 */
export function rollbackTarget<T extends { id: number; ref: string; status: DeployStatus }>(
  history: readonly T[],
  current: T,
): T | null {
  const index = history.findIndex((d) => d.id === current.id);
  const older = index >= 0 ? history.slice(index + 1) : history.filter((d) => d.id < current.id);
  return older.find((d) => d.status === 'succeeded' && d.ref !== current.ref) ?? null;
}

/** Bounded back-off for polling a run: every minute for 5 polls, then doubling, at most every 10 minutes. */
export function nextPollDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.floor(attempts / 5), 10 * 60_000);
}

/** A deploy id from a button's value: a malformed one (empty, NaN, 1.5, -3) is refused clearly, not "no deploy #NaN". */
export function checkDeployId(id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw invalidInput('That button does not name a deploy (its value is malformed); use a current status message.');
  }
}

/** Whether `deploy` still waits on approval `approvalId` (not cancelled, failed or asked again meanwhile). */
export function awaitsApproval(deploy: { status: DeployStatus; approvalId: number | null } | null, approvalId: number) {
  return deploy?.status === 'awaiting_approval' && deploy.approvalId === approvalId;
}
