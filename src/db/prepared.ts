import type { Database, Orm } from './database.js';
import { orm } from './scope.js';

interface Prepared<R> {
  execute(values: Record<string, unknown>): Promise<R>;
}

/** `.prepare(name)` on a query builder of either dialect (SQLite ignores the name; PostgreSQL names the statement). */
const prepare = <R>(query: PromiseLike<R>, name: string): Prepared<R> =>
  (query as unknown as { prepare(name: string): Prepared<R> }).prepare(name);

/**
 * A read that runs on every Home tab opening (or as often), built once and then run with values.
 *
 * Building a drizzle query (every column of a table, conditions, order) costs several times what SQLite takes to
 * run it; a prepared query is built once and keeps its SQL. `build` writes the query with `sql.placeholder('x')`
 * where the values go, and the returned function fills them in. Inside a transaction (`inTransaction`) the query is
 * built on the transaction's orm each time, so it is part of the transaction on PostgreSQL too. `name` names the
 * statement on PostgreSQL: one name per query text, `<capability>.<what>`.
 */
export function preparedRead<R>(
  db: Database,
  name: string,
  build: (o: Orm) => PromiseLike<R>,
): (values: Record<string, unknown>) => Promise<R> {
  let outside: Prepared<R> | undefined;
  return (values) => {
    const current = orm(db);
    if (current !== db.orm) return prepare(build(current), name).execute(values);
    outside ??= prepare(build(current), name);
    return outside.execute(values);
  };
}
