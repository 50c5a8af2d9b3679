import { inspect } from 'node:util';
import { LogLevel } from '@slack/logger';
import type { Logger } from '../../src/logger.js';

/** A DEBUG logger that keeps every line, objects printed in full (as the console logger would). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
  };
  return {
    lines,
    debug: keep,
    info: keep,
    warn: keep,
    error: keep,
    setLevel() {},
    getLevel: () => LogLevel.DEBUG,
    setName() {},
  };
}
