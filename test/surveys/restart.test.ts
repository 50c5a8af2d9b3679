import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { surveyInvitationsTable } from '../../src/surveys/schema.js';
import type { ApiCall } from '../support/fake-slack.js';
import { ackBody } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, type SurveyApp, startSurveyApp } from './support.js';

let app: SurveyApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const PEOPLE = Array.from({ length: 30 }, (_, i) => `U0P${String(i).padStart(7, '0')}`);
const dms = (calls: ApiCall[]) =>
  calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('U0P'));

describe('a restart in the middle of a wave', () => {
  it('resumes from the database: every person gets the DM exactly once', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'groundcrew-surveys-')), 'groundcrew.db');
    const limits = { perSecond: 20, burst: 1, perChannelMs: 0 };
    const first = await startSurveyApp({ dbPath, members: PEOPLE, limits });
    app = first;
    await ackBody(await first.command('survey start platform-nps', { user_id: ADMIN }));
    await eventually(() => expect(dms(first.slack.calls).length).toBeGreaterThanOrEqual(8));
    await first.stop();
    app = undefined;
    const before = dms(first.slack.calls).map((c) => String(c.args.channel));
    expect(before.length).toBeLessThan(PEOPLE.length);
    expect(new Set(before).size).toBe(before.length);

    // The next process finds the rest pending (nothing left claimed mid-send by a clean stop) and sends only those.
    const second = await startSurveyApp({ dbPath, members: PEOPLE, limits });
    app = second;
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

  it('a sweep while the wave is being sent is skipped: each DM goes out once', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'groundcrew-surveys-')), 'groundcrew.db');
    const limits = { perSecond: 40, burst: 1, perChannelMs: 0 };
    app = await startSurveyApp({ dbPath, members: PEOPLE, limits });
    await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    await eventually(() => expect(dms(app!.slack.calls).length).toBeGreaterThanOrEqual(2));
    // A sweep on the same replica while the wave is being sent is skipped by the scheduler; the wave lease keeps
    // any other sender out, and the per-person claim would refuse a second send anyway.
    const skipped = await app.groundcrew.services.scheduler.runNow('surveys.sweep');
    expect(skipped.outcome).toBe('skipped');
    await eventually(() => expect(dms(app!.slack.calls)).toHaveLength(PEOPLE.length), { timeoutMs: 10_000 });
    await settled(app);
    expect(new Set(dms(app.slack.calls).map((c) => c.args.channel)).size).toBe(PEOPLE.length);
  });
});
