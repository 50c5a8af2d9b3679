import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support.js';

/** What `npm start` and the container run: scripts/bundle.mjs (the bundle's start is covered by npm-start.test.ts). */
describe('the app bundle', () => {
  const outdir = join(ROOT, 'dist', 'test-bundle');
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('is one-byte text without zod locales, and refuses a folder where the source-relative paths would break', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), 'src/main.ts', outdir], { cwd: ROOT });
    const files = readdirSync(outdir).filter((f) => f.endsWith('.js'));
    expect(files).toContain('main.js');
    const text = files.map((f) => readFileSync(join(outdir, f), 'utf8')).join('\n');
    // A character past Latin-1 makes V8 keep the whole file two bytes per character.
    expect(text).not.toMatch(/[\u0100-\uffff]/);
    // zod's Dutch messages (one of the 64 locales left out); groundcrew's own words are there.
    expect(text).not.toContain('Ongeldige');
    expect(text).toContain('not set up here yet');
    // Names are kept, so a stack trace in the log says which function it went through.
    expect(text).toMatch(/function createSlackApp\(/);
    // A second build (another `npm start` in this checkout) keeps the previous build's chunks: a process still
    // running that build loads them lazily by their hashed names.
    writeFileSync(join(outdir, 'chart-OLDBUILD.js'), 'export {};');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), 'src/main.ts', outdir], { cwd: ROOT });
    expect(readdirSync(outdir)).toEqual(expect.arrayContaining(['chart-OLDBUILD.js', ...files]));
    expect(() =>
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), 'src/main.ts', join(ROOT, 'dist')], {
        cwd: ROOT,
        stdio: 'pipe',
      }),
    ).toThrow(/two folders below/);
  }, 60_000);

  it('runs with the same node flags under npm start and in the container', () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } })
      .scripts.start;
    const npmFlags = /exec node ((?:--\S+ )*)dist\/app\/main\.js/.exec(start)?.[1]?.trim().split(' ');
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(npmFlags?.length).toBeGreaterThan(0);
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...npmFlags!, 'dist/app/main.js']);
  });
});
