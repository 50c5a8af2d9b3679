import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
