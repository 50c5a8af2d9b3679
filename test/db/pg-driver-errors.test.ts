import { inspect } from 'node:util';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutParameters } from '../../src/db/pg-errors.js';
import { openPostgres, type PostgresDatabase } from '../../src/db/postgres.js';
import { eventInboxTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { uniqueViolation } from '../../src/db/write.js';
import { createTestPostgres, NO_TEST_PG, type TestPostgres } from '../support/test-db.js';

/** What a person typed, and a token: neither may reach a log line or a message through an error. */
const TYPED = 'Ada Lovelace <ada@example.com>';
const TOKEN = 'xoxb-1234-secret-token';

/** Everything a logger could print of an error: its fields, its message and stack, as util.inspect shows them. */
function printed(error: unknown): string {
  const e = error as Error;
  return [inspect(error, { depth: 5 }), JSON.stringify(error), e.message, e.stack].join('\n');
}

describe.skipIf(NO_TEST_PG)("PostgreSQL: a failing statement's error carries no parameter values", () => {
  let testDb: TestPostgres;
  let db: PostgresDatabase;
  beforeAll(async () => {
    testDb = await createTestPostgres();
    db = await openPostgres(testDb.url, { poolSize: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const events = () => twin(db, eventInboxTable);
  /** Raw SQL through drizzle, as a repo's query runs (the Orm type is SQLite's builder, which has no execute). */
  const execute = (orm: unknown, query: SQL) => (orm as { execute(q: SQL): Promise<unknown> }).execute(query);

  it("a unique key refusing a write: pg's own error with its code and constraint, and no values", async () => {
    const eventId = `${TYPED} ${TOKEN}`;
    await db.orm.insert(events()).values({ eventId, receivedAt: new Date(), type: 'message', attempts: 1 });
    const error = await db.orm
      .insert(events())
      .values({ eventId, receivedAt: new Date(), type: 'message', attempts: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23505', constraint: 'event_inbox_pkey' });
    // The server's detail names the key without its value.
    expect((error as { detail?: string }).detail).toBe('Key (event_id)=(***) already exists.');
    expect(uniqueViolation(error)?.index).toBe('event_inbox_pkey');
    expect(printed(error)).not.toContain(TOKEN);
    expect(printed(error)).not.toContain('ada@example.com');
  });

  it('a value the server cannot read: the message and its "where" no longer quote it', async () => {
    const error = await execute(db.orm, sql`select ${TOKEN}::integer as n`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '22P02' });
    expect((error as Error).message).toBe('invalid input syntax for type integer: "***"');
    expect(printed(error)).not.toContain(TOKEN);
  });

  it('a row refused by a NOT NULL column inside a transaction: no "Failing row contains" values', async () => {
    const error = await db
      .transaction((tx) =>
        execute(
          tx,
          sql`insert into event_inbox (event_id, received_at, type, attempts) values (${TYPED}, null, 'message', 1)`,
        ),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23502', column: 'received_at', table: 'event_inbox' });
    expect((error as { detail?: string }).detail).toBe('Failing row contains (***).');
    expect(printed(error)).not.toContain('ada@example.com');
    expect(printed(error)).not.toContain('Lovelace');
  });
});

describe('withoutParameters: what it takes out of a PostgreSQL error', () => {
  const pgError = (fields: Record<string, string>) => Object.assign(new Error(fields.message), fields);

  it('each string parameter, wherever the server repeats it, but not inside a longer word', () => {
    const error = withoutParameters(
      pgError({
        message: 'invalid input value for enum status: "deploy"',
        where: "unnamed portal parameter $2 = 'deploy'",
        hint: 'see deploys_status',
        code: '22P02',
      }),
      [1, 'deploy', new Date(0)],
    );
    expect(error.message).toBe('invalid input value for enum status: "***"');
    expect((error as unknown as { where: string }).where).toBe("unnamed portal parameter $2 = '***'");
    // "deploy" inside an identifier is not a value; numbers and times (ids, clock readings) stay.
    expect((error as unknown as { hint: string }).hint).toBe('see deploys_status');
    expect(error.stack?.split('\n')[0]).toBe('Error: invalid input value for enum status: "***"');
    expect((error as unknown as { code: string }).code).toBe('22P02');
  });

  it('a longer parameter before one it contains, and key values even when they are not parameters', () => {
    const error = withoutParameters(
      pgError({
        message: 'duplicate key value violates unique constraint "t_pkey"',
        detail: 'Key (a, b)=(alice, alice smith) already exists.',
      }),
      ['alice', 'alice smith'],
    );
    expect((error as unknown as { detail: string }).detail).toBe('Key (a, b)=(***) already exists.');
    const other = withoutParameters(pgError({ message: 'value "alice smith" and "alice"' }), ['alice', 'alice smith']);
    expect(other.message).toBe('value "***" and "***"');
  });
});
