import { ConsoleLogger, type Logger, LogLevel } from '@slack/logger';
import type { LogLevelName } from './config.js';

export type { Logger } from '@slack/logger';

const LEVELS: Record<LogLevelName, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

/** One logger for groundcrew and Bolt alike (Bolt's Logger interface), at LOG_LEVEL. */
export function createLogger(level: LogLevelName, name = 'groundcrew'): Logger {
  const logger = new ConsoleLogger();
  logger.setLevel(LEVELS[level]);
  logger.setName(name);
  return logger;
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
