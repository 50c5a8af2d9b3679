import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { preparedRead } from '../../src/db/prepared.js';
import { leasesTable } from '../../src/db/schema.js';
import { inTransaction, orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';

/** preparedRead (src/db/prepared.ts) on both backends: built once, run with values, part of an open transaction. */
for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`prepared reads on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    it('runs with each call’s values, and inside a transaction sees that transaction’s own writes', async () => {
      shared = await backend.create();
      const db = await shared.open();
      const t = twin(db, leasesTable);
      let builds = 0;
      const holderOf = preparedRead(db, 'test.lease-holder', (o) => {
        builds++;
        return o
          .select({ holder: t.holder })
          .from(t)
          .where(eq(t.key, sql.placeholder('key')));
      });
      const expires = new Date('2026-05-04T09:00:00Z');
      await orm(db)
        .insert(t)
        .values([
          { key: 'a', holder: 'replica-a', expiresAt: expires },
          { key: 'b', holder: 'replica-b', expiresAt: expires },
        ]);
      expect(await holderOf({ key: 'a' })).toEqual([{ holder: 'replica-a' }]);
      expect(await holderOf({ key: 'b' })).toEqual([{ holder: 'replica-b' }]);
      expect(await holderOf({ key: 'c' })).toEqual([]);
      expect(builds).toBe(1);

      // Inside a transaction the read is the transaction's: it sees the row the transaction wrote, not yet committed.
      const inside = await inTransaction(db, async () => {
        await orm(db).insert(t).values({ key: 'c', holder: 'replica-c', expiresAt: expires });
        return holderOf({ key: 'c' });
      });
      expect(inside).toEqual([{ holder: 'replica-c' }]);
      expect(await holderOf({ key: 'c' })).toEqual([{ holder: 'replica-c' }]);
    });
  });
}
