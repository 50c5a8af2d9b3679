import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { backendNeutralTests } from './test/support/backend-neutral.js';

// GROUNDCREW_TEST_ONLY_BACKEND_DEPENDENT=1 (.ci/run's second run, on PostgreSQL): only the test files whose outcome
// depends on GROUNDCREW_TEST_BACKEND; the others chose their database themselves and ran in the first run.
const onlyBackendDependent = process.env.GROUNDCREW_TEST_ONLY_BACKEND_DEPENDENT === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: onlyBackendDependent
      ? [...configDefaults.exclude, ...backendNeutralTests(dirname(fileURLToPath(import.meta.url)))]
      : configDefaults.exclude,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Two test files at once even on a 2-core machine (vitest's default there is one): most of a file's time is
    // spent waiting (real processes starting, cron minutes, loopback HTTP), so the second worker roughly halves the
    // run (SQLite 1,067 s → 649 s, PostgreSQL 441 s → 280 s on this machine, every test green in both).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // GROUNDCREW_TEST_PG / GROUNDCREW_TEST_BACKEND=postgres: names the run's test databases and drops them after.
    globalSetup: ['test/support/pg-global-setup.ts'],
    // The JSON report lets .ci/run print a one-line "N passed, N failed" summary.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
  },
});
