import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** The house limit (issue 9, docs/architecture.md "File roles"): a longer file is split into named parts. */
const MAX_LINES = 400;

/** Lines as `wc -l` counts them: a last line without its newline still counts. */
function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Every .ts file under `dir` (relative to `root`) with its line count, sorted by path. */
function tsFiles(root: string, dir: string): { file: string; lines: number }[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => relative(root, join(root, dir, file)))
    .sort()
    .map((file) => ({ file, lines: lineCount(readFileSync(join(root, file), 'utf8')) }));
}

/** The files over `max` lines, as `path: N lines`. */
function offenders(root: string, dir: string, max = MAX_LINES): string[] {
  return tsFiles(root, dir)
    .filter((f) => f.lines > max)
    .map((f) => `${f.file}: ${f.lines} lines`);
}

describe(`no file in src/ over ${MAX_LINES} lines`, () => {
  it('every .ts file under src/ has at most 400 lines (the offenders are listed)', () => {
    expect(tsFiles(ROOT, 'src').length).toBeGreaterThan(100);
    expect(offenders(ROOT, 'src'), `split these into named parts (docs/architecture.md, "File roles")`).toEqual([]);
  });

  it('the check counts as wc -l does and lists a file one line over, not one at the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-length-'));
    try {
      mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
      writeFileSync(join(dir, 'src', 'at-limit.ts'), 'x\n'.repeat(400));
      writeFileSync(join(dir, 'src', 'deep', 'over.ts'), 'x\n'.repeat(401));
      writeFileSync(join(dir, 'src', 'no-final-newline.ts'), `${'x\n'.repeat(400)}x`);
      writeFileSync(join(dir, 'src', 'notes.md'), 'x\n'.repeat(1000));
      expect(offenders(dir, 'src')).toEqual(['src/deep/over.ts: 401 lines', 'src/no-final-newline.ts: 401 lines']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
