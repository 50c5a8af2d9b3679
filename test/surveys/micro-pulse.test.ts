import { describe, expect, it } from 'vitest';
import { approvalsCapability } from '../../src/approvals/capability.js';
import { MINUTE } from '../../src/clock.js';
import { coreCapability } from '../../src/core/capability.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { createDeploysCapability } from '../../src/deploys/capability.js';
import { IDS as SUPPORT_IDS } from '../../src/support/slack/ids.js';
import { createSurveysCapability } from '../../src/surveys/capability.js';
import { microPeriodOf } from '../../src/surveys/micro-pulse.js';
import { microPulseHook } from '../../src/surveys/micro-pulse-port.js';
import { surveyMicroAsksTable, surveyMicroTalliesTable } from '../../src/surveys/schema.js';
import { deploysSection, ENGINEER, expectNockDone, nockDispatch, nockRun, settle } from '../deploys/support.js';
import { ackBody, blockText, startTestApp, type TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { eventually, settled } from '../support/wait.js';
import { ADA, click, PAT, say, startSupportApp, waitForTicket } from '../support-desk/support.js';
import {
  ADMIN,
  answerRef,
  dmsTo,
  PEOPLE,
  RESULTS,
  type SurveyApp,
  startSurveyApp,
  stopAppAfterEach,
  submitAnswer,
  surveySection,
} from './support.js';

const apps = stopAppAfterEach();

const DAY = 86_400_000;
const QUESTION = 'How easy was that deploy, from 1 (very hard) to 5 (very easy)?';

function microSurvey(overrides: Record<string, unknown> = {}) {
  return surveySection({
    audience: [ENGINEER, ...PEOPLE],
    microPulse: { sample: 1, after: ['deploy-succeeded'], question: QUESTION },
    ...overrides,
  });
}

const microDms = (a: TestApp, userId: string) =>
  a.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === userId && c.args.text === QUESTION);

function clickScore(a: TestApp, userId: string, score: number, surveyId = 'platform-nps') {
  return a.interact(
    messageButton({
      userId,
      actionId: `surveys.micro-${score}`,
      value: surveyId,
      channelId: `D${userId.slice(1)}`,
      messageTs: '1767225600.000009',
    }),
  );
}

async function microTallies(a: TestApp) {
  return orm(a.database)
    .select()
    .from(twin(a.database, surveyMicroTalliesTable))
    .orderBy(surveyMicroTalliesTable.period, surveyMicroTalliesTable.score);
}

/** A staging deploy of web by the engineer, followed to success (GitHub run 555 + n). */
async function deploySucceeds(a: TestApp, id: number) {
  const dispatch = nockDispatch(555 + id);
  await ackBody(await a.command(`deploy web staging v1.4.${id}`, { user_id: ENGINEER }));
  await settle(a, id, 'running');
  expectNockDone(dispatch);
  const completed = nockRun(555 + id, 'completed', 'success');
  a.clock.advance(MINUTE);
  await a.groundcrew.services.scheduler.runNow('deploys.poll-runs');
  expectNockDone(completed);
  await settle(a, id, 'succeeded');
}

