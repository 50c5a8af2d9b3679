import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Which test files cannot depend on GROUNDCREW_TEST_BACKEND, so a second run of the suite on PostgreSQL would only
 * repeat them exactly (.ci/run runs them once, in the first run).
 *
 * The switch is read in test-db.ts (`testBackend()`) for the harness (test/support/harness.ts: `startTestApp` picks the
 * backend) and for persistent-db.ts (`persistentDb()`: the database an in-process restart test keeps across starts). A test file depends on the backend when it imports the harness, directly or through
 * another test helper, or names the switch itself. Every other file chose its database itself: a SQLite file, a
 * PostgreSQL database of its own (two replicas, PostgreSQL start-up), or both backends in turn (SHARED_BACKENDS).
 * Imports are followed through relative paths only (`./x.js` is `./x.ts` on disk).
 */
export function backendNeutralTests(root: string): string[] {
  const testDir = join(root, 'test');
  const harness = join(testDir, 'support', 'harness.ts');
  const testDb = join(testDir, 'support', 'test-db.ts');
  const dependsCache = new Map<string, boolean>();

  const importsOf = (file: string): string[] => {
    const text = readFileSync(file, 'utf8');
    const found: string[] = [];
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'));
      if (existsSync(target)) found.push(target);
    }
    return found;
  };

  const depends = (file: string, seen: Set<string>): boolean => {
    if (file === harness) return true;
    const known = dependsCache.get(file);
    if (known !== undefined) return known;
    if (seen.has(file) || !file.startsWith(testDir)) return false;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const names = file !== testDb && /GROUNDCREW_TEST_BACKEND|testBackend\(/.test(text);
    const result = names || importsOf(file).some((target) => depends(target, seen));
    dependsCache.set(file, result);
    return result;
  };

  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts') && !depends(path, new Set())) files.push(relative(root, path));
    }
  };
  walk(testDir);
  return files.sort();
}
