import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { IDS } from '../../src/support/slack/ids.js';
import { blockText, PLATFORM_GROUP, type TestApp } from '../support/harness.js';
import { persistentDb } from '../support/persistent-db.js';
import { recordingLogger } from '../support/recording-logger.js';
import { noAnswer, settled } from '../support/wait.js';
import {
  ADA,
  click,
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

let apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
});

async function start(options: Parameters<typeof startSupportApp>[0] = {}) {
  const app = await startSupportApp(options);
  apps.push(app);
  return app;
}

const dmsTo = (app: TestApp, user: string) => postsTo(app, user);

async function sweep(app: TestApp) {
  const run = await app.groundcrew.services.scheduler.runNow('support.sweep');
  expect(run.error).toBeNull(); // a sweep that throws sends nothing: say so rather than count no messages
  await settled(app);
}

describe('support: first response', () => {
  it('a responder’s thread reply is the first response; a reply by someone else is not', async () => {
    const app = await start();
    const ts = await say(app, 'Where do I find the staging logs?');
    await replyTo(app, ts);
    app.clock.advance(5 * MINUTE);
    await say(app, 'me too!', { user: 'U0BEA0001', thread: ts });
    await settled(app);
    expect((await waitForTicket(app, 1)).firstResponseAt).toBeNull();
    app.clock.advance(5 * MINUTE);
    await say(app, 'In Grafana, under Explore.', { user: PAT, thread: ts });
    const row = await waitForTicket(app, 1, (r) => r.firstResponseAt !== null);
    expect(row).toMatchObject({ state: 'responded', tier: 2, firstResponder: PAT });
    expect(row.firstResponseAt?.getTime()).toBe(app.clock.now().getTime() - (app.clock.now().getTime() % 1000));
    const update = await app.slack.waitFor('chat.update', (c) => c.args.ts === row.replyTs);
    expect(blockText(update.at(-1)?.args.blocks)).toContain('The platform team is on it');
  });

  it('👀 by a responder is the first response; 👀 by the asker is not', async () => {
    const app = await start();
    const ts = await say(app, 'Can I get a new namespace?');
    await replyTo(app, ts);
    await react(app, ADA, 'eyes', ts);
    await settled(app);
    expect((await waitForTicket(app, 1)).firstResponseAt).toBeNull();
    await react(app, PAT, 'eyes', ts);
    await waitForTicket(app, 1, (r) => r.state === 'responded' && r.firstResponder === PAT);
  });
});

