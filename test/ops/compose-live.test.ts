import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicaStand, type ReplicaStand } from '../replicas/support.js';
import { headerYaml, supportYaml } from '../support/config-yaml.js';
import { eventCallback } from '../support/payloads.js';
import { signedHeaders } from '../support/signing.js';
import { NO_TEST_PG } from '../support/test-db.js';
import { eventually } from '../support/wait.js';
import { freePort, type Proc, ROOT, spawnWithEnv, tempDir } from './support.js';

/**
 * The docker-compose.yml topology run for real, without a Docker engine: the same compose/Caddyfile in front of two
 * groundcrew processes on one PostgreSQL database. Compose resolves `groundcrew-1:3000`; here the Caddyfile's
 * GROUNDCREW_UPSTREAMS points at the two processes' loopback ports instead. compose.test.ts checks the rest of the
 * compose file offline (images, volumes, health checks).
 *
 * Needs Caddy (Debian's `caddy` package; .ci/run installs it). Outside CI a machine without Caddy skips this file;
 * GROUNDCREW_TEST_REQUIRE_CADDY=1 (set by .ci/run) turns a missing Caddy into a failure instead.
 */
const HAS_CADDY = spawnSync('caddy', ['version'], { encoding: 'utf8' }).status === 0;
const REQUIRE_CADDY = process.env.GROUNDCREW_TEST_REQUIRE_CADDY === '1';
const HELP = 'C0HELPPROX';
const YAML = headerYaml('U0ADMIN01') + supportYaml(HELP);

describe.runIf(REQUIRE_CADDY)('the compose proxy, required here', () => {
  it('finds Caddy installed', () => {
    expect(HAS_CADDY, 'caddy is not installed: apt-get install caddy').toBe(true);
  });
});

describe.skipIf(!HAS_CADDY || NO_TEST_PG)('compose/Caddyfile in front of two replicas', { timeout: 240_000 }, () => {
  let stand: ReplicaStand;
  let caddy: Proc;
  let proxy: string;
  let sent = 0;

  /** A help-channel question from its own person, sent through the proxy as Slack would; the HTTP status. */
  async function ask(i = ++sent, retryNum?: number): Promise<number> {
    const ts = `1763892000.${String(i).padStart(6, '0')}`;
    const user = `U0PX${String(i).padStart(5, '0')}`;
    const body = JSON.stringify(
      eventCallback(
        { type: 'message', channel: HELP, channel_type: 'channel', user, text: `Question ${i}?`, ts, event_ts: ts },
        { eventId: `Ev0PROXY${String(i).padStart(4, '0')}` },
      ),
    );
    const headers: Record<string, string> = signedHeaders(body, { contentType: 'application/json' });
    if (retryNum !== undefined) Object.assign(headers, { 'x-slack-retry-num': String(retryNum) });
    const response = await fetch(`${proxy}/slack/events`, { method: 'POST', body, headers });
    return response.status;
  }
  /** Slack's delivery: an answer other than 200 is redelivered (up to 3 times); the statuses of every try. */
  async function deliver(): Promise<number[]> {
    const i = ++sent;
    const statuses = [await ask(i)];
    for (let retry = 1; statuses.at(-1) !== 200 && retry <= 3; retry++) statuses.push(await ask(i, retry));
    return statuses;
  }
  /** Thread replies to questions, with the replica that posted each. */
  const replies = () =>
    stand.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === HELP && c.args.thread_ts);

  beforeAll(async () => {
    stand = await createReplicaStand({ backend: 'postgres', yaml: YAML });
    const [one, two] = await Promise.all([stand.start('groundcrew-1'), stand.start('groundcrew-2')]);
    const port = await freePort();
    const home = tempDir('groundcrew-caddy-');
    caddy = spawnWithEnv(
      'caddy',
      ['run', '--config', join(ROOT, 'compose/Caddyfile'), '--adapter', 'caddyfile'],
      {
        HOME: home,
        XDG_DATA_HOME: join(home, 'data'),
        XDG_CONFIG_HOME: join(home, 'config'),
        GROUNDCREW_SITE: `:${port}`,
        GROUNDCREW_UPSTREAMS: `127.0.0.1:${one!.port} 127.0.0.1:${two!.port}`,
        GROUNDCREW_PROXY_ADMIN: `127.0.0.1:${await freePort()}`,
      },
      home,
    );
    proxy = `http://127.0.0.1:${port}`;
    await eventually(
      async () => {
        if (caddy.exitCode !== null) throw new Error(`caddy exited with ${caddy.exitCode}`);
        return fetch(`${proxy}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      { what: 'the proxy to answer /healthz', timeoutMs: 30_000, describe: () => caddy.output() },
    );
  }, 240_000);

  afterAll(async () => {
    if (caddy && caddy.exitCode === null) {
      const exited = new Promise((resolve) => caddy.once('exit', resolve));
      caddy.kill('SIGKILL');
      await exited;
    }
    await stand?.dispose();
  });

  it('spreads Slack requests over both replicas, and each question becomes one ticket', async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => ask()));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await eventually(() => new Set(replies().map((c) => c.args.thread_ts)).size === 20, {
      what: '20 questions answered in their threads',
      timeoutMs: 60_000,
      describe: () => stand.output(),
    });
    // round_robin: both processes took questions.
    expect(new Set(replies().map((c) => c.replica))).toEqual(new Set(['groundcrew-1', 'groundcrew-2']));
    expect(await stand.count(`support_tickets where channel_id = '${HELP}'`)).toBe(20);
    expect(replies()).toHaveLength(20);
  });

  it('keeps answering through the proxy when one replica is killed', async () => {
    await stand.replicas[0]!.kill9();
    // A try that picks the dead replica fails to connect and goes to the other one (lb_try_duration): no connection is
    // kept open to a replica, so none is found dead under a request (compose/Caddyfile says why).
    const tries: number[][] = [];
    for (let i = 0; i < 10; i++) tries.push(await deliver());
    expect(
      tries.every((statuses) => statuses.at(-1) === 200),
      JSON.stringify(tries),
    ).toBe(true);
    expect(tries.flat()).toEqual(Array(10).fill(200));
    await eventually(() => new Set(replies().map((c) => c.args.thread_ts)).size === 30, {
      what: '30 questions answered in their threads',
      timeoutMs: 60_000,
      describe: () => stand.output(),
    });
    expect(
      replies()
        .slice(20)
        .every((c) => c.replica === 'groundcrew-2'),
    ).toBe(true);
    expect(await stand.count(`support_tickets where channel_id = '${HELP}'`)).toBe(30);
  });
});
