import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import type { CronFactory } from '../../src/scheduler/scheduler.js';
import { surveyWavesTable } from '../../src/surveys/schema.js';
import { type PersistentDb, persistentDb } from '../support/persistent-db.js';
import { settled } from '../support/wait.js';
import {
  ADMIN,
  dmsTo,
  PEOPLE,
  type SurveyApp,
  startSurveyApp,
  startWave,
  stopAppAfterEach,
  surveySection,
} from './support.js';

// The team timezone of the test app is Europe/Berlin.
const apps = stopAppAfterEach();
const MINUTE = 60_000;

async function sweep(a: SurveyApp) {
  expect((await a.groundcrew.services.scheduler.runNow('surveys.sweep')).outcome).toBe('ok');
  await settled(a);
}

/** Moves the clock to `iso` and runs the sweep there. */
async function sweepAt(a: SurveyApp, iso: string) {
  a.clock.advance(new Date(iso).getTime() - a.clock.now().getTime());
  await sweep(a);
}

const dmCounts = (a: SurveyApp) => PEOPLE.map((p) => dmsTo(a, p).length);

describe('survey reminders wait for a working day', () => {
  it('a reminder due on a Saturday goes out on Monday at the same local time, once', async () => {
    // Wednesday 2026-11-04 10:00 CET; 3d later is Saturday 2026-11-07 10:00.
    const a = await apps.start({
      clock: createManualClock('2026-11-04T09:00:00Z'),
      surveys: [surveySection({ openFor: '7d', reminders: ['3d'] })],
    });
    await startWave(a);
    await settled(a);
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 1));
    for (const at of ['2026-11-07T09:00:00Z', '2026-11-08T09:00:00Z', '2026-11-09T08:59:00Z']) {
      await sweepAt(a, at);
      expect(dmCounts(a), at).toEqual(PEOPLE.map(() => 1));
    }
    await sweepAt(a, '2026-11-09T09:00:00Z'); // Monday 10:00 CET
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 2));
    await sweepAt(a, '2026-11-09T09:01:00Z');
    await sweepAt(a, '2026-11-10T09:00:00Z');
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 2));
  });

  it('a reminder across the 2026-10-25 Berlin DST change goes out at the same local wall-clock time', async () => {
    // Thursday 2026-10-22 10:00 CEST (08:00Z); 4d later is Monday 2026-10-26 10:00 CET (09:00Z), 97 h on.
    const a = await apps.start({
      clock: createManualClock('2026-10-22T08:00:00Z'),
      surveys: [surveySection({ openFor: '6d', reminders: ['4d'] })],
    });
    await startWave(a);
    await settled(a);
    await sweepAt(a, '2026-10-26T08:00:00Z'); // 96 h of elapsed time: 09:00 CET, not yet
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 1));
    await sweepAt(a, '2026-10-26T09:00:00Z');
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 2));
    await sweepAt(a, '2026-10-26T09:01:00Z');
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 2));
  });
});

/** Records the cron tasks the scheduler asks for; the test fires a tick at the clock's time. */
function fakeCron() {
  const tasks = new Map<string, { tick: () => Promise<void> }>();
  const factory: CronFactory = (_expression, tick, options) => {
    tasks.set(options.name, { tick: () => tick() });
    return { stop() {} };
  };
  return { tasks, factory };
}

const JOB = 'surveys.start-platform-nps';

async function startScheduled(database: PersistentDb, at: string) {
  const cron = fakeCron();
  const a = await startSurveyApp({
    database,
    clock: createManualClock(at),
    cronFactory: cron.factory,
    surveys: [surveySection({ schedule: '0 10 1 */3 *', openFor: '7d', reminders: [], holidays: ['2027-01-01'] })],
  });
  await a.groundcrew.services.scheduler.start();
  apps.track(a);
  return { a, cron };
}

