/**
 * Child process: groundcrew as main.ts builds it (createGroundcrew with every capability), on a real SQLite file
 * (WAL), with the Web API pointed at the driver's loopback stub (SLACK_API_URL) and a known bot identity.
 */
import type { AddressInfo } from 'node:net';
import { createGroundcrew } from '../src/bootstrap.js';
import { type Config, parseEnv, validateTeamConfig } from '../src/config.js';
import { openDb } from '../src/db/client.js';
import { createLogger } from '../src/logger.js';
import {
  BENCH_BOT_ID,
  BENCH_BOT_TOKEN,
  BENCH_BOT_USER_ID,
  BENCH_PLATFORM_GROUP,
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
    LOG_LEVEL: 'warn',
  });
  const team = validateTeamConfig({
    timezone: 'Europe/Berlin',
    admins: ['U0ADMIN01'],
    platformTeam: [BENCH_PLATFORM_GROUP],
    channels: { help: 'C0HELP0001', announcements: 'C0ANNOUNCE' },
  });
  const config: Config = { env, team };
  const groundcrew = createGroundcrew({
    config,
    database: openDb(env.GROUNDCREW_DB),
    logger: createLogger(env.LOG_LEVEL),
    botIdentity: { botId: BENCH_BOT_ID, botUserId: BENCH_BOT_USER_ID },
  });
  // BENCH_EXTRA_LISTENERS=N: N more app.action listeners, as capabilities will add. Bolt runs every listener's
  // middleware chain on every request, so this shows what each registered listener costs the `/platform` ack.
  const extra = Number(process.env.BENCH_EXTRA_LISTENERS ?? 0);
  for (let i = 0; i < extra; i++) groundcrew.slack.app.action(`bench.extra-${i}`, async ({ ack }) => ack());
  const server = await groundcrew.start();
  if (!server) throw new Error('groundcrew started in Socket Mode; the benchmark needs HTTP');
  serveChild((server.address() as AddressInfo).port, () => groundcrew.stop(2000));
} catch (error) {
  reportFailure(error);
}
