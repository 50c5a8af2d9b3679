import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability.js';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createLeases, type HeldLease } from '../../src/db/leases.js';
import { auditLogTable, eventInboxTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { WriteFailedError } from '../../src/db/write.js';
import { createSilentLogger } from '../../src/logger.js';
import type { JobContext } from '../../src/scheduler/types.js';
import {
  beginDelivery,
  commitWithEvent,
  EVENT_LEASE_TTL_MS,
  eventLeaseKey,
  eventProcessed,
} from '../../src/slack/dedupe.js';
import {
  DEFAULT_EVENT_REPLAY_AFTER_MS,
  EVENT_MAX_ATTEMPTS,
  eventSweepJob,
  inboxEntryOf,
  REPLAY_EVENTS_JOB,
  recordEvent,
  replayDelayMs,
} from '../../src/slack/inbox.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { eventCallback, reactionAdded } from '../support/payloads.js';
import { recordingLogger } from '../support/recording-logger.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';
import { eventually, settled } from '../support/wait.js';

/**
 * The event inbox (src/slack/inbox.ts): Bolt acknowledges an event before any listener runs and Slack never sends it
 * again, so an event is stored before the acknowledgement and run again by `core.replay-events` until it is handled.
 */
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** An event listener that posts a message per run, failing (before posting) while `state.failures` lasts. */
function probe(state: { failures: number; runs: number }) {
  return defineCapability('probe', (core) => ({
    listeners(bolt) {
      bolt.event('reaction_added', async ({ event }) => {
        state.runs++;
        if (state.failures > 0) {
          state.failures--;
          throw new Error('the directory service timed out');
        }
        await core.client.chat.postMessage({ channel: 'C0PROBE001', text: `${event.user} ${event.reaction}` });
      });
    },
  }));
}

/** As `probe`, but each failure is a busy database: a SERIALIZABLE transaction given up after its tries (40001). */
function busyProbe(state: { failures: number; runs: number; at: number[] }) {
  return defineCapability('probe', (core) => ({
    listeners(bolt) {
      bolt.event('reaction_added', async ({ event }) => {
        state.runs++;
        state.at.push(Date.now());
        if (state.failures > 0) {
          state.failures--;
          throw new WriteFailedError(Object.assign(new Error('could not serialize access'), { code: '40001' }));
        }
        await core.client.chat.postMessage({ channel: 'C0PROBE001', text: `${event.user} ${event.reaction}` });
      });
    },
  }));
}

const inboxRow = async (test: TestApp, eventId: string) => {
  const t = twin(test.database, eventInboxTable);
  return (await test.database.orm.select().from(t).where(eq(t.eventId, eventId)).limit(1))[0];
};
const sweep = (test: TestApp) => test.groundcrew.services.scheduler.runNow(REPLAY_EVENTS_JOB);
const posts = (test: TestApp) => test.slack.callsTo('chat.postMessage').map((c) => c.args.text);

describe('the event inbox', () => {
  it('an event whose handler threw after the ack is run again by the sweep, and handled once', async () => {
    const state = { failures: 1, runs: 0 };
    app = await startTestApp({ capabilities: [probe(state)] });
    expect((await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0INBOX001' })).status).toBe(200);
    await eventually(() => state.runs === 1, { what: 'the first run' });
    await settled(app);
    expect(posts(app)).toEqual([]);
    const stored = await inboxRow(app, 'Ev0INBOX001');
    expect(stored).toMatchObject({ type: 'reaction_added', teamId: 'T04ABCD1EFG', attempts: 1, handledAt: null });
    expect(JSON.parse(stored!.body!)).toMatchObject({ event_id: 'Ev0INBOX001', event: { reaction: 'eyes' } });

    // Not due yet: the sweep leaves it alone.
    app.clock.advance(DEFAULT_EVENT_REPLAY_AFTER_MS - 1000);
    expect((await sweep(app)).outcome).toBe('ok');
    expect(state.runs).toBe(1);

    app.clock.advance(1000);
    expect((await sweep(app)).outcome).toBe('ok');
    await app.slack.waitFor('chat.postMessage');
    await settled(app);
    expect(state.runs).toBe(2);
    expect(posts(app)).toEqual([`${ENGINEER} eyes`]);
    // Handled: the body is gone, the sweep and a late redelivery both leave it alone.
    expect(await inboxRow(app, 'Ev0INBOX001')).toMatchObject({ attempts: 2, body: null, nextAttemptAt: null });
    expect(await eventProcessed(app.database, 'Ev0INBOX001')).toBe(true);
    app.clock.advance(10 * DEFAULT_EVENT_REPLAY_AFTER_MS);
    await sweep(app);
    await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0INBOX001', retryNum: 1 });
    await app.event(reactionAdded('U0OTHER001'), { eventId: 'Ev0INBOX002' });
    await app.slack.waitFor('chat.postMessage', () => true, { count: 2 });
    await settled(app);
    expect(state.runs).toBe(3);
    expect(posts(app)).toEqual([`${ENGINEER} eyes`, 'U0OTHER001 eyes']);
  });

  it('an event the database gave up as busy runs again within seconds, twice at most; then the sweep has it', async () => {
    const state = { failures: 3, runs: 0, at: [] as number[] };
    const log = recordingLogger();
    const errors: string[] = [];
    const logger = { ...log, error: (...args: unknown[]) => errors.push(args.map(String).join(' ')) };
    app = await startTestApp({ capabilities: [busyProbe(state)], logger });
    expect((await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0BUSY0001' })).status).toBe(200);
    // Run again by this process, no sweep and no clock moved: after 0.25–0.75 s, then 1–3 s.
    await eventually(() => state.runs === 3, { what: 'two runs again', timeoutMs: 15_000 });
    await settled(app);
    const gaps = [state.at[1]! - state.at[0]!, state.at[2]! - state.at[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(240);
    expect(gaps[1]).toBeGreaterThanOrEqual(990);
    expect(log.lines.filter((l) => l.includes('runs again in'))).toHaveLength(2);
    // The third busy failure is left to the sweep: logged as an error, the event still unhandled.
    expect(errors.filter((l) => l.includes('the database was busy'))).toHaveLength(1);
    expect(state.runs).toBe(3);
    expect(await inboxRow(app, 'Ev0BUSY0001')).toMatchObject({ handledAt: null });
    app.clock.advance(DEFAULT_EVENT_REPLAY_AFTER_MS);
    await sweep(app);
    await app.slack.waitFor('chat.postMessage');
    await settled(app);
    expect(state.runs).toBe(4);
    expect(posts(app)).toEqual([`${ENGINEER} eyes`]);
    expect(await eventProcessed(app.database, 'Ev0BUSY0001')).toBe(true);
  }, 30_000);

  it('an event a listener marks with commitWithEvent is written twice in all: stored, then marked once', async () => {
    let runs = 0;
    const committing = defineCapability('probe', (core) => ({
      listeners(bolt) {
        bolt.event('reaction_added', async ({ body }) => {
          await commitWithEvent(core.db, body, core.clock.now(), async () => {
            runs++;
          });
        });
      },
    }));
    app = await startTestApp({ capabilities: [committing] });
    const db = app.database as { orm: Database['orm']; transaction: Database['transaction'] };
    const inbox = twin(app.database, eventInboxTable);
    const writes: string[] = [];
    // Every insert and update on event_inbox, outside a transaction and inside one.
    const counted = (orm: Database['orm'], where: string) =>
      new Proxy(orm, {
        get(target, key, receiver) {
          if (key !== 'insert' && key !== 'update') return Reflect.get(target, key, receiver);
          return (table: typeof inbox) => {
            if (table === inbox) writes.push(`${String(key)} ${where}`);
            return key === 'insert' ? target.insert(table) : target.update(table);
          };
        },
      });
    const realOrm = db.orm;
    const realTransaction = db.transaction;
    db.orm = counted(realOrm, 'alone');
    db.transaction = (fn) => realTransaction((tx) => fn(counted(tx, 'in the transaction')));
    expect((await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0ONEMARK1' })).status).toBe(200);
    await eventually(async () => (await eventProcessed(app!.database, 'Ev0ONEMARK1')) || undefined, {
      what: 'the event marked',
    });
    await settled(app);
    db.orm = realOrm;
    db.transaction = realTransaction;
    expect(runs).toBe(1);
    // The inbox insert before the ack, and the mark committed with the listener's writes: no second mark by the
    // middleware once the listener returned.
    expect(writes).toEqual(['insert alone', 'insert in the transaction']);
  });

  it('a request whose inbox insert fails is not acknowledged (Slack retries it), and nothing runs', async () => {
    const state = { failures: 0, runs: 0 };
    app = await startTestApp({ capabilities: [probe(state)] });
    const db = app.database as { orm: Database['orm'] };
    const real = db.orm;
    const inbox = twin(app.database, eventInboxTable);
    let refused = 0;
    // The disk is full for the inbox (SQLITE_FULL through drizzle, as better-sqlite3 throws it).
    db.orm = new Proxy(real, {
      get(target, key, receiver) {
        if (key !== 'insert') return Reflect.get(target, key, receiver);
        return (table: unknown) => {
          if (table !== inbox) return target.insert(table as typeof inbox);
          refused++;
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        };
      },
    });
    const first = await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0INBOXFULL' });
    expect(first.status).toBe(500);
    expect(refused).toBe(1);
    await settled(app);
    expect(state.runs).toBe(0);

    // Space again: Slack's retry is stored, acknowledged and handled.
    db.orm = real;
    expect((await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0INBOXFULL', retryNum: 1 })).status).toBe(200);
    await app.slack.waitFor('chat.postMessage');
    await settled(app);
    expect(state.runs).toBe(1);
    expect(await eventProcessed(app.database, 'Ev0INBOXFULL')).toBe(true);
  });

  it(`a poison event is given up after ${EVENT_MAX_ATTEMPTS} tries, with an error line and an audit entry`, async () => {
    const state = { failures: Number.POSITIVE_INFINITY, runs: 0 };
    const logger = recordingLogger();
    app = await startTestApp({ capabilities: [probe(state)], logger });
    await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0POISON01' });
    await eventually(() => state.runs === 1, { what: 'the first run' });
    await settled(app);
    for (let attempt = 1; attempt < EVENT_MAX_ATTEMPTS; attempt++) {
      app.clock.advance(replayDelayMs(attempt, DEFAULT_EVENT_REPLAY_AFTER_MS));
      await sweep(app);
      await eventually(() => state.runs === attempt + 1, { what: `try ${attempt + 1}` });
      await settled(app);
    }
    expect(await inboxRow(app, 'Ev0POISON01')).toMatchObject({ attempts: EVENT_MAX_ATTEMPTS, gaveUpAt: null });
    // The backoff doubles: 1, 2, 4, 8 minutes by default, then the last try's wait before giving up.
    app.clock.advance(replayDelayMs(EVENT_MAX_ATTEMPTS, DEFAULT_EVENT_REPLAY_AFTER_MS) - 1);
    await sweep(app);
    expect((await inboxRow(app, 'Ev0POISON01'))?.gaveUpAt).toBeNull();
    app.clock.advance(1);
    await sweep(app);
    await settled(app);
    expect(state.runs).toBe(EVENT_MAX_ATTEMPTS);
    expect(await inboxRow(app, 'Ev0POISON01')).toMatchObject({ gaveUpAt: app.clock.now(), nextAttemptAt: null });
    expect(logger.lines.filter((l) => l.includes('Ev0POISON01') && l.includes('given up'))).toEqual([
      'event Ev0POISON01 (reaction_added) given up: its handling failed 5 times; it will not be handled',
    ]);
    const audit = await app.database.orm.select().from(twin(app.database, auditLogTable));
    expect(audit.filter((a) => a.action === 'events.give-up')).toMatchObject([
      {
        actor: 'system',
        target: 'event:Ev0POISON01',
        outcome: 'failed',
        inputs: { type: 'reaction_added', attempts: 5 },
      },
    ]);
    // Given up is final: later sweeps do not run it.
    app.clock.advance(DEFAULT_EVENT_REPLAY_AFTER_MS * 100);
    await sweep(app);
    await settled(app);
    expect(state.runs).toBe(EVENT_MAX_ATTEMPTS);
    expect(posts(app)).toEqual([]);
  });

  it('an event Bolt drops before any middleware (the bot’s own message) is marked handled, not replayed', async () => {
    const state = { failures: 0, runs: 0 };
    app = await startTestApp({ capabilities: [probe(state)] });
    const own = { type: 'reaction_added', user: 'U0BOT0001', reaction: 'eyes', item: { type: 'message' } };
    expect((await app.event(own, { eventId: 'Ev0OWN00001' })).status).toBe(200);
    await eventually(async () => (await eventProcessed(app!.database, 'Ev0OWN00001')) || undefined, {
      what: 'the dropped event marked',
    });
    await settled(app);
    expect(state.runs).toBe(0);
  });

  it('app_home_opened skips the inbox (it may simply run again)', async () => {
    app = await startTestApp();
    await app.event(
      { type: 'app_home_opened', user: ENGINEER, channel: 'D0HOME0001', tab: 'home' },
      {
        eventId: 'Ev0HOME0001',
      },
    );
    await app.slack.waitFor('views.publish');
    await settled(app);
    expect(await inboxRow(app, 'Ev0HOME0001')).toBeUndefined();
    expect(inboxEntryOf(eventCallback({ type: 'app_home_opened' }))).toBeUndefined();
  });
});

for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`two replicas sweeping the inbox at the same time on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    /** A replica on the shared database: its leases (heartbeat every 5 real ms), and its sweep. */
    const replica = async (
      name: string,
      clock: ManualClock,
      handled: string[],
      afterMs = DEFAULT_EVENT_REPLAY_AFTER_MS,
    ) => {
      const db: Database = await shared!.open();
      const core = {
        db,
        clock,
        logger: createSilentLogger(),
        leases: createLeases({ db, clock, holder: name, renewEveryMs: 5 }),
        audit: { record: async () => ({}) as never, recordMany: async () => {}, latest: async () => [] },
      };
      // What the app's middleware does with a replayed body: run it under the sweep's lease, check, mark, release.
      const replay = async (body: Record<string, unknown>, lease: HeldLease) => {
        const delivery = await beginDelivery(body, core, undefined, lease);
        if (!delivery) return;
        handled.push(`${body.event_id as string} ${name}`);
        await delivery.done();
        await delivery.release();
      };
      const job = eventSweepJob({ core, replay, afterMs });
      const sweep = () => job.run({ now: clock.now(), trigger: 'manual', signal: new AbortController().signal });
      return { core, job, sweep };
    };
    const record = async (
      db: Database,
      clock: ManualClock,
      eventId: string,
      afterMs = DEFAULT_EVENT_REPLAY_AFTER_MS,
    ) => {
      const body = eventCallback(reactionAdded(ENGINEER), { eventId });
      await recordEvent(db, inboxEntryOf(body)!, body, clock.now(), afterMs);
      return body;
    };
    const attempts = async (db: Database, eventId: string) => {
      const t = twin(db, eventInboxTable);
      return (await db.orm.select({ attempts: t.attempts }).from(t).where(eq(t.eventId, eventId)))[0]?.attempts;
    };

    it('a handler still running long after the replay delay is not replayed: its heartbeat keeps the lease', async () => {
      shared = await backend.create();
      const clock = createManualClock('2026-11-23T10:00:00Z');
      const handled: string[] = [];
      const one = await replica('replica-1', clock, handled);
      const two = await replica('replica-2', clock, handled);
      const body = await record(one.core.db, clock, 'Ev0SLOW0001');
      // Replica 1 starts handling it (its Slack and GitHub calls are slow)…
      const running = await beginDelivery(body, one.core, undefined);
      expect(running).not.toBeNull();
      const lease = eventLeaseKey('Ev0SLOW0001');
      // …for 5 minutes on the fixed clock, in steps shorter than the lease, each followed by a heartbeat; both
      // replicas sweep every minute meanwhile (the first sweep due at 60 s, the replay delay).
      for (let second = 15; second <= 300; second += 15) {
        clock.advance(15_000);
        await eventually(
          async () =>
            (await two.core.leases.find(lease))?.expiresAt.getTime() === clock.now().getTime() + EVENT_LEASE_TTL_MS,
          { what: `replica 1's heartbeat at ${second} s` },
        );
        if (second % 60 === 0) await Promise.all([one.sweep(), two.sweep()]);
      }
      expect(handled).toEqual([]);
      expect(await attempts(one.core.db, 'Ev0SLOW0001')).toBe(1);
      expect(await eventProcessed(one.core.db, 'Ev0SLOW0001')).toBe(false);
      // It finishes: marked, and later sweeps (and a redelivery) leave it alone.
      await running!.done();
      await running!.release();
      clock.advance(60 * DEFAULT_EVENT_REPLAY_AFTER_MS);
      await Promise.all([one.sweep(), two.sweep()]);
      expect(await beginDelivery(body, two.core, 1)).toBeNull();
      expect(handled).toEqual([]);
      expect(await eventProcessed(two.core.db, 'Ev0SLOW0001')).toBe(true);
    });

    it('a replica that dies mid-handler: its event is replayed once, after its lease expired, not before', async () => {
      shared = await backend.create();
      const clock = createManualClock('2026-11-23T10:00:00Z');
      const handled: string[] = [];
      // A replay delay (10 s) shorter than the lease (30 s), so the sweep finds the event due while the lease holds.
      const afterMs = 10_000;
      const one = await replica('replica-1', clock, handled, afterMs);
      const two = await replica('replica-2', clock, handled, afterMs);
      const three = await replica('replica-3', clock, handled, afterMs);
      await record(one.core.db, clock, 'Ev0DIED0001', afterMs);
      // Replica 1 took the event's lease and started its handler, then died (kill -9): the lease row stays, and
      // nobody renews it.
      expect(await one.core.leases.claim(eventLeaseKey('Ev0DIED0001'), EVENT_LEASE_TTL_MS)).toBe(true);
      clock.advance(afterMs + 1000);
      await Promise.all([two.sweep(), three.sweep()]);
      expect(handled).toEqual([]);
      expect(await attempts(two.core.db, 'Ev0DIED0001')).toBe(1);
      clock.advance(EVENT_LEASE_TTL_MS - afterMs - 1000);
      await Promise.all([two.sweep(), three.sweep()]);
      expect(handled.map((h) => h.split(' ')[0])).toEqual(['Ev0DIED0001']);
      expect(await attempts(two.core.db, 'Ev0DIED0001')).toBe(2);
      expect(await eventProcessed(three.core.db, 'Ev0DIED0001')).toBe(true);
      clock.advance(60 * afterMs);
      await Promise.all([two.sweep(), three.sweep()]);
      expect(handled).toHaveLength(1);
    });

    it('each unhandled event is run once, by one of them (the scheduler’s job lease aside)', async () => {
      shared = await backend.create();
      const clock = createManualClock('2026-11-23T10:00:00Z');
      const handled: string[] = [];
      const one = await replica('replica-1', clock, handled);
      const two = await replica('replica-2', clock, handled);
      const ids = Array.from({ length: 40 }, (_, i) => `Ev0SWEEP${String(i).padStart(3, '0')}`);
      for (const id of ids) {
        const body = eventCallback(reactionAdded(ENGINEER), { eventId: id });
        await recordEvent(one.core.db, inboxEntryOf(body)!, body, clock.now(), DEFAULT_EVENT_REPLAY_AFTER_MS);
      }
      clock.advance(DEFAULT_EVENT_REPLAY_AFTER_MS);
      const context: JobContext = { now: clock.now(), trigger: 'manual', signal: new AbortController().signal };
      await Promise.all([one.job.run(context), two.job.run(context)]);
      expect(handled.map((h) => h.split(' ')[0]).sort()).toEqual(ids);
      for (const id of ids) expect(await eventProcessed(two.core.db, id)).toBe(true);
    });
  });
}
