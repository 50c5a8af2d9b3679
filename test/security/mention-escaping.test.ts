import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { IDS as COMMUNITY_IDS } from '../../src/communities/slack/ids.js';
import { signBody } from '../../src/webhooks/signing.js';
import {
  click as communityClick,
  submit as communitySubmit,
  FORUM_KEY,
  FRONTEND_CHANNEL,
  jumpTo,
  LEAD,
  MEETUP_KEY,
  posts,
  startCommunitiesApp,
} from '../communities/support.js';
import { ALICE, BOB, DEPLOYS_CHANNEL, deployRow, settle, startDeploysApp, WEBHOOK_SECRET } from '../deploys/support.js';
import { ALERT_SECRET, HOOKS, startRequestsApp, submitForm, text } from '../requests/support.js';
import { ADMIN, ackBody, ENGINEER, type TestApp } from '../support/harness.js';
import { messageButton, viewSubmission } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';
import { answerRef, dmsTo, PEOPLE, startSurveyApp, submitAnswer } from '../surveys/support.js';

/**
 * Free text anyone can type (a lock reason, a freeze or break-glass reason, a rejection) or a deploy system can send
 * (progress and failure messages) must reach Slack as text: no @channel, no pinged person or group, no channel link,
 * no disguised link.
 */
const HOSTILE = '<!channel> <!here> <!everyone> <@U0VICTIM1> <!subteam^S123> <#C123> <https://evil.test|click>';
const RAW = ['<!channel>', '<!here>', '<!everyone>', '<@U0VICTIM1>', '<!subteam^S123>', '<#C123>', '<https://evil'];
/** What the text looks like once escaped: proof that it reached the surface. */
const ESCAPED = '&lt;!channel&gt;';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  nock.cleanAll();
});

/** Everything the app sent to Slack: Web API calls, response_url posts and the acks it answered with. */
function sent(test: TestApp, acks: unknown[]): string[] {
  return [...test.slack.calls.map((c) => JSON.stringify(c.args)), ...acks.map((a) => JSON.stringify(a))];
}

function expectNoRawMention(messages: string[]) {
  for (const message of messages) {
    for (const raw of RAW) expect(message, `a message carries ${raw} unescaped`).not.toContain(raw);
  }
}

/** The messages that show the hostile text (escaped), so a surface that went silent cannot pass. */
const showing = (messages: string[]) => messages.filter((m) => m.includes(ESCAPED));

const reject = async (test: TestApp, userId: string, approvalId: number) =>
  test.interact(
    viewSubmission({
      userId,
      callbackId: APPROVAL_IDS.rejectModal,
      privateMetadata: JSON.stringify({ approvalId: await refOf(test, 'approvals', approvalId) }),
      values: {
        [APPROVAL_IDS.reasonBlock]: { [APPROVAL_IDS.reasonInput]: { type: 'plain_text_input', value: HOSTILE } },
      },
    }),
  );

const report = async (test: TestApp, id: number, body: object) => {
  const json = JSON.stringify(body);
  return fetch(`${test.baseUrl}/hooks/deploys/${await refOf(test, 'deploys', id)}`, {
    method: 'POST',
    body: json,
    headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(WEBHOOK_SECRET, json) },
  });
};

/** A staging deploy through the webhook executor, running; `answer` is what the deploy system answers the POST with. */
async function runningWebhookDeploy(answer: object): Promise<TestApp> {
  app = await startDeploysApp();
  nock('http://deployer.test').post('/hooks/groundcrew').reply(202, answer);
  await app.command('deploy worker staging', { user_id: ENGINEER });
  await settle(app, 1, 'running');
  return app;
}

const requesterDm = (test: TestApp) =>
  eventually(() => test.slack.callsTo('chat.postMessage').some((c) => c.args.channel === ENGINEER), {
    what: 'the requester DM',
  });

