/** Child process: the baseline — a bare Bolt app that acks `/platform` with a fixed ephemeral message. */
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import {
  BENCH_BOT_ID,
  BENCH_BOT_TOKEN,
  BENCH_BOT_USER_ID,
  BENCH_SIGNING_SECRET,
  reportFailure,
  serveChild,
} from './protocol.js';

try {
  const app = new App({
    token: BENCH_BOT_TOKEN,
    signingSecret: BENCH_SIGNING_SECRET,
    botId: BENCH_BOT_ID,
    botUserId: BENCH_BOT_USER_ID,
    logLevel: LogLevel.WARN,
  });
  // BENCH_ACK_BODY: the exact ack groundcrew gave, so both apps write the same bytes.
  const body = process.env.BENCH_ACK_BODY
    ? (JSON.parse(process.env.BENCH_ACK_BODY) as { text: string })
    : { response_type: 'ephemeral' as const, text: 'help' };
  app.command('/platform', async ({ ack }) => ack(body));
  const server = await app.start(0);
  serveChild((server.address() as AddressInfo).port, app, async () => {
    await app.stop();
  });
} catch (error) {
  reportFailure(error);
}
