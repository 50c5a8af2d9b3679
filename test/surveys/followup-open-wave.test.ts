import { afterEach, describe, expect, it } from 'vitest';
import { ackBody, blockText } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, dmsTo, PEOPLE, RESULTS, type SurveyApp, startSurveyApp } from './support.js';

let app: SurveyApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function startWave(a: SurveyApp) {
  const before = PEOPLE.map((p) => dmsTo(a, p).length);
  const reply = await ackBody(await a.command('survey start platform-nps', { user_id: ADMIN }));
  expect(reply?.text).toContain('is open');
  for (const [i, p] of PEOPLE.entries()) await eventually(() => expect(dmsTo(a, p).length).toBe(before[i]! + 1));
}

describe('"you said, we did" while a wave is open', () => {
  it('is refused with what to do, saved nowhere; added after the close it opens the next DM', async () => {
    app = await startSurveyApp();
    await startWave(app);
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS);
    await startWave(app);
    await settled(app);
    const posted = app.slack.callsTo('chat.postMessage').length;

    const refused = await ackBody(
      await app.command('survey followup platform-nps "Bigger runners"', { user_id: ADMIN }),
    );
    expect(refused?.text).toContain('wave 2 is open');
    expect(refused?.text).toContain('/platform survey close platform-nps');
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage')).toHaveLength(posted);
    const audit = await app.groundcrew.services.audit.latest(1);
    expect(audit.map((r) => `${r.action} ${r.outcome}`)).toEqual(['surveys.followup denied']);

    // The way the refusal points to: close wave 2, add the follow-up, and wave 3's DMs open with it.
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await eventually(() =>
      expect(app!.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS)).toHaveLength(2),
    );
    const saved = await ackBody(await app.command('survey followup platform-nps "Bigger runners"', { user_id: ADMIN }));
    expect(saved?.text).toContain('Follow-up saved on wave 2');
    await startWave(app);
    for (const p of PEOPLE) {
      expect(blockText(dmsTo(app, p).at(-1)!.args.blocks)).toMatch(/^\*You said, we did:\* Bigger runners/);
    }
  });
});