async function waves(a: SurveyApp) {
  const rows = await orm(a.database).select().from(twin(a.database, surveyWavesTable)).orderBy(surveyWavesTable.id);
  return rows.map((w) => new Date(w.opensAt).toISOString());
}

describe('a scheduled wave start on a holiday', () => {
  it('starts on the next working day at the same local time, once, across a restart', async () => {
    const database = await persistentDb();
    // Friday 2027-01-01 10:00 CET, a holiday: the tick starts nothing, nor does the sweep.
    let { a, cron } = await startScheduled(database, '2027-01-01T09:00:00Z');
    await cron.tasks.get(JOB)!.tick();
    await settled(a);
    await sweep(a);
    expect(await waves(a)).toEqual([]);
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 0));

    // Down over the weekend; back on Saturday: still nothing.
    await a.stop();
    ({ a, cron } = await startScheduled(database, '2027-01-02T09:00:00Z'));
    await settled(a);
    await sweep(a);
    expect(await waves(a)).toEqual([]);

    // Another restart; Monday 2027-01-04 10:00 CET, the next working day: the sweep starts the wave, once.
    await a.stop();
    ({ a, cron } = await startScheduled(database, '2027-01-04T08:59:00Z'));
    await settled(a);
    await sweep(a);
    expect(await waves(a)).toEqual([]);
    await sweepAt(a, '2027-01-04T09:00:00Z');
    expect(await waves(a)).toEqual(['2027-01-04T09:00:00.000Z']);
    await sweepAt(a, '2027-01-04T09:01:00Z');
    expect(dmCounts(a)).toEqual(PEOPLE.map(() => 1));
    a.clock.advance(MINUTE);
    await cron.tasks.get(JOB)!.tick(); // a late tick for the holiday slot
    await settled(a);
    await a.stop();
    ({ a, cron } = await startScheduled(database, '2027-01-04T09:10:00Z'));
    await settled(a);
    await sweep(a);
    expect(await waves(a)).toEqual(['2027-01-04T09:00:00.000Z']);
    for (const p of PEOPLE) expect(dmsTo(a, p)).toEqual([]); // this run sent none: they went out once, before
  });
});

describe('a put-off scheduled start that fails', () => {
  it("tells the admins once, not at every minute's sweep nor again after a restart", async () => {
    const database = await persistentDb();
    // Monday 2027-01-04 10:00 CET, the working day after the 1 January slot; the audience channel cannot be read.
    const { a } = await startScheduled(database, '2027-01-04T09:00:00Z');
    a.slack.failWith('conversations.members', 'not_in_channel');
    const toAdmin = () => a.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ADMIN);
    await sweep(a);
    expect(toAdmin()).toHaveLength(1);
    for (const at of ['2027-01-04T09:01:00Z', '2027-01-04T09:02:00Z', '2027-01-04T10:00:00Z']) await sweepAt(a, at);
    expect(toAdmin()).toHaveLength(1);
    expect(await waves(a)).toEqual([]);
    const audit = await a.groundcrew.services.audit.latest(10);
    expect(audit.filter((r) => r.action === 'surveys.start').map((r) => r.outcome)).toEqual(['failed']);

    // A restart (or another replica on the same database) does not try the slot again: the try is a row, not memory.
    await apps.stop();
    const { a: again } = await startScheduled(database, '2027-01-04T10:05:00Z');
    again.slack.failWith('conversations.members', 'not_in_channel');
    await settled(again); // the catch-up sweep at start-up
    expect(again.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ADMIN)).toEqual([]);
    await sweep(again);
    await sweepAt(again, '2027-01-04T10:06:00Z');
    expect(again.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ADMIN)).toEqual([]);
    expect(again.slack.callsTo('conversations.members')).toEqual([]);
    const after = await again.groundcrew.services.audit.latest(10);
    expect(after.filter((r) => r.action === 'surveys.start').map((r) => r.outcome)).toEqual(['failed']);
  });
});
