import type { Server } from 'node:http';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import {
  BOT_AUTH,
  freePort,
  type Proc,
  SPAWN_BUDGET_MS,
  type StubAnswer,
  type StubCall,
  slackStub,
  startMain,
  tempDir,
  waitFor,
  workdir,
} from '../ops/support.js';
import { slashCommand } from '../support/payloads.js';
import { signedHeaders, TEST_SIGNING_SECRET } from '../support/signing.js';
import { createTestPostgres, type TestPostgres } from '../support/test-db.js';

/**
 * Several real groundcrew processes on one database, each talking to its own loopback stand-in for Slack's Web API
 * (and GitHub: paths outside /api/ reach `answer` whole), all answered by one function with shared state. The test
 * plays Slack: it sends signed requests to whichever replica it likes, reads which replica asked what of the Web
 * API, and reads the database itself.
 *
 * PostgreSQL: a fresh test database on the GROUNDCREW_TEST_PG server (`GROUNDCREW_DB=postgres://…`).
 * SQLite: one file every replica opens (several processes on one file, as on one host).
 */
export type StandBackend = 'postgres' | 'sqlite';

/** A call to a stand-in, and the replica that made it. */
export type ReplicaCall = StubCall & { replica: string };

export interface Replica {
  /** GROUNDCREW_REPLICA_ID of the process. */
  id: string;
  port: number;
  proc: Proc;
  /** POSTs a body to /slack/events, signed; resolves with the HTTP status and the answer's body. */
  post(body: string, options?: { contentType?: string; retryNum?: number }): Promise<{ status: number; body: string }>;
  /** `/platform <text>` from `userId`; the body is what the command answered in its acknowledgement. */
  command(text: string, userId: string): Promise<{ status: number; body: string }>;
  /** An event callback (JSON); `retryNum` as Slack's X-Slack-Retry-Num on a redelivery. */
  event(payload: object, retryNum?: number): Promise<number>;
  /** A block action or view submission (`payload=`). */
  interaction(payload: object): Promise<number>;
  /** SIGKILL, resolved once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, resolved once the process has exited. */
  stop(): Promise<void>;
  output(): string;
}

export interface ReplicaStand {
  backend: StandBackend;
  /** GROUNDCREW_DB every replica gets. */
  dbUrl: string;
  /** Every call the replicas made to their stand-ins, in arrival order. */
  calls: ReplicaCall[];
  /** Started replicas, in start order (killed ones included). */
  replicas: Replica[];
  /** Starts one more replica and waits until it answers /healthz. */
  start(id: string, env?: Record<string, string>): Promise<Replica>;
  /** Rows of a query on the shared database (no parameters; `n` columns come back as numbers). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** `select count(*) from <from>` as a number. */
  count(from: string): Promise<number>;
  /** Runs a statement that changes the shared database (test set-up). */
  execute(sql: string): Promise<void>;
  /** Everything the replicas printed, for a failure message. */
  output(): string;
  dispose(): Promise<void>;
}

export interface StandOptions {
  backend: StandBackend;
  yaml: string;
  /**
   * Answers a call to the stand-in; undefined falls back to the default (auth.test for the bot, chat.postMessage
   * and chat.update with a channel and a fresh ts, usergroups.users.list empty, everything else `{ ok: true }`); null
   * holds the call unanswered.
   */
  answer?: (call: ReplicaCall) => StubAnswer | null | undefined;
  /** More environment for every replica. */
  env?: Record<string, string>;
}

export function createDefaultAnswer(): (call: StubCall) => StubAnswer {
  let ts = 0;
  return (call) => {
    if (call.method === 'auth.test') return { body: BOT_AUTH };
    if (call.method === 'chat.postMessage' || call.method === 'chat.update') {
      const channel = (call.args.channel ?? 'C0000000').replace(/^U/, 'D');
      const stamp = call.args.ts ?? `1767225600.${String(++ts).padStart(6, '0')}`;
      return { body: { ok: true, channel, ts: stamp } };
    }
    if (call.method === 'usergroups.users.list') return { body: { ok: true, users: [] } };
    return { body: { ok: true } };
  };
}

