/**
 * Child process: groundcrew as main.ts builds it (createGroundcrew with every capability), on the database
 * GROUNDCREW_DB names — a SQLite file (WAL) or a `postgres://` URL, opened as main.ts opens it — with the Web API
 * pointed at the driver's loopback stub (SLACK_API_URL) and a known bot identity. The team file is
 * groundcrew.example.yml (or BENCH_TEAM_CONFIG), so the capabilities it configures register their listeners.
 * The driver starts it with the repository root as working directory.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { createGroundcrew } from '../src/bootstrap.js';
import { type Config, parseEnv, parseTeamConfig } from '../src/config.js';
import { isPostgresUrl } from '../src/db/backend.js';
import type { Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import {
  BENCH_BOT_ID,
  BENCH_BOT_TOKEN,
  BENCH_BOT_USER_ID,
  BENCH_CALLER,
  BENCH_SIGNING_SECRET,
  reportFailure,
  serveChild,
} from './protocol.js';

try {
  const env = parseEnv({
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
    SLACK_API_URL: process.env.SLACK_API_URL,
    PORT: '0',
    GROUNDCREW_DB: process.env.GROUNDCREW_DB,
    GITHUB_TOKEN: 'ghp_bench',
    GITHUB_API_URL: process.env.SLACK_API_URL,
    LOG_LEVEL: 'warn',
  });
  const teamFile = resolve(process.env.BENCH_TEAM_CONFIG || 'groundcrew.example.yml');
  const team = parseTeamConfig(readFileSync(teamFile, 'utf8'), basename(teamFile));
  if (team.admins.includes(BENCH_CALLER) || team.platformTeam.users.includes(BENCH_CALLER)) {
    throw new Error(`${teamFile} names the benchmark's caller ${BENCH_CALLER}; it must be a plain member`);
  }
  const config: Config = { env, team };
  // The migrations are read from the checkout: compiled into dist/bench/, this file is not where main.ts lives.
  const migrations = join(process.cwd(), 'migrations');
  const logger = createLogger(env.LOG_LEVEL);
  // As main.ts: only the driver GROUNDCREW_DB names is loaded.
  const database: Database = isPostgresUrl(env.GROUNDCREW_DB)
    ? await (await import('../src/db/postgres.js')).openPostgres(env.GROUNDCREW_DB, {
        migrationsFolder: join(migrations, 'pg'),
        onPoolError: (error) => logger.warn(`database connection dropped: ${error.message}`),
      })
    : (await import('../src/db/client.js')).openDb(env.GROUNDCREW_DB, migrations);
  const groundcrew = createGroundcrew({
    config,
    database,
    logger,
    botIdentity: { botId: BENCH_BOT_ID, botUserId: BENCH_BOT_USER_ID },
  });
  // BENCH_EXTRA_LISTENERS=N: N more app.action listeners, as capabilities will add. Bolt runs every listener's
  // middleware chain on every request, so this shows what each registered listener costs the `/platform` ack.
  const extra = Number(process.env.BENCH_EXTRA_LISTENERS ?? 0);
  for (let i = 0; i < extra; i++) groundcrew.slack.app.action(`bench.extra-${i}`, async ({ ack }) => ack());
  const server = await groundcrew.start();
  if (!server) throw new Error('groundcrew started in Socket Mode; the benchmark needs HTTP');
  serveChild((server.address() as AddressInfo).port, groundcrew.slack.app, () => groundcrew.stop(2000));
} catch (error) {
  reportFailure(error);
}
