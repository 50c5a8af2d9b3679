import { describe, expect, it } from 'vitest';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { createSurveysRepo } from '../../src/surveys/repo.js';
import { surveyWavesTable } from '../../src/surveys/schema.js';
import { ackBody, blockText } from '../support/harness.js';
import { eventually, gate, settled } from '../support/wait.js';
import { ADMIN, RESULTS, stopAppAfterEach } from './support.js';

const apps = stopAppAfterEach();
const DAY = 86_400_000;
const AUDIENCE = Array.from({ length: 40 }, (_, i) => `U0PERSON${String(i).padStart(2, '0')}`);

describe('closing a wave while its DMs are going out', () => {
  it('stops the DMs and the reminders: the results count as reached exactly the DMs that went out', async () => {
    const app = await apps.start({ members: AUDIENCE, limits: { perSecond: 20, burst: 1, perChannelMs: 0 } });
    // Slack answers the first 3 DMs and holds every later one until the gate opens.
    const held = gate();
    let dms = 0;
    let ts = 0;
    app.slack.on('chat.postMessage', async (args) => {
      if (AUDIENCE.includes(String(args.channel)) && ++dms > 3) await held.opened;
      return { ok: true, channel: args.channel, ts: `1767230000.${String(++ts).padStart(6, '0')}` };
    });
    const dmCalls = () =>
      app.slack.callsTo('chat.postMessage').filter((c) => AUDIENCE.includes(String(c.args.channel)));

    const started = await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    expect(started?.text).toContain('is open: 40 people');
    await eventually(() => expect(dmCalls().length).toBeGreaterThanOrEqual(4));

    const closed = await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    expect(closed).toBeNull();
    const [post] = await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === RESULTS && c.args.thread_ts === undefined,
    );
    held.open();
    await settled(app);
    const sent = dmCalls().length;
    expect(sent).toBeLessThan(40);
    const reached = Number(/\d+ of (\d+) answered/.exec(blockText(post!.args.blocks))?.[1]);
    expect(reached).toBe(sent);

    // The claims themselves refuse a closed wave (one statement: a close on another replica wins the race).
    const repo = createSurveysRepo(app.database);
    const [wave] = await orm(app.database).select().from(twin(app.database, surveyWavesTable));
    const waiting = await repo.pendingRecipients(wave!.id);
    expect(waiting.length).toBe(40 - sent);
    expect(await repo.claimDelivery(wave!.id, waiting[0]!)).toBe(false);
    expect(await repo.claimReminder(wave!.id, AUDIENCE[0]!, 1)).toBe(false);

    // Past both reminder times: the sweep sends nothing for the closed wave.
    app.clock.advance(6 * DAY);
    expect((await app.groundcrew.services.scheduler.runNow('surveys.sweep')).outcome).toBe('ok');
    await settled(app);
    expect(dmCalls().length).toBe(sent);
  });

  it('stops a reminder round that is going out', async () => {
    const app = await apps.start({ members: AUDIENCE, limits: { perSecond: 20, burst: 1, perChannelMs: 0 } });
    const dmCalls = () =>
      app.slack.callsTo('chat.postMessage').filter((c) => AUDIENCE.includes(String(c.args.channel)));
    await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    await eventually(() => expect(dmCalls()).toHaveLength(40));
    await settled(app);
    // Slack answers the first 3 reminders and holds the later ones until the gate opens.
    const held = gate();
    let reminders = 0;
    let ts = 0;
    app.slack.on('chat.postMessage', async (args) => {
      if (AUDIENCE.includes(String(args.channel)) && ++reminders > 3) await held.opened;
      return { ok: true, channel: args.channel, ts: `1767240000.${String(++ts).padStart(6, '0')}` };
    });
    app.clock.advance(3 * DAY + 60_000);
    const sweep = app.groundcrew.services.scheduler.runNow('surveys.sweep');
    await eventually(() => expect(dmCalls().length).toBeGreaterThanOrEqual(44));
    expect(await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }))).toBeNull();
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS && c.args.thread_ts === undefined);
    held.open();
    expect((await sweep).outcome).toBe('ok');
    await settled(app);
    // What was already claimed when the close came may still go out, not the rest of the round.
    expect(dmCalls().length - 40).toBeLessThan(40);
  });
});
