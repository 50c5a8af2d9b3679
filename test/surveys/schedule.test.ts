import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import type { CronFactory } from '../../src/scheduler/scheduler.js';
import { surveyWavesTable } from '../../src/surveys/schema.js';
import { type PersistentDb, persistentDb } from '../support/persistent-db.js';
import { settled } from '../support/wait.js';
import { dmsTo, PEOPLE, type SurveyApp, startSurveyApp, stopAppAfterEach, surveySection } from './support.js';

const apps = stopAppAfterEach();

const JOB = 'surveys.start-platform-nps';

/** Records the cron tasks the scheduler asks for; the test fires a tick at the clock's time. */
function fakeCron() {
  const tasks = new Map<string, { expression: string; timezone: string | undefined; tick: () => Promise<void> }>();
  const factory: CronFactory = (expression, tick, options) => {
    tasks.set(options.name, { expression, timezone: options.timezone, tick: () => tick() });
    return { stop() {} };
  };
  return { tasks, factory };
}

async function start(database: PersistentDb, at: string) {
  const cron = fakeCron();
  const a = await startSurveyApp({
    database,
    clock: createManualClock(at),
    cronFactory: cron.factory,
    surveys: [surveySection({ schedule: '0 9 * * 1', openFor: '3d', reminders: [] })],
  });
  // Started here, not by the harness: after startSurveyApp has taught the fake Slack the audience channel's members.
  await a.groundcrew.services.scheduler.start();
  return { a, cron };
}

async function waves(a: SurveyApp) {
  const rows = await orm(a.database).select().from(twin(a.database, surveyWavesTable)).orderBy(surveyWavesTable.id);
  return rows.map((w) => ({ number: w.number, opensAt: new Date(w.opensAt).toISOString() }));
}

describe('a scheduled survey start (Mondays 09:00, team timezone Europe/Berlin)', () => {
  it('starts at 09:00 local across the October change, once per tick, and not again after restarts', async () => {
    const database = await persistentDb();
    // Monday 2026-10-19 09:00 CEST = 07:00Z.
    let { a, cron } = await start(database, '2026-10-19T07:00:00Z');
    apps.track(a);
    expect(cron.tasks.get(JOB)).toMatchObject({ expression: '0 9 * * 1', timezone: 'Europe/Berlin' });
    await cron.tasks.get(JOB)!.tick();
    await settled(a);
    expect(await waves(a)).toEqual([{ number: 1, opensAt: '2026-10-19T07:00:00.000Z' }]);
    for (const p of PEOPLE) expect(dmsTo(a, p)).toHaveLength(1);
    // The same tick delivered twice (a second replica, a retry) starts nothing more.
    await cron.tasks.get(JOB)!.tick();
    await settled(a);
    expect(await waves(a)).toHaveLength(1);

    // Clocks go back on Sunday 2026-10-25. Monday 2026-10-26 07:00Z is 08:00 CET: still wave 1's slot, no start.
    a.clock.advance(7 * 86_400_000);
    await cron.tasks.get(JOB)!.tick();
    await settled(a);
    expect(await waves(a)).toHaveLength(1);

    // Down over 09:00 CET (08:00Z); back at 08:30Z the catch-up starts the missed wave once.
    await a.stop();
    ({ a, cron } = await start(database, '2026-10-26T08:30:00Z'));
    apps.track(a);
    await settled(a);
    expect(await waves(a)).toEqual([
      { number: 1, opensAt: '2026-10-19T07:00:00.000Z' },
      { number: 2, opensAt: '2026-10-26T08:30:00.000Z' },
    ]);
    // The next minute's sweep: sends any DM the start left pending, and sends none twice.
    a.clock.advance(60_000);
    await cron.tasks.get('surveys.sweep')!.tick();
    await settled(a);
    for (const p of PEOPLE) expect(dmsTo(a, p)).toHaveLength(1);
    // node-cron's tick for the same 09:00 arriving late, and another restart: no second wave for that tick.
    await cron.tasks.get(JOB)!.tick();
    await settled(a);
    expect(await waves(a)).toHaveLength(2);
    for (const p of PEOPLE) expect(dmsTo(a, p)).toHaveLength(1);
    await a.stop();
    ({ a, cron } = await start(database, '2026-10-26T08:45:00Z'));
    apps.track(a);
    await settled(a);
    expect(await waves(a)).toHaveLength(2);
    for (const p of PEOPLE) expect(dmsTo(a, p)).toEqual([]); // wave 2's DMs went out once, before
  });
});
