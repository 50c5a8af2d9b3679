import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isPostgresUrl } from '../../src/db/postgres.js';
import { replicaId } from '../../src/replica.js';
import { ROOT } from './support.js';

/**
 * No Docker engine runs in the tests, so docker-compose.yml is checked offline: it parses (merge keys as Compose
 * reads them), every file it mounts or builds from exists (or is one the operator copies from an example that
 * does), the replicas point at the database service, and the proxy sends traffic to exactly the replicas, with
 * health checks on /healthz.
 */

interface Service {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const replicas = Object.keys(services).filter((name) => services[name]!.build !== undefined);
const caddyfile = readFileSync(join(ROOT, 'compose/Caddyfile'), 'utf8');

/** Files the operator makes from a committed example before `docker compose up` (docs/postgresql.md). */
const MADE_FROM_EXAMPLES: Record<string, string> = {
  './groundcrew.yml': 'groundcrew.example.yml',
  '.env': '.env.example',
};

/** `${VAR:?message}` and `${VAR:-default}` as Compose interpolates them, with `vars` standing in for .env. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    if (vars[name]) return vars[name]!;
    if (kind === '?') throw new Error(`${name}: ${rest}`);
    return rest ?? '';
  });
}

describe('docker-compose.yml (checked offline: no Docker engine in the tests)', () => {
  it('has PostgreSQL 15, two groundcrew replicas built from the Dockerfile, and a proxy', () => {
    expect(services.db?.image).toMatch(/^postgres:15/);
    expect(replicas).toHaveLength(2);
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    for (const name of replicas) expect(services[name]!.build).toBe('.');
    expect(services.proxy?.image).toMatch(/^caddy:2/);
  });

  it('every file it mounts exists, or is made from an example that exists', () => {
    const sources = Object.values(services).flatMap((s) =>
      (s.volumes ?? []).map((v) => v.split(':')[0]!).filter((source) => source.startsWith('.')),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const example = MADE_FROM_EXAMPLES[source];
      expect(existsSync(join(ROOT, example ?? source)), `${source}${example ? ` (from ${example})` : ''}`).toBe(true);
    }
    for (const name of replicas) expect((services[name] as { env_file?: string }).env_file).toBe('.env');
    expect(existsSync(join(ROOT, MADE_FROM_EXAMPLES['.env']!))).toBe(true);
  });

  it('the replicas use the database service (a postgres:// URL to db, its user and database), after it is healthy', () => {
    const db = services.db!.environment!;
    for (const name of replicas) {
      const service = services[name]!;
      const url = interpolate(service.environment!.GROUNDCREW_DB!, { POSTGRES_PASSWORD: 'pw' });
      expect(isPostgresUrl(url)).toBe(true);
      const u = new URL(url);
      expect([u.hostname, u.port, u.username, u.pathname.slice(1)]).toEqual([
        'db',
        '5432',
        db.POSTGRES_USER,
        db.POSTGRES_DB,
      ]);
      expect(interpolate(db.POSTGRES_PASSWORD!, { POSTGRES_PASSWORD: 'pw' })).toBe(u.password);
      expect(service.depends_on?.db?.condition).toBe('service_healthy');
      expect(Number(service.environment!.GROUNDCREW_DB_POOL)).toBeGreaterThan(0);
    }
    // Each replica has its own name (replica.ts checks its form at start).
    const ids = replicas.map((name) => services[name]!.environment!.GROUNDCREW_REPLICA_ID);
    expect(new Set(ids).size).toBe(replicas.length);
    for (const id of ids) expect(() => replicaId({ GROUNDCREW_REPLICA_ID: id })).not.toThrow();
    expect(() => interpolate(services.db!.environment!.POSTGRES_PASSWORD!, {})).toThrow(/set POSTGRES_PASSWORD/);
    expect(services.db!.healthcheck?.test.join(' ')).toMatch(/pg_isready/);
  });

  it('health checks: each replica on /healthz of its own port; the proxy checks /healthz of each replica', () => {
    for (const name of replicas) {
      const service = services[name]!;
      expect(service.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${service.environment!.PORT}/healthz`);
    }
    expect(caddyfile).toMatch(/health_uri \/healthz/);
  });

  it('the Caddyfile sends traffic to exactly the replicas, on their port', () => {
    const upstreams = (/reverse_proxy \{\$GROUNDCREW_UPSTREAMS:([^}]+)\}/.exec(caddyfile)?.[1] ?? '')
      .trim()
      .split(/\s+/);
    expect(upstreams?.sort()).toEqual(replicas.map((name) => `${name}:${services[name]!.environment!.PORT}`).sort());
    const mounted = services.proxy!.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'));
    expect(mounted?.split(':')[0]).toBe('./compose/Caddyfile');
    for (const name of replicas) expect(services.proxy!.depends_on?.[name]?.condition).toBe('service_healthy');
  });
});
