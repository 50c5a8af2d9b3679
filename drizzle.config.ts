import { defineConfig } from 'drizzle-kit';

// Every capability keeps its tables in src/<capability>/schema.ts; core tables live in src/db/schema.ts.
export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/db/schema.ts', './src/*/schema.ts'],
  out: './migrations',
});
