import type { SocketModeReceiver } from '@slack/bolt';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createGroundcrew, type Groundcrew } from '../../src/bootstrap.js';
import { defineCapability } from '../../src/capability.js';
import { createManualClock } from '../../src/clock.js';
import { parseEnv, validateTeamConfig } from '../../src/config.js';
import { openDb } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { eventInboxTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { eventProcessed } from '../../src/slack/dedupe.js';
import { FakeSlack, SLACK_API_URL } from '../support/fake-slack.js';
import { BOT_ID, BOT_USER_ID, eventCallback, reactionAdded } from '../support/payloads.js';
import { recordingLogger } from '../support/recording-logger.js';
import { TEST_SIGNING_SECRET } from '../support/signing.js';
import { createTestPostgres, testBackend } from '../support/test-db.js';
import { eventually } from '../support/wait.js';

/**
 * Socket Mode (SLACK_APP_TOKEN): Slack sends each event over the WebSocket and sends it again only when it got no
 * acknowledgement for it. So an event whose inbox insert fails must not be acknowledged. Bolt's SocketModeReceiver
 * hands every envelope to `app.processEvent` and acknowledges it only when that succeeds (or Bolt acknowledges it
 * itself); here its real `slack_event` listener is driven the way its WebSocket client drives it — the envelope's
 * body and the `ack` that would answer Slack on the socket — without a socket (no Slack to connect to). On the
 * backend GROUNDCREW_TEST_BACKEND names.
 */
const ENGINEER = 'U02ABC3DEFG';

let running: { groundcrew: Groundcrew; drop?: () => Promise<void> } | undefined;
afterEach(async () => {
  await running?.groundcrew.stop(2000);
  await running?.drop?.();
  running = undefined;
  nock.cleanAll();
  nock.enableNetConnect();
});

async function socketModeApp(state: { runs: number }) {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const slack = new FakeSlack();
  slack.install();
  const logger = recordingLogger();
  const postgres = testBackend() === 'postgres' ? await createTestPostgres() : undefined;
  const env = parseEnv({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_APP_TOKEN: 'xapp-1-A0TEST-1-socket',
    SLACK_API_URL,
    PORT: '0',
    GROUNDCREW_DB: postgres?.url ?? ':memory:',
  });
  const database: Database = postgres ? await openPostgres(postgres.url) : openDb(':memory:');
  const probe = defineCapability('probe', (core) => ({
    listeners(bolt) {
      bolt.event('reaction_added', async ({ event }) => {
        state.runs++;
        await core.client.chat.postMessage({ channel: 'C0PROBE001', text: `${event.user} ${event.reaction}` });
      });
    },
  }));
  const groundcrew = createGroundcrew({
    config: { env, team: validateTeamConfig({ timezone: 'Europe/Berlin', admins: ['U0ADMIN01'] }) },
    database,
    clock: createManualClock('2026-11-23T10:00:00Z'),
    logger,
    retryConfig: { retries: 0 },
    capabilities: [probe],
    botIdentity: { botId: BOT_ID, botUserId: BOT_USER_ID },
  });
  running = { groundcrew, ...(postgres ? { drop: () => postgres.drop() } : {}) };
  const receiver = (groundcrew.slack.app as unknown as { receiver: SocketModeReceiver }).receiver;
  expect(receiver.constructor.name).toBe('SocketModeReceiver');
  /** One envelope as the socket client emits it; resolves the acks Slack would have received for it. */
  const deliver = (body: object, retryNum?: number) => {
    const acks: unknown[] = [];
    receiver.client.emit('slack_event', {
      ack: async (response?: unknown) => {
        acks.push(response ?? 'ack');
      },
      envelope_id: `env-${Math.random()}`,
      body,
      type: 'events_api',
      retry_num: retryNum,
      retry_reason: retryNum ? 'timeout' : undefined,
      accepts_response_payload: false,
    });
    return acks;
  };
  return { groundcrew, database, slack, logger, deliver };
}

describe(`Socket Mode on ${testBackend()}`, () => {
  it('an event whose inbox insert fails is not acknowledged, nothing runs, and the redelivery is handled once', async () => {
    const state = { runs: 0 };
    const { database, slack, logger, deliver } = await socketModeApp(state);
    const db = database as { orm: Database['orm'] };
    const real = db.orm;
    const inbox = twin(database, eventInboxTable);
    let refused = 0;
    // The disk is full for the inbox.
    db.orm = new Proxy(real, {
      get(target, key, receiver) {
        if (key !== 'insert') return Reflect.get(target, key, receiver);
        return (table: unknown) => {
          if (table !== inbox) return target.insert(table as typeof inbox);
          refused++;
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        };
      },
    });
    const body = eventCallback(reactionAdded(ENGINEER), { eventId: 'Ev0SOCKET01' });
    const refusedAcks = deliver(body);
    // Bolt's receiver logs the error last, after it decided not to acknowledge.
    await eventually(() => logger.lines.some((l) => l.includes('An unhandled error occurred while Bolt processed')), {
      what: 'the receiver giving up on the envelope',
    });
    expect(refused).toBe(1);
    expect(refusedAcks).toEqual([]);
    expect(state.runs).toBe(0);
    expect(await eventProcessed(database, 'Ev0SOCKET01')).toBe(false);

    // Slack sends it again (no ack came): stored, acknowledged, handled once.
    db.orm = real;
    const acks = deliver(body, 1);
    await slack.waitFor('chat.postMessage');
    await eventually(async () => (await eventProcessed(database, 'Ev0SOCKET01')) || undefined, {
      what: 'the redelivery marked handled',
    });
    expect(acks).toEqual(['ack']);
    expect(state.runs).toBe(1);
    expect(slack.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual([`${ENGINEER} eyes`]);
  });
});
