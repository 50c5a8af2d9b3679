import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/harness.js';
import { testBackend } from '../support/test-db.js';

/**
 * GROUNDCREW_TEST_BACKEND=postgres must really put the app on PostgreSQL: without this, a harness that ignored the
 * switch would run the whole "PostgreSQL" suite on SQLite and pass.
 */
describe('the test backend switch', () => {
  const backend = testBackend();

  it(`startTestApp runs the app on the backend GROUNDCREW_TEST_BACKEND names (${backend})`, async () => {
    const app = await startTestApp();
    try {
      const { dialect } = app.database as unknown as { dialect?: string };
      // A database handle from before the dialect-neutral layer has no dialect: it is SQLite.
      expect(dialect ?? 'sqlite').toBe(backend);
      expect((await app.request('/healthz')).status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});
