import { existsSync } from 'node:fs';
import { createGroundcrew } from './bootstrap.js';
import { ConfigError, LOG_LEVELS, type LogLevelName, loadConfig, reservedKeyNotes } from './config.js';
import { isPostgresUrl } from './db/backend.js';
import type { Database } from './db/database.js';
import { DatabaseStartupError, redactPgUrl } from './db/pg-errors.js';
import { createLogger } from './logger.js';
import { defaultBackupDir, registerBackupJob } from './ops/backup.js';
import { configWarnings } from './ops/config-walk.js';
import { connectToSlack } from './ops/slack-startup.js';
import { secretValues } from './redact.js';
import { ReplicaIdError, replicaId } from './replica.js';
import { wantsPlayground } from './run-mode.js';

function fail(lines: string[], hint: string): never {
  process.stderr.write(`groundcrew: cannot start\n${lines.map((l) => `  - ${l}`).join('\n')}\n${hint}\n`);
  process.exit(2);
}

/** No Slack variables at all (or `--playground`): a local playground; the stand-in is loaded only then. */
async function playground(): Promise<void> {
  const wanted = process.env.LOG_LEVEL as LogLevelName | undefined;
  const logger = createLogger(wanted && LOG_LEVELS.includes(wanted) ? wanted : 'info');
  const { runPlayground } = await import('./playground/index.js');
  let started: Awaited<ReturnType<typeof runPlayground>>;
  try {
    started = await runPlayground(process.env, logger);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.problems, error.hint);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      fail([`port ${process.env.PORT ?? 3000} is already in use`], 'set PORT to a free port, e.g. PORT=3001 npm start');
    }
    throw error;
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await started.stop(2000);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

/** A `.env` in the working directory is read first; variables already set in the environment win over it. */
function loadDotEnv(): void {
  if (!existsSync('.env')) return;
  try {
    process.loadEnvFile('.env');
  } catch (error) {
    fail([`cannot read .env: ${(error as Error).message}`], 'fix or remove the .env file');
  }
}

async function main(): Promise<void> {
  loadDotEnv();
  if (wantsPlayground(process.argv.slice(2), process.env)) return playground();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.problems, error.hint);
    throw error;
  }
  let replica: string;
  try {
    replica = replicaId(process.env);
  } catch (error) {
    if (error instanceof ReplicaIdError)
      fail([error.message], 'set GROUNDCREW_REPLICA_ID to a name such as groundcrew-1');
    throw error;
  }
  const logger = createLogger(config.env.LOG_LEVEL, { secrets: secretValues(process.env, config.team) });
  for (const note of reservedKeyNotes(config.team, config.env.GROUNDCREW_CONFIG)) logger.warn(note);
  // auth.test here, not in Bolt: a bad token is one line and exit 2 before anything starts; Slack down is retried.
  const slack = await connectToSlack(config.env, logger);
  if (slack.kind === 'rejected') fail([slack.problem], slack.hint);
  for (const warning of configWarnings(config)) logger.warn(warning);
  const dbUrl = config.env.GROUNDCREW_DB;
  const onPostgres = isPostgresUrl(dbUrl);
  const backupDir = onPostgres
    ? undefined
    : (config.env.GROUNDCREW_BACKUP_DIR ?? config.team.backups?.dir ?? defaultBackupDir(dbUrl));
  let database: Database;
  try {
    // Only the driver GROUNDCREW_DB names is loaded (src/db/backend.ts).
    database = onPostgres
      ? await (await import('./db/postgres.js')).openPostgres(dbUrl, {
          onMigrationLockWait: () => logger.info('another replica is migrating the database; waiting for it'),
          onPoolError: (error) => logger.warn(`a database connection was lost: ${error.message}`),
        })
      : (await import('./db/client.js')).openDb(dbUrl, undefined, {
          ...(backupDir ? { backupDir } : {}),
          onBackup: (file, pending) => logger.info(`backup before applying ${pending.join(', ')}: ${file}`),
        });
  } catch (error) {
    if (error instanceof DatabaseStartupError) fail([error.message], 'check GROUNDCREW_DB (docs/postgresql.md)');
    const where = onPostgres ? redactPgUrl(dbUrl) : dbUrl;
    fail([`cannot open the database at ${where}: ${(error as Error).message}`], 'check GROUNDCREW_DB');
  }
  const groundcrew = createGroundcrew({ config, database, logger, botIdentity: slack.identity, replica });
  // Backups of a SQLite file are groundcrew's job; PostgreSQL is backed up with its own tools (docs/postgresql.md).
  if (database.sqlite && backupDir && dbUrl !== ':memory:') {
    const { scheduler } = groundcrew.services;
    registerBackupJob(scheduler, { sqlite: database.sqlite, dir: backupDir, logger, config: config.team.backups });
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: finishing in-flight work, then stopping`);
    await groundcrew.stop(10_000);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await groundcrew.start();
  } catch (error) {
    const data = (error as { data?: { error?: string } }).data;
    if (data?.error === 'invalid_auth' || data?.error === 'not_authed') {
      fail([`Slack rejected SLACK_BOT_TOKEN (${data.error})`], 'copy the Bot User OAuth Token (xoxb-…) again');
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      fail([`port ${config.env.PORT} is already in use`], 'set PORT to a free port');
    }
    throw error;
  }
  const mode = config.env.SLACK_APP_TOKEN ? 'Socket Mode' : `HTTP on :${config.env.PORT} (POST /slack/events)`;
  logger.info(`groundcrew is running as replica ${replica} — ${mode}; Web API at ${config.env.SLACK_API_URL}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`groundcrew: failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
