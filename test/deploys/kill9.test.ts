import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { freePort, type Proc, startTsx } from '../ops/support.js';
import { deploysYaml, headerYaml } from '../support/config-yaml.js';
import { formEncode, messageButton, slashCommand } from '../support/payloads.js';
import { signedHeaders } from '../support/signing.js';
import { eventually } from '../support/wait.js';

/**
 * kill -9 in the middle of a deploy, then a restart on the same database file: nothing lost, nothing done twice,
 * nothing stuck. The real process (`src/main.ts`) runs against one loopback stand-in for Slack's Web API and GitHub.
 * The step to stop at is made by the stand-in holding an answer: here GitHub holds the dispatch (the run has
 * started on its side, groundcrew has not heard), the step where a crash used to lose a deploy that ran.
 *
 * The restarted process finds the run on the `deploys.poll-runs` tick (every minute, real time), so a test may take
 * up to ~80 s on top of the process starts (15-18 s each on a loaded 2-core machine).
 */
vi.setConfig({ testTimeout: 200_000 });
const START_MS = 60_000;
const SECRET = 'kill9-signing-secret';
const CHANNEL = 'C0DEPLOYS1';
const ENGINEER = 'U02ABC3DEFG';
const RUN_ID = 9001;
const ADMIN = 'U0ADMIN01';
const APPROVER = 'U0APPROVE1';

const YAML = headerYaml(ADMIN) + deploysYaml(CHANNEL, { count: 1, approvers: [APPROVER] });

interface Call {
  method: string;
  body: string;
}

/** Slack's Web API under /api/, GitHub's REST API everywhere else; `holdDispatch` never answers a dispatch. */
async function standIn(options: {
  holdDispatch?: () => boolean;
  holdStatusPost?: () => boolean;
  holdApproverCard?: () => boolean;
}) {
  const calls: Call[] = [];
  let ts = 0;
  let dispatchedAt: string | null = null;
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = (req.url ?? '').split('?')[0]!;
    const method = path.startsWith('/api/') ? path.slice('/api/'.length) : `${req.method} ${path}`;
    calls.push({ method, body });
    const json = (value: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (method === 'auth.test') return json({ ok: true, user_id: 'U0BOT0001', bot_id: 'B0BOT0001', team_id: 'T1' });
    if (method === 'chat.postMessage') {
      const args = new URLSearchParams(body);
      const status = args.get('channel') === CHANNEL && !args.get('thread_ts');
      if (status && options.holdStatusPost?.()) return; // Slack never answers this one
      if (args.get('channel') === APPROVER && options.holdApproverCard?.()) return;
      return json({ ok: true, channel: args.get('channel'), ts: `1767225600.${String(++ts).padStart(6, '0')}` });
    }
    if (method === 'views.publish') return json({ ok: true, view: { id: 'V1' } });
    if (method === 'POST /repos/acme/web/actions/workflows/deploy.yml/dispatches') {
      dispatchedAt ??= new Date().toISOString();
      if (options.holdDispatch?.()) return; // GitHub took it; the answer never comes
      return json({ workflow_run_id: RUN_ID, html_url: `https://github.com/acme/web/actions/runs/${RUN_ID}` });
    }
    if (method === 'GET /repos/acme/web/actions/workflows/deploy.yml/runs') {
      const runs = dispatchedAt
        ? [
            {
              id: RUN_ID,
              created_at: dispatchedAt,
              head_branch: 'main',
              html_url: `https://github.com/acme/web/actions/runs/${RUN_ID}`,
            },
          ]
        : [];
      return json({ total_count: runs.length, workflow_runs: runs });
    }
    if (method === `GET /repos/acme/web/actions/runs/${RUN_ID}`) {
      return json({
        id: RUN_ID,
        status: 'in_progress',
        conclusion: null,
        html_url: `https://github.com/acme/web/actions/runs/${RUN_ID}`,
      });
    }
    if (path.startsWith('/api/')) return json({ ok: true });
    return json({ message: 'Not Found' }, 404);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, port, calls };
}

let child: Proc | undefined;
let stub: Server | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
  }
  child = undefined;
  await new Promise((r) => (stub ? stub.close(r) : r(null)));
  stub = undefined;
});