describe('micro-pulse', () => {
  it('a succeeded deploy asks its requester the 1–5 question once; the answer is counted once; 30 days pass before the next', async () => {
    const app = apps.track(
      await startTestApp({
        team: { deploys: deploysSection(), surveys: [microSurvey()] },
        capabilities: [coreCapability, approvalsCapability, createDeploysCapability(), createSurveysCapability()],
      }),
    );
    await deploySucceeds(app, 1);
    await eventually(() => expect(microDms(app, ENGINEER)).toHaveLength(1));
    const dm = microDms(app, ENGINEER)[0]!;
    expect(blockText(dm.args.blocks)).toContain('You will not be asked again for 30 days');
    const buttons = JSON.stringify(dm.args.blocks);
    for (const score of [1, 2, 3, 4, 5]) expect(buttons).toContain(`"action_id":"surveys.micro-${score}"`);

    await clickScore(app, ENGINEER, 4);
    const updated = await app.slack.waitFor('chat.update', (c) => c.args.channel === `D${ENGINEER.slice(1)}`);
    expect(blockText(updated[0]!.args.blocks)).toContain('your answer is counted');
    // A second click (or a replayed one) is not counted again.
    await clickScore(app, ENGINEER, 1);
    await settled(app);
    const period = microPeriodOf(app.clock.now(), 'Europe/Berlin');
    expect((await microTallies(app)).map((c) => [c.period, c.score, c.count])).toEqual([
      [period, 1, 0],
      [period, 2, 0],
      [period, 3, 0],
      [period, 4, 1],
      [period, 5, 0],
    ]);
    // Who was asked holds no score: only when (for the 30 days) and that nothing is pending any more.
    const asks = await orm(app.database).select().from(twin(app.database, surveyMicroAsksTable));
    expect(asks).toEqual([
      { surveyId: 'platform-nps', userId: ENGINEER, askedAt: expect.any(Date), period, pending: false },
    ]);

    // Another success within 30 days: no question.
    app.clock.advance(10 * DAY);
    await deploySucceeds(app, 2);
    await settled(app);
    expect(microDms(app, ENGINEER)).toHaveLength(1);
    // After 30 days: asked again.
    app.clock.advance(21 * DAY);
    await deploySucceeds(app, 3);
    await eventually(() => expect(microDms(app, ENGINEER)).toHaveLength(2));
  });

  it('asks only the audience, never the opted-out, and once when two triggers meet', async () => {
    const surveyApp = await startSurveyApp({ surveys: [microSurvey({ audience: PEOPLE.slice(0, 3) })] });
    apps.track(surveyApp);
    const hook = microPulseHook(surveyApp.groundcrew.services, 'deploy-succeeded')!;
    expect(microPulseHook(surveyApp.groundcrew.services, 'support-resolved')).toBeUndefined();
    await ackBody(await surveyApp.command('survey optout', { user_id: PEOPLE[1]! }));
    for (const person of [PEOPLE[0]!, PEOPLE[1]!, PEOPLE[4]!]) await hook(person);
    await settled(surveyApp);
    expect(microDms(surveyApp, PEOPLE[0]!)).toHaveLength(1);
    expect(microDms(surveyApp, PEOPLE[1]!)).toHaveLength(0);
    expect(microDms(surveyApp, PEOPLE[4]!)).toHaveLength(0);
    // Two triggers for one person at once (a deploy and a resolved question, two replicas): one question.
    await Promise.all([hook(PEOPLE[2]!), hook(PEOPLE[2]!), hook(PEOPLE[2]!)]);
    await settled(surveyApp);
    expect(microDms(surveyApp, PEOPLE[2]!)).toHaveLength(1);
    // A click from someone never asked counts nothing.
    await clickScore(surveyApp, PEOPLE[3]!, 5);
    await settled(surveyApp);
    expect((await microTallies(surveyApp)).reduce((n, c) => n + c.count, 0)).toBe(0);
    // The one asked counts once.
    await clickScore(surveyApp, PEOPLE[2]!, 5);
    await settled(surveyApp);
    expect((await microTallies(surveyApp)).reduce((n, c) => n + c.count, 0)).toBe(1);
  });

  it('a support question resolved asks its asker (support-resolved)', async () => {
    const supportApp = await startSupportApp({
      team: {
        surveys: [
          microSurvey({
            audience: [ADA],
            microPulse: { sample: '100%', after: ['support-resolved'], question: QUESTION },
          }),
        ],
      },
    });
    apps.track(supportApp);
    await say(supportApp, 'How do I rotate the staging database password?', { user: ADA });
    const row = await waitForTicket(supportApp, 1, (r) => r.replyTs !== null);
    await settled(supportApp);
    expect(microDms(supportApp, ADA)).toHaveLength(0);
    await click(supportApp, PAT, SUPPORT_IDS.resolved, row);
    await waitForTicket(supportApp, 1, (r) => r.state === 'resolved');
    await eventually(() => expect(microDms(supportApp, ADA)).toHaveLength(1));
  });

  it('the results post shows the micro-pulse per month, a mean only from minGroupSize answers', async () => {
    const surveyApp = await startSurveyApp({ surveys: [microSurvey()] });
    apps.track(surveyApp);
    const hook = microPulseHook(surveyApp.groundcrew.services, 'deploy-succeeded')!;
    for (const [i, score] of [5, 4, 4].entries()) {
      await hook(PEOPLE[i]!);
      await clickScore(surveyApp, PEOPLE[i]!, score);
    }
    await settled(surveyApp);
    const before = surveyApp.slack.callsTo('chat.postMessage').length;
    await ackBody(await surveyApp.command('survey start platform-nps', { user_id: ADMIN }));
    await eventually(() => expect(surveyApp.slack.callsTo('chat.postMessage').length).toBeGreaterThan(before));
    await ackBody(await surveyApp.command('survey close platform-nps', { user_id: ADMIN }));
    const post = (await surveyApp.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS))[0]!;
    const period = microPeriodOf(surveyApp.clock.now(), 'Europe/Berlin');
    // (5 + 4 + 4) / 3 = 4.33 → 4.3
    expect(blockText(post.args.blocks)).toContain(`• ${period}: 4.3 (3 answers)`);
    // Its own trend chart goes into the results thread after the NPS chart: real PNG bytes.
    const completes = await surveyApp.slack.waitFor('files.completeUploadExternal', () => true, { count: 2 });
    expect(completes.map((c) => (c.args.files as { title: string }[])[0]!.title)).toEqual([
      'platform-nps: NPS and response rate per wave',
      'platform-nps: micro-pulse per month',
    ]);
    expect(new Set(completes.map((c) => c.args.thread_ts)).size).toBe(1);
    expect(completes[0]!.args.thread_ts).toBeTruthy();
    const png = surveyApp.uploads[1]!;
    expect(png.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(true);
    expect(png.length).toBeGreaterThan(3_000);
  });
});

