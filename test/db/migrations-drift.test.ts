import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A schema change without its committed migration fails here, for both backends: drizzle-kit generates into a copy of
 * each migrations folder, and must find nothing to write. Fix a failure with `npm run db:generate` and commit both.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRIZZLE_KIT = join(ROOT, 'node_modules/.bin/drizzle-kit');
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'gc-drift-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const DIALECTS = {
  sqlite: { schema: ['./src/db/schema.ts', './src/*/schema.ts'], folder: 'migrations', skip: ['pg'] },
  postgresql: { schema: ['./src/db/pg-schema.ts'], folder: 'migrations/pg', skip: [] as string[] },
} as const;

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Copies a migrations folder (minus `skip`, minus `drop` files) and runs `drizzle-kit generate` into the copy. */
async function generateInto(dialect: keyof typeof DIALECTS, drop: (file: string) => boolean = () => false) {
  const { schema, folder, skip } = DIALECTS[dialect];
  const out = mkdtempSync(join(scratch, `${dialect}-`));
  cpSync(join(ROOT, folder), out, {
    recursive: true,
    filter: (source) => {
      const rel = relative(join(ROOT, folder), source);
      return !skip.some((s) => rel === s || rel.startsWith(`${s}/`)) && !drop(rel);
    },
  });
  const before = files(out);
  // drizzle-kit takes `out` relative to the working directory.
  const args = [
    'generate',
    `--dialect=${dialect}`,
    ...schema.map((s) => `--schema=${s}`),
    `--out=${relative(ROOT, out)}`,
  ];
  const { stdout } = await run(DRIZZLE_KIT, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return { before, after: files(out), stdout };
}

describe('committed migrations match the schema (drizzle-kit generate finds nothing new)', () => {
  for (const dialect of Object.keys(DIALECTS) as (keyof typeof DIALECTS)[]) {
    it(`${dialect}: ${DIALECTS[dialect].folder}`, { timeout: 60_000 }, async () => {
      const { before, after, stdout } = await generateInto(dialect);
      expect(before.length).toBeGreaterThan(2);
      expect(after, `a schema change has no ${dialect} migration: run npm run db:generate\n${stdout}`).toEqual(before);
      expect(stdout).toContain('No schema changes');
    });
  }

  it('would notice: a schema with no migration for it gets one generated', { timeout: 60_000 }, async () => {
    const { before, after } = await generateInto('postgresql', (file) => file !== '');
    expect(before).toEqual([]);
    expect(after.filter((f) => f.endsWith('.sql'))).toHaveLength(1);
  });
});
