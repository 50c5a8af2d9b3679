import { afterEach, describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability.js';
import { coreCapability } from '../../src/core/capability.js';
import { auditLogTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { commitWithEvent, eventProcessed } from '../../src/slack/dedupe.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';

/**
 * A capability with an event listener like support intake's: its effect is a database write (here an audit row),
 * done with commitWithEvent. The first `failures` deliveries throw after the write would have been made.
 */
function intakeCapability(state: { failures: number; calls: number }) {
  return defineCapability('intake-test', (core) => ({
    listeners: (app) => {
      app.event('reaction_added', async ({ body }) => {
        state.calls++;
        const result = await commitWithEvent(core.db, body, core.clock.now(), async () => {
          await core.audit.record({ actor: ENGINEER, action: 'intake.ticket', target: body.event_id });
          if (state.failures > 0) {
            state.failures--;
            throw new Error('crashed mid-handler');
          }
        });
        if (!result.applied) throw new Error('a processed event reached the listener');
      });
    },
  }));
}

const reaction = { type: 'reaction_added', user: ENGINEER, reaction: 'eyes', item: { type: 'message' } };

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('events exactly once', () => {
  it('an event whose handler failed is processed when Slack retries it; its effect is committed once', async () => {
    const state = { failures: 1, calls: 0 };
    app = await startTestApp({ capabilities: [coreCapability, intakeCapability(state)] });
    const tickets = async () =>
      (await app!.database.orm.select().from(twin(app!.database, auditLogTable))).filter(
        (r) => r.action === 'intake.ticket',
      );

    expect((await app.event(reaction, { eventId: 'Ev0INTAKE01' })).status).toBe(200);
    await eventually(() => state.calls === 1, { what: 'the first delivery handled' });
    await settled(app);
    expect(await tickets()).toEqual([]);

    expect((await app.event(reaction, { eventId: 'Ev0INTAKE01', retryNum: 1 })).status).toBe(200);
    await eventually(async () => (await tickets()).length === 1, { what: 'the retry committed' });
    await settled(app);

    // Handled and committed: a further redelivery is skipped before any listener runs.
    expect((await app.event(reaction, { eventId: 'Ev0INTAKE01', retryNum: 2 })).status).toBe(200);
    expect((await app.event(reaction, { eventId: 'Ev0INTAKE02' })).status).toBe(200);
    await eventually(async () => (await tickets()).length === 2, { what: 'a later event handled' });
    await settled(app);
    expect(state.calls).toBe(3);
    expect((await tickets()).map((r) => r.target)).toEqual(['Ev0INTAKE01', 'Ev0INTAKE02']);
  });

  it('an event handler that throws without its own transaction is not marked processed either', async () => {
    let calls = 0;
    const flaky = defineCapability('flaky-test', () => ({
      listeners: (a) =>
        a.event('reaction_added', async () => {
          calls++;
          if (calls === 1) throw new Error('crashed mid-handler');
        }),
    }));
    app = await startTestApp({ capabilities: [coreCapability, flaky] });
    await app.event(reaction, { eventId: 'Ev0FLAKY001' });
    await eventually(() => calls === 1, { what: 'the first delivery' });
    await settled(app);
    await app.event(reaction, { eventId: 'Ev0FLAKY001', retryNum: 1 });
    await eventually(() => calls === 2, { what: 'the retry handled' });
    await settled(app);
    await app.event(reaction, { eventId: 'Ev0FLAKY001', retryNum: 2 });
    await app.event(reaction, { eventId: 'Ev0FLAKY002' });
    await eventually(() => calls === 3, { what: 'the next event' });
    await settled(app);
    expect(calls).toBe(3);
  });
});

describe('an event write that keeps losing serialization races', () => {
  it('runs the event again in this process after a pause (Slack will not redeliver it): committed once, no sweep', async () => {
    const state = { failures: 0, calls: 0 };
    app = await startTestApp({ capabilities: [coreCapability, intakeCapability(state)] });
    const db = app.database;
    const transaction = db.transaction.bind(db);
    let losses = 1;
    // The database's own retries (src/db/postgres.ts) gave up: 40001, as under many concurrent events on PostgreSQL.
    (db as { transaction: typeof db.transaction }).transaction = async (fn) => {
      if (losses > 0) {
        losses--;
        throw Object.assign(new Error('could not serialize access due to read/write dependencies'), { code: '40001' });
      }
      return transaction(fn);
    };
    const tickets = async () =>
      (await db.orm.select().from(twin(db, auditLogTable))).filter((r) => r.action === 'intake.ticket');
    expect((await app.event(reaction, { eventId: 'Ev0RACE0001' })).status).toBe(200);
    await eventually(() => state.calls === 1, { what: 'the first run' });
    expect(losses).toBe(0);
    // No clock moved and no sweep run: the process runs it again itself (after 0.25–0.75 s). Giving up to the sweep
    // after the third loss: test/slack/inbox.test.ts.
    await eventually(async () => (await tickets()).length === 1, { what: 'the second run committed' });
    await settled(app);
    expect(state.calls).toBe(2);
    expect(await eventProcessed(db, 'Ev0RACE0001')).toBe(true);
    expect(await tickets()).toHaveLength(1);
  });

  it('an error that is not a lost race is not retried', async () => {
    app = await startTestApp();
    const db = app.database;
    let tries = 0;
    (db as { transaction: typeof db.transaction }).transaction = async () => {
      tries++;
      throw new Error('constraint failed');
    };
    await expect(
      commitWithEvent(db, { event_id: 'Ev0RACE0002', event: reaction }, app.clock.now(), async () => 1),
    ).rejects.toThrow('constraint failed');
    expect(tries).toBe(1);
  });
});
