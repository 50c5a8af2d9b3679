import { readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { zCommunitiesConfig } from './communities/config.js';
import { zChannelId, zPrincipals, zTimezone, zUserId } from './config-fields.js';
import { zDeploysConfig } from './deploys/config.js';
import { zRequestsConfig } from './requests/config.js';
import { closestMatch } from './slack/command-args.js';
import { zSupportConfig } from './support/config.js';
import { zSurveysConfig } from './surveys/config.js';

/** Thrown for every configuration problem; main prints `problems` one per line and exits non-zero. */
export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    readonly hint: string,
  ) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

// The reusable field schemas live in their own module so capability schemas can import them without a cycle.
export { type Principals, zChannelId, zPrincipals, zTimezone, zUsergroupId, zUserId } from './config-fields.js';

// ---------- the team file ----------

/** `backups:` — the scheduled online backup of the SQLite database (docs/operations.md "Backups and restore"). */
export const zBackupsConfig = z.strictObject({
  /** Folder for backup files; GROUNDCREW_BACKUP_DIR wins; default `backups/` beside the database. */
  dir: z.string().min(1).optional(),
  /** When to back up (cron, team timezone); default 02:30 daily. */
  cron: z
    .string()
    .refine(
      (value) => {
        try {
          CronExpressionParser.parse(value);
          return value.trim().split(/\s+/).length >= 5;
        } catch {
          return false;
        }
      },
      { message: 'expected a cron expression like "30 2 * * *"' },
    )
    .optional(),
  /** How many backups to keep (the newest); default 14. */
  keep: z.number().int().min(1).optional(),
  /** Also drop backups older than this many days (never the newest). */
  keepDays: z.number().int().min(1).optional(),
});

export type BackupsConfig = z.infer<typeof zBackupsConfig>;

export const zTeamConfig = z.strictObject({
  timezone: zTimezone.default('UTC'),
  admins: z.array(zUserId).min(1, { message: 'name at least one admin user ID' }),
  platformTeam: zPrincipals,
  // Reserved for the support (help) and communities (announcements) capabilities: accepted so files that set
  // them keep starting, but nothing reads them yet, so the example does not ask for them (see reservedKeyNotes).
  channels: z
    .strictObject({
      help: zChannelId.optional(),
      announcements: zChannelId.optional(),
    })
    .default({}),
  deploys: zDeploysConfig.optional(),
  requests: zRequestsConfig.optional(),
  communities: zCommunitiesConfig.optional(),
  surveys: zSurveysConfig.optional(),
  support: zSupportConfig.optional(),
  backups: zBackupsConfig.optional(),
});

export type TeamConfig = z.infer<typeof zTeamConfig>;

// ---------- the environment ----------

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const zEnv = z.object({
  SLACK_BOT_TOKEN: z.string().min(1),
  SLACK_SIGNING_SECRET: z.string().min(1),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.url({ message: 'expected a URL like https://slack.com/api/' }).default('https://slack.com/api/'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  GROUNDCREW_DB: z.string().min(1).default('./data/groundcrew.db'),
  GROUNDCREW_CONFIG: z.string().min(1).default('./groundcrew.yml'),
  /** Folder for database backups; default: groundcrew.yml `backups.dir`, else `backups/` beside the database. */
  GROUNDCREW_BACKUP_DIR: z.string().min(1).optional(),
  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_API_URL: z.url().default('https://api.github.com'),
  /** Public base URL of groundcrew (webhook callbacks); default http://localhost:PORT. */
  GROUNDCREW_PUBLIC_URL: z.url({ message: 'expected a URL like https://groundcrew.example.com' }).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Seconds an event may stay unhandled before the inbox sweep runs it again (then twice as long each time). */
  GROUNDCREW_EVENT_REPLAY_AFTER: z.coerce.number().int().min(1).max(3600).default(60),
  /** When set, GET /metrics asks for `Authorization: Bearer <token>`. */
  GROUNDCREW_METRICS_TOKEN: z.string().min(1).optional(),
});

export type Env = z.infer<typeof zEnv>;

/** The base URL callbacks reach groundcrew on: GROUNDCREW_PUBLIC_URL, else this process on localhost. */
export function publicUrl(env: Pick<Env, 'GROUNDCREW_PUBLIC_URL' | 'PORT'>): string {
  return env.GROUNDCREW_PUBLIC_URL ?? `http://localhost:${env.PORT}`;
}

export interface Config {
  env: Env;
  team: TeamConfig;
}

const REQUIRED_SECRETS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'] as const;

type RawEnv = Record<string, string | undefined>;

/** Blank values count as unset: `SLACK_APP_TOKEN=` in a .env file means "not using Socket Mode". */
function cleanEnv(raw: RawEnv): RawEnv {
  const out: RawEnv = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

export function parseEnv(raw: RawEnv): Env {
  const env = cleanEnv(raw);
  const missing = REQUIRED_SECRETS.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      [`missing ${missing.join(', ')}`],
      'see README "Configuration: environment" for where each value comes from',
    );
  }
  const result = zEnv.safeParse(env);
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues), 'see README "Configuration: environment"');
  }
  return result.data;
}

