import { defineConfig } from 'drizzle-kit';

// The PostgreSQL twins of the same tables (src/db/pg-tables.ts builds them from the SQLite declarations).
// `npm run db:generate` runs this and drizzle.config.ts, so both dialects get a migration for every schema change.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg-schema.ts',
  out: './migrations/pg',
});
