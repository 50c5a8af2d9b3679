import { z } from 'zod';
import { HOUR } from '../clock.js';
import { zChannelId, zDuration, zPrincipals, zTimezone } from '../config-fields.js';
import { parseLocal, WEEKDAYS } from './time.js';

/**
 * The `deploys:` section of groundcrew.yml. Durations are written like `2h`/`90m` and parsed to milliseconds;
 * cross-references (service → environment, service → executor, freeze → environment) are checked with paths.
 */

const DEFAULT_APPROVAL_TTL_MS = 2 * HOUR;

const zName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, { message: 'use lowercase letters, digits, ".", "_" or "-" (at most 40)' });

const zTimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time like 16:00' });
const zWeekday = z.preprocess(
  (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  z.enum(WEEKDAYS, { message: `expected a weekday (${WEEKDAYS.join(', ')})` }),
);
const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date like 2026-12-24' });
/** `2026-12-24 18:00`, `2026-12-24T18:00` or `2026-12-24` (midnight), read in the freezes' time zone. */
const zLocalDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2})?$/, { message: 'expected a local date-time like "2026-12-24 18:00"' });

/** Environments a rule applies to; omitted = all. */
const zEnvironmentList = z.array(zName).min(1).optional();

export const zEnvironment = z.strictObject({
  name: zName,
  approvals: z
    .strictObject({
      count: z.number().int().min(0).max(10).default(1),
      approvers: zPrincipals,
    })
    .default({ count: 0, approvers: { users: [], usergroups: [] } }),
  approvalTtl: zDuration('2h').default(DEFAULT_APPROVAL_TTL_MS),
});

export const zGithubActionsExecutor = z.strictObject({
  type: z.literal('github-actions'),
  /** owner/name */
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { message: 'expected owner/name like acme/web' }),
  /** The workflow file name (`deploy.yml`) or its numeric ID. */
  workflow: z.string().min(1),
  /** The workflow's input names for the deploy's service, environment and ref (omit one to not send it). */
  inputs: z
    .strictObject({
      service: z.string().min(1).optional(),
      environment: z.string().min(1).optional(),
      ref: z.string().min(1).optional(),
    })
    .default({ environment: 'environment', ref: 'ref' }),
  /** The branch the workflow file is dispatched on. Default: the ref being deployed. */
  workflowRef: z.string().min(1).optional(),
});

export const zWebhookExecutor = z.strictObject({
  type: z.literal('webhook'),
  url: z.url({ message: 'expected a URL like https://deployer.internal/groundcrew' }),
  /** Shared secret for X-Groundcrew-Signature, both ways. */
  secret: z.string().min(16, { message: 'use a secret of at least 16 characters' }),
});

export const zExecutor = z.discriminatedUnion('type', [zGithubActionsExecutor, zWebhookExecutor]);

export const zService = z.strictObject({
  name: zName,
  description: z.string().max(200).default(''),
  /** Who may deploy it: users and/or usergroups. Empty = everyone. */
  owners: zPrincipals,
  environments: z.array(zName).min(1),
  executor: z.string().min(1),
});

export const zOneOffFreeze = z.strictObject({
  from: zLocalDateTime,
  to: zLocalDateTime,
  reason: z.string().min(1),
  environments: zEnvironmentList,
});

export const zRecurringFreeze = z.strictObject({
  reason: z.string().min(1),
  from: z.strictObject({ day: zWeekday, time: zTimeOfDay }),
  until: z.strictObject({ day: zWeekday, time: zTimeOfDay }),
  environments: zEnvironmentList,
});

export const zHoliday = z.union([
  zDate.transform((date) => ({
    date,
    name: undefined as string | undefined,
    environments: undefined as string[] | undefined,
  })),
  z.strictObject({ date: zDate, name: z.string().min(1).optional(), environments: zEnvironmentList }),
]);

export const zFreezes = z.strictObject({
  /** IANA zone for every time below; default: the team timezone. */
  timezone: zTimezone.optional(),
  windows: z.array(zOneOffFreeze).default([]),
  recurring: z.array(zRecurringFreeze).default([]),
  holidays: z.array(zHoliday).default([]),
});

