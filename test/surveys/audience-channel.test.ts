import { describe, expect, it } from 'vitest';
import { communitiesConfig, FRONTEND_CHANNEL } from '../communities/support.js';
import { ackBody, blockText, startTestApp } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, AUDIENCE_CHANNEL, dmsTo, PEOPLE, RESULTS, stopAppAfterEach, surveySection } from './support.js';

const apps = stopAppAfterEach();

describe('an audience channel the bot cannot read', () => {
  for (const code of ['not_in_channel', 'channel_not_found']) {
    it(`/platform survey start says which channel and how to fix it (${code}); nothing is sent, the try is audited`, async () => {
      const app = await apps.start();
      app.slack.failWith('conversations.members', code);
      const reply = await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
      expect(reply?.text).not.toContain('Something went wrong');
      expect(reply?.text).toContain('`platform-nps`');
      expect(reply?.text).toContain(AUDIENCE_CHANNEL);
      expect(reply?.text).toContain(code);
      expect(reply?.text).toContain('/invite @groundcrew');
      await settled(app);
      for (const p of PEOPLE) expect(dmsTo(app, p)).toEqual([]);
      const audit = await app.groundcrew.services.audit.latest(5);
      expect(audit.map((r) => `${r.actor} ${r.action} ${r.outcome}`)).toEqual([`${ADMIN} surveys.start failed`]);
    });
  }

  it('a scheduled start DMs the admins the same words, logs, audits, and the job does not fail', async () => {
    const app = await apps.start({ surveys: [surveySection({ schedule: '0 9 * * 1' })] });
    app.slack.failWith('conversations.members', 'not_in_channel');
    const run = await app.groundcrew.services.scheduler.runNow('surveys.start-platform-nps');
    expect(run.outcome).toBe('ok');
    const told = await eventually(() => {
      const calls = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ADMIN);
      expect(calls).toHaveLength(1);
      return calls;
    });
    const text = blockText(told[0]!.args.blocks);
    expect(text).toContain('The scheduled wave did not start');
    expect(text).toContain('`platform-nps`');
    expect(text).toContain(AUDIENCE_CHANNEL);
    expect(text).toContain('/invite @groundcrew');
    const audit = await app.groundcrew.services.audit.latest(5);
    expect(audit.map((r) => `${r.actor} ${r.action} ${r.outcome}`)).toEqual(['system surveys.start failed']);
  });
});

describe('an audience usergroup the bot cannot read', () => {
  it("/platform survey start names the usergroup, Slack's error and the fix; nothing is sent", async () => {
    const app = await apps.start({ surveys: [surveySection({ audience: ['S0GONE0001', 'U0ALICE001'] })] });
    app.slack.failWith('usergroups.users.list', 'no_such_subteam');
    const reply = await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    expect(reply?.text).not.toContain('Something went wrong');
    expect(reply?.text).toContain('`platform-nps`');
    expect(reply?.text).toContain('<!subteam^S0GONE0001>');
    expect(reply?.text).toContain('no_such_subteam');
    expect(reply?.text).toContain('check `audience` in groundcrew.yml');
    await settled(app);
    expect(dmsTo(app, 'U0ALICE001')).toEqual([]);
    const audit = await app.groundcrew.services.audit.latest(5);
    expect(audit.map((r) => `${r.actor} ${r.action} ${r.outcome}`)).toEqual([`${ADMIN} surveys.start failed`]);
  });
});

describe('the doctor', () => {
  it("checks the surveys' audience and results channels by their config keys", async () => {
    const app = await apps.start();
    app.slack.on('conversations.info', (args) =>
      args.channel === AUDIENCE_CHANNEL
        ? { ok: false, error: 'channel_not_found' }
        : { ok: true, channel: { id: args.channel, name: 'nps-results', is_member: true } },
    );
    await app.command('admin doctor', { user_id: ADMIN });
    const [reply] = await app.slack.waitFor('response_url', undefined, { timeoutMs: 10_000 });
    const text = String(reply!.args.text);
    expect(text).toContain(`:x: surveys[0].audience ${AUDIENCE_CHANNEL}: channel_not_found`);
    expect(text).toContain(`:white_check_mark: surveys[0].resultsChannel ${RESULTS}: #nps-results`);
  });
});

describe('the doctor and communities', () => {
  it('checks each community channel by its config key', async () => {
    const app = apps.track(await startTestApp({ team: { communities: communitiesConfig() } }));
    app.slack.on('conversations.info', (args) =>
      args.channel === FRONTEND_CHANNEL
        ? { ok: false, error: 'not_in_channel' }
        : { ok: true, channel: { id: args.channel, name: 'x', is_member: true } },
    );
    await app.command('admin doctor', { user_id: ADMIN });
    const [reply] = await app.slack.waitFor('response_url', undefined, { timeoutMs: 10_000 });
    expect(String(reply!.args.text)).toMatch(
      new RegExp(`:x: communities\\.communities\\[\\d\\]\\.channel ${FRONTEND_CHANNEL}: not_in_channel`),
    );
  });
});
