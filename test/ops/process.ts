import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, tempDir } from './support.js';

/** Runs an entry point of groundcrew as a real process, with stdout and stderr kept apart. */

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Child = ChildProcess & { output: () => RunResult };

export function startProcess(entry: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, entry)], {
    cwd: tempDir('groundcrew-cwd-'),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

export function runToExit(entry: string, env: Record<string, string>): Promise<RunResult> {
  const child = startProcess(entry, env);
  return new Promise((resolve) => child.on('exit', () => resolve(child.output())));
}
