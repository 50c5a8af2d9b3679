import { DrizzleQueryError } from 'drizzle-orm';

type QueryRunner = (sql: string, params: unknown[], query: () => Promise<unknown>) => Promise<unknown>;
interface PreparedQuery {
  queryWithCache?: QueryRunner;
}
interface WithSession {
  session: { prepareQuery(...args: unknown[]): PreparedQuery };
}

/**
 * Makes a query that fails throw the driver's own error (SqliteError with its `code`, pg's DatabaseError), as the
 * synchronous driver did, instead of drizzle's DrizzleQueryError around it: that one's message carries every
 * parameter of the statement (what people typed into a form), which would reach logs and Slack messages.
 * Applied once to an orm (this instance only); test/db/sqlite.test.ts checks that errors keep their code.
 *
 * `scrub` takes what the driver's own error still repeats of the parameters out of it (PostgreSQL's server echoes
 * values in its messages: `withoutParameters` in pg-errors.ts). On PostgreSQL a transaction has a session of its
 * own, so its orm is wrapped too (src/db/postgres.ts).
 */
export function withDriverErrors<T>(orm: T, scrub?: (error: unknown, params: unknown[]) => unknown): T {
  const session = (orm as unknown as WithSession).session;
  const prepare = session.prepareQuery.bind(session);
  session.prepareQuery = (...args: unknown[]) => {
    const query = prepare(...args);
    const run = query.queryWithCache?.bind(query);
    if (run) {
      query.queryWithCache = async (sql, params, execute) => {
        try {
          return await run(sql, params, execute);
        } catch (error) {
          const own = error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error;
          throw scrub ? scrub(own, params) : own;
        }
      };
    }
    return query;
  };
  return orm;
}
