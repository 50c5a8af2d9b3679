import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { readManifestScopes } from '../../src/ops/manifest.js';
import { DEPLOYS_CHANNEL, deploysSection, GITHUB } from '../deploys/support.js';
import { ADMIN, ackBody, ENGINEER, PLATFORM_GROUP, startTestApp, type TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { HELP, PAT, supportSection, TRIAGE } from '../support-desk/support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  nock.cleanAll();
});

describe('/platform admin doctor', () => {
  it('answers the admin alone with one line per check, problems named by their config key', async () => {
    app = await startTestApp({ team: { deploys: deploysSection() } });
    app.slack.failWith('conversations.info', 'channel_not_found');
    app.slack.on('usergroups.list', () => ({ ok: true, usergroups: [{ id: PLATFORM_GROUP, handle: 'platform' }] }));
    nock(GITHUB).get('/repos/acme/web/actions/workflows/deploy.yml').reply(200, { state: 'active' });

    await app.command('admin doctor', { user_id: ADMIN });
    const [reply] = await app.slack.waitFor('response_url', undefined, { timeoutMs: 10_000 });
    const text = String(reply!.args.text);
    expect(reply!.args.response_type).toBe('ephemeral');
    expect(text).toContain('*Doctor: 2 problem(s).*');
    expect(text).toContain(':white_check_mark: SLACK_BOT_TOKEN: a bot token (bot B0BOT0001, user U0BOT0001)');
    expect(text).toContain(
      `:x: deploys.channel ${DEPLOYS_CHANNEL}: channel_not_found — the bot cannot see this channel; check the ID, or invite the bot if the channel is private`,
    );
    expect(text).toContain(':x: GROUNDCREW_PUBLIC_URL is not set, but deploys.executors.deployer call back');
    expect(text).toContain(`:white_check_mark: platformTeam[0] ${PLATFORM_GROUP}: @platform`);
    expect(text).toContain(
      ':white_check_mark: deploys.executors.web-actions: GITHUB_TOKEN can see deploy.yml in acme/web',
    );
    expect(app.slack.callsTo('conversations.info')[0]?.args.channel).toBe(DEPLOYS_CHANNEL);
  });

  it('checks support: help and triage channels, responders, on-duty people or usergroup, the docs folder', async () => {
    const docs = mkdtempSync(join(tmpdir(), 'doctor-docs-'));
    writeFileSync(join(docs, 'databases.md'), '# Databases\n\n## Backups\n\nNightly.\n');
    app = await startTestApp({ team: { support: supportSection({ docs: { folder: docs } }) } });
    app.slack.on('conversations.info', (args) =>
      args.channel === TRIAGE
        ? { ok: false, error: 'channel_not_found' }
        : { ok: true, channel: { id: args.channel, name: 'platform-help', is_member: true } },
    );
    app.slack.on('usergroups.list', () => ({ ok: true, usergroups: [{ id: PLATFORM_GROUP, handle: 'platform' }] }));
    await app.command('admin doctor', { user_id: ADMIN });
    const [reply] = await app.slack.waitFor('response_url', undefined, { timeoutMs: 10_000 });
    const text = String(reply!.args.text);
    expect(text).toContain(`:white_check_mark: support.channels[0] ${HELP}: #platform-help (the bot is a member)`);
    expect(text).toContain(`:x: support.triageChannel ${TRIAGE}: channel_not_found`);
    expect(text).toContain(`:white_check_mark: support.responders[0] ${PAT}:`);
    expect(text).toContain(`:white_check_mark: support.onDuty.rotation.people[0] ${PAT}:`);
    expect(text).toContain(`:white_check_mark: support.docs.folder ${docs}: 1 Markdown file(s)`);
    await app.stop();

    // An on-duty usergroup Slack does not know, a docs folder that is not there.
    const missing = join(docs, 'not-there');
    app = await startTestApp({
      team: { support: supportSection({ onDuty: { usergroup: 'S0ONDUTY01' }, docs: { folder: missing } }) },
    });
    app.slack.on('usergroups.list', () => ({ ok: true, usergroups: [{ id: PLATFORM_GROUP, handle: 'platform' }] }));
    await app.command('admin doctor', { user_id: ADMIN });
    const [second] = await app.slack.waitFor('response_url', undefined, { timeoutMs: 10_000 });
    const problems = String(second!.args.text);
    expect(problems).toContain(':x: support.onDuty.usergroup S0ONDUTY01: no such usergroup in this workspace');
    expect(problems).toContain(
      `:x: support.docs.folder ${missing}: no such folder (read as ${missing}) — the tier-1 reply would cite no docs`,
    );
  });

  it('fails a private help channel even with the bot in it: groundcrew hears public channels only', async () => {
    app = await startTestApp({ team: { support: supportSection() } });
    app.slack.scopes = readManifestScopes()!.join(',');
    app.slack.on('conversations.info', (args) => ({
      ok: true,
      channel: {
        id: args.channel,
        name: args.channel === HELP ? 'platform-help' : 'platform-triage',
        is_member: true,
        is_private: args.channel === HELP,
      },
    }));
    app.slack.on('usergroups.list', () => ({ ok: true, usergroups: [{ id: PLATFORM_GROUP, handle: 'platform' }] }));
    await app.command('admin doctor', { user_id: ADMIN });
    const [reply] = await app.slack.waitFor('response_url', undefined, { timeoutMs: 10_000 });
    const text = String(reply!.args.text);
    expect(text).toContain(
      `:x: support.channels[0] ${HELP}: #platform-help is private, and groundcrew hears messages in public channels only, so no question there becomes a ticket — use a public help channel`,
    );
    expect(text).toContain(
      `:white_check_mark: support.triageChannel ${TRIAGE}: #platform-triage (the bot is a member)`,
    );
  });

  it('fails a help channel the bot is not in, although chat:write.public lets it post there', async () => {
    app = await startTestApp({ team: { support: supportSection() } });
    app.slack.scopes = readManifestScopes()!.join(',');
    app.slack.on('conversations.info', (args) => ({
      ok: true,
      channel: {
        id: args.channel,
        name: args.channel === HELP ? 'platform-help' : 'platform-triage',
        is_member: false,
      },
    }));
    app.slack.on('usergroups.list', () => ({ ok: true, usergroups: [{ id: PLATFORM_GROUP, handle: 'platform' }] }));
    await app.command('admin doctor', { user_id: ADMIN });
    const [reply] = await app.slack.waitFor('response_url', undefined, { timeoutMs: 10_000 });
    const text = String(reply!.args.text);
    expect(text).toContain(
      `:x: support.channels[0] ${HELP}: the bot is not a member, so Slack sends it no messages from #platform-help and no question becomes a ticket — type \`/invite @groundcrew\` in that channel`,
    );
    // The triage channel is only posted to: public and chat:write.public is enough there.
    expect(text).toContain(
      `:white_check_mark: support.triageChannel ${TRIAGE}: #platform-triage (public, the bot posts with chat:write.public)`,
    );
  });

  it('refuses a member without checking anything', async () => {
    app = await startTestApp({ team: { deploys: deploysSection() } });
    const body = await ackBody(await app.command('admin doctor', { user_id: ENGINEER }));
    expect(body?.text).toContain('`/platform admin doctor` is for groundcrew admins');
    await settled(app);
    expect(app.slack.callsTo('auth.test')).toEqual([]);
    expect(app.slack.callsTo('conversations.info')).toEqual([]);
  });
});
