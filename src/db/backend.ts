/**
 * Which backend GROUNDCREW_DB names, without loading either driver: main.ts then imports only the one it needs
 * (client.ts for SQLite: better-sqlite3 and its migrator; postgres.ts for PostgreSQL: pg, drizzle's node-postgres
 * and the PostgreSQL twins of the tables). A process never holds the other backend's code in memory.
 */

/** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else in GROUNDCREW_DB is a SQLite path. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim());
}
