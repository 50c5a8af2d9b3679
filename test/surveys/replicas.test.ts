import { afterEach, describe, expect, it } from 'vitest';
import { createSurveysRepo, type SurveysRepo } from '../../src/surveys/repo.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';

const OPENS = new Date('2026-11-23T08:00:00Z');
const wave = (surveyId = 'platform-nps') => ({
  surveyId,
  anonymous: true,
  minGroupSize: 3,
  areas: [],
  opensAt: OPENS,
  closesAt: new Date(OPENS.getTime() + 7 * 86_400_000),
});
const PEOPLE = ['U0ALICE001', 'U0BOB0001'];

/**
 * What keeps two replicas from opening a survey's wave twice, or trying a put-off start twice: the database, not
 * the process (docs/surveys.md). Each replica is a handle of its own on one database.
 */
for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`survey starts on two replicas, ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    async function twoReplicas(): Promise<[SurveysRepo, SurveysRepo]> {
      shared = await backend.create();
      return [createSurveysRepo(await shared.open()), createSurveysRepo(await shared.open())];
    }

    it('opens one wave when both open one at once; the loser gets null and wrote nothing', async () => {
      const [one, two] = await twoReplicas();
      // SQLite: two handles in one process cannot hold transactions at once (shared-db.ts), so one after the other;
      // PostgreSQL: at the same moment, SERIALIZABLE retries and all.
      const opened =
        backend.dialect === 'postgres'
          ? await Promise.all([one.openWave(wave(), PEOPLE), two.openWave(wave(), PEOPLE)])
          : [await one.openWave(wave(), PEOPLE), await two.openWave(wave(), PEOPLE)];
      const won = opened.filter((w) => w !== null);
      expect(won).toHaveLength(1);
      expect(await one.openWaves()).toEqual([expect.objectContaining({ id: won[0]!.id, number: 1 })]);
      expect((await one.pendingRecipients(won[0]!.id)).sort()).toEqual(PEOPLE);
      // Another survey is not held up, and once the wave is closed the next one opens (back-to-back waves).
      expect(await two.openWave(wave('other'), PEOPLE)).not.toBeNull();
      await one.closeWave(won[0]!.id, new Date(OPENS.getTime() + 7 * 86_400_000));
      expect(await two.openWave(wave(), PEOPLE)).toEqual(expect.objectContaining({ number: 2 }));
    });

    it('claims a put-off start once for a survey and slot, whichever replica asks (and a restart is another ask)', async () => {
      const [one, two] = await twoReplicas();
      const slot = new Date('2027-01-01T09:00:00Z');
      const claims = await Promise.all([
        one.claimPutOffStart('platform-nps', slot),
        two.claimPutOffStart('platform-nps', slot),
      ]);
      expect(claims.sort()).toEqual([false, true]);
      expect(await one.claimPutOffStart('platform-nps', slot)).toBe(false);
      expect(await two.claimPutOffStart('platform-nps', new Date('2027-04-01T08:00:00Z'))).toBe(true);
      expect(await two.claimPutOffStart('other', slot)).toBe(true);
    });
  });
}
