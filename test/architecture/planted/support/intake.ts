// Planted violation (test/architecture.test.ts): a pure part of a model reaching for the database.
import { sql } from 'drizzle-orm';

export const plantedIntake = sql`select 1`;
