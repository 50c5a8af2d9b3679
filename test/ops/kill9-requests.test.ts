import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_IDS, actionsBlockId } from '../../src/approvals/slack/ids.js';
import { IDS } from '../../src/requests/slack/ids.js';
import { formState, text } from '../requests/support.js';
import { messageButton, slashCommand, viewSubmission } from '../support/payloads.js';
import { signedHeaders, TEST_SIGNING_SECRET } from '../support/signing.js';
import { SKIP_ON_POSTGRES, sqliteOnly } from '../support/test-db.js';
import { BOT_AUTH, freePort, type Proc, SPAWN_BUDGET_MS, startTsx, waitFor, workdir } from './support.js';

/**
 * kill -9 of the real process in the middle of a request's fulfilment, then a restart on the same database file:
 * nothing lost, nothing done twice, nothing stuck.
 */
const ADMIN = 'U0ADMIN01';
const REQUESTER = 'U02ABC3DEFG';
const APPROVER = 'U0APPROVE1';
const HOOK_SECRET = 'kill9-webhook-secret-000001';

let child: Proc | undefined;
const servers: Server[] = [];
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  args: Record<string, string>;
}

/** A loopback server; `answer` returning null holds the request open (never answered). */
async function server(answer: (seen: Seen) => { status?: number; body: unknown } | null) {
  const seen: Seen[] = [];
  const s = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = (req.url ?? '').split('?')[0]!;
    const entry = { path, headers: req.headers, args: Object.fromEntries(new URLSearchParams(body)) };
    seen.push(entry);
    const reply = answer(entry);
    if (!reply) return;
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return { seen, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

let ts = 0;
function slackAnswer(hold: (seen: Seen) => boolean) {
  return (seen: Seen) => {
    if (hold(seen)) return null;
    const method = seen.path.replace(/^\/api\//, '');
    if (method === 'auth.test') return { body: BOT_AUTH };
    if (method === 'chat.postMessage') {
      const channel = seen.args.channel ?? '';
      return {
        body: { ok: true, channel: channel.replace(/^U/, 'D'), ts: `1767225600.${String(++ts).padStart(6, '0')}` },
      };
    }
    if (method === 'usergroups.users.list') return { body: { ok: true, users: [] } };
    return { body: { ok: true } };
  };
}

function yaml(hookUrl: string): string {
  return `timezone: Europe/Berlin
admins: [${ADMIN}]
platformTeam: [U0PLAT001]
requests:
  channel: C0REQUESTS
  types:
    - id: alert
      title: Monitoring alert
      description: A new alert rule
      fields: [{ id: query, label: Query, type: text, required: true }]
      fulfilment: { webhook: { url: "${hookUrl}/alert", secret: ${HOOK_SECRET}, retries: 2 } }
    - id: access
      title: Access
      description: Access to a thing
      fields: [{ id: query, label: Query, type: text, required: true }]
      approval: { count: 1, approvers: [${APPROVER}], ttl: 1d }
      fulfilment: { webhook: { url: "${hookUrl}/access", secret: ${HOOK_SECRET}, retries: 2 } }
`;
}

async function post(port: number, body: string) {
  const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    body,
    headers: signedHeaders(body),
  });
  await response.arrayBuffer();
  return response.status;
}

const submit = (port: number, typeId: string) =>
  post(
    port,
    new URLSearchParams({
      payload: JSON.stringify(
        viewSubmission({
          userId: REQUESTER,
          callbackId: IDS.formView,
          privateMetadata: JSON.stringify({ typeId }),
          values: formState({ query: text('up == 0') }),
        }),
      ),
    }).toString(),
  );

const runJob = (port: number, job: string) =>
  post(port, new URLSearchParams({ ...slashCommand(`admin run ${job}`, { user_id: ADMIN }) }).toString());

async function start(env: Record<string, string>, port: number): Promise<Proc> {
  const proc = startTsx('src/main.ts', env);
  await waitFor(
    async () =>
      proc.exitCode === null &&
      (await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      )),
    `groundcrew to answer on ${port}`,
    SPAWN_BUDGET_MS,
  ).catch((error) => {
    throw new Error(`${error}\n${proc.streams().stderr}`);
  });
  return proc;
}

