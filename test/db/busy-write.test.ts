import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { TransactionContended } from '../../src/db/pg-errors.js';
import { openPostgres } from '../../src/db/postgres.js';
import { busyMessage, toWriteError, WRITE_FAILED_MESSAGE, WriteFailedError, write } from '../../src/db/write.js';
import { createSilentLogger, type Logger } from '../../src/logger.js';
import { ackBody } from '../support/harness.js';
import { createTestPostgres, NO_TEST_PG } from '../support/test-db.js';
import { ADMIN, type SurveyApp, startSurveyApp } from '../surveys/support.js';

/**
 * A write given up because the database was busy (PostgreSQL: a SERIALIZABLE transaction that lost its race on
 * each of its tries; SQLite: the write lock held past the busy timeout) is said as that, with the tries, to the
 * person and in the log: not as a database that "cannot write right now" (a full disk, a read-only file).
 */
const lostRace = () =>
  Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });

describe('a write refused because the database was busy', () => {
  let app: SurveyApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('tells the person it was busy and how often it was tried, and logs the same (on the suite backend)', async () => {
    const errors: string[] = [];
    const logger: Logger = {
      ...createSilentLogger(),
      error: (...args: unknown[]) =>
        void errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')),
    };
    app = await startSurveyApp({ logger });
    // The database's own retries gave up, as src/db/postgres.ts does after its 30 tries.
    (app.database as { transaction: unknown }).transaction = async () => {
      throw new TransactionContended(30, lostRace());
    };
    const reply = await ackBody(await app.command('survey start platform-nps', { user_id: ADMIN }));
    const said = reply?.text ?? String((await app.slack.waitFor('response_url')).at(-1)?.args.text);
    expect(said).toContain('the database was busy with many changes at the same moment (tried 30 times)');
    expect(said).not.toContain('cannot write right now');
    expect(errors.join('\n')).toContain(
      'the database was busy: many writes at the same moment, this one kept colliding; the transaction was tried 30 times',
    );
  });

  it('SQLite busy and a lost race are "busy"; a full disk is still "cannot write"', () => {
    const sqliteBusy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect((toWriteError(sqliteBusy) as Error).message).toBe(busyMessage());
    expect((toWriteError(lostRace()) as Error).message).toBe(busyMessage());
    expect((toWriteError(full) as Error).message).toBe(WRITE_FAILED_MESSAGE);
    // The inner try's wrapper (no count) gives way to the count of the transaction that gave up.
    const given = new TransactionContended(7, new WriteFailedError(lostRace()));
    expect((toWriteError(given) as Error).message).toBe(busyMessage(7));
  });
});

describe.skipIf(NO_TEST_PG)('PostgreSQL: a transaction that loses every try', () => {
  it('is given up after transactionAttempts, as busy, with the count', async () => {
    const testDb = await createTestPostgres();
    const db = await openPostgres(testDb.url, { transactionAttempts: 3 });
    try {
      let tries = 0;
      const failed = await db
        .transaction(async (tx) => {
          tries++;
          const execute = (tx as unknown as { execute(q: unknown): Promise<unknown> }).execute.bind(tx);
          await write(() => execute(sql`do $$ begin raise exception 'collided' using errcode = '40001'; end $$`));
        })
        .catch((error: unknown) => error);
      expect(tries).toBe(3);
      expect(failed).toBeInstanceOf(TransactionContended);
      expect((toWriteError(failed) as Error).message).toBe(busyMessage(3));
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
