import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { surveyInvitationsTable } from '../../src/surveys/schema.js';
import type { ApiCall } from '../support/fake-slack.js';
import { ackBody, blockText } from '../support/harness.js';
import { persistentDb } from '../support/persistent-db.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, startSurveyApp, stopAppAfterEach } from './support.js';

const apps = stopAppAfterEach();

const PEOPLE = Array.from({ length: 30 }, (_, i) => `U0P${String(i).padStart(7, '0')}`);
const DAY = 86_400_000;
const reminders = (calls: ApiCall[]) =>
  calls.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      String(c.args.channel).startsWith('U0P') &&
      blockText(c.args.blocks).includes('A reminder'),
  );
const dms = (calls: ApiCall[]) =>
  calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('U0P'));

describe('a restart in the middle of a wave', () => {
  it('resumes from the database: every person gets the DM exactly once', async () => {
    const database = await persistentDb();
    const limits = { perSecond: 20, burst: 1, perChannelMs: 0 };
    const first = apps.track(await startSurveyApp({ database, members: PEOPLE, limits }));
    await ackBody(await first.command('survey start platform-nps', { user_id: ADMIN }));
    await eventually(() => expect(dms(first.slack.calls).length).toBeGreaterThanOrEqual(8));
    await apps.stop();
    const before = dms(first.slack.calls).map((c) => String(c.args.channel));
    expect(before.length).toBeLessThan(PEOPLE.length);
    expect(new Set(before).size).toBe(before.length);

    // The next process finds the rest pending (nothing left claimed mid-send by a clean stop) and sends only those.
    const second = apps.track(await startSurveyApp({ database, members: PEOPLE, limits }));
    const rows = await orm(second.database).select().from(twin(second.database, surveyInvitationsTable));
    expect(rows.filter((r) => r.delivery === 'sending')).toEqual([]);
    expect(
      rows
        .filter((r) => r.delivery === 'sent')
        .map((r) => r.userId)
        .sort(),
    ).toEqual([...before].sort());
    await second.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(second);
    const after = dms(second.slack.calls).map((c) => String(c.args.channel));
    expect([...before, ...after].sort()).toEqual([...PEOPLE].sort());
    const final = await orm(second.database).select().from(twin(second.database, surveyInvitationsTable));
    expect(final.every((r) => r.delivery === 'sent' && r.dmTs !== null)).toBe(true);
  });

  it('a reminder round cut off by a restart is finished by the next process, each person reminded once', async () => {
    const database = await persistentDb();
    const limits = { perSecond: 20, burst: 1, perChannelMs: 0 };
    const first = apps.track(
      await startSurveyApp({ database, members: PEOPLE, limits, clock: createManualClock('2026-06-01T08:00:00Z') }),
    );
    await ackBody(await first.command('survey start platform-nps', { user_id: ADMIN }));
    await eventually(() => expect(dms(first.slack.calls)).toHaveLength(PEOPLE.length), { timeoutMs: 10_000 });
    await settled(first);
    // Three days on, the first reminder is due; the process stops after 8 of them.
    first.clock.advance(3 * DAY + 60_000);
    const at = first.clock.now().toISOString();
    void first.groundcrew.services.scheduler.runNow('surveys.sweep');
    await eventually(() => expect(reminders(first.slack.calls).length).toBeGreaterThanOrEqual(8));
    await apps.stop();
    const before = reminders(first.slack.calls).map((c) => String(c.args.channel));
    expect(before.length).toBeLessThan(PEOPLE.length);
    expect(new Set(before).size).toBe(before.length);

    // The next process, at the same time (the round was already claimed), reminds only the rest.
    const second = apps.track(
      await startSurveyApp({ database, members: PEOPLE, limits, clock: createManualClock(at) }),
    );
    await second.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(second);
    const after = reminders(second.slack.calls).map((c) => String(c.args.channel));
    expect([...before, ...after].sort()).toEqual([...PEOPLE].sort());
    // A minute later: nothing more for this round.
    second.clock.advance(60_000);
    await second.groundcrew.services.scheduler.runNow('surveys.sweep');
    await settled(second);
    expect(reminders(second.slack.calls)).toHaveLength(after.length);
    const rows = await orm(second.database).select().from(twin(second.database, surveyInvitationsTable));
    expect(rows.every((r) => r.reminded === 1)).toBe(true);
  });

  it('a sweep while the wave is being sent is skipped: each DM goes out once', async () => {
    const database = await persistentDb();
    const limits = { perSecond: 40, burst: 1, perChannelMs: 0 };
    const app = apps.track(await startSurveyApp({ database, members: PEOPLE, limits }));
    await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    await eventually(() => expect(dms(app.slack.calls).length).toBeGreaterThanOrEqual(2));
    // A sweep on the same replica while the wave is being sent is skipped by the scheduler; the wave lease keeps
    // any other sender out, and the per-person claim would refuse a second send anyway.
    const skipped = await app.groundcrew.services.scheduler.runNow('surveys.sweep');
    expect(skipped.outcome).toBe('skipped');
    await eventually(() => expect(dms(app.slack.calls)).toHaveLength(PEOPLE.length), { timeoutMs: 10_000 });
    await settled(app);
    expect(new Set(dms(app.slack.calls).map((c) => c.args.channel)).size).toBe(PEOPLE.length);
  });
});