export const zDeploysConfig = z
  .strictObject({
    channel: zChannelId,
    environments: z.array(zEnvironment).min(1, { message: 'name at least one environment' }),
    executors: z.record(zName, zExecutor),
    services: z.array(zService).default([]),
    freezes: zFreezes.default({ windows: [], recurring: [], holidays: [] }),
    /** Users (besides admins) who may deploy through a freeze with a reason. */
    breakGlass: zPrincipals,
    /** Default length of `/platform lock` without `--for`. */
    lockDuration: zDuration('4h').default(4 * HOUR),
    /** A running deploy with no word from its executor for this long is marked failed. */
    runTimeout: zDuration('3h').default(3 * HOUR),
  })
  .superRefine((config, ctx) => {
    const envNames = config.environments.map((e) => e.name);
    const known = `(known: ${[...new Set(envNames)].join(', ')})`;
    const once = (names: string[], what: string, list: string) => {
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i) {
          ctx.addIssue({ code: 'custom', path: [list, i, 'name'], message: `${what} "${name}" is listed twice` });
        }
      });
    };
    once(envNames, 'environment', 'environments');
    once(
      config.services.map((s) => s.name),
      'service',
      'services',
    );
    config.environments.forEach((env, i) => {
      const approvers = env.approvals.approvers.users.length + env.approvals.approvers.usergroups.length;
      if (env.approvals.count > 0 && approvers === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'approvals', 'approvers'],
          message: `${env.approvals.count} approval(s) required but no approvers named`,
        });
      }
    });
    const executorNames = Object.keys(config.executors);
    config.services.forEach((service, i) => {
      service.environments.forEach((name, j) => {
        if (!envNames.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'environments', j],
            message: `unknown environment "${name}" ${known}`,
          });
        }
      });
      if (!executorNames.includes(service.executor)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'executor'],
          message: `unknown executor "${service.executor}" (known: ${executorNames.join(', ') || 'none'})`,
        });
      }
    });
    const checkEnvs = (list: string[] | undefined, path: (string | number)[]) => {
      list?.forEach((name, j) => {
        if (!envNames.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'environments', j],
            message: `unknown environment "${name}" ${known}`,
          });
        }
      });
    };
    const zone = config.freezes.timezone ?? 'UTC';
    config.freezes.windows.forEach((window, i) => {
      checkEnvs(window.environments, ['freezes', 'windows', i]);
      const from = parseLocal(window.from, zone);
      const to = parseLocal(window.to, zone);
      if (!from) ctx.addIssue({ code: 'custom', path: ['freezes', 'windows', i, 'from'], message: 'not a real date' });
      if (!to) ctx.addIssue({ code: 'custom', path: ['freezes', 'windows', i, 'to'], message: 'not a real date' });
      if (from && to && to <= from) {
        ctx.addIssue({ code: 'custom', path: ['freezes', 'windows', i, 'to'], message: '"to" must be after "from"' });
      }
    });
    config.freezes.recurring.forEach((window, i) => {
      checkEnvs(window.environments, ['freezes', 'recurring', i]);
      if (window.from.day === window.until.day && window.from.time === window.until.time) {
        ctx.addIssue({ code: 'custom', path: ['freezes', 'recurring', i, 'until'], message: 'the window is empty' });
      }
    });
    config.freezes.holidays.forEach((holiday, i) => {
      checkEnvs(holiday.environments, ['freezes', 'holidays', i]);
      if (!parseLocal(holiday.date, zone)) {
        ctx.addIssue({
          code: 'custom',
          path: ['freezes', 'holidays', i],
          message: `${holiday.date} is not a real date`,
        });
      }
    });
  });

export type DeploysConfig = z.infer<typeof zDeploysConfig>;
export type EnvironmentConfig = DeploysConfig['environments'][number];
export type ServiceConfig = DeploysConfig['services'][number];
export type ExecutorConfig = DeploysConfig['executors'][string];
export type GithubActionsExecutorConfig = z.infer<typeof zGithubActionsExecutor>;
export type WebhookExecutorConfig = z.infer<typeof zWebhookExecutor>;
export type FreezesConfig = DeploysConfig['freezes'];
export type RecurringFreezeConfig = z.infer<typeof zRecurringFreeze>;