function kill9(proc: Proc): Promise<void> {
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

function rows(dbPath: string, sql: string): Record<string, unknown>[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

async function setup(holdSlack: (seen: Seen) => boolean, holdHook: (seen: Seen) => boolean) {
  const slack = await server(slackAnswer(holdSlack));
  const hooks = await server((seen) => (holdHook(seen) ? null : { status: 202, body: { ok: true } }));
  const dir = workdir(yaml(hooks.url));
  const port = await freePort();
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-kill9',
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: `${slack.url}/api/`,
    PORT: String(port),
    GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
    GROUNDCREW_DB: join(dir, 'gc.db'),
  };
  return { slack, hooks, port, env, dbPath: env.GROUNDCREW_DB };
}

/** Runs `job` once more through `/platform admin run` and waits until that run is recorded as finished. */
async function oneMoreRun(t: { port: number; dbPath: string }, job: string): Promise<void> {
  const finished = () =>
    rows(t.dbPath, `select count(*) as n from job_runs where job = '${job}' and finished_at is not null`)[0]
      ?.n as number;
  const before = finished();
  expect(await runJob(t.port, job)).toBe(200);
  await waitFor(() => finished() > before, `one more run of ${job}`, SPAWN_BUDGET_MS);
}

// SQLite only: the real process runs on a SQLite file the test reads between the kill and the restart. On PostgreSQL
// the same crash points are tested in-process (test/requests/crash.test.ts, approval-crash.test.ts, resume.test.ts run
// on the PostgreSQL run's backend), and kill -9 of real processes by test/replicas/event-inbox.test.ts and
// two-replicas.test.ts.
describe.skipIf(SKIP_ON_POSTGRES)(
  sqliteOnly(
    'kill -9 during a request fulfilment, then a restart on the same database',
    'a real process on a SQLite file; PostgreSQL: test/requests/crash.test.ts, approval-crash.test.ts, resume.test.ts, test/replicas/event-inbox.test.ts',
  ),
  { timeout: 120_000 },
  () => {
    it('webhook sent, answer held: after the timeout the next try goes out once, with the same key', async () => {
      let holding = true;
      const t = await setup(
        () => false,
        () => holding,
      );
      child = await start(t.env, t.port);
      expect(await submit(t.port, 'alert')).toBe(200);
      await waitFor(() => t.hooks.seen.length === 1, 'try 1 to reach the receiver', SPAWN_BUDGET_MS);
      await kill9(child);
      expect(rows(t.dbPath, 'select status, webhook_attempts from requests')).toEqual([
        { status: 'submitted', webhook_attempts: 1 },
      ]);
      holding = false;

      child = await start(t.env, t.port);
      // A real process runs on the real clock: sweep until the 10 s webhook timeout has passed and try 2 goes out.
      await waitFor(
        async () => {
          expect(await runJob(t.port, 'requests.retry-webhooks')).toBe(200);
          return t.hooks.seen.length >= 2;
        },
        'try 2 after the webhook timeout',
        30_000,
      );
      await waitFor(
        () => rows(t.dbPath, 'select status from requests')[0]?.status === 'queued',
        'the request to be delivered',
        SPAWN_BUDGET_MS,
      );
      await oneMoreRun(t, 'requests.retry-webhooks');
      expect(
        t.hooks.seen.map((s) => [s.headers['idempotency-key'], s.headers['x-groundcrew-delivery-attempt']]),
      ).toEqual([
        ['request-1', '1'],
        ['request-1', '2'],
      ]);
      expect(rows(t.dbPath, 'select count(*) as n from requests')).toEqual([{ n: 1 }]);
    });

    it('while approval cards post: the held card is posted after the restart, and approving fulfils once', async () => {
      let holding = true;
      const t = await setup(
        (seen) => holding && seen.path === '/api/chat.postMessage' && seen.args.channel === APPROVER,
        () => false,
      );
      child = await start(t.env, t.port);
      expect(await submit(t.port, 'access')).toBe(200);
      await waitFor(
        () => t.slack.seen.some((s) => s.path === '/api/chat.postMessage' && s.args.channel === APPROVER),
        'the approver card to be sent',
        SPAWN_BUDGET_MS,
      );
      await kill9(child);
      expect(rows(t.dbPath, 'select status, approval_id from requests')).toEqual([
        { status: 'awaiting_approval', approval_id: 1 },
      ]);
      holding = false;

      child = await start(t.env, t.port);
      // The killed process still holds the claim on posting these cards until it runs out (CARDS_LEASE_TTL_MS, 15 s):
      // sweep once a second until the cards have gone out.
      let swept = 0;
      await waitFor(
        async () => {
          if (Date.now() - swept >= 1000) {
            swept = Date.now();
            expect(await runJob(t.port, 'approvals.resend-cards')).toBe(200);
          }
          return rows(t.dbPath, 'select cards_sent_at from approvals')[0]?.cards_sent_at !== null;
        },
        'the cards to be sent',
        SPAWN_BUDGET_MS,
      );
      await oneMoreRun(t, 'approvals.resend-cards');
      const cards = t.slack.seen.filter((s) => s.path === '/api/chat.postMessage' && s.args.channel === APPROVER);
      // The held one (Slack never answered it, so groundcrew cannot know it landed) and one after the restart.
      expect(cards).toHaveLength(2);
      expect(rows(t.dbPath, 'select user_id from approval_messages')).toEqual([{ user_id: APPROVER }]);

      // Approving the approval the restart recovered starts the fulfilment: one POST.
      const click = messageButton({
        userId: APPROVER,
        actionId: APPROVAL_IDS.approveButton,
        value: `1.${rows(t.dbPath, 'select nonce from approvals')[0]?.nonce}`,
        blockId: actionsBlockId(1),
        channelId: 'D0APPROVE1',
        messageTs: '1767225600.000009',
      });
      expect(await post(t.port, new URLSearchParams({ payload: JSON.stringify(click) }).toString())).toBe(200);
      await waitFor(
        () => rows(t.dbPath, 'select status from requests')[0]?.status === 'queued',
        'the request to be delivered',
        SPAWN_BUDGET_MS,
      );
      await oneMoreRun(t, 'requests.retry-webhooks');
      expect(t.hooks.seen.map((h) => [h.path, h.headers['idempotency-key']])).toEqual([['/access', 'request-1']]);
    });

    it('right after the row is written (the requester DM held): after the restart the first try goes out once', async () => {
      let holding = true;
      const t = await setup(
        (seen) => holding && seen.path === '/api/chat.postMessage' && seen.args.channel === REQUESTER,
        () => false,
      );
      child = await start(t.env, t.port);
      expect(await submit(t.port, 'alert')).toBe(200);
      await waitFor(
        () => t.slack.seen.some((s) => s.path === '/api/chat.postMessage' && s.args.channel === REQUESTER),
        'the requester DM to be sent',
        SPAWN_BUDGET_MS,
      );
      await kill9(child);
      expect(rows(t.dbPath, 'select status, webhook_attempts, next_attempt_at from requests')).toEqual([
        { status: 'submitted', webhook_attempts: 0, next_attempt_at: null },
      ]);
      expect(t.hooks.seen).toHaveLength(0);
      holding = false;

      child = await start(t.env, t.port);
      // The killed process still holds the claim on taking this request to its first step until it runs out
      // (START_LEASE_TTL_MS, 15 s): run the resume sweep once a second until the request has been delivered.
      let swept = 0;
      await waitFor(
        async () => {
          if (Date.now() - swept >= 1000) {
            swept = Date.now();
            expect(await runJob(t.port, 'requests.resume')).toBe(200);
          }
          return rows(t.dbPath, 'select status from requests')[0]?.status === 'queued';
        },
        'the request to be delivered',
        SPAWN_BUDGET_MS,
      );
      await oneMoreRun(t, 'requests.resume');
      await oneMoreRun(t, 'requests.retry-webhooks');
      expect(
        t.hooks.seen.map((s) => [s.path, s.headers['idempotency-key'], s.headers['x-groundcrew-delivery-attempt']]),
      ).toEqual([['/alert', 'request-1', '1']]);
      expect(rows(t.dbPath, 'select count(*) as n from requests')).toEqual([{ n: 1 }]);
    });
  },
);
