import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // GROUNDCREW_TEST_PG / GROUNDCREW_TEST_BACKEND=postgres: names the run's test databases and drops them after.
    globalSetup: ['test/support/pg-global-setup.ts'],
    // The JSON report lets .ci/run print a one-line "N passed, N failed" summary.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
  },
});
