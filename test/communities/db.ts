import { asc, eq } from 'drizzle-orm';
import { communityRsvpsTable } from '../../src/communities/schema.js';
import type { Database } from '../../src/db/database.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';

/** Reads communities' tables through twin(), so a test asserts the same on SQLite and PostgreSQL. */
export function createTwinReader(db: Database) {
  const rsvps = twin(db, communityRsvpsTable);
  return {
    rsvps: async (key: string) =>
      (
        await orm(db)
          .select({ userId: rsvps.userId, status: rsvps.status })
          .from(rsvps)
          .where(eq(rsvps.occurrenceKey, key))
          .orderBy(asc(rsvps.id))
      ).map((r) => ({ userId: r.userId, status: r.status })),
  };
}
