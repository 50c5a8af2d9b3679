import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

/** Runs dependency-cruiser with the repo's rules (.dependency-cruiser.cjs) over `paths`; `err` output lists violations. */
function cruise(...paths: string[]): { status: number | null; output: string } {
  const result = spawnSync(DEPCRUISE, [...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('dependencies point one way (docs/architecture.md, "Dependency rules")', () => {
  it('src/ breaks no rule: pure models, Slack-free services, the playground behind its entry, no cycles', () => {
    const { status, output } = cruise('src');
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  }, 120_000);

  it('the rules catch each kind of violation (files planted under test/architecture/planted)', () => {
    const { status, output } = cruise('test/architecture/planted');
    expect(status).not.toBe(0);
    expect(output).toMatch(
      /model-is-pure: test\/architecture\/planted\/deploys\/model\.ts → .*node_modules\/drizzle-orm/,
    );
    expect(output).toMatch(
      /model-is-pure: test\/architecture\/planted\/deploys\/model\.ts → .*deploys\/slack\/ids\.ts/,
    );
    expect(output).toMatch(
      /service-knows-no-slack: test\/architecture\/planted\/deploys\/service\.ts → .*node_modules\/@slack/,
    );
    expect(output).toMatch(
      /service-knows-no-slack: test\/architecture\/planted\/communities\/deliveries\.ts → .*node_modules\/@slack/,
    );
    expect(output).toMatch(
      /pure-part-is-pure: test\/architecture\/planted\/support\/intake\.ts → .*node_modules\/drizzle-orm/,
    );
    expect(output).toMatch(/no-cycles: test\/architecture\/planted\/deploys\/cycle-a\.ts →/);
    expect(output).toMatch(
      /playground-through-its-entry: test\/architecture\/planted\/src\/deploys\/leak\.ts → test\/architecture\/planted\/src\/playground\/index\.ts/,
    );
    expect(output).toMatch(
      /main-uses-the-playground-entry: test\/architecture\/planted\/src\/main\.ts → test\/architecture\/planted\/src\/playground\/server\.ts/,
    );
    // The playground's own files and main.ts through the entry are allowed.
    expect(output).not.toMatch(/playground-through-its-entry: test\/architecture\/planted\/src\/playground\//);
  }, 120_000);
});

/** Every .ts file under `dir`, relative to the repo root. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => relative(ROOT, join(ROOT, dir, file)));
}

describe('repeatable events (docs/architecture.md, "Events exactly once")', () => {
  // app_home_opened skips the exactly-once bookkeeping (REPEATABLE_EVENT_TYPES): that is safe only while its one
  // listener republishes the Home from the database. A second listener (say, a welcome DM) would run on every
  // redelivery.
  it('only src/slack/home.ts listens to app_home_opened', () => {
    const listening = sourceFiles('src').filter((file) =>
      /\.event\(\s*['"`]app_home_opened['"`]/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(listening).toEqual(['src/slack/home.ts']);
  });
});

/** The files a docs/architecture.md "File roles" row names, as `src/<capability>/<file>.ts`. */
function filesOfRow(rowStart: string): string[] {
  const docs = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const row = docs.split('\n').find((line) => line.startsWith(rowStart)) ?? '';
  const files: string[] = [];
  // "(deploys: `a.ts`, `b.ts`; requests: `c.ts` (a note), …)": each capability's list runs to the next label.
  const labels = [...row.matchAll(/\b(deploys|requests|approvals|support|surveys|communities): /g)];
  labels.forEach((label, i) => {
    const list = row.slice(label.index! + label[0].length, labels[i + 1]?.index ?? row.length);
    for (const [, file] of list.matchAll(/`([\w-]+\.ts)`/g)) files.push(`src/${label[1]}/${file}`);
  });
  return files;
}

describe('the dependency rules know every part the docs name', () => {
  const rules = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as {
    forbidden: { name: string; from: { path: string | string[] } }[];
  };
  const fromPaths = (name: string) => [rules.forbidden.find((r) => r.name === name)!.from.path].flat();
  const covered = (name: string, file: string) => fromPaths(name).some((path) => new RegExp(path).test(file));

  it('every service part (and only files that exist) is held to the service rule', () => {
    const parts = filesOfRow('| `<part>.ts` next to service.ts');
    expect(parts.length).toBeGreaterThan(15);
    for (const file of parts) {
      expect(readFileSync(join(ROOT, file), 'utf8').length, `${file} exists`).toBeGreaterThan(0);
      expect(covered('service-knows-no-slack', file), `${file} in SERVICE_PARTS`).toBe(true);
    }
  });

  it('every pure part is held to the model rule', () => {
    const parts = filesOfRow('| pure `<part>.ts` of the model');
    expect(parts.length).toBeGreaterThan(10);
    for (const file of parts) expect(covered('pure-part-is-pure', file), `${file} in PURE_PARTS`).toBe(true);
  });
});