describe('support: escalation', () => {
  it('each step fires once: 75% DMs the on-duty person, the breach posts to triage with the responders; not again after a restart', async () => {
    const database = await persistentDb();
    const clock = createManualClock('2026-11-23T10:00:00Z'); // Monday 11:00 in Berlin
    let app = await start({ database, clock });
    const ts = await say(app, 'How do I add a DNS record?');
    await replyTo(app, ts);
    // p3: first response in 4 business hours (15:00). 75% is 3 hours: 14:00.
    clock.advance(3 * HOUR - MINUTE);
    await sweep(app);
    expect(dmsTo(app, PAT)).toEqual([]);
    clock.advance(MINUTE);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    expect(blockText(dmsTo(app, PAT)[0]?.args.blocks)).toContain('1h of business time left to its first response');
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    expect(postsTo(app, TRIAGE)).toEqual([]);

    clock.advance(HOUR);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
    const triage = blockText(postsTo(app, TRIAGE)[0]?.args.blocks);
    expect(triage).toContain('breached its first-response target');
    expect(triage).toContain(`<@${PAT}>`);
    expect(triage).toContain(`Asked by <@${ADA}>`);

    // A restart on the same database: the sweep finds both steps claimed and sends nothing again.
    await app.stop();
    apps = apps.filter((a) => a !== app);
    app = await start({ database, clock });
    clock.advance(10 * MINUTE);
    await sweep(app);
    await app.groundcrew.services.scheduler.runMissed();
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
    const audit = (await app.groundcrew.services.audit.latest(20)).filter((a) => a.action === 'support.escalate');
    expect(audit.map((a) => (a.inputs as { step: string }).step).sort()).toEqual([
      'firstResponse@100%',
      'firstResponse@75%',
    ]);
  });

  it('nothing fires for an answered ticket; business hours pause the clock overnight', async () => {
    const app = await start({ clock: createManualClock('2026-11-23T15:00:00Z') }); // Monday 16:00 Berlin
    const ts = await say(app, 'Question late in the day');
    await replyTo(app, ts);
    // 1 business hour today, 2 tomorrow: 75% (3h) is Tuesday 11:00 Berlin (10:00Z), not tonight.
    app.clock.advance(14 * HOUR); // Tuesday 05:00Z = 06:00 Berlin
    await sweep(app);
    app.clock.advance(5 * HOUR - MINUTE); // 09:59Z
    await sweep(app);
    expect(dmsTo(app, PAT)).toEqual([]);
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    await say(app, 'Looking now', { user: PAT, thread: ts });
    await waitForTicket(app, 1, (r) => r.state === 'responded');
    app.clock.advance(3 * HOUR);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toEqual([]);
  });

  it('a paging priority pages at once: DM to on duty, triage post, responders mentioned', async () => {
    const app = await start();
    const ts = await say(app, 'Production is down: checkout returns 500');
    await replyTo(app, ts);
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE);
    await settled(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    expect(blockText(postsTo(app, TRIAGE)[0]?.args.blocks)).toContain('pages the platform team');
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
  });
});

describe('support: an on-duty step with nobody on duty', () => {
  it('without onDuty, the 75% step goes to the triage channel and says nobody is on duty', async () => {
    const app = await start({
      clock: createManualClock('2026-11-23T10:00:00Z'), // Monday 11:00 Berlin
      support: supportSection({ onDuty: undefined }),
    });
    await replyTo(app, await say(app, 'How do I add a DNS record?'));
    app.clock.advance(3 * HOUR - MINUTE);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toEqual([]);
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
    const text = blockText(postsTo(app, TRIAGE)[0]?.args.blocks);
    expect(text).toContain('1h of business time left to its first response');
    expect(text).toContain('No DM went out: nobody is on duty (support.onDuty is not set).');
    expect(text).not.toContain(`<@${PAT}>`); // the 75% step does not mention the responders
    expect(dmsTo(app, PAT)).toEqual([]);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
  });

  it('an on-duty usergroup that cannot be read: the step goes to triage and says so', async () => {
    const app = await start({
      clock: createManualClock('2026-11-23T10:00:00Z'),
      support: supportSection({ onDuty: { usergroup: 'S0ONDUTY01' } }),
    });
    app.slack.failWith('usergroups.users.list', 'no_such_subteam');
    await replyTo(app, await say(app, 'How do I add a DNS record?'));
    app.clock.advance(3 * HOUR);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
    expect(blockText(postsTo(app, TRIAGE)[0]?.args.blocks)).toContain(
      'No DM went out: the on-duty usergroup S0ONDUTY01 could not be read (no_such_subteam).',
    );
    expect(dmsTo(app, PAT)).toEqual([]);
  });
});

