import { describe, expect, it } from 'vitest';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { surveyIdentifiedAnswersTable, surveyTalliesTable, surveyWavesTable } from '../../src/surveys/schema.js';
import { IDS } from '../../src/surveys/slack/ids.js';
import { ackBody, blockText, PLATFORM_ENGINEER, PLATFORM_GROUP } from '../support/harness.js';
import { appHomeOpened } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import {
  ADMIN,
  clickDm,
  dmsTo,
  PEOPLE,
  RESULTS,
  type SurveyApp,
  startWave,
  stopAppAfterEach,
  submitAnswer,
  surveySection,
} from './support.js';

const apps = stopAppAfterEach();

const DAY = 86_400_000;

async function waves(a: SurveyApp) {
  return orm(a.database).select().from(twin(a.database, surveyWavesTable)).orderBy(surveyWavesTable.id);
}

describe('survey flows', () => {
  it('a non-anonymous answer can be changed until close, in a modal showing the previous answer', async () => {
    const app = await apps.start({ surveys: [surveySection({ anonymous: false })] });
    const ref = await startWave(app);
    await submitAnswer(app, PEOPLE[0]!, ref, { score: 6, area: 'docs', comment: 'Slow builds' });
    await submitAnswer(app, PEOPLE[1]!, ref, { score: 9 });
    await submitAnswer(app, PEOPLE[2]!, ref, { score: 10 });
    // Answering again: the modal opens with the previous answer; the change replaces it.
    await clickDm(app, PEOPLE[0]!, IDS.answer, ref);
    const modal = (await app.slack.waitFor('views.open'))[0]!.args.view as {
      blocks: unknown[];
      submit: { text: string };
    };
    expect(modal.submit.text).toBe('Change answer');
    expect(JSON.stringify(modal.blocks)).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"6"},"value":"6"}',
    );
    expect(JSON.stringify(modal.blocks)).toContain('"initial_value":"Slow builds"');
    expect(await (await submitAnswer(app, PEOPLE[0]!, ref, { score: 9, comment: 'Faster now' })).text()).toBe('');
    const rows = await orm(app.database).select().from(twin(app.database, surveyIdentifiedAnswersTable));
    expect(rows.find((r) => r.userId === PEOPLE[0])).toMatchObject({ score: 9, area: null, comment: 'Faster now' });
    expect(rows).toHaveLength(3);
    // Nothing of a non-anonymous wave goes to the tallies.
    const tallies = await orm(app.database).select().from(twin(app.database, surveyTalliesTable));
    expect(tallies.every((c) => c.count === 0)).toBe(true);
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    const post = (await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS))[0]!;
    expect(blockText(post.args.blocks)).toContain('*NPS 100*');
    expect(blockText(post.args.blocks)).toContain('3 of 6 answered (50%) :warning: under 60%');
    // After close the answer cannot change any more.
    const late = await ackBody(await submitAnswer(app, PEOPLE[0]!, ref, { score: 0 }));
    expect(JSON.stringify(late)).toContain('closed');
  });

  it('leaves the app itself out of a channel audience', async () => {
    const app = await apps.start({ members: [...PEOPLE, 'U0BOT0001'] });
    await startWave(app);
    await settled(app);
    expect(dmsTo(app, 'U0BOT0001')).toEqual([]);
    expect((await waves(app))[0]?.invited).toBe(PEOPLE.length);
  });

  it('the Home tab shows a survey waiting for the person until they answer it', async () => {
    const app = await apps.start();
    const ref = await startWave(app);
    await app.event(appHomeOpened(PEOPLE[0]!));
    const home = (c: { args: Record<string, unknown> }) => blockText((c.args.view as { blocks: unknown }).blocks);
    const first = await app.slack.waitFor('views.publish', (c) => c.args.user_id === PEOPLE[0]);
    expect(home(first[0]!)).toContain('Surveys for you');
    expect(JSON.stringify(first[0]!.args.view)).toContain(ref);
    await submitAnswer(app, PEOPLE[0]!, ref, { score: 8 });
    const again = await app.slack.waitFor('views.publish', (c) => c.args.user_id === PEOPLE[0], { count: 2 });
    expect(home(again.at(-1)!)).not.toContain('Surveys for you');
  });

  it('consent to be contacted stores that one answer with the person and tells the platform team and admins privately', async () => {
    const app = await apps.start();
    app.slack.usergroups[PLATFORM_GROUP] = [PLATFORM_ENGINEER];
    const ref = await startWave(app);
    await submitAnswer(app, PEOPLE[3]!, ref, { score: 2, area: 'deploys', comment: 'Rollbacks fail', contact: true });
    const told = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === ADMIN);
    expect(blockText(told[0]!.args.blocks)).toContain(`<@${PEOPLE[3]}> is happy to be contacted`);
    expect(blockText(told[0]!.args.blocks)).toContain('Rollbacks fail');
    const toPlatform = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === PLATFORM_ENGINEER);
    expect(blockText(toPlatform[0]!.args.blocks)).toContain(`<@${PEOPLE[3]}> is happy to be contacted`);
    const rows = await orm(app.database).select().from(twin(app.database, surveyIdentifiedAnswersTable));
    expect(rows).toEqual([
      { waveId: 1, userId: PEOPLE[3], score: 2, area: 'deploys', comment: 'Rollbacks fail', contact: true },
    ]);
    const tallies = await orm(app.database).select().from(twin(app.database, surveyTalliesTable));
    expect(tallies.every((c) => c.count === 0)).toBe(true);
    // Answered: the DM loses its buttons.
    const updated = await app.slack.waitFor('chat.update', (c) => c.args.channel === PEOPLE[3]);
    expect(blockText(updated[0]!.args.blocks)).toContain('Thank you, your answer is in');
  });

  it('reminders reach only people who have not answered and have not opted out; opt-out and opt-in', async () => {
    // Monday 2026-11-23 + 3d and + 4d: Thursday and Friday (a reminder on a weekend would wait for Monday).
    const app = await apps.start({ surveys: [surveySection({ reminders: ['3d', '4d'] })] });
    const ref = await startWave(app);
    await submitAnswer(app, PEOPLE[0]!, ref, { score: 9 });
    // "Stop asking me" in the DM opts out and rewrites the DM.
    await clickDm(app, PEOPLE[1]!, IDS.stopAsking, ref);
    const rewritten = await app.slack.waitFor('chat.update', (c) =>
      blockText(c.args.blocks).includes('will not be asked again'),
    );
    expect(rewritten).toHaveLength(1);
    // "Not now" only answers the clicker.
    await clickDm(app, PEOPLE[2]!, IDS.notNow, ref);
    await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('answer later'));

    app.clock.advance(3 * DAY + 60_000);
    await app.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(app);
    const reminded = (p: string) => dmsTo(app, p).filter((c) => blockText(c.args.blocks).includes('A reminder')).length;
    expect(PEOPLE.map(reminded)).toEqual([0, 0, 1, 1, 1, 1]);
    // The sweep again: the first reminder is not sent twice.
    await app.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(app);
    expect(PEOPLE.map(reminded)).toEqual([0, 0, 1, 1, 1, 1]);

    // Opting back in: the next reminder reaches them again (they have not answered).
    expect((await ackBody(await app.command('survey optin', { user_id: PEOPLE[1]! })))?.text).toContain('again');
    await submitAnswer(app, PEOPLE[2]!, ref, { score: 7 });
    app.clock.advance(DAY);
    await app.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(app);
    expect(PEOPLE.map(reminded)).toEqual([0, 1, 1, 2, 2, 2]);
    // Opting out by command leaves them out of the next wave.
    await ackBody(await app.command('survey optout', { user_id: PEOPLE[5]! }));
    await ackBody(await app.command('survey close platform-nps', { user_id: ADMIN }));
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS);
    const dmsBefore = dmsTo(app, PEOPLE[5]!).length;
    await startWave(app, PEOPLE.slice(0, 5));
    await settled(app);
    expect(dmsTo(app, PEOPLE[5]!).length).toBe(dmsBefore);
    expect((await waves(app)).at(-1)?.invited).toBe(5);
  });

  it('closes when due, posts the results once, and "you said, we did" goes to the thread and opens the next DM', async () => {
    const app = await apps.start();
    const ref = await startWave(app);
    for (const [i, score] of [10, 9, 3].entries()) await submitAnswer(app, PEOPLE[i]!, ref, { score });
    app.clock.advance(7 * DAY);
    await app.groundcrew.services.scheduler.runNow('surveys.sweep');
    await app.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(app);
    const posts = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS);
    expect(posts).toHaveLength(1);
    expect(blockText(posts[0]!.args.blocks)).toContain('*NPS 33*');
    expect(app.slack.callsTo('files.completeUploadExternal')).toHaveLength(1);
    const [closed] = await waves(app);
    expect(closed?.closedAt).not.toBeNull();

    const reply = await ackBody(
      await app.command('survey followup platform-nps "We moved builds to bigger runners"', { user_id: ADMIN }),
    );
    expect(reply?.text).toContain('Follow-up saved on wave 1');
    const thread = await app.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === closed?.resultsTs);
    expect(String(thread[0]!.args.text)).toContain('We moved builds to bigger runners');

    await startWave(app);
    const second = dmsTo(app, PEOPLE[4]!).at(-1)!;
    expect(blockText(second.args.blocks)).toMatch(/^\*You said, we did:\* We moved builds to bigger runners/);
    const audit = (await app.groundcrew.services.audit.latest(10)).map((r) => `${r.actor} ${r.action}`);
    expect(audit).toEqual([
      `${ADMIN} surveys.start`,
      `${ADMIN} surveys.followup`,
      'system surveys.close',
      `${ADMIN} surveys.start`,
    ]);
  });

  it('a 429 with Retry-After pauses the sending for that long, then every DM goes out once', async () => {
    const app = await apps.start({ limits: { perSecond: 10, burst: 1, perChannelMs: 0 } });
    app.slack.rateLimit('chat.postMessage', 1, 1);
    await startWave(app);
    await settled(app);
    const calls = app.slack.callsTo('chat.postMessage');
    expect(calls).toHaveLength(PEOPLE.length + 1);
    for (const p of PEOPLE) expect(dmsTo(app, p).length).toBeGreaterThanOrEqual(1);
    // The rate-limited call, and nothing started until its Retry-After had passed.
    const limited = calls[0]!;
    // Nothing started after the 429 came back until its Retry-After had passed (one send every 100 ms, so at
    // most one could have started before the 429 was back).
    const early = calls.filter((c) => c !== limited && c.at - limited.at < 990);
    expect(early.length).toBeLessThanOrEqual(1);
    expect(calls.filter((c) => c.at - limited.at >= 990).length).toBe(PEOPLE.length + 1 - 1 - early.length);
    // Every DM recorded as sent, none twice.
    const sent = new Set(calls.slice(1).map((c) => String(c.args.channel)));
    expect([...sent].sort()).toEqual([...PEOPLE].sort());
  });
});
