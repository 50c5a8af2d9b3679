import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalsRepo } from '../../src/approvals/repo.js';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { deploysTable } from '../../src/deploys/schema.js';
import type { TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, gate, settled } from '../support/wait.js';
import {
  ALICE,
  auditActions,
  BOB,
  DISPATCH,
  deployRow,
  ENGINEER,
  GITHUB,
  nockRun,
  startDeploysApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Counts GitHub dispatches; each starts run 700 + n. */
function countDispatches() {
  let n = 0;
  nock(GITHUB)
    .post(DISPATCH)
    .times(5)
    .reply(200, () => {
      n++;
      return { workflow_run_id: 700 + n, html_url: `https://github.com/acme/web/actions/runs/${700 + n}` };
    });
  nockRun(701, 'in_progress');
  return () => n;
}

async function requestProduction(test: TestApp) {
  await test.command('deploy web production v2.0.0 --reason "launch"', { user_id: ENGINEER });
  await eventually(async () => (await deployRow(test, 1)).status === 'awaiting_approval', { what: 'awaiting' });
  const approval = await test.groundcrew.services.approvals.latestFor('deploy', '1');
  if (!approval) throw new Error('no approval');
  return approval;
}

/**
 * What a process killed right after the deciding approval's transaction committed leaves behind: both decisions and
 * the `approved` status stored, and the subject's hook (the dispatch) never run.
 */
async function approveThenDie(test: TestApp, approvalId: number) {
  const repo = createApprovalsRepo(test.database);
  const at = test.clock.now();
  await repo.transaction(async () => {
    await repo.addDecision({ approvalId, userId: ALICE, decision: 'approve', at });
    await repo.addDecision({ approvalId, userId: BOB, decision: 'approve', at });
    expect(await repo.resolve(approvalId, 'approved', at)).toBe(true);
  });
}

const followUp = (test: TestApp) => test.groundcrew.services.scheduler.runNow('approvals.follow-up');

describe('an approval resolved just before a crash still reaches its deploy, once', () => {
  it('approvals.follow-up dispatches a deploy whose approval was stored as approved but never acted on', async () => {
    app = await startDeploysApp();
    const dispatches = countDispatches();
    const approval = await requestProduction(app);
    await approveThenDie(app, approval.id);
    expect((await deployRow(app, 1)).status).toBe('awaiting_approval');

    await followUp(app);
    await eventually(async () => (await deployRow(app!, 1)).status === 'running', { what: 'the deploy running' });
    await followUp(app);
    await settled(app);
    expect(dispatches()).toBe(1);
    expect((await deployRow(app, 1)).approvedBy).toEqual([ALICE, BOB]);
    expect((await auditActions(app)).filter((a) => a === 'approvals.follow-up')).toHaveLength(1);
  });

  it('dispatches a deploy left `approved` (stopped between the move and the dispatch claim), once', async () => {
    app = await startDeploysApp();
    const dispatches = countDispatches();
    const approval = await requestProduction(app);
    await approveThenDie(app, approval.id);
    const deploys = twin(app.database, deploysTable);
    await orm(app.database).update(deploys).set({ status: 'approved' });

    await followUp(app);
    await eventually(async () => (await deployRow(app!, 1)).status === 'running', { what: 'the deploy running' });
    await followUp(app);
    await settled(app);
    expect(dispatches()).toBe(1);
  });

  it('a slow live dispatch and the sweep together dispatch once', async () => {
    app = await startDeploysApp();
    const github = gate();
    let n = 0;
    nock(GITHUB)
      .post(DISPATCH)
      .times(3)
      .reply(200, async () => {
        n++;
        await github.opened;
        return { workflow_run_id: 801, html_url: 'https://github.com/acme/web/actions/runs/801' };
      });
    nockRun(801, 'in_progress');
    const approval = await requestProduction(app);
    for (const userId of [ALICE, BOB]) {
      await app.interact(
        messageButton({
          userId,
          actionId: APPROVAL_IDS.approveButton,
          value: await refOf(app, 'approvals', approval.id),
          channelId: `D${userId}`,
          messageTs: '1767225600.000009',
        }),
      );
    }
    // Two approvers deciding at once take a serialization retry on PostgreSQL: allow for it.
    await eventually(() => n === 1, { timeoutMs: 15_000, what: 'the live dispatch sent' });
    await followUp(app);
    github.open();
    await eventually(async () => (await deployRow(app!, 1)).status === 'running', { what: 'the deploy running' });
    await followUp(app);
    await settled(app);
    expect(n).toBe(1);
    expect(await auditActions(app)).not.toContain('approvals.follow-up');
  });
});
