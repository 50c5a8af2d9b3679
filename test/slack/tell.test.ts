import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackClient } from '../../src/slack/client.js';
import { tellWhereOpened, type WhereOpenedNote } from '../../src/slack/tell.js';
import { FakeSlack, SLACK_API_URL } from '../support/fake-slack.js';
import { recordingLogger } from '../support/recording-logger.js';

/**
 * tellWhereOpened: the private note after a modal's submission, in the channel the modal was opened from. Each call
 * is awaited, so once it returns every Web API call it makes has been made: what is absent then never comes.
 */
const ENGINEER = 'U02ABC3DEFG';
const CHANNEL = 'C0TEAMWEB1';

let slack: FakeSlack;
beforeEach(() => {
  nock.disableNetConnect();
  slack = new FakeSlack();
  slack.install();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function setup() {
  const logger = recordingLogger();
  const client = createSlackClient({ SLACK_API_URL, SLACK_BOT_TOKEN: 'xoxb-test-token' }, logger, { retries: 0 });
  const note = (over: Partial<WhereOpenedNote>): WhereOpenedNote => ({
    source: 'probe',
    userId: ENGINEER,
    channel: CHANNEL,
    text: 'Done.',
    orDm: true,
    ...over,
  });
  const methods = () => slack.calls.map((call) => call.method);
  return { logger, client, note, methods };
}

describe('tellWhereOpened', () => {
  it('posts an ephemeral for the person in the channel the modal was opened from, and nothing else', async () => {
    const { logger, client, note, methods } = setup();
    for (const orDm of [true, false]) {
      slack.reset();
      await tellWhereOpened(client, logger, note({ orDm }));
      expect(methods()).toEqual(['chat.postEphemeral']);
      expect(slack.calls[0]!.args).toMatchObject({ channel: CHANNEL, user: ENGINEER, text: 'Done.' });
    }
  });

  it('an ephemeral Slack refuses becomes a DM when asked, with a warning', async () => {
    const { logger, client, note, methods } = setup();
    slack.failWith('chat.postEphemeral', 'channel_not_found');
    await tellWhereOpened(client, logger, note({ orDm: true }));
    expect(methods()).toEqual(['chat.postEphemeral', 'chat.postMessage']);
    expect(slack.calls[1]!.args).toMatchObject({ channel: ENGINEER, text: 'Done.' });
    expect(logger.lines.some((line) => line.startsWith('probe: ephemeral confirmation failed; sending a DM'))).toBe(
      true,
    );
  });

  it('an ephemeral Slack refuses is skipped when not asked for a DM (the caller DMs already): no throw, a debug line', async () => {
    const { logger, client, note, methods } = setup();
    slack.failWith('chat.postEphemeral', 'channel_not_found');
    await expect(tellWhereOpened(client, logger, note({ orDm: false }))).resolves.toBeUndefined();
    expect(methods()).toEqual(['chat.postEphemeral']);
    expect(logger.lines.some((line) => line.startsWith(`probe: confirmation in ${CHANNEL} skipped:`))).toBe(true);
  });

  it('an ephemeral that fails in transit is handled the same way', async () => {
    const { logger, client, note, methods } = setup();
    slack.refuse('chat.postEphemeral', () => true, 'transport', 2);
    await tellWhereOpened(client, logger, note({ orDm: false }));
    expect(methods()).toEqual(['chat.postEphemeral']);
    await tellWhereOpened(client, logger, note({ orDm: true }));
    expect(methods()).toEqual(['chat.postEphemeral', 'chat.postEphemeral', 'chat.postMessage']);
  });

  it('with no channel (opened from the Home tab): a DM when asked, else nothing', async () => {
    const { logger, client, note, methods } = setup();
    await tellWhereOpened(client, logger, note({ channel: undefined, orDm: false }));
    expect(methods()).toEqual([]);
    await tellWhereOpened(client, logger, note({ channel: undefined, orDm: true }));
    expect(methods()).toEqual(['chat.postMessage']);
    expect(slack.calls[0]!.args).toMatchObject({ channel: ENGINEER, text: 'Done.' });
  });
});