describe('support: an escalation message that did not go out', () => {
  const escalations = (app: TestApp) =>
    app.groundcrew.services.audit
      .latest(50)
      .then((rows) => rows.filter((a) => a.action.startsWith('support.escalate')).map((a) => [a.action, a.outcome]));

  it('a DM Slack refuses, then one lost in transit, is sent by a later sweep, once', async () => {
    const app = await start({ clock: createManualClock('2026-11-23T10:00:00Z') }); // Monday 11:00 Berlin
    const ts = await say(app, 'How do I rotate the database password?');
    await replyTo(app, ts);
    app.slack.refuse('chat.postMessage', (a) => a.channel === PAT, 'fatal_error');
    app.slack.refuse('chat.postMessage', (a) => a.channel === PAT, 'transport');
    app.clock.advance(3 * HOUR); // 75% of the 4-hour first response: DM the on-duty person
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1); // refused
    await sweep(app); // the same minute: the ticket is looked at again at the next sweep, not in a loop
    expect(dmsTo(app, PAT)).toHaveLength(1);
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(2); // lost in transit
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(3); // delivered
    for (let i = 0; i < 3; i++) {
      app.clock.advance(MINUTE);
      await sweep(app);
    }
    expect(dmsTo(app, PAT)).toHaveLength(3);
    expect(blockText(dmsTo(app, PAT)[2]?.args.blocks)).toContain('left to its first response');
    expect(await escalations(app)).toEqual([
      ['support.escalate-delivered', 'ok'],
      ['support.escalate', 'ok'],
    ]);
  });

  it('a process that stops mid-post leaves the message pending: after its try ran out, the next process sends it once', async () => {
    const database = await persistentDb();
    const clock = createManualClock('2026-11-23T10:00:00Z'); // Monday 11:00 in Berlin
    const first = await start({ database, clock });
    const ts = await say(first, 'How do I get a VPN certificate?');
    await replyTo(first, ts);
    await settled(first);
    // The DM reaches Slack's side and no answer ever comes back; the process is stopped meanwhile.
    first.slack.on('chat.postMessage', (args) => (args.channel === PAT ? noAnswer() : { ok: true, ts: '1.1' }));
    clock.advance(3 * HOUR);
    void first.groundcrew.services.scheduler.runNow('support.sweep').catch(() => undefined);
    await first.slack.waitFor('chat.postMessage', (c) => c.args.channel === PAT);
    await first.stop();
    apps = apps.filter((a) => a !== first);

    const second = await start({ database, clock });
    clock.advance(MINUTE);
    await sweep(second); // the stopped try still holds the message (2 minutes): nothing yet
    expect(dmsTo(second, PAT)).toEqual([]);
    clock.advance(MINUTE);
    await sweep(second);
    expect(dmsTo(second, PAT)).toHaveLength(1);
    clock.advance(MINUTE);
    await sweep(second);
    expect(dmsTo(second, PAT)).toHaveLength(1);
    expect(await escalations(second)).toEqual([
      ['support.escalate-delivered', 'ok'],
      ['support.escalate', 'ok'],
    ]);
  });

  it('a page whose triage post is refused sends only that post again: the DM that went out is not repeated', async () => {
    const app = await start();
    app.slack.refuse('chat.postMessage', (a) => a.channel === TRIAGE, 'not_in_channel');
    const ts = await say(app, 'Production is down: checkout returns 500');
    await replyTo(app, ts);
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE);
    await settled(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(2);
    expect(blockText(postsTo(app, TRIAGE)[1]?.args.blocks)).toContain('pages the platform team');
    expect(dmsTo(app, PAT)).toHaveLength(1);
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(2);
    expect(dmsTo(app, PAT)).toHaveLength(1);
  });

  it('a message still owed is dropped once the ticket is answered, and never sent', async () => {
    const app = await start({ clock: createManualClock('2026-11-23T10:00:00Z') });
    const ts = await say(app, 'Where are the runbooks?');
    await replyTo(app, ts);
    app.slack.refuse('chat.postMessage', (a) => a.channel === PAT, 'fatal_error');
    app.clock.advance(3 * HOUR);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    await say(app, 'Here: the wiki, under Ops.', { user: PAT, thread: ts });
    await waitForTicket(app, 1, (r) => r.state === 'responded');
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    expect(await escalations(app)).toEqual([
      ['support.escalate-dropped', 'ok'],
      ['support.escalate', 'ok'],
    ]);
  });
});

