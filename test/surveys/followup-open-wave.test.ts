import { describe, expect, it } from 'vitest';
import { ackBody, blockText } from '../support/harness.js';
import { eventually, gate, settled } from '../support/wait.js';
import { ADMIN, dmsTo, PEOPLE, RESULTS, startWave, stopAppAfterEach } from './support.js';

const apps = stopAppAfterEach();
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('"you said, we did" with back-to-back waves (one always open)', () => {
  it('attaches to the latest closed wave, goes to its thread now, and opens the DMs of the wave after the open one', async () => {
    const app = await apps.start();
    await startWave(app);
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS && c.args.thread_ts === undefined);
    await startWave(app);
    await settled(app);

    // Wave 2 is open (as it always is with openFor 7d and a weekly schedule): the follow-up goes on wave 1.
    app.clock.advance(HOUR);
    const saved = await ackBody(await app.command('survey followup platform-nps "Bigger runners"', { user_id: ADMIN }));
    expect(saved?.text).toContain('Follow-up saved on wave 1');
    expect(saved?.text).toContain('Wave 2 is open and its DMs have gone out, so wave 3’s DM opens with it');
    const [thread] = await app.slack.waitFor('chat.postMessage', (c) => String(c.args.text).includes('Bigger runners'));
    expect(thread!.args.channel).toBe(RESULTS);
    const entry = (await app.groundcrew.services.audit.latest(1))[0]!;
    expect(`${entry.action} ${entry.outcome}`).toBe('surveys.followup ok');
    await settled(app);
    // Wave 2's DMs are not sent again.
    for (const p of PEOPLE) expect(dmsTo(app, p)).toHaveLength(2);

    // Wave 2 closes, wave 3 starts: its DMs open with the follow-up saved while wave 2 was open.
    app.clock.advance(HOUR);
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await eventually(() =>
      expect(
        app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS && !c.args.thread_ts),
      ).toHaveLength(2),
    );
    await startWave(app);
    for (const p of PEOPLE) {
      expect(blockText(dmsTo(app, p).at(-1)!.args.blocks)).toMatch(/^\*You said, we did:\* Bigger runners/);
    }
    // Wave 4 does not repeat it (wave 3's DMs carried it).
    app.clock.advance(HOUR);
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await eventually(() =>
      expect(
        app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS && !c.args.thread_ts),
      ).toHaveLength(3),
    );
    await startWave(app);
    for (const p of PEOPLE) expect(blockText(dmsTo(app, p).at(-1)!.args.blocks)).not.toContain('You said, we did');
  });
});

describe('a wave started while the sweep is busy', () => {
  it('gets its DMs when that sweep ends, not a minute later (the start found the sweep running and ran it again)', async () => {
    const app = await apps.start();
    await startWave(app);
    await settled(app);
    // Wave 1 is due; the sweep closes it and posts its results, and Slack holds that post until the gate opens.
    const held = gate();
    let ts = 0;
    app.slack.on('chat.postMessage', async (args) => {
      if (args.channel === RESULTS) await held.opened;
      return { ok: true, channel: args.channel, ts: `1767230000.${String(++ts).padStart(6, '0')}` };
    });
    app.clock.advance(7 * DAY);
    const sweep = app.groundcrew.services.scheduler.runNow('surveys.sweep');
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS);
    // Wave 2 starts meanwhile: its own sweep is skipped (one sweep at a time), the busy one has read the waves.
    const reply = await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    expect(reply?.text).toContain('Wave 2');
    held.open();
    expect((await sweep).outcome).toBe('ok');
    // No clock move, no further tick: the DMs of wave 2 go out once the busy sweep is done.
    for (const p of PEOPLE) await eventually(() => expect(dmsTo(app, p)).toHaveLength(2));
    await settled(app);
    for (const p of PEOPLE) expect(dmsTo(app, p)).toHaveLength(2);
  });
});
