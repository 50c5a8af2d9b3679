import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendNeutralTests } from '../support/backend-neutral.js';

/** Which test files .ci/run's second (PostgreSQL) run leaves out: those GROUNDCREW_TEST_BACKEND cannot change. */
describe('backend-neutral test files', () => {
  it('a file is left out only when neither it nor a helper it imports starts the app through the harness or names the switch', () => {
    const root = mkdtempSync(join(tmpdir(), 'groundcrew-neutral-'));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    put('test/support/harness.ts', 'export const startTestApp = () => 1;\n');
    put('test/support/test-db.ts', 'export const testBackend = () => process.env.GROUNDCREW_TEST_BACKEND;\n');
    put(
      'test/feature/helper.ts',
      "import { startTestApp } from '../support/harness.js';\nexport const go = startTestApp;\n",
    );
    put('test/feature/through-helper.test.ts', "import { go } from './helper.js';\ngo();\n");
    put('test/direct.test.ts', "import { startTestApp } from './support/harness.js';\nstartTestApp();\n");
    put('test/names-switch.test.ts', "const b = process.env['GROUNDCREW_TEST_BACKEND'];\n");
    put('test/pure.test.ts', "import { x } from './feature/pure-helper.js';\nx();\n");
    put('test/feature/pure-helper.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    put('test/own-postgres.test.ts', "import { testBackend } from './support/test-db.js';\n");
    put(
      'test/support/persistent-db.ts',
      "import { testBackend } from './test-db.js';\nexport const p = testBackend();\n",
    );
    put('test/restart.test.ts', "import { p } from './support/persistent-db.js';\np;\n");
    expect(backendNeutralTests(root)).toEqual(['test/own-postgres.test.ts', 'test/pure.test.ts']);
  });

  it('in this repository: the multi-process tests run once; tests of the app through the harness run on both', () => {
    const neutral = backendNeutralTests(process.cwd());
    for (const file of ['test/replicas/two-replicas.test.ts', 'test/deploys/kill9.test.ts', 'test/main.test.ts']) {
      expect(neutral).toContain(file);
    }
    // In-process restarts (persistentDb(), support/persistent-db.ts) run on both backends too.
    const both = [
      'test/home.test.ts',
      'test/slack/app.test.ts',
      'test/db/test-db.test.ts',
      'test/requests/crash.test.ts',
    ];
    for (const file of [...both, 'test/surveys/restart.test.ts', 'test/support-desk/lifecycle.flow.test.ts']) {
      expect(neutral).not.toContain(file);
    }
  });
});
