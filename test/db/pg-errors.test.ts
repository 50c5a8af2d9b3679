import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  connectReason,
  isPostgresUnavailableError,
  pgErrorCode,
  pgTarget,
  redactPgUrl,
  startupError,
} from '../../src/db/pg-errors.js';

const pgError = (code: string, message = 'server said no') => Object.assign(new Error(message), { code });

describe('PostgreSQL errors in words', () => {
  it('names host, port, database and user from the URL (and finds the password to hide)', () => {
    expect(pgTarget('postgres://gc:p%40ss@db.internal:6432/groundcrew?sslmode=verify-full')).toEqual({
      host: 'db.internal',
      port: '6432',
      database: 'groundcrew',
      user: 'gc',
      password: 'p@ss',
    });
    expect(pgTarget('postgresql://db/gc')).toMatchObject({ host: 'db', port: '5432', user: '(default user)' });
    expect(pgTarget('postgres://[::1]:5433/gc').host).toBe('::1');
    expect(redactPgUrl('postgres://gc:s3cret@db/gc?password=also')).toBe('postgres://gc@db/gc?password=***');
  });

  it('a startup error is one line with the host and never the password, even when the server repeats it', () => {
    const error = startupError(
      'postgres://gc:hunter2hunter2@db.internal:5432/groundcrew',
      pgError('28000', 'no pg_hba.conf entry for host "10.0.0.5", user "gc",\n  password hunter2hunter2'),
    );
    expect(error.message).toBe(
      'cannot connect to PostgreSQL at db.internal:5432/groundcrew as gc: the server refused the login: no pg_hba.conf entry for host "10.0.0.5", user "gc", password ***',
    );
  });

  it('says why in a few words for the usual failures', () => {
    expect(connectReason(pgError('ECONNREFUSED'))).toMatch(/^connection refused/);
    expect(connectReason(Object.assign(new AggregateError([pgError('ECONNREFUSED')]), {}))).toMatch(
      /^connection refused/,
    );
    expect(connectReason(pgError('ENOTFOUND'))).toMatch(/^host not found/);
    expect(connectReason(pgError('28P01'))).toMatch(/^password authentication failed/);
    expect(connectReason(pgError('3D000', 'database "gc" does not exist'))).toMatch(/^database "gc" does not exist/);
    expect(connectReason(pgError('53300'))).toMatch(/no free connection slots/);
    expect(connectReason(new Error('Connection terminated due to connection timeout'))).toBe(
      'no answer within the connection timeout',
    );
    expect(connectReason(new Error('self-signed certificate'))).toBe('TLS: self-signed certificate');
    // A server error that merely mentions sslmode is the server's message, not a TLS problem.
    expect(connectReason(pgError('22023', 'invalid value for parameter "x": "sslmode"'))).toBe(
      'invalid value for parameter "x": "sslmode"',
    );
  });

  it('tells "the database cannot do this now" from "this statement is wrong", through drizzle\'s wrapper', () => {
    const wrapped = (cause: Error) => new DrizzleQueryError('insert into t values ($1)', [1], cause);
    for (const code of ['08006', '53100', '57P01', '25006', '40001', '58030']) {
      expect(isPostgresUnavailableError(wrapped(pgError(code))), code).toBe(true);
    }
    for (const code of ['23505', '42601', '22P02']) {
      expect(isPostgresUnavailableError(wrapped(pgError(code))), code).toBe(false);
    }
    expect(isPostgresUnavailableError(wrapped(new Error('timeout exceeded when trying to connect')))).toBe(true);
    expect(isPostgresUnavailableError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPostgresUnavailableError(new Error('something else'))).toBe(false);
    expect(pgErrorCode(wrapped(pgError('40001')))).toBe('40001');
  });
});
