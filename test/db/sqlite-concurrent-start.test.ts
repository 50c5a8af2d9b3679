import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const OPENER = join(import.meta.dirname, 'fixtures', 'open-at-signal.ts');

/**
 * Replicas on one SQLite file that start together (test/replicas/stand.test.ts; CI saw the second fail with
 * "Failed to run the query 'CREATE TABLE `audit_log`'"): each migrates the new file, and each comes up.
 * Before the fix, 4 processes started at one signal failed 4 times in 20 (5 rounds by hand; this test runs 4).
 */
describe('SQLite: several processes opening one new file at once', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('all migrate it, or find it migrated, and open it', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 4; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'groundcrew-start-'));
      dirs.push(dir);
      const go = join(dir, 'go');
      const lines: string[][] = [];
      for (let i = 0; i < 4; i++) {
        const out: string[] = [];
        lines.push(out);
        const child = spawn(process.execPath, ['--import', 'tsx', OPENER, join(dir, 'groundcrew.db'), go], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        child.stdout!.on('data', (chunk: Buffer) => out.push(...chunk.toString().trim().split('\n')));
      }
      await eventually(() => lines.every((out) => out.includes('ready')), {
        timeoutMs: 60_000,
        what: 'the processes to be ready',
      });
      writeFileSync(go, '');
      await eventually(() => lines.every((out) => out.length === 2), { timeoutMs: 60_000, what: 'every open' });
      outcomes.push(...lines.map((out) => out[1]!));
    }
    expect(outcomes).toEqual(Array(16).fill('ok'));
  }, 180_000);
});
