import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, HOUR, MINUTE } from '../../src/clock.js';
import { twin } from '../../src/db/twin.js';
import { deployFreezesTable } from '../../src/deploys/schema.js';
import type { TestApp } from '../support/harness.js';
import { eventually } from '../support/wait.js';
import { ADMIN, DEPLOYS_CHANNEL, startDeploysApp } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const announcements = (test: TestApp) =>
  test.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === DEPLOYS_CHANNEL && !c.args.thread_ts)
    .map((c) => String(c.args.text));

const replies = (test: TestApp) => test.slack.callsTo('response_url').map((c) => String(c.args.text));

/** A manual clock that moves 1 ms each time it is read, like a real one between two statements. */
function tickingClock(start: string) {
  const manual = createManualClock(start);
  return { ...manual, now: () => manual.advance(1) };
}

const sweep = (test: TestApp) => test.groundcrew.services.scheduler.runNow('deploys.freeze-announcements');

describe('freeze announcements', () => {
  it('/platform freeze posts the start before it says "announced", with a clock that moves', async () => {
    app = await startDeploysApp({ clock: tickingClock('2026-11-24T10:00:00Z') });
    await app.command('freeze staging --until 2h --reason "incident 12"', { user_id: ADMIN });
    await eventually(() => replies(app!).some((t) => t.includes('announced in')), { what: 'the reply' });
    expect(announcements(app)).toEqual([
      expect.stringMatching(/^:snowflake: Freeze started by <@U0ADMIN01> on staging until Tue 13:00/),
    ]);
    await sweep(app);
    await sweep(app);
    await app.command('unfreeze staging', { user_id: ADMIN });
    await eventually(() => replies(app!).some((t) => t.startsWith(':sunny: Ended')), { what: 'the unfreeze reply' });
    await sweep(app);
    expect(announcements(app)).toHaveLength(2);
    expect(announcements(app)[1]).toBe(
      `:sunny: Freeze ended early by <@${ADMIN}> on staging — incident 12. Deploys are open again.`,
    );
  });

  it('an ad-hoc freeze that started and ended between two runs gets one message, not silence', async () => {
    app = await startDeploysApp({ clock: createManualClock('2026-11-24T10:00:00Z') });
    await sweep(app);
    const { db } = app.groundcrew.services;
    await db.orm.insert(twin(db, deployFreezesTable)).values({
      environment: 'production',
      reason: 'db failover',
      startsAt: new Date('2026-11-24T10:00:10Z'),
      until: new Date('2026-11-24T10:00:40Z'),
      createdBy: ADMIN,
    });
    app.clock.advance(MINUTE);
    await sweep(app);
    await sweep(app);
    expect(announcements(app)).toEqual([
      `:snowflake: A freeze by <@${ADMIN}> on production ran from Tue 24 Nov 11:00 to Tue 24 Nov 11:00 Europe/Berlin — db failover. It ended before it could be announced; deploys there are open.`,
    ]);
  });

  it('a configured window that began and ended while the app was down is reported once after the restart', async () => {
    app = await startDeploysApp({ clock: createManualClock('2026-11-27T13:00:00Z') }); // Friday 14:00 Berlin
    await sweep(app);
    expect(announcements(app)).toEqual([]);
    app.clock.set('2026-11-30T09:00:00Z'); // Monday 10:00, the weekend freeze ended at 08:00
    await sweep(app);
    await sweep(app);
    expect(announcements(app)).toEqual([
      ':snowflake: A freeze on production ran from Fri 27 Nov 16:00 to Mon 30 Nov 08:00 Europe/Berlin — weekend freeze. It ended before it could be announced; deploys there are open.',
    ]);
  });

  it('the first run ever does not report windows that ended before it', async () => {
    app = await startDeploysApp({ clock: createManualClock('2026-11-30T09:00:00Z') });
    await sweep(app);
    app.clock.advance(HOUR);
    await sweep(app);
    expect(announcements(app)).toEqual([]);
  });
});
