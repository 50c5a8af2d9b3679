import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { createSilentLogger, type Logger } from '../../src/logger.js';
import type { CronFactory } from '../../src/scheduler/scheduler.js';
import { surveyWavesTable } from '../../src/surveys/schema.js';
import { ackBody, type TestApp } from '../support/harness.js';
import { eventually, gate, settled } from '../support/wait.js';
import { ADMIN, dmsTo, PEOPLE, SLACK, stopAppAfterEach, surveySection } from './support.js';

// Runs on the backend the suite runs on (GROUNDCREW_TEST_BACKEND): one app, two starts at the same moment, as two
// replicas would make them (the race is in the database, not in the process).
const apps = stopAppAfterEach();

/** conversations.members answers only once `count` starts are reading the audience: every start has passed its checks. */
function holdAudience(app: TestApp, count: number) {
  const arrived = gate();
  let calls = 0;
  app.slack.on('conversations.members', async () => {
    if (++calls >= count) arrived.open();
    await arrived.opened;
    return { ok: true, members: PEOPLE, response_metadata: { next_cursor: '' } };
  });
}

async function waves(app: TestApp) {
  const rows = await orm(app.database).select().from(twin(app.database, surveyWavesTable));
  return rows.map((w) => ({ number: w.number, open: w.closedAt === null }));
}

/** What the start command answered: its ack, or (a start slower than the ack deadline) its response_url reply. */
async function replyOf(response: Response, app: TestApp, tag: string): Promise<string> {
  const body = await ackBody(response);
  if (body?.text) return body.text;
  const later = await app.slack.waitFor('response_url', (c) => c.path === `/response/start-${tag}`);
  return String(later.at(-1)?.args.text);
}

/** `/platform survey start platform-nps` by the admin, with a response_url of its own (`tag`). */
const startAs = (app: TestApp, tag: string) =>
  app.command('survey start platform-nps', { user_id: ADMIN, response_url: `${SLACK}/response/start-${tag}` });

function fakeCron() {
  const tasks = new Map<string, { tick: () => Promise<void> }>();
  const factory: CronFactory = (_expression, tick, options) => {
    tasks.set(options.name, { tick: () => tick() });
    return { stop() {} };
  };
  return { tasks, factory };
}

describe('one open wave per survey', () => {
  it('two starts of the same survey at once (a double click, two replicas): one wave, one DM each, the loser told', async () => {
    const a = await apps.start();
    holdAudience(a, 2);
    const [first, second] = await Promise.all([startAs(a, 'one'), startAs(a, 'two')]);
    const replies = [await replyOf(first, a, 'one'), await replyOf(second, a, 'two')];
    await settled(a);
    for (const p of PEOPLE) await eventually(() => expect(dmsTo(a, p)).toHaveLength(1));
    await settled(a);
    expect(await waves(a)).toEqual([{ number: 1, open: true }]);
    for (const p of PEOPLE) expect(dmsTo(a, p)).toHaveLength(1);
    expect(replies.filter((r) => r.includes('is open'))).toHaveLength(1);
    expect(replies.filter((r) => r.includes('a wave was opened by another start at the same moment'))).toHaveLength(1);
    const audit = (await a.groundcrew.services.audit.latest(10)).filter((r) => r.action === 'surveys.start');
    expect(audit.map((r) => r.outcome).sort()).toEqual(['denied', 'ok']);
  });

  it('a scheduled start racing a manual one skips, logged; the next wave back to back still opens', async () => {
    const cron = fakeCron();
    const infos: string[] = [];
    const logger: Logger = { ...createSilentLogger(), info: (...args: unknown[]) => void infos.push(args.join(' ')) };
    // Monday 2026-11-23 09:00 Berlin, the survey's weekly slot.
    const a = await apps.start({
      clock: createManualClock('2026-11-23T08:00:00Z'),
      cronFactory: cron.factory,
      logger,
      surveys: [surveySection({ schedule: '0 9 * * 1', openFor: '7d', reminders: [] })],
    });
    await a.groundcrew.services.scheduler.start();
    holdAudience(a, 2);
    const [manual] = await Promise.all([startAs(a, 'manual'), cron.tasks.get('surveys.start-platform-nps')!.tick()]);
    const reply = await replyOf(manual, a, 'manual');
    await settled(a);
    for (const p of PEOPLE) await eventually(() => expect(dmsTo(a, p)).toHaveLength(1));
    await settled(a);
    expect(await waves(a)).toEqual([{ number: 1, open: true }]);
    for (const p of PEOPLE) expect(dmsTo(a, p)).toHaveLength(1);
    const runs = await a.groundcrew.services.scheduler.list();
    expect(runs.find((j) => j.name === 'surveys.start-platform-nps')?.lastRun?.outcome).toBe('ok');
    // Whichever lost, one of the two said so: the admin in their reply, or the scheduler in the log.
    const lost = 'a wave was opened by another start at the same moment';
    expect([reply, ...infos].filter((line) => line.includes(lost))).toHaveLength(1);

    // A week later the first wave is due to close at the slot: the scheduled start closes it and opens wave 2.
    a.clock.advance(7 * 24 * 3_600_000);
    holdAudience(a, 1);
    await cron.tasks.get('surveys.start-platform-nps')!.tick();
    await settled(a);
    expect(await waves(a)).toEqual(
      expect.arrayContaining([
        { number: 1, open: false },
        { number: 2, open: true },
      ]),
    );
    for (const p of PEOPLE) await eventually(() => expect(dmsTo(a, p)).toHaveLength(2));
  });
});