/** The keys an object schema at `path` inside `schema` accepts (through defaults, optionals, pipes and lists). */
function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  const unwrap = () => {
    for (let i = 0; i < 10 && current; i++) {
      const def = current._zod.def as z.core.$ZodTypeDef & {
        innerType?: z.core.$ZodType;
        in?: z.core.$ZodType;
      };
      if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') {
        current = def.innerType;
      } else if (def.type === 'pipe') {
        current = def.in;
      } else return;
    }
  };
  for (const part of path) {
    unwrap();
    const def = current?._zod.def as
      | (z.core.$ZodTypeDef & {
          shape?: Record<string, z.core.$ZodType>;
          element?: z.core.$ZodType;
          valueType?: z.core.$ZodType;
        })
      | undefined;
    if (def?.type === 'object' && typeof part === 'string') current = def.shape?.[part];
    else if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else return [];
  }
  unwrap();
  const def = current?._zod.def as (z.core.$ZodTypeDef & { shape?: Record<string, unknown> }) | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
  schema?: z.core.$ZodType,
): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path]
      .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
      .join('');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? knownKeysAt(schema, issue.path) : [];
      message = `unknown key(s) ${issue.keys
        .map((key) => {
          const near = closestMatch(key, known);
          return near ? `"${key}" (did you mean "${near}"?)` : `"${key}"`;
        })
        .join(', ')}`;
    }
    return path ? `${path}: ${message}` : message;
  });
}

/** Parses the YAML text of groundcrew.yml; every problem is reported with its path (or line for YAML syntax). */
export function parseTeamConfig(text: string, fileName = 'groundcrew.yml'): TeamConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        return `${fileName}${pos ? `:${pos.line}:${pos.col}` : ''}: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
      'fix the YAML syntax; groundcrew.example.yml shows a working file',
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // `yaml` refuses alias bombs ("billion laughs") here, with a ReferenceError.
    throw new ConfigError(
      [`${fileName}: ${(error as Error).message}`],
      'expand the aliases (&name / *name) by hand; groundcrew.example.yml shows a working file',
    );
  }
  return validateTeamConfig(value ?? {}, fileName);
}

export function validateTeamConfig(value: unknown, fileName = 'groundcrew.yml'): TeamConfig {
  if (value === null || typeof value !== 'object' || Object.keys(value).length === 0) {
    throw new ConfigError(
      [`${fileName} is empty: it needs at least \`admins:\` with one Slack user ID (U…), e.g. \`admins: [U0123ABCD]\``],
      "copy groundcrew.example.yml over it and replace the IDs with your workspace's",
    );
  }
  const result = zTeamConfig.safeParse(value);
  if (!result.success) {
    throw new ConfigError(
      formatIssues(result.error.issues, [], zTeamConfig).map((line) => `${fileName}: ${line}`),
      'see docs/configuration.md for every key',
    );
  }
  return deepFreeze(result.data);
}

/** One start-up line when the file sets keys that are accepted but have no effect yet; none otherwise. */
export function reservedKeyNotes(team: TeamConfig, fileName = 'groundcrew.yml'): string[] {
  const set = (['help', 'announcements'] as const).filter((key) => team.channels[key] !== undefined);
  if (set.length === 0) return [];
  return [
    `${fileName}: ${set.map((key) => `channels.${key}`).join(', ')} ${set.length === 1 ? 'is' : 'are'} reserved for capabilities not built yet (support, communities) and ${set.length === 1 ? 'has' : 'have'} no effect; you can remove ${set.length === 1 ? 'it' : 'them'}.`,
  ];
}

export function loadConfig(
  rawEnv: RawEnv,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Config {
  const env = parseEnv(rawEnv);
  let text: string;
  try {
    text = readFile(env.GROUNDCREW_CONFIG);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      [`cannot read ${env.GROUNDCREW_CONFIG}${code === 'ENOENT' ? ': no such file' : `: ${code ?? String(error)}`}`],
      'copy groundcrew.example.yml to groundcrew.yml, or point GROUNDCREW_CONFIG at your file',
    );
  }
  const team = parseTeamConfig(text, env.GROUNDCREW_CONFIG);
  return Object.freeze({ env: Object.freeze(env), team });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