describe('the trend chart on the admins’ Home tab', () => {
  async function closedWave(a: SurveyApp) {
    await ackBody(await a.command('survey start platform-nps', { user_id: ADMIN }));
    for (const p of PEOPLE) await eventually(() => expect(dmsTo(a, p)).toHaveLength(1));
    const ref = answerRef(dmsTo(a, PEOPLE[0]!)[0]!);
    for (const [i, score] of [10, 9, 3].entries()) await submitAnswer(a, PEOPLE[i]!, ref, { score });
    await ackBody(await a.command('survey close platform-nps', { user_id: ADMIN }));
    await a.slack.waitFor('chat.postMessage', (c) => c.args.channel === RESULTS);
  }

  it('shows the latest score and the uploaded chart (by its file id) to admins only, before the buttons', async () => {
    // Deploys configured too, so the Home has its "Deploy…" button: the trends (running work) come before it.
    const surveyApp = await startSurveyApp({ team: { deploys: deploysSection() } });
    apps.track(surveyApp);
    await closedWave(surveyApp);
    await surveyApp.slack.waitFor('files.completeUploadExternal');
    // Closing re-publishes the admins' Home tabs.
    const published = await surveyApp.slack.waitFor('views.publish', (c) => c.args.user_id === ADMIN);
    const view = published.at(-1)!.args.view as { blocks: { type: string; slack_file?: { id: string } }[] };
    expect(blockText(view.blocks)).toContain('Survey trends');
    expect(blockText(view.blocks)).toContain('*platform-nps*: NPS *33*, 50% answered in wave 1');
    const image = view.blocks.find((b) => b.type === 'image');
    expect(image?.slack_file).toEqual({ id: 'F0CHART001' });
    const text = blockText(view.blocks);
    const order = ['Survey trends', 'Deploy…', '`/platform help`'].map((needle) => text.indexOf(needle));
    expect(
      order.every((index) => index >= 0),
      JSON.stringify(order),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const { appHomeOpened } = await import('../support/payloads.js');
    await surveyApp.event(appHomeOpened(PEOPLE[0]!));
    const theirs = await surveyApp.slack.waitFor('views.publish', (c) => c.args.user_id === PEOPLE[0]);
    expect(JSON.stringify(theirs.at(-1)!.args.view)).not.toContain('Survey trends');
  });

  it('a chart upload that fails leaves the results posted once, recorded, and not posted again by the sweep', async () => {
    const surveyApp = await startSurveyApp();
    apps.track(surveyApp);
    surveyApp.slack.on('files.getUploadURLExternal', () => ({ ok: false, error: 'missing_scope' }));
    await closedWave(surveyApp);
    await settled(surveyApp);
    await surveyApp.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(surveyApp);
    expect(surveyApp.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === RESULTS)).toHaveLength(1);
  });
});

describe('admin actions refused', () => {
  it('a close with no open wave and a follow-up with no closed wave are refused and audited as denied', async () => {
    const surveyApp = await startSurveyApp();
    apps.track(surveyApp);
    const close = await ackBody(await surveyApp.command('survey close platform-nps', { user_id: ADMIN }));
    await settled(surveyApp);
    const followUp = await ackBody(
      await surveyApp.command('survey followup platform-nps "Faster builds"', { user_id: ADMIN }),
    );
    await settled(surveyApp);
    const replies = [
      ...surveyApp.slack.callsTo('response_url').map((c) => String(c.args.text)),
      String(close?.text ?? ''),
      String(followUp?.text ?? ''),
    ].join('\n');
    expect(replies).toContain('it has no wave yet');
    expect(replies).toContain('has no closed wave to follow up on yet');
    const audit = (await surveyApp.groundcrew.services.audit.latest(10)).map(
      (r) => `${r.actor} ${r.action} ${r.outcome} ${r.detail}`,
    );
    expect(audit.sort()).toEqual([
      `${ADMIN} surveys.close denied it has no wave yet`,
      `${ADMIN} surveys.followup denied no closed wave yet`,
    ]);
  });
});
