import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened } from '../support/payloads.js';
import { NO_TEST_PG } from '../support/test-db.js';
import { eventually, settled } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** A logger that keeps its error lines. */
function errorLog() {
  const lines: string[] = [];
  const logger = createSilentLogger();
  logger.error = (...args: unknown[]) => {
    lines.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  return { logger, lines };
}

/**
 * Everyone opening their Home tab at once (after an announcement). Slack's events are acked before they are handled,
 * so the whole burst reaches the handlers together; on PostgreSQL each one needs the pool's connections. Events
 * handled at once are bounded by the pool's size (src/slack/event-slots.ts), so the rest wait their turn instead of
 * waiting for a connection past the pool's timeout, which lost Home tabs.
 */
describe.skipIf(NO_TEST_PG)('a burst of Home tab openings on PostgreSQL with a small pool', () => {
  it('100 app_home_opened events at once with 2 connections: every Home tab is published, none fails', async () => {
    const { logger, lines } = errorLog();
    // A connection wait longer than a second fails, so queries piling up behind the two connections would show.
    app = await startTestApp({ postgres: { poolSize: 2, connectTimeoutMs: 1000 }, logger });
    expect(app.database.poolSize).toBe(2);
    const users = Array.from({ length: 100 }, (_, i) => `U0BURST${String(i).padStart(3, '0')}`);
    const acks = await Promise.all(users.map((user, i) => app!.event(appHomeOpened(user), { eventId: `EvBURST${i}` })));
    expect(acks.map((a) => a.status)).toEqual(users.map(() => 200));
    await eventually(() => app!.slack.callsTo('views.publish').length >= users.length || lines.length > 0, {
      timeoutMs: 60_000,
      what: 'every Home tab published (or a failure logged)',
    });
    await settled(app);
    expect(lines).toEqual([]);
    const published = app.slack.callsTo('views.publish').map((c) => String(c.args.user_id));
    expect(published.sort()).toEqual([...users].sort());
  }, 90_000);

  it('a Home tab that cannot be published is logged with the user it was for, whoever asked for it', async () => {
    const { logger, lines } = errorLog();
    app = await startTestApp({ postgres: { poolSize: 2 }, logger });
    app.slack.failWith('views.publish', 'internal_error');
    await app.event(appHomeOpened('U0NOHOME01'));
    await eventually(() => lines.find((l) => l.includes('U0NOHOME01')), { what: 'the failure logged' });
    expect(lines.join('\n')).toMatch(/publishing the Home tab for U0NOHOME01 failed/);
    // A notifier refreshing someone's Home (some only wait for it, Promise.allSettled): logged too, and thrown.
    await expect(app.groundcrew.services.publishHome('U0NOHOME02')).rejects.toThrow();
    expect(lines.join('\n')).toMatch(/publishing the Home tab for U0NOHOME02 failed/);
  });
});
