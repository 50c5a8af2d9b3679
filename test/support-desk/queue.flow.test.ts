import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { IDS } from '../../src/support/slack/ids.js';
import { communitiesConfig } from '../communities/support.js';
import { ackBody, blockText, type TestApp } from '../support/harness.js';
import { appHomeOpened, TEAM_ID, userRef } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import {
  ADA,
  click,
  HELP,
  HOUR,
  MINUTE,
  PAT,
  postsTo,
  react,
  replyTo,
  say,
  startSupportApp,
  supportSection,
  TRIAGE,
  tickets,
  trackShortcut,
  tsNow,
  waitForTicket,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const BEA = 'U0BEA0001';
const CAL = 'U0CAL0001';

describe('support: the queue', () => {
  it('/platform queue lists breached first (longest ago first), then by time left, then waiting on the asker', async () => {
    app = await startSupportApp();
    await replyTo(app, await say(app, 'p3 question, oldest', { user: ADA })); // #1 p3: due 15:00 Berlin
    app.clock.advance(10 * MINUTE);
    await replyTo(app, await say(app, 'this blocks my work', { user: BEA })); // #2 p2: 1h → due 12:10 Berlin
    app.clock.advance(10 * MINUTE);
    const three = await say(app, 'another one, waiting', { user: CAL }); // #3 p3
    await replyTo(app, three);
    await react(app, PAT, 'hourglass', three);
    await waitForTicket(app, 3, (r) => r.state === 'waiting');
    app.clock.advance(HOUR); // 11:20Z = 12:20 Berlin: #2 breached 10 minutes ago
    const queue = await ackBody(await app.command('queue', { user_id: ADA }));
    expect(queue?.text).toBe('Support queue: 3 open');
    const lines = blockText(queue?.blocks)
      .split('\n')
      .filter((l) => l.startsWith('•'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/#2\|?.*I'm blocked — \*breached 10m ago\* \(first response\)/);
    expect(lines[1]).toMatch(/#1.*Question — 2h 40m left \(first response\)/);
    expect(lines[2]).toMatch(/#3.*waiting on asker/);
    expect(lines[0]).toContain('https://slack.com/archives/C0SUPPORT1/p');
  });

  it('Home: the asker sees their open questions, a responder the head of the queue', async () => {
    app = await startSupportApp();
    await replyTo(app, await say(app, 'my question'));
    await app.event(appHomeOpened(ADA));
    const mine = await app.slack.waitFor(
      'views.publish',
      (c) => c.args.user_id === ADA && /Your open support/.test(JSON.stringify(c.args.view)),
    );
    expect(blockText((mine.at(-1)!.args.view as { blocks: unknown }).blocks)).toContain('waiting for a first answer');
    await app.event(appHomeOpened(PAT));
    const head = await app.slack.waitFor(
      'views.publish',
      (c) => c.args.user_id === PAT && /Support queue/.test(JSON.stringify(c.args.view)),
    );
    expect(blockText((head.at(-1)!.args.view as { blocks: unknown }).blocks)).toContain('*Support queue* (1 open');
  });

  it('the morning job posts the queue to the triage channel', async () => {
    app = await startSupportApp();
    await replyTo(app, await say(app, 'my question'));
    await app.groundcrew.services.scheduler.runNow('support.morning-queue');
    await settled(app);
    expect(postsTo(app, TRIAGE).map((c) => c.args.text)).toEqual(['Support queue: 1 open']);
  });

  it('the morning job reads holidays on the team timezone’s date, not UTC’s (Tokyo 08:00 is 23:00Z the day before)', async () => {
    // Tuesday 2026-11-24 08:00 in Tokyo is Monday 23:00Z: the date that matters is Tuesday's.
    const morning = async (holidays: string[]) => {
      const clock = createManualClock('2026-11-23T22:30:00Z'); // Tuesday 07:30 Tokyo
      const tokyo = await startSupportApp({
        clock,
        team: { timezone: 'Asia/Tokyo' },
        support: supportSection({ businessHours: { start: '08:00', end: '17:00' }, holidays }),
      });
      try {
        await replyTo(tokyo, await say(tokyo, 'my question'));
        clock.advance(30 * MINUTE);
        await tokyo.groundcrew.services.scheduler.runNow('support.morning-queue');
        await settled(tokyo);
        return postsTo(tokyo, TRIAGE).map((c) => c.args.text);
      } finally {
        await tokyo.stop();
      }
    };
    expect(await morning(['2026-11-24'])).toEqual([]); // Tuesday is the holiday in Tokyo: no queue
    expect(await morning(['2026-11-23'])).toEqual(['Support queue: 1 open']); // Monday's holiday is over there
    expect(await morning([])).toEqual(['Support queue: 1 open']);
  });
});

describe('support: the shortcut, knowledge, pairing, figures', () => {
  it('"Track as a support question" makes a ticket from a message in another channel, once', async () => {
    app = await startSupportApp();
    const ts = tsNow(app);
    const shortcut = (n: number) => ({
      type: 'message_action',
      callback_id: IDS.track,
      trigger_id: `123.456.${n}`,
      action_ts: ts,
      team: { id: TEAM_ID, domain: 'acme-eng' },
      user: userRef(PAT),
      channel: { id: 'C0RANDOM01', name: 'random' },
      message: { type: 'message', user: ADA, text: 'anyone know why the build cache misses?', ts },
      response_url: `http://slack.test/response/shortcut-${n}`,
      message_ts: ts,
      token: 'x',
    });
    await app.interact(shortcut(1));
    const reply = await app.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts);
    expect(reply[0]?.args.channel).toBe('C0RANDOM01');
    await app.slack.waitFor('response_url', (c) => /Tracked as support question #1/.test(String(c.args.text)));
    await app.interact(shortcut(2));
    await app.slack.waitFor('response_url', (c) => /tracked already, as question #1/.test(String(c.args.text)));
    await settled(app);
    const rows = await tickets(app);
    expect(rows.map((r) => [r.askerId, r.source, r.trackedBy, r.channelId])).toEqual([
      [ADA, 'shortcut', PAT, 'C0RANDOM01'],
    ]);
  });

  it('the shortcut where groundcrew would not hear the thread keeps no ticket and says why', async () => {
    app = await startSupportApp();
    // A public channel the bot is not in (chat:write.public would let the reply post), a private channel, a DM.
    app.slack.conversations.C0OUTSIDE1 = { is_member: false };
    app.slack.conversations.G0PRIVATE1 = { is_member: true, is_private: true };
    app.slack.conversations.D0DIRECT01 = { is_im: true };
    const ts = tsNow(app);
    const text = 'why is the build cache cold?';
    await trackShortcut(app, { by: PAT, channel: 'C0OUTSIDE1', ts, text, n: 1 });
    const [outside] = await app.slack.waitFor('response_url', (c) => /Not tracked/.test(String(c.args.text)));
    expect(outside?.args.response_type).toBe('ephemeral');
    expect(String(outside?.args.text)).toContain('I am not in this channel, so I would not see replies or reactions');
    expect(String(outside?.args.text)).toContain(
      `Invite me (\`/invite @groundcrew\`) and use the shortcut again or ask the question in <#${HELP}>`,
    );
    await trackShortcut(app, { by: PAT, channel: 'G0PRIVATE1', ts, text, n: 2 });
    await trackShortcut(app, { by: PAT, channel: 'D0DIRECT01', ts, text, n: 3 });
    const told = await app.slack.waitFor('response_url', (c) => /private channels and DMs/.test(String(c.args.text)), {
      count: 2,
    });
    expect(told).toHaveLength(2);
    // A DM with the bot: conversations.info needs im:read, which groundcrew does not have.
    app.slack.refuse('conversations.info', (a) => a.channel === 'D0BOTDM001', 'missing_scope');
    await trackShortcut(app, { by: PAT, channel: 'D0BOTDM001', ts, text, n: 5 });
    await app.slack.waitFor('response_url', (c) => /private channels and DMs/.test(String(c.args.text)), { count: 3 });
    await settled(app);
    expect(await tickets(app)).toEqual([]);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
    // Invited: the same message is tracked.
    app.slack.conversations.C0OUTSIDE1 = { is_member: true };
    await trackShortcut(app, { by: PAT, channel: 'C0OUTSIDE1', ts, text, n: 4 });
    await app.slack.waitFor('response_url', (c) => /Tracked as support question #1/.test(String(c.args.text)));
  });

  it('the shortcut on a line merged into a ticket answers that ticket, and makes no second one', async () => {
    app = await startSupportApp();
    const first = await say(app, 'Deploys to staging fail.');
    await replyTo(app, first);
    app.clock.advance(MINUTE);
    const second = await say(app, 'Since this morning, with exit code 137.');
    await waitForTicket(app, 1, (r) => r.text?.includes('exit code 137') === true);
    await trackShortcut(app, {
      by: PAT,
      channel: HELP,
      ts: second,
      text: 'Since this morning, with exit code 137.',
      n: 7,
    });
    await app.slack.waitFor('response_url', (c) => /tracked already, as question #1/.test(String(c.args.text)));
    await settled(app);
    expect((await tickets(app)).map((r) => r.messageTs)).toEqual([first]);
    expect(app.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === second)).toEqual([]);
  });

  it('📖 by a responder on a thread answer saves it; a later similar question cites it', async () => {
    app = await startSupportApp();
    const ts = await say(app, 'How do I restart the payments worker?');
    await replyTo(app, ts);
    const answer = await say(app, 'Run kubectl rollout restart deploy/payments-worker', { user: PAT, thread: ts });
    await waitForTicket(app, 1, (r) => r.state === 'responded');
    await react(app, ADA, 'book', answer); // not a responder: nothing saved
    await react(app, PAT, 'book', answer);
    await app.slack.waitFor('chat.postMessage', (c) => /Saved to the knowledge base/.test(String(c.args.text)));
    app.clock.advance(HOUR);
    const later = await say(app, 'payments worker is stuck, how to restart it?', { user: BEA });
    const reply = await replyTo(app, later);
    // The saved answer is cited with a link to the answer itself (chat.getPermalink) and the start of its text.
    const link = `https://acme-eng.slack.com/archives/C0SUPPORT1/p${answer.replace('.', '')}`;
    expect(blockText(reply.args.blocks)).toContain(
      `<${link}|Answered before: How do I restart the payments worker?> — _Run kubectl rollout restart deploy/payments-worker_`,
    );
  });

  it('Needs pairing marks tier 3, tells the triage channel and the asker who will reach out', async () => {
    app = await startSupportApp();
    await say(app, 'I need help designing the queue topology');
    const row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    await click(app, ADA, IDS.pairing, row);
    await waitForTicket(app, 1, (r) => r.tier === 3);
    const triage = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE);
    expect(blockText(triage[0]?.args.blocks)).toContain('needs pairing (tier 3)');
    const told = await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === row.messageTs && /pairing/.test(String(c.args.text)),
    );
    expect(blockText(told[0]?.args.blocks)).toContain(`<@${PAT}> will reach out to you`);
  });

  it('Needs pairing when nobody is on duty says so to the asker and the triage channel', async () => {
    app = await startSupportApp({ support: supportSection({ onDuty: { usergroup: 'S0ONDUTY01' } }) });
    await say(app, 'I need help designing the queue topology');
    const row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    await click(app, ADA, IDS.pairing, row);
    const triage = await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === TRIAGE && /needs pairing/.test(String(c.args.text)),
    );
    expect(blockText(triage[0]?.args.blocks)).toContain(
      ':warning: Nobody is on duty (the on-duty usergroup S0ONDUTY01 has nobody in it): someone please pick this up.',
    );
    const told = await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === row.messageTs && /pairing/.test(String(c.args.text)),
    );
    const text = blockText(told[0]?.args.blocks);
    expect(text).toContain('Nobody is on duty right now: the platform team has been asked in their triage channel');
    expect(text).not.toContain('the on-duty person will reach out');
  });

  it('Needs pairing offers the next office hours when the communities capability has them', async () => {
    // Monday 23 November 2026; the communities' office hours are Tuesdays 16:00 Berlin.
    app = await startSupportApp({ team: { communities: communitiesConfig() } });
    await say(app, 'Can someone pair with me on the rollout config?');
    const row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    await click(app, ADA, IDS.pairing, row);
    const told = await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === row.messageTs && /pairing/.test(String(c.args.text)),
    );
    const text = blockText(told[0]?.args.blocks);
    expect(text).toContain('The next office hours: *Platform office hours*');
    expect(text).toContain(`<!date^${Date.parse('2026-11-24T15:00:00Z') / 1000}^`);
    expect(text).not.toContain('will reach out to you');
  });

  it('/platform support stats: volume, claimed and confirmed deflection, CSAT; members are refused', async () => {
    app = await startSupportApp();
    const one = await say(app, 'first question');
    await replyTo(app, one);
    const row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    await click(app, ADA, IDS.solved, row);
    await app.slack.waitFor('chat.postMessage', (c) => /How did we do/.test(String(c.args.text)));
    await click(app, ADA, `${IDS.csatPrefix}5`, row);
    await waitForTicket(app, 1, (r) => r.csat === 5);
    const stats = await ackBody(await app.command('support stats --days 30', { user_id: PAT }));
    const shown = blockText(stats?.blocks);
    expect(shown).toContain('*Questions:* 1');
    expect(shown).toContain('*Deflected by the docs:* 0 confirmed, 1 claimed');
    expect(shown).toContain('*CSAT:* 5.0 from 1 rating(s)');
    app.clock.advance(8 * 24 * HOUR);
    const later = blockText((await ackBody(await app.command('support stats', { user_id: PAT })))?.blocks);
    expect(later).toContain('*Deflected by the docs:* 1 confirmed, 1 claimed');
    const refused = await ackBody(await app.command('support stats', { user_id: ADA }));
    expect(refused?.text).toMatch(/platform team/);
  });

  it('the weekly report posts the last 7 days’ figures to the triage channel', async () => {
    app = await startSupportApp();
    await replyTo(app, await say(app, 'a question from last week'));
    await settled(app); // the intake listener is done before the clock moves
    app.clock.advance(7 * 24 * HOUR + MINUTE); // Monday 30 November, 11:01 Berlin: the first question is 7 days old
    await replyTo(app, await say(app, 'a question from this week', { user: BEA }));
    await app.groundcrew.services.scheduler.runNow('support.weekly-report');
    await settled(app);
    const posts = postsTo(app, TRIAGE);
    expect(posts.map((c) => c.args.text)).toEqual(['Support, last 7 days']);
    expect(blockText(posts[0]?.args.blocks)).toContain('*Questions:* 1');
    app.clock.advance(24 * HOUR); // Tuesday: posted on Monday already
    await app.groundcrew.services.scheduler.runNow('support.weekly-report');
    await settled(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
  });

  it('the weekly report moves to Tuesday when Monday is a holiday, like the morning queue', async () => {
    const clock = createManualClock('2026-12-07T08:00:00Z'); // Monday 7 December, 09:00 Berlin: a holiday
    app = await startSupportApp({ clock, support: supportSection({ holidays: ['2026-12-07'] }) });
    await app.groundcrew.services.scheduler.runNow('support.weekly-report');
    await settled(app);
    expect(postsTo(app, TRIAGE)).toEqual([]);
    clock.advance(24 * HOUR); // Tuesday 09:00 Berlin: the week's first business day
    await app.groundcrew.services.scheduler.runNow('support.weekly-report');
    await settled(app);
    expect(postsTo(app, TRIAGE).map((c) => c.args.text)).toEqual(['Support, last 7 days']);
    clock.advance(24 * HOUR); // Wednesday: not again
    await app.groundcrew.services.scheduler.runNow('support.weekly-report');
    await settled(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
  });
});

describe('support: retention', () => {
  it('the nightly purge removes question and reply text older than retainTextFor; the ticket and its times stay', async () => {
    app = await startSupportApp();
    const ts = await say(app, 'a question with a secret in it');
    await replyTo(app, ts);
    await say(app, 'an answer', { user: PAT, thread: ts });
    await waitForTicket(app, 1, (r) => r.state === 'responded');
    app.clock.advance(179 * 24 * HOUR);
    await app.groundcrew.services.scheduler.runNow('support.purge-text');
    expect((await waitForTicket(app, 1)).text).toBe('a question with a secret in it');
    app.clock.advance(2 * 24 * HOUR);
    await app.groundcrew.services.scheduler.runNow('support.purge-text');
    const row = await waitForTicket(app, 1, (r) => r.text === null);
    expect(row).toMatchObject({ state: 'responded', textRemovedAt: app.clock.now() });
    expect(row.firstResponseAt).not.toBeNull();
    const audit = await app.groundcrew.services.audit.latest(3);
    expect(audit.map((a) => [a.action, a.inputs])).toContainEqual(['support.purge-text', { rows: 3 }]);
  });
});
