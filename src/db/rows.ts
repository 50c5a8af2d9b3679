/** Reading a query's answer the one way every repo does. */

/** The first row the query answered, or null. */
export async function firstOrNull<T>(query: PromiseLike<T[]>): Promise<T | null> {
  return (await query)[0] ?? null;
}

/** The query answered exactly one row: the insert a conflict did not skip, the compare-and-set that won. */
export async function isOneRow(query: PromiseLike<unknown[]>): Promise<boolean> {
  return (await query).length === 1;
}