async function sharedDatabase(backend: StandBackend): Promise<{ url: string; pg?: TestPostgres; file?: string }> {
  if (backend === 'postgres') {
    const database = await createTestPostgres();
    return { url: database.url, pg: database };
  }
  const file = join(tempDir('groundcrew-replicas-'), 'groundcrew.db');
  return { url: file, file };
}

export async function createReplicaStand(options: StandOptions): Promise<ReplicaStand> {
  const database = await sharedDatabase(options.backend);
  const fallback = createDefaultAnswer();
  const calls: ReplicaCall[] = [];
  const servers: Server[] = [];
  const dir = workdir(options.yaml);
  const replicas: Replica[] = [];
  let pool: pg.Pool | undefined;

  async function rows(sql: string): Promise<Record<string, unknown>[]> {
    if (options.backend === 'postgres') {
      pool ??= new pg.Pool({ connectionString: database.url, max: 2 });
      return (await pool.query(sql)).rows.map(numbersForCounts);
    }
    const sqlite = new Sqlite(database.file!, { readonly: true, fileMustExist: true });
    try {
      return sqlite.prepare(sql).all() as Record<string, unknown>[];
    } finally {
      sqlite.close();
    }
  }

  async function execute(sql: string): Promise<void> {
    if (options.backend === 'postgres') {
      pool ??= new pg.Pool({ connectionString: database.url, max: 2 });
      await pool.query(sql);
      return;
    }
    const sqlite = new Sqlite(database.file!, { fileMustExist: true });
    try {
      sqlite.exec(sql);
    } finally {
      sqlite.close();
    }
  }

  async function start(id: string, env: Record<string, string> = {}): Promise<Replica> {
    const stub = await slackStub((method, args) => {
      const call: ReplicaCall = { replica: id, method, args };
      calls.push(call);
      const custom = options.answer?.(call);
      return custom === undefined ? fallback(call) : custom;
    });
    servers.push(stub.server);
    const base = stub.url.replace(/\/api\/$/, '');
    const port = await freePort();
    const proc = startMain({
      SLACK_BOT_TOKEN: 'xoxb-replicas',
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: stub.url,
      GITHUB_API_URL: base,
      GITHUB_TOKEN: 'ghp_replicas',
      PORT: String(port),
      GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
      GROUNDCREW_DB: database.url,
      GROUNDCREW_REPLICA_ID: id,
      ...options.env,
      ...env,
    });
    const output = () => `--- ${id}\n${proc.output()}`;
    const post: Replica['post'] = async (body, postOptions = {}) => {
      const headers: Record<string, string> = signedHeaders(
        body,
        postOptions.contentType ? { contentType: postOptions.contentType } : {},
      );
      if (postOptions.retryNum !== undefined) {
        headers['x-slack-retry-num'] = String(postOptions.retryNum);
        headers['x-slack-retry-reason'] = 'http_timeout';
      }
      const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body, headers });
      return { status: response.status, body: await response.text() };
    };
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const replica: Replica = {
      id,
      port,
      proc,
      post,
      command: (text, userId) => post(new URLSearchParams({ ...slashCommand(text, { user_id: userId }) }).toString()),
      event: async (payload, retryNum) =>
        (
          await post(JSON.stringify(payload), {
            contentType: 'application/json',
            ...(retryNum === undefined ? {} : { retryNum }),
          })
        ).status,
      interaction: async (payload) =>
        (await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())).status,
      async kill9() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await exited;
      },
      async stop() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        await exited;
      },
      output,
    };
    replicas.push(replica);
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`${id} exited with ${proc.exitCode}\n${output()}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      `${id} to answer on :${port}`,
      SPAWN_BUDGET_MS,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output()}`);
    });
    return replica;
  }

  return {
    backend: options.backend,
    dbUrl: database.url,
    calls,
    replicas,
    start,
    rows,
    async count(from) {
      const [row] = await rows(`select count(*) as n from ${from}`);
      return Number(row?.n);
    },
    execute,
    output: () => replicas.map((r) => r.output()).join('\n'),
    async dispose() {
      await Promise.all(replicas.map((r) => r.kill9()));
      for (const server of servers) await closeServer(server);
      await pool?.end();
      await database.pg?.drop();
    },
  };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** PostgreSQL's count(*) is a bigint, which node-postgres returns as a string. */
function numbersForCounts(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = key === 'n' && typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}