function rows(dbPath: string) {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('select id, status, run_id as runId, message_ts as messageTs from deploys').all() as {
      id: number;
      status: string;
      runId: string | null;
      messageTs: string | null;
    }[];
  } finally {
    db.close();
  }
}

function query(dbPath: string, sql: string): Record<string, unknown>[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

async function start(env: Record<string, string>, port: number): Promise<Proc> {
  const started = startTsx('src/main.ts', env);
  await eventually(
    () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      ),
    { timeoutMs: START_MS, what: 'groundcrew to come up', describe: () => started.output() },
  );
  return started;
}

/** A stand-in for Slack and GitHub, a free port, a team file and a database path, and signed requests to the app. */
async function kill9Stand(options: Parameters<typeof standIn>[0]) {
  const fake = await standIn(options);
  stub = fake.server;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'groundcrew-kill9-'));
  writeFileSync(join(dir, 'groundcrew.yml'), YAML);
  const dbPath = join(dir, 'gc.db');
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-kill9',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `http://127.0.0.1:${fake.port}/api/`,
    GITHUB_API_URL: `http://127.0.0.1:${fake.port}`,
    GITHUB_TOKEN: 'ghp_kill9',
    PORT: String(port),
    GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
    GROUNDCREW_DB: dbPath,
  };
  const send = async (payload: Record<string, string>) => {
    const body = formEncode(payload);
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      body,
      headers: signedHeaders(body, { secret: SECRET }),
    });
    await response.arrayBuffer();
    return response.status;
  };
  return { fake, port, dbPath, env, send };
}

/** The approver's click on Approve of a posted card, with the button value and block id Slack would send back. */
function approveClick(cardBody: string) {
  const blocks = JSON.parse(new URLSearchParams(cardBody).get('blocks') ?? '[]') as {
    type: string;
    block_id?: string;
    elements?: { action_id?: string; value?: string }[];
  }[];
  const actions = blocks.find((b) => b.type === 'actions');
  const approve = actions?.elements?.find((e) => e.action_id === APPROVAL_IDS.approveButton);
  expect(approve?.value).toBeDefined();
  return messageButton({
    userId: APPROVER,
    actionId: APPROVAL_IDS.approveButton,
    value: approve!.value!,
    blockId: actions!.block_id!,
    channelId: 'D0APPROVE1',
    messageTs: '1767225600.000099',
  });
}

