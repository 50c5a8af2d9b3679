import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import type { CronFactory } from '../../src/scheduler/scheduler.js';
import { eventually, gate } from '../support/wait.js';
import { ADMIN, PEOPLE, type SurveyApp, startSurveyApp, surveySection } from '../surveys/support.js';

/**
 * The order of a stop (src/bootstrap.ts): no new scheduled tick once it begins, then Slack's in-flight handlers and
 * the running jobs drain side by side. Before, cron kept firing while Slack drained (up to 10 s), and the jobs
 * drained after that (up to 10 s more): longer than Compose's stop_grace_period of 20 s allowed for the rest.
 */
describe('stopping groundcrew', () => {
  let app: SurveyApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('stops the cron tasks first, while a Slack handler is still running', async () => {
    const cronStopped: string[] = [];
    const cron: CronFactory = (_expression, _tick, options) => ({ stop: () => void cronStopped.push(options.name) });
    app = await startSurveyApp({
      clock: createManualClock('2026-11-23T08:00:00Z'),
      cronFactory: cron,
      startScheduler: true,
      surveys: [surveySection({ schedule: '0 9 * * 1' })],
    });
    // A start in flight: it waits on Slack for the audience until the test lets it go.
    const held = gate();
    let asked = false;
    app.slack.on('conversations.members', async () => {
      asked = true;
      await held.opened;
      return { ok: true, members: PEOPLE, response_metadata: { next_cursor: '' } };
    });
    const command = app.command('survey start platform-nps', { user_id: ADMIN });
    await eventually(() => expect(asked).toBe(true));

    const stopped = app.groundcrew.stop(5_000);
    // Every cron task is stopped while the handler is still held: no tick can start during the drain.
    await eventually(() =>
      expect(cronStopped).toEqual(expect.arrayContaining(['surveys.sweep', 'surveys.start-platform-nps'])),
    );
    expect(held.isOpen()).toBe(false);
    held.open();
    await command;
    await stopped;
  });
});
