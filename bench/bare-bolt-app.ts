/**
 * Child process: the baseline — a bare Bolt app that acks `/platform` with a fixed ephemeral message and, when
 * someone opens its Home tab, publishes a fixed Home view through the same Web API client and stub as groundcrew;
 * with BENCH_MESSAGES=1 it also answers help-channel messages in their thread.
 */
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import type { HomeView } from '@slack/types';
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
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  });
  // BENCH_ACK_BODY: the exact ack groundcrew gave, so both apps write the same bytes.
  const body = process.env.BENCH_ACK_BODY
    ? (JSON.parse(process.env.BENCH_ACK_BODY) as { text: string })
    : { response_type: 'ephemeral' as const, text: 'help' };
  app.command('/platform', async ({ ack }) => ack(body));
  // BENCH_HOME_VIEW: the view groundcrew published for a plain member, so both apps send the same view; what the
  // baseline skips is building it (role lookup, every Home section, the block limit).
  const homeView = JSON.parse(process.env.BENCH_HOME_VIEW ?? '{"type":"home","blocks":[]}') as HomeView;
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: homeView });
  });
  // BENCH_MESSAGES=1 (the support intake comparison only): answer each person's top-level message in its thread,
  // the least a help-channel bot does; the other comparisons run without this listener.
  if (process.env.BENCH_MESSAGES === '1') {
    app.message(async ({ message, client }) => {
      if (message.subtype !== undefined || 'thread_ts' in message) return;
      await client.chat.postMessage({ channel: message.channel, thread_ts: message.ts, text: 'Tracked.' });
    });
  }
  const server = await app.start(0);
  serveChild((server.address() as AddressInfo).port, app, async () => {
    await app.stop();
  });
} catch (error) {
  reportFailure(error);
}
