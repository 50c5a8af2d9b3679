import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readManifestScopes } from '../../src/ops/manifest.js';
import { BOT_AUTH, runToExit, type StubAnswer, slackStub, workdir } from './support.js';

/** `npm run doctor` as a real process against a loopback Slack and GitHub. */
const SCOPES = readManifestScopes()!.join(',');
const YAML = `timezone: Europe/Berlin
admins: [U0ADMIN01]
platformTeam: [S0PLATFORM]
deploys:
  channel: C0DEPLOYS1
  environments: [{ name: staging }]
  executors:
    web-actions: { type: github-actions, repo: acme/web, workflow: deploy.yml }
    deployer: { type: webhook, url: "https://deployer.internal/hooks", secret: a-long-enough-shared-secret }
  services:
    - { name: web, environments: [staging], executor: web-actions }
    - { name: worker, environments: [staging], executor: deployer }
requests:
  channel: C0REQUEST1
  types:
    - id: repo
      title: New repository
      description: A repository on GitHub
      fulfilment: manual
`;

type Overrides = Record<string, StubAnswer>;

/** Slack and GitHub as they answer when everything is in order; `overrides` replace single methods. */
function healthy(overrides: Overrides = {}) {
  return (method: string, args: Record<string, string>): StubAnswer => {
    const override = overrides[method];
    if (override) return override;
    switch (method) {
      case 'auth.test':
        return { body: BOT_AUTH, headers: { 'x-oauth-scopes': SCOPES } };
      case 'conversations.info':
        return {
          body: { ok: true, channel: { id: args.channel, name: 'deploys', is_member: true, is_archived: false } },
        };
      case 'users.info':
        return { body: { ok: false, error: 'missing_scope', needed: 'users:read' } };
      case 'usergroups.list':
        return { body: { ok: true, usergroups: [{ id: 'S0PLATFORM', handle: 'platform', date_delete: 0 }] } };
      case '/gh/repos/acme/web/actions/workflows/deploy.yml':
        return { body: { id: 1, name: 'Deploy', state: 'active' } };
      default:
        return { body: { ok: false, error: 'unknown_method' }, status: 404 };
    }
  };
}

let stub: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (stub ? stub.close(r) : r(null)));
  stub = undefined;
});

async function doctor(overrides: Overrides = {}, env: Record<string, string> = {}, yaml = YAML) {
  const started = await slackStub(healthy(overrides));
  stub = started.server;
  const dir = workdir(yaml);
  const result = await runToExit('src/ops/doctor-cli.ts', {
    SLACK_BOT_TOKEN: 'xoxb-doctor',
    SLACK_SIGNING_SECRET: 'doctor-secret',
    SLACK_API_URL: started.url,
    GITHUB_API_URL: started.url.replace(/\/api\/$/, '/gh'),
    GITHUB_TOKEN: 'ghp_doctor',
    GROUNDCREW_PUBLIC_URL: 'https://groundcrew.example.com',
    GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
    ...env,
  });
  const fails = result.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
  return { ...result, fails, calls: started.calls };
}

describe('npm run doctor', { timeout: 60_000 }, () => {
  it('all good: exit 0, each check on its line', async () => {
    const result = await doctor();
    expect(result.fails).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok   SLACK_BOT_TOKEN: a bot token (bot B0BOT0001, user U0BOT0001)');
    expect(result.stdout).toContain('ok   scopes: the token has every scope manifest.yml asks for');
    expect(result.stdout).toContain('ok   deploys.channel C0DEPLOYS1: #deploys (the bot is a member)');
    expect(result.stdout).toContain('ok   platformTeam[0] S0PLATFORM: @platform');
    expect(result.stdout).toContain('ok   deploys.executors.web-actions: GITHUB_TOKEN can see deploy.yml in acme/web');
    expect(result.stdout).toContain('note users: 1 configured user(s) not checked — the token lacks users:read');
    expect(result.stdout).toContain('doctor: all good');
  });

  it('each kind of problem is one line naming its key; exit 1', async () => {
    const result = await doctor(
      {
        'auth.test': {
          body: BOT_AUTH,
          headers: {
            'x-oauth-scopes':
              'commands,chat:write,usergroups:read,users:read,channels:read,groups:read,files:write,channels:history,reactions:read,channels:manage',
          },
        },
        'conversations.info': { body: { ok: false, error: 'channel_not_found' } },
        'users.info': { body: { ok: false, error: 'user_not_found' } },
        'usergroups.list': { body: { ok: true, usergroups: [] } },
        '/gh/repos/acme/web/actions/workflows/deploy.yml': { body: { message: 'Not Found' }, status: 404 },
      },
      { GROUNDCREW_PUBLIC_URL: '' },
    );
    expect(result.code).toBe(1);
    expect(result.fails).toEqual(
      expect.arrayContaining([
        expect.stringContaining('scopes: the token lacks chat:write.public, which manifest.yml asks for'),
        'FAIL deploys.channel C0DEPLOYS1: channel_not_found — the bot cannot see this channel; check the ID, or invite the bot if the channel is private',
        expect.stringContaining('FAIL requests.channel C0REQUEST1: channel_not_found'),
        'FAIL admins[0] U0ADMIN01: user_not_found — no such user in this workspace',
        'FAIL platformTeam[0] S0PLATFORM: no such usergroup in this workspace',
        expect.stringContaining('FAIL GROUNDCREW_PUBLIC_URL is not set, but deploys.executors.deployer call back'),
        expect.stringContaining(
          'FAIL deploys.executors.web-actions: GitHub answered 404 for workflow deploy.yml in acme/web: GITHUB_TOKEN cannot see',
        ),
      ]),
    );
    expect(result.fails).toHaveLength(7);
    expect(result.stdout).toContain('doctor: 7 problem(s)');
  });

  it('a public channel the bot is not in without chat:write.public, no GITHUB_TOKEN, an example secret', async () => {
    const yaml = YAML.replace('a-long-enough-shared-secret', 'replace-with-a-long-random-secret');
    const result = await doctor(
      {
        'auth.test': { body: BOT_AUTH, headers: { 'x-oauth-scopes': SCOPES.replace(',chat:write.public', '') } },
        'conversations.info': { body: { ok: true, channel: { name: 'x', is_member: false, is_archived: false } } },
      },
      { GITHUB_TOKEN: '' },
      yaml,
    );
    expect(result.code).toBe(1);
    expect(result.fails).toEqual(
      expect.arrayContaining([
        expect.stringContaining('FAIL deploys.channel C0DEPLOYS1: not_in_channel — the bot is not a member'),
        expect.stringContaining('FAIL GITHUB_TOKEN is not set, but deploys.executors.web-actions run GitHub workflows'),
        expect.stringContaining("FAIL deploys.executors.deployer.secret: still the example's placeholder"),
      ]),
    );
  });

  it('a token Slack refuses is a problem naming SLACK_BOT_TOKEN', async () => {
    const result = await doctor({ 'auth.test': { body: { ok: false, error: 'token_revoked' } } });
    expect(result.code).toBe(1);
    expect(result.fails[0]).toContain('FAIL Slack rejected SLACK_BOT_TOKEN (token_revoked)');
    expect(result.calls.map((c) => c.method)).toEqual(['auth.test', '/gh/repos/acme/web/actions/workflows/deploy.yml']);
  });

  it('a configuration that does not load: exit 2', async () => {
    const result = await doctor({}, {}, 'admins: [alice]\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('admins[0]: expected a user ID like U0123ABCD, got "alice"');
  });
});
