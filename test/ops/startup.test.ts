import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BOT_AUTH,
  freePort,
  type Proc,
  runToExit,
  SPAWN_BUDGET_MS,
  slackStub,
  startTsx,
  waitFor,
  workdir,
} from './support.js';

/** `npm start` with a token Slack refuses, or with Slack out of reach: one clear line, never a stack trace. */
const SECRET = 'startup-signing-secret';
const YAML = 'timezone: Europe/Berlin\nadmins: [U0ADMIN01]\nplatformTeam: [U0PLAT001]\n';

let child: Proc | undefined;
const servers: Server[] = [];
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function env(apiUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const dir = workdir(YAML);
  return {
    SLACK_BOT_TOKEN: 'xoxb-startup',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: apiUrl,
    PORT: '0',
    GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
    GROUNDCREW_DB: join(dir, 'gc.db'),
    ...extra,
  };
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('a token Slack refuses stops the start with one line naming SLACK_BOT_TOKEN, exit 2', {
  timeout: 60_000,
}, () => {
  it.each(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked'])('auth.test → %s', async (error) => {
    const stub = await slackStub(() => ({ body: { ok: false, error } }));
    servers.push(stub.server);
    const result = await runToExit('src/main.ts', env(stub.url));
    expect(result.code).toBe(2);
    const problems = result.stderr.split('\n').filter((l) => l.includes('SLACK_BOT_TOKEN'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`Slack rejected SLACK_BOT_TOKEN (${error})`);
    expect(result.stdout + result.stderr).not.toContain('groundcrew is running');
    noStack(result.stderr);
    expect(stub.calls.map((c) => c.method)).toEqual(['auth.test']);
  });

  it('a user token that auth.test accepts (no bot_id) is not a bot token', async () => {
    const stub = await slackStub(() => ({ body: { ...BOT_AUTH, bot_id: undefined, user_id: 'U0PERSON1' } }));
    servers.push(stub.server);
    const result = await runToExit('src/main.ts', env(stub.url));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'SLACK_BOT_TOKEN is not a bot token: auth.test answered for U0PERSON1 with no bot_id',
    );
    expect(result.stdout + result.stderr).not.toContain('groundcrew is running');
    noStack(result.stderr);
  });

  it('an app-level token in its place is named as such, without asking Slack', async () => {
    const stub = await slackStub(() => ({ body: BOT_AUTH }));
    servers.push(stub.server);
    const result = await runToExit('src/main.ts', env(stub.url, { SLACK_BOT_TOKEN: 'xapp-1-A0-123-abc' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'SLACK_BOT_TOKEN holds an app-level token (xapp-…); that one belongs in SLACK_APP_TOKEN',
    );
    expect(stub.calls).toEqual([]);
    noStack(result.stderr);
  });
});

describe('Slack out of reach', () => {
  it('says where and why once per attempt, backs off, answers /healthz 503, and starts once Slack answers', async () => {
    const slackPort = await freePort();
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${slackPort}/api/`;
    child = startTsx('src/main.ts', env(apiUrl, { PORT: String(port) }));
    const attempts = () =>
      `${child!.streams().stdout}${child!.streams().stderr}`
        .split('\n')
        .filter((l) => l.includes('could not be reached'));
    await waitFor(() => attempts().length >= 2, 'two failed attempts', SPAWN_BUDGET_MS);
    expect(attempts()[0]).toContain(`Slack's Web API at ${apiUrl} could not be reached: connect ECONNREFUSED`);
    expect(attempts()[0]).toContain('retrying in 1 s (attempt 1)');
    expect(attempts()[1]).toContain('retrying in 2 s (attempt 2)');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, slack: 'unreachable' });

    const stub = await slackStub(() => ({ body: BOT_AUTH }), slackPort);
    servers.push(stub.server);
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      'healthy after Slack answered',
      SPAWN_BUDGET_MS,
    );
    await waitFor(
      () =>
        child!.streams().stderr.includes('groundcrew is running') ||
        child!.streams().stdout.includes('groundcrew is running'),
      'running',
      SPAWN_BUDGET_MS,
    );
    const { stdout, stderr } = child.streams();
    noStack(stderr);
    expect(stdout + stderr).not.toContain('fetch failed');
    // Bolt did not run a second auth.test of its own: the identity came from the check.
    expect(stub.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
  }, 90_000);
});

const DEPLOYS_YAML = `${YAML}deploys:
  channel: C0DEPLOYS1
  environments: [{ name: staging }]
  executors:
    web-actions: { type: github-actions, repo: acme/web, workflow: deploy.yml }
    deployer: { type: webhook, url: "https://deployer.internal/hooks", secret: a-long-enough-shared-secret }
  services:
    - { name: web, environments: [staging], executor: web-actions }
    - { name: worker, environments: [staging], executor: deployer }
`;

describe('callbacks that cannot arrive, GitHub deploys without a token', { timeout: 60_000 }, () => {
  it('warns at start-up naming GROUNDCREW_PUBLIC_URL and GITHUB_TOKEN and the keys', async () => {
    const stub = await slackStub(() => ({ body: BOT_AUTH }));
    servers.push(stub.server);
    const dir = workdir(DEPLOYS_YAML);
    child = startTsx('src/main.ts', env(stub.url, { GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml') }));
    const all = () => child!.streams().stdout + child!.streams().stderr;
    await waitFor(() => all().includes('groundcrew is running'), 'running', SPAWN_BUDGET_MS);
    const text = all();
    const publicUrl = text.split('\n').find((l) => l.includes('GROUNDCREW_PUBLIC_URL is not set'));
    expect(publicUrl).toContain('deploys.executors.deployer call back');
    expect(publicUrl).toContain('http://localhost:0/hooks/');
    const github = text.split('\n').find((l) => l.includes('GITHUB_TOKEN is not set'));
    expect(github).toContain('deploys.executors.web-actions run GitHub workflows');
  });

  it('says nothing of the kind when both are set', async () => {
    const stub = await slackStub(() => ({ body: BOT_AUTH }));
    servers.push(stub.server);
    const dir = workdir(DEPLOYS_YAML);
    child = startTsx(
      'src/main.ts',
      env(stub.url, {
        GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
        GROUNDCREW_PUBLIC_URL: 'https://groundcrew.example.com',
        GITHUB_TOKEN: 'ghp_x',
      }),
    );
    const all = () => child!.streams().stdout + child!.streams().stderr;
    await waitFor(() => all().includes('groundcrew is running'), 'running', SPAWN_BUDGET_MS);
    expect(all()).not.toContain('is not set');
  });
});
