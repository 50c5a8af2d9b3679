import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { WEB_API_TIMEOUT_MS } from '../../src/slack/client.js';
import { DISPATCH, GITHUB, startDeploysApp, WEBHOOK_SECRET } from '../deploys/support.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';
import { TEST_SIGNING_SECRET } from '../support/signing.js';
import { settled } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const SECRETS = ['xoxb-test-token', 'ghp_test', TEST_SIGNING_SECRET, WEBHOOK_SECRET];

describe('secrets are never logged or shown', () => {
  it('GitHub and webhook failures and Web API errors, logged at debug, name no token or secret', async () => {
    const logger = recordingLogger();
    app = await startDeploysApp({ logger });
    // Slack refuses the status message, GitHub refuses the token, then cannot be reached; the webhook fails.
    app.slack.on('chat.postMessage', () => ({ ok: false, error: 'not_in_channel' }));
    const answered = (text: string) =>
      app!.slack.waitFor('response_url', (c) => String(c.args.text).includes(text), { timeoutMs: 3000 });
    nock(GITHUB).post(DISPATCH).reply(401, { message: 'Bad credentials' });
    await app.command('deploy web staging', { user_id: ENGINEER });
    await answered('Bad credentials');
    nock(GITHUB).post(DISPATCH).replyWithError('connect ECONNREFUSED');
    await app.command('deploy web staging', { user_id: ENGINEER });
    await answered('could not reach GitHub');
    nock('http://deployer.test').post('/hooks/groundcrew').reply(500, 'deployer down');
    await app.command('deploy worker staging', { user_id: ENGINEER });
    await answered('deployer down');
    await settled(app);

    const shown = JSON.stringify(app.slack.calls);
    const stored = JSON.stringify(await app.groundcrew.services.audit.latest(200));
    expect(shown).toContain('Bad credentials');
    expect(logger.lines.join('\n')).toContain('not_in_channel');
    // The Web API client's own debug lines are captured too, with the Authorization header redacted.
    expect(logger.lines.some((l) => l.includes('"Authorization":"[[REDACTED]]"'))).toBe(true);
    for (const secret of SECRETS) {
      expect(
        logger.lines.filter((l) => l.includes(secret)),
        secret,
      ).toEqual([]);
      expect(shown.includes(secret), `${secret} in Slack`).toBe(false);
      expect(stored.includes(secret), `${secret} in the audit log`).toBe(false);
    }
  });
});

describe('the Slack Web API client', () => {
  it('never sends the bot token to an absolute URL given as a method name, and has a timeout', async () => {
    app = await startTestApp();
    const elsewhere = nock('http://elsewhere.test').post(/.*/).reply(200, { ok: true });
    await app.groundcrew.slack.client.apiCall('http://elsewhere.test/api/steal').catch(() => undefined);
    expect(elsewhere.isDone()).toBe(false);
    expect((app.groundcrew.slack.client as unknown as { timeout: number }).timeout).toBe(WEB_API_TIMEOUT_MS);
  });
});
