import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { twin } from '../../src/db/twin.js';
import { deployLocksTable } from '../../src/deploys/schema.js';
import { signBody } from '../../src/webhooks/signing.js';
import { together } from '../support/database.js';
import { ackBody, type TestApp } from '../support/harness.js';
import { refOf } from '../support/refs.js';
import { settled } from '../support/wait.js';
import { ALICE, BOB, ENGINEER, settle, startDeploysApp, threadReplies, WEBHOOK_SECRET } from './support.js';

/**
 * Work that arrives at the same moment: the database decides who wins (a transaction or a compare-and-set), not the
 * order in which handlers happen to await (`together` makes the requests meet in the database).
 */

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  nock.cleanAll();
});

describe('simultaneous requests for the same thing', () => {
  it('two people lock staging at the same moment: one holds it, the other is told who does', async () => {
    app = await startDeploysApp();
    const answers = await together(
      app,
      [ALICE, BOB, ENGINEER].map(
        (user) => async () =>
          String((await ackBody(await app!.command('lock staging --reason "mine"', { user_id: user })))?.text),
      ),
    );
    const held = answers.filter((t) => t.startsWith(':lock: You hold staging'));
    expect(held).toHaveLength(1);
    expect(answers.filter((t) => t.includes('is already locked by'))).toHaveLength(2);
    const { db } = app.groundcrew.services;
    const locks = await db.orm.select().from(twin(db, deployLocksTable));
    expect(locks).toHaveLength(1);
  });

  it('the same progress report arriving twice at once is told in the thread once', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    const running = await settle(app, 1, 'running');
    const body = JSON.stringify({ status: 'in_progress', message: 'rolling out 3/5 pods' });
    const url = `/hooks/deploys/${await refOf(app, 'deploys', 1)}`;
    const report = () =>
      app!.request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(WEBHOOK_SECRET, body) },
      });
    const answers = await together(app, [report, report, report]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await settled(app);
    const notes = threadReplies(app, running.messageTs!).filter((t) => t.includes('rolling out 3/5 pods'));
    expect(notes).toEqual([':arrows_counterclockwise: in progress: rolling out 3/5 pods']);
  });
});
