import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { type Logger, LogLevel } from '@slack/logger';
import pino, { type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogLevelName } from './config.js';
import { REDACTED, redactSecrets, secretValues } from './redact.js';

export type { Logger } from '@slack/logger';

/** What a log line says about the Slack request being handled: its kind and the id that names it. */
export interface LogContext {
  kind: 'command' | 'action' | 'view' | 'event' | 'options' | 'shortcut' | 'job' | 'http';
  id: string;
  [key: string]: string | undefined;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` (and everything it starts) with `ctx` added to every log line. */
export function runWithLogContext<T>(ctx: LogContext, fn: () => T): T {
  return context.run(ctx, fn);
}

/**
 * Field paths pino blanks out wherever they appear in a logged object: the names groundcrew, Bolt and the
 * Web API client use for tokens and secrets (one level deep, and as request headers).
 */
export const REDACT_PATHS = [
  'token',
  'secret',
  'password',
  'authorization',
  'Authorization',
  'signingSecret',
  'appToken',
  'botToken',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.Authorization',
  '*.signingSecret',
  '*.appToken',
  '*.botToken',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'err.config.headers.Authorization',
];

/** Keys whose values are blanked at any depth (REDACT_PATHS covers the top levels the same way). */
export const SECRET_KEY = /^(authorization|password|[a-z_]*token|[a-z_]*secret)$/i;

export interface LoggerOptions {
  /** Where lines go; default stdout. */
  destination?: DestinationStream & NodeJS.WritableStream;
  /** Readable text instead of JSON lines; default: when stdout is a terminal. */
  pretty?: boolean;
  /** Secret values scrubbed from every message and field (with token-shaped strings); default: secretValues(process.env). */
  secrets?: readonly string[];
}

const PINO_LEVEL: Record<LogLevelName, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

/**
 * One logger for groundcrew, Bolt and the Web API client (Bolt's Logger interface) on pino, at LOG_LEVEL.
 *
 * The level is fixed when the logger is made: Bolt's App calls `setLevel(INFO)` on the logger it is given unless
 * also given a `logLevel`, and the Web API client would do the same, so `setLevel` from them is ignored and
 * LOG_LEVEL holds. `setName` is ignored for the same reason (the Web API client renames the shared logger).
 */
export function createLogger(level: LogLevelName, options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? secretValues(process.env);
  const scrub = (text: string) => redactSecrets(text, secrets);
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  const destination = usePretty
    ? loadPretty()({
        sync: true,
        colorize: !options.destination,
        ignore: 'pid,hostname,name',
        translateTime: 'SYS:HH:MM:ss.l',
        destination: options.destination ?? 1,
      })
    : (options.destination ?? pino.destination({ fd: 1, sync: true }));
  const base = pino(
    {
      level,
      name: 'groundcrew',
      base: { name: 'groundcrew' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // Errors arrive already turned into scrubbed plain objects (errorFields); pino's serializer would retype them.
      serializers: { err: (value: unknown) => value },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
    },
    destination,
  );

  const write = (method: 'debug' | 'info' | 'warn' | 'error') => {
    return (...args: unknown[]) => {
      if (!base.isLevelEnabled(method)) return;
      const { message, fields } = toEntry(args, scrub);
      base[method](fields, message);
    };
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel() {},
    getLevel: () => PINO_LEVEL[level],
    setName() {},
  };
}

/**
 * pino-pretty (and its 30 modules) only when lines are shown as text: a container writes JSON lines and never loads
 * it. It is CommonJS, so it loads synchronously here.
 */
function loadPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

/** Bolt-style variadic arguments → one message (strings and numbers) and fields (the first error, objects). */
function toEntry(args: unknown[], scrub: (text: string) => string): { message: string; fields: object } {
  const words: string[] = [];
  const fields: Record<string, unknown> = {};
  const data: unknown[] = [];
  for (const arg of args) {
    if (arg instanceof Error) {
      if (fields.err === undefined) fields.err = scrubValue(errorFields(arg), scrub);
      words.push(scrub(arg.message));
    } else if (arg !== null && typeof arg === 'object') {
      data.push(scrubValue(arg, scrub));
    } else {
      words.push(scrub(String(arg)));
    }
  }
  if (data.length === 1) fields.data = data[0];
  else if (data.length > 1) fields.data = data;
  return { message: words.join(' '), fields };
}

function errorFields(error: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  for (const key of ['code', 'data', 'statusCode'] as const) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  // What went wrong underneath (a WriteFailedError's driver error: a full disk, a lost race, no connection in time).
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && depth < 3) {
    const { stack: _stack, ...fields } = errorFields(cause, depth + 1);
    out.cause = fields;
  }
  return out;
}

/** A copy of `value` with every secret value replaced in every string (cycles and depth bounded). */
function scrubValue(value: unknown, scrub: (text: string) => string, depth = 0, seen = new WeakSet()): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  seen.add(value);
  if (value instanceof Error) return scrubValue(errorFields(value), scrub, depth + 1, seen);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item ? REDACTED : scrubValue(item, scrub, depth + 1, seen);
  }
  return out;
}

/** A logger that drops everything: for tests that assert on behaviour, not log lines. */
export function createSilentLogger(): Logger {
  let level = LogLevel.ERROR;
  return {
    debug() {},
    info() {},
    warn() {},
    error() {},
    setLevel(next) {
      level = next;
    },
    getLevel: () => level,
    setName() {},
  };
}

/**
 * Best effort: runs a side effect (a Slack post, a Home refresh) and logs instead of throwing, so a Slack hiccup
 * never undoes a state change that is already stored. `label` prefixes the log line (`deploys: … failed`).
 */
export function createSafely(logger: Logger, label: string, level: 'warn' | 'error' = 'warn') {
  return async (what: string, effect: () => Promise<unknown>): Promise<void> => {
    try {
      await effect();
    } catch (error) {
      logger[level](`${label}: ${what} failed:`, error);
    }
  };
}
