import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blockText, type TestApp } from '../support/harness.js';
import { BOT_ID, BOT_USER_ID } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import {
  ADA,
  HELP,
  MINUTE,
  PAT,
  replyTo,
  say,
  startSupportApp,
  supportSection,
  TRIAGE,
  tickets,
  tsNow,
  waitForTicket,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('support intake', () => {
  it('a question becomes a ticket with a tier-1 reply in its thread: docs matches, buttons, due time in the asker’s zone, who is on duty', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'support-docs-'));
    writeFileSync(
      join(folder, 'databases.md'),
      '# Databases\n\n## Rotating the password\n\nRun `platform db rotate-password <name>`; staging rotates at once.\n\n## Backups\n\nNightly.\n',
    );
    writeFileSync(join(folder, 'deploys.md'), '# Deploys\n\n## Rolling back\n\nUse /platform rollback.\n');
    app = await startSupportApp({
      support: supportSection({ docs: { folder, baseUrl: 'https://docs.example.com/platform/' } }),
    });
    app.slack.timezones[ADA] = 'America/New_York'; // not the schedule's zone: the reply must read users.info
    const ts = await say(app, 'How do I rotate the database password for staging?');
    const reply = await replyTo(app, ts);
    expect(reply.args.channel).toBe(HELP);
    const text = blockText(reply.args.blocks);
    expect(text).toContain('Tracked as question #1 — *Question*');
    // Opened Monday 11:00 in Berlin; p3 is 4 business hours: due 15:00 Berlin the same day, shown in Ada's zone
    // (users.info): 09:00 in New York.
    expect(text).toContain('Expect a first answer by *Mon 23 Nov, 09:00 (America/New_York)*');
    expect(text).toContain(`On duty: <@${PAT}>`);
    expect(text).toContain(
      '<https://docs.example.com/platform/databases.md#rotating-the-password|Databases — Rotating the password>',
    );
    expect(text).not.toContain('Rolling back');
    expect(app.slack.callsTo('users.info').map((c) => c.args.user)).toContain(ADA);
    const ids = JSON.stringify(reply.args.blocks);
    for (const id of [
      'support.solved',
      'support.resolved',
      'support.waiting',
      'support.pairing',
      'support.priority.p1',
      'support.priority.p2',
      'support.priority.p3',
    ]) {
      expect(ids).toContain(`"${id}"`);
    }
    const row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    expect(row).toMatchObject({ askerId: ADA, channelId: HELP, messageTs: ts, state: 'open', tier: 1, priority: 'p3' });
    const audit = await app.groundcrew.services.audit.latest(5);
    expect(audit.map((a) => `${a.actor} ${a.action} ${a.target}`)).toContain(`${ADA} support.open support-ticket:1`);
  });

  it('keywords preselect the priority: "blocks my work" is p2', async () => {
    app = await startSupportApp();
    const ts = await say(app, 'The pipeline is broken and this blocks my work');
    const reply = await replyTo(app, ts);
    expect(blockText(reply.args.blocks)).toContain("*I'm blocked*");
    expect((await tickets(app))[0]?.priority).toBe('p2');
  });

  it('ignores bots (groundcrew too), edits, deletions, joins, thread replies outside tickets and other channels', async () => {
    app = await startSupportApp();
    const base = { channel: HELP, channel_type: 'channel' };
    const ts = () => tsNow(app!);
    await app.event({
      ...base,
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B0OTHER01',
      text: 'deploy done',
      ts: ts(),
    });
    await app.event({
      ...base,
      type: 'message',
      user: 'U0OTHERBOT',
      bot_id: 'B0OTHER02',
      text: 'a bot with a user',
      ts: ts(),
    });
    await app.event({
      ...base,
      type: 'message',
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      text: 'groundcrew itself',
      ts: ts(),
    });
    await app.event({
      ...base,
      type: 'message',
      subtype: 'message_changed',
      message: { type: 'message', user: ADA, text: 'edited', ts: '1764000000.000100' },
      previous_message: { type: 'message', user: ADA, text: 'before', ts: '1764000000.000100' },
      ts: ts(),
    });
    await app.event({
      ...base,
      type: 'message',
      subtype: 'message_deleted',
      deleted_ts: '1764000000.000100',
      ts: ts(),
    });
    await app.event({
      ...base,
      type: 'message',
      subtype: 'channel_join',
      user: ADA,
      text: `<@${ADA}> has joined the channel`,
      ts: ts(),
    });
    await say(app, 'a reply in some thread', { thread: '1764000000.000100' });
    await say(app, 'a question in the wrong channel', { channel: 'C0RANDOM01' });
    await settled(app);
    expect(await tickets(app)).toEqual([]);
    // A real question after all of them is ticket #1: none of the above made one.
    const real = await say(app, 'Where are the runbooks?', { user: 'U0BEA0001' });
    await replyTo(app, real);
    await settled(app);
    expect((await tickets(app)).map((t) => t.messageTs)).toEqual([real]);
    expect(app.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('two messages from one person within 2 minutes are one ticket; after 2 minutes of quiet, a new one', async () => {
    app = await startSupportApp();
    const first = await say(app, 'Deploys to staging fail.');
    await replyTo(app, first);
    app.clock.advance(90_000);
    const second = await say(app, 'Since this morning, with exit code 137.');
    app.clock.advance(MINUTE);
    const other = await say(app, 'I am in the payments team, unrelated', { user: 'U0BEA0001' });
    await replyTo(app, other);
    app.clock.advance(2 * MINUTE + 1000);
    const third = await say(app, 'Another thing: where are the runbooks?');
    await replyTo(app, third);
    await settled(app);
    const rows = await tickets(app);
    // In ticket-number order (tickets() sorts by id). Not 1, 2, 3: on PostgreSQL a sequence value spent by an insert
    // that did not commit (a retried or rolled-back transaction) is skipped; a loaded PostgreSQL run numbered 1, 2, 4.
    expect(rows.map((t) => [t.askerId, t.messageTs])).toEqual([
      [ADA, first],
      ['U0BEA0001', other],
      [ADA, third],
    ]);
    expect(rows[0]?.text).toBe('Deploys to staging fail.\nSince this morning, with exit code 137.');
    expect(app.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === second)).toEqual([]);
    expect(app.slack.callsTo('chat.postMessage')).toHaveLength(3);
  });

  it('a redelivered event makes one ticket and one reply', async () => {
    app = await startSupportApp();
    const ts = tsNow(app);
    const event = { type: 'message', channel: HELP, channel_type: 'channel', user: ADA, text: 'Is prod slow?', ts };
    await app.event(event, { eventId: 'Ev0SUPPORT1' });
    await replyTo(app, ts);
    await app.event(event, { eventId: 'Ev0SUPPORT1', retryNum: 1 });
    // The same message under another event id (Slack does not, but the unique key holds): still one ticket.
    await app.event(event, { eventId: 'Ev0SUPPORT2' });
    await settled(app);
    expect(await tickets(app)).toHaveLength(1);
    expect(app.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a p1 step due at once is sent at intake even when the tier-1 reply fails for a moment', async () => {
    const escalation = [{ at: '0%', of: 'firstResponse', notify: ['triage'], priorities: ['p1'] }];
    app = await startSupportApp({ support: supportSection({ escalation }) });
    app.slack.refuse('chat.postMessage', (a) => a.channel === HELP, 'transport');
    await say(app, 'outage: production is down');
    const [page] = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE);
    expect(String(page?.args.text)).toContain('#1');
    // The reply is still owed: the sweep posts it.
    expect((await tickets(app))[0]?.replyTs).toBeNull();
  });
});
