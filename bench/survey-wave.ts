/**
 * `npm run bench:survey-wave` (also the last part of `npm run bench`): a 5,000-person survey wave sent to a local
 * stand-in for Slack that enforces chat.postMessage's limits the way pacing.ts reads them — a workspace-wide
 * sustained rate with a burst (GCRA) and a minimum gap per channel — answering HTTP 429 with Retry-After when a
 * call comes too early. Reports the time from the first DM to the last against the rate-limit floor
 * (rateLimitFloorMs), DMs lost and DMs sent twice, for a straight run and for one where groundcrew stops halfway
 * and a new process (same SQLite file) finishes the wave.
 *
 * Limits are scaled (BENCH_SURVEY_SCALE, default 10: 40 DMs/s instead of 4) so a run takes about two minutes
 * rather than 21; the stand-in and the pacer use the same scaled limits, so the ratio to the floor is what Slack's own
 * limits would give. BENCH_SURVEY_SCALE=1 runs at Slack's pace. groundcrew runs in this process (createGroundcrew
 * with every capability, the SQLite backend in a temporary file), the stand-in on a loopback port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGroundcrew, type Groundcrew } from '../src/bootstrap.js';
import { capabilities } from '../src/capabilities.js';
import { type Config, parseEnv, validateTeamConfig } from '../src/config.js';
import { openDb } from '../src/db/client.js';
import { createSilentLogger } from '../src/logger.js';
import { createSurveysCapability } from '../src/surveys/capability.js';
import { type PaceLimits, POST_MESSAGE_LIMITS, rateLimitFloorMs } from '../src/surveys/pacing.js';

const PEOPLE = Number(process.env.BENCH_SURVEY_PEOPLE ?? 5000);
const SCALE = Number(process.env.BENCH_SURVEY_SCALE ?? 10);
const GOAL = 1.1;
const LIMITS: PaceLimits = {
  perSecond: POST_MESSAGE_LIMITS.perSecond * SCALE,
  burst: POST_MESSAGE_LIMITS.burst,
  perChannelMs: POST_MESSAGE_LIMITS.perChannelMs / SCALE,
};
const CHANNEL = 'C0BENCHAUD';
const people = Array.from({ length: PEOPLE }, (_, i) => `U0B${String(i).padStart(7, '0')}`);

/** The stand-in: chat.postMessage under the limits, conversations.members in pages, everything else ok. */
function standIn() {
  const interval = 1000 / LIMITS.perSecond;
  const tolerance = (LIMITS.burst - 1) * interval;
  let tat = 0;
  const lastByChannel = new Map<string, number>();
  const dms = new Map<string, number>();
  const times: number[] = [];
  let limited = 0;
  let ts = 0;

  const read = (req: IncomingMessage) =>
    new Promise<URLSearchParams>((resolve) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => resolve(new URLSearchParams(body)));
    });

  const server: Server = createServer(async (req, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const args = await read(req);
    const json = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (method === 'chat.postMessage') {
      const now = performance.now();
      const channel = String(args.get('channel'));
      const last = lastByChannel.get(channel);
      const earliest = Math.max(tat - tolerance, last === undefined ? 0 : last + LIMITS.perChannelMs);
      if (now < earliest) {
        limited++;
        if (process.env.BENCH_SURVEY_DEBUG) {
          console.log(
            `429 at DM ${times.length}, ${(now - (times[0] ?? now)).toFixed(0)} ms, early by ${(earliest - now).toFixed(1)} ms`,
          );
        }
        json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(Math.ceil((earliest - now) / 1000)) });
        return;
      }
      tat = Math.max(tat, now) + interval;
      lastByChannel.set(channel, now);
      dms.set(channel, (dms.get(channel) ?? 0) + 1);
      times.push(now);
      json(200, { ok: true, channel: `D${channel.slice(1)}`, ts: `1767225600.${String(++ts).padStart(6, '0')}` });
      return;
    }
    if (method === 'conversations.members') {
      const cursor = Number(args.get('cursor') || 0);
      const page = people.slice(cursor, cursor + 1000);
      const next = cursor + 1000 < people.length ? String(cursor + 1000) : '';
      json(200, { ok: true, members: page, response_metadata: { next_cursor: next } });
      return;
    }
    json(200, { ok: true });
  });
  return { server, dms, times, limited: () => limited };
}

