import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalsRepo } from '../../src/approvals/repo.js';
import { APPROVAL_IDS, actionsBlockId } from '../../src/approvals/slack/ids.js';
import { createManualClock } from '../../src/clock.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { viewAction } from '../support/payloads.js';
import { type PersistentDb, persistentDb } from '../support/persistent-db.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';
import { APPROVER, requestRows, startRequestsApp, submitForm, validDatabase, waitForRow } from './support.js';

let apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
});

/**
 * Submits a request that needs approval, stops, then rewinds the database to the moment the process would have died
 * while its approval cards were being posted: the approval and its link are stored, no card is.
 */
async function crashWhileCardsPost(database: PersistentDb, clock: ReturnType<typeof createManualClock>) {
  const first = await startRequestsApp({ database, clock });
  apps.push(first);
  await submitForm(first, 'database', validDatabase());
  await waitForRow(first, 1, (r) => r.status === 'awaiting_approval' && r.approvalId !== null);
  await first.slack.waitFor('chat.postMessage', (c) => c.args.channel === APPROVER);
  await first.stop();
  await database.exec('delete from approval_messages; update approvals set cards_sent_at = null;');
}

const cardsTo = (app: TestApp, userId: string) =>
  app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === userId && Array.isArray(c.args.blocks));

describe('a crash while approval cards are being posted', () => {
  it('sends the missing cards once after the restart, and approving from Home starts the fulfilment', async () => {
    const database = await persistentDb();
    const clock = createManualClock('2026-11-23T10:00:00Z');
    await crashWhileCardsPost(database, clock);
    const posts: string[] = [];
    const app = await startRequestsApp({
      database,
      clock,
      fetch: async (input) => {
        posts.push(String(input));
        return new Response('accepted', { status: 202 });
      },
    });
    apps.push(app);
    const { scheduler } = app.groundcrew.services;
    await scheduler.runNow('approvals.resend-cards');
    await eventually(() => cardsTo(app, APPROVER).length === 1, { what: 'the approver card' });
    await scheduler.runNow('approvals.resend-cards');
    expect(cardsTo(app, APPROVER)).toHaveLength(1);

    const approvalId = (await requestRows(app))[0]!.approvalId!;
    await app.interact(
      viewAction({
        userId: APPROVER,
        callbackId: 'home',
        action: {
          type: 'button',
          action_id: APPROVAL_IDS.approveButton,
          block_id: actionsBlockId(approvalId),
          value: await refOf(app, 'approvals', approvalId),
        },
      }),
    );
    await waitForRow(app, 1, (r) => r.status === 'queued' && r.deliveredAt !== null);
    expect(posts).toEqual(['http://automation.test/database']);
  });

  it('cancels an approval whose request no longer waits on it, tells the requester and asks nobody', async () => {
    const database = await persistentDb();
    const clock = createManualClock('2026-11-23T10:00:00Z');
    await crashWhileCardsPost(database, clock);
    await database.exec("update requests set status = 'failed'");
    const app = await startRequestsApp({ database, clock });
    apps.push(app);
    await app.groundcrew.services.scheduler.runNow('approvals.resend-cards');
    const approvalId = (await requestRows(app))[0]!.approvalId!;
    await eventually(async () => (await app.groundcrew.services.approvals.get(approvalId))?.status === 'cancelled', {
      what: 'the orphaned approval to be cancelled',
    });
    await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === ENGINEER && String(c.args.text).includes(`approval request #${approvalId}`),
    );
    await settled(app);
    expect(cardsTo(app, APPROVER)).toEqual([]);
    expect(await app.groundcrew.services.approvals.pendingFor(APPROVER)).toEqual([]);
  });
});

describe('a crash between an approval and its request moving on', () => {
  it('approvals.follow-up takes the approved request to its fulfilment, once', async () => {
    const posts: string[] = [];
    const app = await startRequestsApp({
      fetch: async (input) => {
        posts.push(String(input));
        return new Response('accepted', { status: 202 });
      },
    });
    apps.push(app);
    await submitForm(app, 'database', validDatabase());
    const row = await waitForRow(app, 1, (r) => r.status === 'awaiting_approval' && r.approvalId !== null);
    await settled(app);
    // What a process killed right after the deciding transaction committed leaves: approved, hook never run.
    const repo = createApprovalsRepo(app.database);
    const at = app.clock.now();
    await repo.transaction(async () => {
      await repo.addDecision({ approvalId: row.approvalId!, userId: APPROVER, decision: 'approve', at });
      expect(await repo.resolve(row.approvalId!, 'approved', at)).toBe(true);
    });
    const { scheduler } = app.groundcrew.services;
    await scheduler.runNow('approvals.follow-up');
    await waitForRow(app, 1, (r) => r.status === 'queued' && r.deliveredAt !== null);
    await scheduler.runNow('approvals.follow-up');
    await scheduler.runNow('requests.resume');
    expect(posts).toEqual(['http://automation.test/database']);
  });
});