describe('support: the audit trail and group mentions', () => {
  it('every state change of a ticket is audited: open, merge, priority, wait, resume, respond, pairing, save-answer, resolve, CSAT', async () => {
    const app = await start();
    const ts = await say(app, 'How do I get a staging database?');
    await replyTo(app, ts);
    app.clock.advance(MINUTE);
    await say(app, 'It is for the payments service.');
    await waitForTicket(app, 1, (r) => r.text?.includes('payments service') === true);
    let row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    await click(app, PAT, `${IDS.priorityPrefix}p2`, row);
    row = await waitForTicket(app, 1, (r) => r.priority === 'p2');
    const answer = await say(app, 'Run platform db create <name> --env staging', { user: PAT, thread: ts });
    await waitForTicket(app, 1, (r) => r.state === 'responded');
    await click(app, PAT, IDS.waiting, row);
    await waitForTicket(app, 1, (r) => r.state === 'waiting');
    await say(app, 'Which name do I use?', { thread: ts });
    await waitForTicket(app, 1, (r) => r.state === 'responded');
    await click(app, ADA, IDS.pairing, row);
    await waitForTicket(app, 1, (r) => r.tier === 3);
    await react(app, PAT, 'book', answer);
    await app.slack.waitFor('chat.postMessage', (c) => /Saved to the knowledge base/.test(String(c.args.text)));
    await react(app, PAT, 'white_check_mark', ts);
    await app.slack.waitFor('chat.postMessage', (c) => /How did we do/.test(String(c.args.text)));
    await click(app, ADA, `${IDS.csatPrefix}4`, row);
    await waitForTicket(app, 1, (r) => r.csat === 4);
    const trail = (await app.groundcrew.services.audit.latest(50))
      .filter((a) => a.target === 'support-ticket:1')
      .reverse()
      .map((a) => `${a.actor} ${a.action}`);
    expect(trail).toEqual([
      `${ADA} support.open`,
      `${ADA} support.merge`,
      `${PAT} support.priority`,
      `${PAT} support.respond`,
      `${PAT} support.wait`,
      `${ADA} support.resume`,
      `${ADA} support.pairing`,
      `${PAT} support.save-answer`,
      `${PAT} support.resolve`,
      `${ADA} support.csat`,
    ]);
  });

  it('a page and a breach post mention the responders’ usergroup as a group mention', async () => {
    const app = await start({
      clock: createManualClock('2026-11-23T10:00:00Z'), // Monday 11:00 Berlin
      support: supportSection({ responders: [PAT, PLATFORM_GROUP] }),
    });
    await replyTo(app, await say(app, 'Production is down: checkout returns 500'));
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === TRIAGE);
    const page = blockText(postsTo(app, TRIAGE)[0]?.args.blocks);
    expect(page).toContain('pages the platform team');
    expect(page).toContain(`<@${PAT}> <!subteam^${PLATFORM_GROUP}>`);
    await replyTo(app, await say(app, 'How do I add a DNS record?', { user: 'U0BEA0001' }));
    app.clock.advance(4 * HOUR); // p3's first response (4 business hours) is breached
    await sweep(app);
    const breach = postsTo(app, TRIAGE)
      .map((c) => blockText(c.args.blocks))
      .find((t) => t.includes('breached its first-response target') && t.includes('U0BEA0001'));
    expect(breach).toContain(`<!subteam^${PLATFORM_GROUP}>`);
  });
});