describe('free text never pings anyone', () => {
  it('a lock reason: the lock answer, the blocked deploy, /platform locks, the unlock and break DMs', async () => {
    app = await startDeploysApp();
    const acks: unknown[] = [];
    acks.push(await ackBody(await app.command(`lock staging --reason "${HOSTILE}" --for 2h`, { user_id: ALICE })));
    acks.push(await ackBody(await app.command(`lock staging --reason "mine"`, { user_id: BOB })));
    acks.push(await ackBody(await app.command('deploy web staging', { user_id: BOB })));
    acks.push(await ackBody(await app.command('locks', { user_id: BOB })));
    const listed = (acks.at(-1) as { blocks: { accessory?: { action_id?: string; value?: string } }[] }).blocks;
    const lockRef = listed.find((b) => b.accessory?.action_id === 'deploys.notify-when-free')!.accessory!.value!;
    await app.interact(
      messageButton({
        userId: BOB,
        actionId: 'deploys.notify-when-free',
        value: lockRef,
        channelId: DEPLOYS_CHANNEL,
        messageTs: '1767225600.000001',
      }),
    );
    // The click is acked before the watch is stored: unlock only once Bob has been told he is watching.
    await app.slack.waitFor('response_url', (c) => String(c.args.text).includes("I'll DM you"));
    acks.push(await ackBody(await app.command('unlock staging', { user_id: ALICE })));
    await eventually(() => app!.slack.callsTo('chat.postMessage').some((c) => c.args.channel === BOB), {
      what: 'the "is free" DM',
    });
    const messages = sent(app, acks);
    expect(showing(messages).length).toBeGreaterThanOrEqual(4);
    expectNoRawMention(messages);
  });

  it('a freeze reason in the announcements, and a break-glass reason on the status message and approval card', async () => {
    app = await startDeploysApp();
    const acks: unknown[] = [];
    acks.push(
      await ackBody(await app.command(`freeze production --until 2h --reason "${HOSTILE}"`, { user_id: ADMIN })),
    );
    await eventually(() => sent(app!, []).some((m) => m.includes('Freeze started')), { what: 'the announcement' });
    await app.command(`deploy web production v1 --break-glass --reason "${HOSTILE}"`, { user_id: ADMIN });
    await eventually(async () => (await app!.groundcrew.services.approvals.latestFor('deploy', '1')) !== null, {
      what: 'approval',
    });
    await eventually(() => app!.slack.callsTo('chat.postMessage').some((c) => c.args.channel === ALICE), {
      what: 'the approval card',
    });
    const messages = sent(app, acks);
    expect(showing(messages).length).toBeGreaterThanOrEqual(4);
    expectNoRawMention(messages);
  });

  it('a rejection reason in the requester DM and on the status message', async () => {
    app = await startDeploysApp();
    await app.command('deploy web production v1 --reason "launch"', { user_id: ENGINEER });
    await eventually(async () => (await app!.groundcrew.services.approvals.latestFor('deploy', '1')) !== null, {
      what: 'approval',
    });
    const approval = (await app.groundcrew.services.approvals.latestFor('deploy', '1'))!;
    await app.interact(
      messageButton({
        userId: BOB,
        actionId: APPROVAL_IDS.rejectButton,
        value: await refOf(app, 'approvals', approval.id),
        channelId: `D${BOB}`,
        messageTs: '1767225600.000009',
      }),
    );
    await reject(app, BOB, approval.id);
    await eventually(async () => (await deployRow(app!, 1)).status === 'rejected', { what: 'rejected' });
    await eventually(() => app!.slack.callsTo('chat.postMessage').some((c) => c.args.channel === ENGINEER), {
      what: 'the requester DM',
    });
    await settle(app, 1, 'rejected');
    const messages = sent(app, []);
    expect(showing(messages).length).toBeGreaterThanOrEqual(2);
    expectNoRawMention(messages);
  });

  it('a deploy system progress and failure message in the thread, the status message and the DM', async () => {
    app = await runningWebhookDeploy({});
    expect((await report(app, 1, { status: 'in_progress', message: HOSTILE })).status).toBe(200);
    expect((await report(app, 1, { status: 'failed', message: `${HOSTILE} (failed)` })).status).toBe(200);
    await settle(app, 1, 'failed');
    await requesterDm(app);
    const messages = sent(app, []);
    expect(showing(messages).length).toBeGreaterThanOrEqual(3);
    expectNoRawMention(messages);
  });

  it('a run URL from a deploy system (its answer and its report) on the status message and in the DM', async () => {
    // A URL is put into <url|label>; one holding '>' or '<' would close the link and start a mention.
    const url = 'https://deployer.test/run/1><!channel> <@U0VICTIM1>';
    app = await runningWebhookDeploy({ url });
    expect((await report(app, 1, { status: 'succeeded', url: `${url}/2` })).status).toBe(200);
    await settle(app, 1, 'succeeded');
    await requesterDm(app);
    const messages = sent(app, []);
    expect(showing(messages).length).toBeGreaterThanOrEqual(2);
    expectNoRawMention(messages);
  });

  it('request answers and the automation callback message in the DMs and the queue card', async () => {
    app = await startRequestsApp();
    nock(HOOKS).post('/alert').reply(202, 'accepted');
    await submitForm(app, 'alert', { query: text(HOSTILE) });
    await eventually(() => app!.slack.callsTo('chat.postMessage').length >= 2, { what: 'the DM and the card' });
    const body = JSON.stringify({ status: 'failed', message: HOSTILE });
    const answer = await fetch(`${app.baseUrl}/hooks/requests/${await refOf(app, 'requests', 1)}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(ALERT_SECRET, body) },
    });
    expect(answer.status).toBe(200);
    await eventually(() => showing(sent(app!, [])).length >= 2, { what: 'the failure DM' });
    expectNoRawMention(sent(app, []));
  });

  it('a community agenda item and a lead’s move reason in the channel, the reminder and the DMs', async () => {
    app = await startCommunitiesApp();
    const acks: unknown[] = [];
    await communityClick(app, ENGINEER, COMMUNITY_IDS.going, MEETUP_KEY);
    const move = `events move ${MEETUP_KEY} 2026-11-26 12:00 --reason "${HOSTILE}"`;
    acks.push(await ackBody(await app.command(move, { user_id: LEAD })));
    await eventually(() => posts(app!, FRONTEND_CHANNEL, 'Frontend meetup', 'moved').length === 1);
    await eventually(() => posts(app!, ENGINEER, 'Frontend meetup', 'moved').length === 1);
    // The agenda request goes out two days before the forum; the item shows in the day-before reminder.
    await jumpTo(app, '2026-11-23T14:00:00Z');
    const item = {
      [COMMUNITY_IDS.agendaBlock]: {
        [COMMUNITY_IDS.agendaInput]: { type: 'plain_text_input' as const, value: HOSTILE },
      },
    };
    acks.push(await ackBody(await communitySubmit(app, ENGINEER, COMMUNITY_IDS.agendaView, FORUM_KEY, item)));
    await jumpTo(app, '2026-11-24T14:00:00Z');
    await eventually(() => posts(app!, FRONTEND_CHANNEL, 'Coming up', 'Architecture forum').length === 1);
    const messages = sent(app, acks);
    expect(showing(messages).length).toBeGreaterThanOrEqual(3);
    expectNoRawMention(messages);
  });

  it('survey comments in the results and the admins’ contact note, and the follow-up in the thread and the DMs', async () => {
    const survey = await startSurveyApp();
    app = survey;
    const acks: unknown[] = [await ackBody(await survey.command('survey start platform-nps', { user_id: ADMIN }))];
    for (const person of PEOPLE) await eventually(() => expect(dmsTo(survey, person)).toHaveLength(1));
    const ref = answerRef(dmsTo(survey, PEOPLE[0]!)[0]!);
    for (const [i, person] of PEOPLE.slice(0, 3).entries()) {
      await submitAnswer(survey, person, ref, { score: 3 + i, comment: `${HOSTILE} ${i}`, contact: i === 0 });
    }
    survey.clock.advance(7 * 86_400_000);
    await survey.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(survey);
    const followUp = `survey followup platform-nps "${HOSTILE}"`;
    acks.push(await ackBody(await survey.command(followUp, { user_id: ADMIN })));
    await eventually(() => showing(sent(survey, acks)).length >= 3, {
      what: 'the results, the note and the follow-up',
    });
    expectNoRawMention(sent(survey, acks));
  });
});