async function startGroundcrew(apiUrl: string, dbPath: string): Promise<Groundcrew> {
  const env = parseEnv({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: apiUrl,
    PORT: '0',
    GROUNDCREW_DB: dbPath,
  });
  const team = validateTeamConfig({
    admins: ['U0BENCHADM'],
    platformTeam: ['U0BENCHADM'],
    surveys: [{ id: 'bench', audience: [CHANNEL], resultsChannel: 'C0BENCHRES', schedule: '0 0 1 1 *', openFor: '7d' }],
  });
  const config: Config = { env, team };
  const groundcrew = createGroundcrew({
    config,
    database: openDb(dbPath),
    logger: createSilentLogger(),
    host: '127.0.0.1',
    botIdentity: { botId: 'B0BENCH', botUserId: 'U0BENCHBOT' },
    capabilities: capabilities.map((c) => (c.name === 'surveys' ? createSurveysCapability({ limits: LIMITS }) : c)),
  });
  await groundcrew.slack.start();
  return groundcrew;
}

async function until(check: () => boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function run(restartAt: number | null) {
  const stand = standIn();
  await new Promise<void>((r) => stand.server.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(stand.server.address() as AddressInfo).port}/api/`;
  const dir = mkdtempSync(join(tmpdir(), 'groundcrew-bench-survey-'));
  const dbPath = join(dir, 'groundcrew.db');
  const timeout = (rateLimitFloorMs(PEOPLE, LIMITS) + 5000) * 3;
  let restartGap = 0;
  try {
    let groundcrew = await startGroundcrew(apiUrl, dbPath);
    await groundcrew.services.scheduler.runNow('surveys.start-bench', 'manual');
    if (restartAt !== null) {
      await until(() => stand.times.length >= restartAt, timeout);
      const stoppedAt = performance.now();
      await groundcrew.stop();
      groundcrew = await startGroundcrew(apiUrl, dbPath);
      // The restarted process resumes from the database on its sweep (the scheduler's every-minute tick).
      await groundcrew.services.scheduler.runNow('surveys.sweep', 'manual');
      const resumedAt = stand.times.find((t) => t > stoppedAt) ?? performance.now();
      const lastBefore = [...stand.times].filter((t) => t <= stoppedAt).at(-1) ?? stoppedAt;
      restartGap = resumedAt - lastBefore;
    }
    await until(() => stand.dms.size >= PEOPLE, timeout);
    await groundcrew.stop();
  } finally {
    await new Promise((r) => stand.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
  const first = Math.min(...stand.times);
  const last = Math.max(...stand.times);
  const taken = last - first - restartGap;
  const floor = rateLimitFloorMs(PEOPLE, LIMITS);
  const lost = people.filter((p) => !stand.dms.has(p)).length;
  const twice = [...stand.dms.values()].filter((n) => n > 1).length;
  return { taken, floor, ratio: taken / floor, lost, twice, limited: stand.limited(), restartGap };
}

const rows: string[][] = [];
for (const [label, restartAt] of [
  ['straight', null],
  ['restart at half', Math.floor(PEOPLE / 2)],
] as const) {
  const r = await run(restartAt);
  const pass = r.ratio <= GOAL && r.lost === 0 && r.twice === 0;
  rows.push([
    label,
    `${(r.taken / 1000).toFixed(1)} s`,
    `${(r.floor / 1000).toFixed(1)} s`,
    `${r.ratio.toFixed(3)}×`,
    String(r.lost),
    String(r.twice),
    String(r.limited),
    restartAt === null ? '–' : `${(r.restartGap / 1000).toFixed(2)} s (not counted)`,
    pass ? 'PASS' : 'MISS',
  ]);
}
console.log(
  `\nSurvey wave: ${PEOPLE} people, chat.postMessage at ${LIMITS.perSecond}/s, burst ${LIMITS.burst}, ${LIMITS.perChannelMs} ms per channel (Slack's limits × ${SCALE}); goal ≤ ${GOAL}× the floor, 0 lost, 0 twice\n`,
);
const head = ['run', 'first→last DM', 'floor', 'ratio', 'lost', 'twice', '429s', 'restart gap', 'goal'];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
process.exit(rows.every((r) => r[4] === '0' && r[5] === '0') ? 0 : 1);