describe('support: a tier-1 reply the bot cannot post', () => {
  it('the shortcut in a conversation the bot cannot post in keeps no ticket, tells its user what to do, and escalations go on', async () => {
    const app = await start({ clock: createManualClock('2026-11-23T10:00:00Z') }); // Monday 11:00 Berlin
    const PRIVATE = 'G0PRIVATE1';
    app.slack.refuse('chat.postMessage', (a) => a.channel === PRIVATE, 'channel_not_found', 100);
    const ts = tsNow(app);
    await trackShortcut(app, { by: PAT, channel: PRIVATE, ts, text: 'why is the build cache cold?', n: 1 });
    const [told] = await app.slack.waitFor('response_url', (c) => /Not tracked/.test(String(c.args.text)));
    expect(told?.args.response_type).toBe('ephemeral');
    expect(String(told?.args.text)).toContain('I cannot post in this conversation (Slack said channel_not_found)');
    expect(String(told?.args.text)).toContain('Invite me (`/invite @groundcrew`) and use the shortcut again');
    expect(String(told?.args.text)).toContain('or ask the question in <#C0SUPPORT1>');
    expect(await tickets(app)).toEqual([]);

    // Another question in the help channel: its 75% step (3 business hours) DMs the on-duty person on time.
    await replyTo(app, await say(app, 'How do I add a DNS record?'));
    app.clock.advance(3 * HOUR);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    expect(blockText(dmsTo(app, PAT)[0]?.args.blocks)).toContain('1h of business time left to its first response');
    // The bot may post there after all (it was invited): the shortcut tracks the message now.
    app.slack.on('chat.postMessage', (a) => ({ ok: true, channel: a.channel, ts: '1767225600.900000' }));
    await trackShortcut(app, { by: PAT, channel: PRIVATE, ts, text: 'why is the build cache cold?', n: 2 });
    await app.slack.waitFor('response_url', (c) => /Tracked as support question/.test(String(c.args.text)));
    const audit = await app.groundcrew.services.audit.latest(20);
    expect(audit.filter((a) => a.action === 'support.untrack').map((a) => [a.actor, a.outcome])).toEqual([
      [PAT, 'failed'],
    ]);
  });

  it('one help-channel ticket whose reply Slack refuses for good, another whose reply failed once: neither blocks the sweep', async () => {
    const logger = recordingLogger();
    const app = await start({ clock: createManualClock('2026-11-23T10:00:00Z'), logger }); // Monday 11:00 Berlin
    app.slack.refuse('chat.postMessage', (a) => /^Tracked as question #1 /.test(String(a.text)), 'is_archived', 100);
    app.slack.refuse('chat.postMessage', (a) => /^Tracked as question #2 /.test(String(a.text)), 'fatal_error', 1);
    const one = await say(app, 'First: where are the runbooks?');
    await settled(app);
    app.clock.advance(MINUTE);
    const two = await say(app, 'Second: how do I get a VPN certificate?', { user: 'U0BEA0001' });
    await settled(app);
    app.clock.advance(MINUTE);
    await sweep(app); // #2's reply is posted late; #1's is not tried again
    await sweep(app);
    const replies = (thread: string) =>
      app.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.thread_ts === thread && /Tracked/.test(String(c.args.text)));
    expect(replies(one)).toHaveLength(1);
    expect(replies(two)).toHaveLength(2);
    expect(logger.lines.join('\n')).toContain(
      'support: the tier-1 reply to question #1 in C0SUPPORT1 was refused (is_archived); not tried again',
    );
    app.clock.advance(3 * HOUR - 2 * MINUTE); // 14:00 Berlin: #1's 75% step; #2's is a minute later
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(1);
    app.clock.advance(MINUTE);
    await sweep(app);
    expect(dmsTo(app, PAT)).toHaveLength(2);
    expect(replies(one)).toHaveLength(1);
  });
});

describe('support: waiting on the asker, resolution, CSAT', () => {
  const quick = supportSection({
    priorities: { p2: { label: "I'm blocked", firstResponse: '1h', resolution: '2h' } },
    escalation: [{ at: 'breach', of: 'resolution', notify: ['triage'] }],
  });

  it('waiting on asker pauses the resolution clock until the asker replies', async () => {
    const app = await start({ support: quick });
    const ts = await say(app, 'Staging is blocked');
    const row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    app.clock.advance(10 * MINUTE);
    await click(app, PAT, IDS.waiting, row);
    await waitForTicket(app, 1, (r) => r.state === 'waiting' && r.firstResponder === PAT);
    app.clock.advance(3 * HOUR);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toEqual([]);
    await say(app, 'Here are the logs you asked for', { thread: ts });
    await waitForTicket(app, 1, (r) => r.state === 'responded' && r.pauses[0]?.to !== null);
    // 10 minutes counted before the pause: the breach is 1h50m after the reply.
    app.clock.advance(HOUR + 49 * MINUTE);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toEqual([]);
    app.clock.advance(2 * MINUTE);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toHaveLength(1);
    expect(blockText(postsTo(app, TRIAGE)[0]?.args.blocks)).toContain('breached its resolution target');
  });

  it('⏳ by a responder waits, taking it off resumes', async () => {
    const app = await start({ support: quick });
    const ts = await say(app, 'Staging is blocked');
    await replyTo(app, ts);
    await react(app, PAT, 'hourglass_flowing_sand', ts);
    await waitForTicket(app, 1, (r) => r.state === 'waiting');
    await react(app, PAT, 'hourglass_flowing_sand', ts, true);
    await waitForTicket(app, 1, (r) => r.state === 'responded' && r.pauses.length === 1 && r.pauses[0]?.to !== null);
  });

  it('✅ by the asker resolves; the asker is asked for a rating once, and can give it once', async () => {
    const app = await start();
    const ts = await say(app, 'How do I get VPN access?');
    await replyTo(app, ts);
    await react(app, ADA, 'white_check_mark', ts);
    const row = await waitForTicket(app, 1, (r) => r.state === 'resolved');
    expect(row).toMatchObject({ resolvedBy: 'asker', resolverId: ADA });
    const csat = await app.slack.waitFor('chat.postMessage', (c) => /How did we do/.test(String(c.args.text)));
    expect(csat[0]?.args.thread_ts).toBe(ts);
    // Resolving again (button, reaction) changes nothing and asks nothing more.
    await click(app, PAT, IDS.resolved, row);
    await react(app, PAT, 'white_check_mark', ts);
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage').filter((c) => /How did we do/.test(String(c.args.text)))).toHaveLength(
      1,
    );

    await click(app, 'U0BEA0001', `${IDS.csatPrefix}1`, row);
    await app.slack.waitFor('response_url', (c) => /Only the person who asked/.test(String(c.args.text)));
    await click(app, ADA, `${IDS.csatPrefix}4`, row);
    await app.slack.waitFor('response_url', (c) => /you rated this 4\/5/.test(String(c.args.text)));
    await click(app, ADA, `${IDS.csatPrefix}1`, row);
    await app.slack.waitFor('response_url', (c) => /rated this question already/.test(String(c.args.text)));
    expect((await waitForTicket(app, 1)).csat).toBe(4);
  });

  it('the Resolved button by a responder resolves and stops every clock', async () => {
    const app = await start();
    const ts = await say(app, 'Question for the team');
    const row = await waitForTicket(app, 1, (r) => r.replyTs !== null);
    await click(app, 'U0BEA0001', IDS.resolved, row);
    await app.slack.waitFor('response_url', (c) => /Only the asker or the platform team/.test(String(c.args.text)));
    await click(app, PAT, IDS.resolved, row);
    const done = await waitForTicket(app, 1, (r) => r.state === 'resolved');
    expect(done).toMatchObject({ resolvedBy: 'responder', resolverId: PAT, firstResponder: PAT, nextCheckAt: null });
    const update = await app.slack.waitFor('chat.update', (c) => /resolved/.test(String(c.args.text)));
    expect(blockText(update[0]?.args.blocks)).toContain(`resolved (by <@${PAT}>)`);
    app.clock.advance(30 * HOUR);
    await sweep(app);
    expect(postsTo(app, TRIAGE)).toEqual([]);
    expect(dmsTo(app, PAT)).toEqual([]);
    expect(ts).toBeTruthy();
  });
});
