import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support.js';

/**
 * No Docker engine runs in the tests, so these check the rules that made `docker run --env-file .env` fail:
 * the example env file must not move the database or the team file away from the image's volumes, and the
 * image must run on the current Node LTS as a user that can write /data.
 */
const envExample = readFileSync(`${ROOT}.env.example`, 'utf8');
const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');

/** `docker run --env-file` semantics: KEY=VALUE lines taken literally; blank lines and lines starting with # skipped. */
function dockerEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    vars.set(eq === -1 ? line : line.slice(0, eq), eq === -1 ? '' : line.slice(eq + 1));
  }
  return vars;
}

/** The Dockerfile's stages: the FROM line and the instructions after it (continuation lines joined). */
function stages(text: string): { from: string; instructions: string[] }[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const out: { from: string; instructions: string[] }[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (/^FROM\s/i.test(trimmed)) out.push({ from: trimmed, instructions: [] });
    else out.at(-1)?.instructions.push(trimmed);
  }
  return out;
}

describe('.env.example', () => {
  const docker = dockerEnvFile(envExample);
  const node = parseEnv(envExample);

  it('reads the same under docker --env-file and npm start (no quotes, no trailing comments)', () => {
    expect(Object.fromEntries(docker)).toEqual(node);
    for (const [key, value] of docker) {
      expect(value, key).not.toMatch(/^["']|\s#/);
    }
  });

  it("does not override the image's /data and /config with relative paths", () => {
    for (const key of ['GROUNDCREW_DB', 'GROUNDCREW_CONFIG']) {
      const value = docker.get(key);
      if (value !== undefined && value !== '') expect(isAbsolute(value), `${key}=${value}`).toBe(true);
      // Set at all, it would move the file out of the container's volume; the example leaves both unset.
      expect(docker.has(key), key).toBe(false);
    }
  });
});

describe('Dockerfile', () => {
  const all = stages(dockerfile);
  const runtime = all.at(-1)!;

  it('builds and runs on Node 24, the current LTS, which the SQLite driver supports', () => {
    for (const stage of all) expect(stage.from).toMatch(/^FROM node:24[.-]/);
    const engines = JSON.parse(readFileSync(`${ROOT}node_modules/better-sqlite3/package.json`, 'utf8')).engines.node;
    expect(engines).toContain('24.x');
  });

  it('runs as a non-root user who owns /data, with the database and team file under the volumes', () => {
    const user = runtime.instructions.findLast((i) => /^USER\s/i.test(i));
    expect(user).toBe('USER node');
    const userAt = runtime.instructions.indexOf(user!);
    const chown = runtime.instructions.findIndex((i) => /chown\s+(-R\s+)?node:node\s.*\/data/.test(i));
    expect(chown).toBeGreaterThanOrEqual(0);
    expect(chown).toBeLessThan(userAt);
    const env = runtime.instructions.filter((i) => /^ENV\s/i.test(i)).join(' ');
    expect(env).toMatch(/GROUNDCREW_DB=\/data\//);
    expect(env).toMatch(/GROUNDCREW_CONFIG=\/config\//);
    expect(runtime.instructions).toContain('VOLUME ["/data"]');
  });
});
