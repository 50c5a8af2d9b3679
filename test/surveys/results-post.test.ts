import { describe, expect, it } from 'vitest';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { surveyWavesTable } from '../../src/surveys/schema.js';
import { ackBody, blockText } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, PEOPLE, RESULTS, type SurveyApp, startWave, stopAppAfterEach, submitAnswer } from './support.js';

const apps = stopAppAfterEach();
const DAY = 86_400_000;

const resultsPosts = (app: SurveyApp) =>
  app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS && c.args.thread_ts === undefined);
const toAdmin = (app: SurveyApp) => app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ADMIN);

async function wave(app: SurveyApp) {
  const [row] = await orm(app.database).select().from(twin(app.database, surveyWavesTable));
  return row!;
}

async function sweep(app: SurveyApp) {
  app.clock.advance(60_000);
  const run = await app.groundcrew.services.scheduler.runNow('surveys.sweep');
  await settled(app);
  return run.outcome;
}

describe('a results channel the bot cannot post to', () => {
  it('/platform survey close closes for good, says how to fix the channel, and the sweep posts once it can', async () => {
    const app = await apps.start();
    await startWave(app);
    await settled(app);
    // Refused three times: the close's try and two sweeps; the third sweep gets through.
    app.slack.refuse('chat.postMessage', (args) => args.channel === RESULTS, 'not_in_channel', 3);
    expect(await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }))).toBeNull();
    const [reply] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('closed'));
    const text = String(reply!.args.text);
    expect(text).not.toContain('Something went wrong');
    expect(text).toContain('wave 1 is closed');
    expect(text).toContain(`<#${RESULTS}>`);
    expect(text).toContain('`not_in_channel`');
    expect(text).toContain('/invite @groundcrew');
    expect((await wave(app)).closedAt).not.toBeNull();
    const audit = await app.groundcrew.services.audit.latest(1);
    expect(audit.map((r) => `${r.action} ${r.outcome}`)).toEqual(['surveys.close ok']);

    // The close is final; the sweep retries the post every minute without failing or telling anyone again.
    expect(await sweep(app)).toBe('ok');
    expect(await sweep(app)).toBe('ok');
    expect(resultsPosts(app)).toHaveLength(3);
    expect(toAdmin(app)).toEqual([]);
    expect((await wave(app)).resultsTs).toBeNull();
    // The bot was invited: the next sweep posts the results, once.
    expect(await sweep(app)).toBe('ok');
    expect(await sweep(app)).toBe('ok');
    expect(resultsPosts(app)).toHaveLength(4);
    expect(await wave(app)).toMatchObject({ resultsChannel: RESULTS, resultsProblem: null });
    expect((await wave(app)).resultsTs).not.toBeNull();
  });

  it('a scheduled close: the admins are told once by DM, every minute retries quietly, a new cause is told again', async () => {
    const app = await apps.start();
    await startWave(app);
    await settled(app);
    app.slack.refuse('chat.postMessage', (args) => args.channel === RESULTS, 'is_archived', 3);
    app.clock.advance(7 * DAY);
    expect(await sweep(app)).toBe('ok');
    expect((await wave(app)).closedAt).not.toBeNull();
    const told = await eventually(() => {
      const calls = toAdmin(app);
      expect(calls).toHaveLength(1);
      return calls;
    });
    const text = blockText(told[0]!.args.blocks);
    expect(text).toContain('`platform-nps`: wave 1 is closed');
    expect(text).toContain('`is_archived`');
    expect(text).toContain('Unarchive the channel');
    expect(await sweep(app)).toBe('ok');
    expect(await sweep(app)).toBe('ok');
    expect(toAdmin(app)).toHaveLength(1);
    expect(resultsPosts(app)).toHaveLength(3);
    // Unarchived, but the bot is no longer a member: that is news, told once.
    app.slack.refuse('chat.postMessage', (args) => args.channel === RESULTS, 'not_in_channel', 2);
    expect(await sweep(app)).toBe('ok');
    expect(await sweep(app)).toBe('ok');
    expect(toAdmin(app)).toHaveLength(2);
    expect(blockText(toAdmin(app)[1]!.args.blocks)).toContain('/invite @groundcrew');
    expect(await sweep(app)).toBe('ok');
    expect(resultsPosts(app)).toHaveLength(6);
    expect((await wave(app)).resultsTs).not.toBeNull();
    expect(toAdmin(app)).toHaveLength(2);
  });
});

describe('the response rate', () => {
  it('counts only the people the wave reached, and says how many it could not reach', async () => {
    const reachable = PEOPLE.slice(0, 3);
    const otherBot = 'U0OTHERBOT';
    const deactivated = 'U0GONE0001';
    const app = await apps.start({ members: [...reachable, otherBot, deactivated] });
    app.slack.refuse('chat.postMessage', (args) => args.channel === otherBot, 'cannot_dm_bot');
    app.slack.refuse('chat.postMessage', (args) => args.channel === deactivated, 'account_inactive');
    const ref = await startWave(app, reachable);
    await settled(app);
    for (const [i, p] of reachable.entries()) await submitAnswer(app, p, ref, { score: 9 - i });
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    const [post] = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS);
    const shown = blockText(post!.args.blocks);
    expect(shown).toContain('3 of 3 answered (100%)');
    expect(shown).toContain('2 of the 5 in the audience could not be reached by DM');
    expect(shown).not.toContain(':warning:');
  });
});
