import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseStartupError } from '../../src/db/pg-errors.js';
import { openPostgres, withTlsFromEnv } from '../../src/db/postgres.js';
import { createTestPostgres, NO_TEST_PG, type TestPostgres } from '../support/test-db.js';

describe('TLS settings from the environment (PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY)', () => {
  it('fills in what the URL does not say', () => {
    const url = withTlsFromEnv('postgres://gc@db.internal:5432/gc', {
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/etc/ssl/db-ca.pem',
    });
    const params = new URL(url).searchParams;
    expect(params.get('sslmode')).toBe('verify-full');
    expect(params.get('sslrootcert')).toBe('/etc/ssl/db-ca.pem');
  });

  it('the URL wins, and sslmode=disable adds nothing', () => {
    const url = 'postgres://gc@db/gc?sslmode=no-verify';
    expect(new URL(withTlsFromEnv(url, { PGSSLMODE: 'verify-full' })).searchParams.get('sslmode')).toBe('no-verify');
    expect(withTlsFromEnv('postgres://gc@db/gc?sslmode=disable', { PGSSLROOTCERT: '/ca.pem' })).toBe(
      'postgres://gc@db/gc?sslmode=disable',
    );
    expect(withTlsFromEnv('postgres://gc@db/gc', { PGSSLMODE: 'disable', PGSSLROOTCERT: '/ca.pem' })).toBe(
      'postgres://gc@db/gc',
    );
    expect(withTlsFromEnv('postgres://gc@db/gc', {})).toBe('postgres://gc@db/gc');
  });
});

/**
 * A TLS server in front of the plain test server: it answers PostgreSQL's SSLRequest with 'S', does the TLS
 * handshake with a certificate for 127.0.0.1 made here, and passes the decrypted stream through.
 */
async function tlsFront(upstream: URL, key: string, cert: string) {
  const stats = { tls: 0, plain: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.once('data', (first) => {
      const up = createConnection(Number(upstream.port || 5432), upstream.hostname);
      sockets.add(up);
      up.on('error', () => client.destroy());
      if (first.length === 8 && first.readInt32BE(4) === 80877103) {
        stats.tls++;
        client.write('S');
        const secure = new TLSSocket(client, { isServer: true, key, cert });
        secure.on('error', () => up.destroy());
        secure.pipe(up).pipe(secure);
      } else {
        stats.plain++;
        up.write(first);
        client.pipe(up).pipe(client);
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return {
    stats,
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

let opensslMissing = false;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  opensslMissing = true;
}

// Needs a PostgreSQL server (GROUNDCREW_TEST_PG) and the openssl command to make a certificate.
describe.skipIf(NO_TEST_PG || opensslMissing)('TLS to the database (GROUNDCREW_TEST_PG, openssl)', () => {
  let dir: string;
  let testDb: TestPostgres;
  let front: Awaited<ReturnType<typeof tlsFront>>;
  let certFile: string;
  const through = (params: Record<string, string> = {}) => {
    const u = new URL(testDb.url);
    u.hostname = '127.0.0.1';
    u.port = String(front.port);
    for (const [key, value] of Object.entries(params)) u.searchParams.set(key, value);
    return u.toString();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gc-pg-tls-'));
    certFile = join(dir, 'server.crt');
    const keyFile = join(dir, 'server.key');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]),
      { stdio: 'ignore' },
    );
    testDb = await createTestPostgres();
    front = await tlsFront(new URL(testDb.url), readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8'));
  });
  afterAll(async () => {
    front?.close();
    await testDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sslmode=verify-full with sslrootcert: connects over TLS, certificate and host checked', async () => {
    const before = front.stats.tls;
    const db = await openPostgres(through({ sslmode: 'verify-full', sslrootcert: certFile }), {
      poolSize: 1,
    });
    expect(await db.ping()).toBe(true);
    await db.close();
    expect(front.stats.tls).toBeGreaterThan(before);
    expect(front.stats.plain).toBe(0);
  });

  it('PGSSLMODE and PGSSLROOTCERT in the environment do the same for a plain URL', async () => {
    const db = await openPostgres(through(), {
      poolSize: 1,
      env: { PGSSLMODE: 'verify-full', PGSSLROOTCERT: certFile },
    });
    expect(await db.ping()).toBe(true);
    await db.close();
    expect(front.stats.plain).toBe(0);
  });

  it('a certificate nobody vouches for is refused, in one line that says TLS', async () => {
    const error = await openPostgres(through({ sslmode: 'verify-full' }), { poolSize: 1, env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseStartupError);
    expect((error as Error).message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/\S+ as \S+: TLS: /);
    expect((error as Error).message).toMatch(/self[- ]signed/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('sslmode=no-verify: encrypted without checking the certificate (only where the network is trusted)', async () => {
    const db = await openPostgres(through({ sslmode: 'no-verify' }), { poolSize: 1, env: {} });
    expect(await db.ping()).toBe(true);
    await db.close();
  });
});