// SQLite only (the file chooses its database itself, so .ci/run runs it once): the real process runs on a SQLite file
// the test reads between the kill and the restart. On PostgreSQL, kill -9 of the replica running a deploy is
// test/replicas/two-replicas.test.ts, and the in-process restarts of test/deploys/executors.test.ts run on both.
describe('kill -9 during a deploy, then a restart on the same database', () => {
  it('killed while GitHub holds the dispatch: the run is found after the restart and followed; one dispatch, one status message', async () => {
    let hold = true;
    const { fake, port, dbPath, env } = await kill9Stand({ holdDispatch: () => hold });
    child = await start(env, port);

    const body = formEncode({ ...slashCommand('deploy web staging', { user_id: ENGINEER }) });
    const ack = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      body,
      headers: signedHeaders(body, { secret: SECRET }),
    });
    expect(ack.status).toBe(200);
    const dispatches = () => fake.calls.filter((c) => c.method.endsWith('/dispatches')).length;
    await eventually(() => dispatches() === 1, { what: 'the dispatch to reach GitHub' });
    // The claim was stored before the dispatch went out.
    expect(rows(dbPath)).toEqual([{ id: 1, status: 'starting', runId: null, messageTs: null }]);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    hold = false;
    child = await start(env, port);

    // Nothing stuck: the restarted process finds run 9001 among the workflow's runs and follows it.
    await eventually(() => rows(dbPath)[0]?.status === 'running' && rows(dbPath)[0]?.messageTs !== null, {
      timeoutMs: 100_000,
      what: 'the deploy to be found running after the restart',
      describe: () => JSON.stringify({ rows: rows(dbPath), calls: fake.calls.map((c) => c.method) }),
    });
    const statusPosts = () =>
      fake.calls.filter((c) => {
        if (c.method !== 'chat.postMessage') return false;
        const args = new URLSearchParams(c.body);
        return (
          args.get('channel') === CHANNEL && !args.get('thread_ts') && String(args.get('text')).startsWith('Deploy #')
        );
      });
    await eventually(() => statusPosts().length >= 1);
    // Nothing lost, nothing done twice.
    expect(rows(dbPath)).toEqual([{ id: 1, status: 'running', runId: String(RUN_ID), messageTs: expect.any(String) }]);
    expect(dispatches()).toBe(1);
    expect(statusPosts()).toHaveLength(1);
    expect(new URLSearchParams(statusPosts()[0]!.body).get('text')).toBe('Deploy #1 · web → staging (main): Running');
  });

  it('killed while the status message is being posted: after the restart it is posted, the run still followed, no second dispatch', async () => {
    let hold = true;
    const { fake, port, dbPath, env } = await kill9Stand({ holdStatusPost: () => hold });
    child = await start(env, port);
    const body = formEncode({ ...slashCommand('deploy web staging', { user_id: ENGINEER }) });
    await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      body,
      headers: signedHeaders(body, { secret: SECRET }),
    });
    const statusPosts = () =>
      fake.calls.filter((c) => {
        if (c.method !== 'chat.postMessage') return false;
        const args = new URLSearchParams(c.body);
        return args.get('channel') === CHANNEL && !args.get('thread_ts');
      });
    await eventually(() => statusPosts().length === 1, { what: 'the status message post to reach Slack' });
    expect(rows(dbPath)).toEqual([{ id: 1, status: 'running', runId: String(RUN_ID), messageTs: null }]);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    hold = false;
    child = await start(env, port);

    await eventually(() => rows(dbPath)[0]?.messageTs !== null, {
      timeoutMs: 100_000,
      what: 'the status message to be posted after the restart',
      describe: () => JSON.stringify({ rows: rows(dbPath), calls: fake.calls.map((c) => c.method) }),
    });
    expect(rows(dbPath)).toEqual([{ id: 1, status: 'running', runId: String(RUN_ID), messageTs: expect.any(String) }]);
    expect(fake.calls.filter((c) => c.method.endsWith('/dispatches'))).toHaveLength(1);
    // The post cut by the kill was never answered; the one after the restart was. (Had Slack stored the first
    // one, there would be two messages: chat.postMessage has no idempotency key — docs/security.md, known limit.)
    expect(statusPosts()).toHaveLength(2);
    expect(new URLSearchParams(statusPosts()[1]!.body).get('text')).toBe('Deploy #1 · web → staging (main): Running');
  });

  it('killed while the approver card is being posted: the card goes out after the restart and approving it dispatches once', async () => {
    let hold = true;
    const { fake, port, dbPath, env, send } = await kill9Stand({ holdApproverCard: () => hold });
    child = await start(env, port);
    expect(await send({ ...slashCommand('deploy web production', { user_id: ENGINEER }) })).toBe(200);
    const cards = () =>
      fake.calls.filter(
        (c) => c.method === 'chat.postMessage' && new URLSearchParams(c.body).get('channel') === APPROVER,
      );
    await eventually(() => cards().length === 1, { what: 'the approver card to reach Slack' });
    // Link first, post after: the deploy knows its approval before any card goes out.
    expect(query(dbPath, 'select status, approval_id from deploys')).toEqual([
      { status: 'awaiting_approval', approval_id: 1 },
    ]);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    hold = false;
    child = await start(env, port);

    const finishedRuns = () =>
      query(
        dbPath,
        "select count(*) as n from job_runs where job = 'approvals.resend-cards' and finished_at is not null",
      )[0]!.n as number;
    // The killed process still holds the claim on posting this approval's cards until it runs out
    // (CARDS_LEASE_TTL_MS, 15 s): run the resend sweep once a second until the card goes out.
    let swept = 0;
    await eventually(
      async () => {
        if (Date.now() - swept >= 1000) {
          swept = Date.now();
          expect(await send({ ...slashCommand('admin run approvals.resend-cards', { user_id: ADMIN }) })).toBe(200);
        }
        return cards().length === 2;
      },
      { timeoutMs: START_MS, what: 'the card to be posted after the restart' },
    );
    // Slack got the post; its row is stored once the answer is back.
    await eventually(() => query(dbPath, 'select user_id from approval_messages').length > 0, {
      what: 'the posted card stored',
    });
    expect(query(dbPath, 'select user_id from approval_messages')).toEqual([{ user_id: APPROVER }]);

    // Approve on the card posted after the restart (its button value as Slack would send it back).
    expect(await send({ payload: JSON.stringify(approveClick(cards()[1]!.body)) })).toBe(200);
    await eventually(() => rows(dbPath)[0]?.status === 'running', {
      timeoutMs: START_MS,
      what: 'the approved deploy to run',
      describe: () => JSON.stringify({ rows: rows(dbPath), calls: fake.calls.map((c) => c.method) }),
    });
    expect(query(dbPath, 'select status from approvals')).toEqual([{ status: 'approved' }]);
    expect(fake.calls.filter((c) => c.method.endsWith('/dispatches'))).toHaveLength(1);
    // Nothing twice: another sweep posts no third card.
    const again = finishedRuns();
    expect(await send({ ...slashCommand('admin run approvals.resend-cards', { user_id: ADMIN }) })).toBe(200);
    await eventually(() => finishedRuns() > again, { timeoutMs: START_MS, what: 'one more resend sweep' });
    expect(cards()).toHaveLength(2);
  });
  it('killed after the deploy row, before its approval was linked: after the restart it is asked for once and approving it dispatches once', async () => {
    // A production deploy posts its status message before it asks for approval: holding that post and killing the
    // process leaves the row stored, still `requested`, with no approval linked.
    let hold = true;
    const { fake, port, dbPath, env, send } = await kill9Stand({ holdStatusPost: () => hold });
    child = await start(env, port);
    expect(await send({ ...slashCommand('deploy web production', { user_id: ENGINEER }) })).toBe(200);
    const statusPosts = () =>
      fake.calls.filter((c) => {
        if (c.method !== 'chat.postMessage') return false;
        const args = new URLSearchParams(c.body);
        return args.get('channel') === CHANNEL && !args.get('thread_ts');
      });
    await eventually(() => statusPosts().length === 1, { what: 'the status message post to reach Slack' });
    expect(query(dbPath, 'select status, approval_id from deploys')).toEqual([
      { status: 'requested', approval_id: null },
    ]);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    hold = false;
    child = await start(env, port);

    const cards = () =>
      fake.calls.filter(
        (c) => c.method === 'chat.postMessage' && new URLSearchParams(c.body).get('channel') === APPROVER,
      );
    // deploys.poll-runs asks for a deploy left requested once it is a minute old and no process holds its start:
    // run it every few seconds until the approver's card goes out.
    let swept = 0;
    await eventually(
      async () => {
        if (Date.now() - swept >= 3000) {
          swept = Date.now();
          expect(await send({ ...slashCommand('admin run deploys.poll-runs', { user_id: ADMIN }) })).toBe(200);
        }
        return cards().length === 1;
      },
      {
        timeoutMs: 150_000,
        what: 'the approver card after the restart',
        describe: () => JSON.stringify({ deploys: query(dbPath, 'select status, approval_id from deploys') }),
      },
    );
    await eventually(() => query(dbPath, 'select user_id from approval_messages').length > 0, {
      what: 'the posted card stored',
    });
    expect(query(dbPath, 'select status, approval_id from deploys')).toEqual([
      { status: 'awaiting_approval', approval_id: 1 },
    ]);

    expect(await send({ payload: JSON.stringify(approveClick(cards()[0]!.body)) })).toBe(200);
    await eventually(() => rows(dbPath)[0]?.status === 'running', {
      timeoutMs: START_MS,
      what: 'the approved deploy to run',
      describe: () => JSON.stringify({ rows: rows(dbPath), calls: fake.calls.map((c) => c.method) }),
    });
    expect(fake.calls.filter((c) => c.method.endsWith('/dispatches'))).toHaveLength(1);
    expect(query(dbPath, 'select count(*) as n from approvals')).toEqual([{ n: 1 }]);
    expect(cards()).toHaveLength(1);
  });
});
