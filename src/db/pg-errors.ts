/**
 * PostgreSQL errors in words: the one-line startup error (no password, no stack) and the SQLSTATE classes that mean
 * "the database could not do this now" rather than "this statement is wrong".
 */

/** A database that cannot be reached, refuses the login or cannot be migrated; `message` is one line for people. */
export class DatabaseStartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseStartupError';
  }
}

export interface PgTarget {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}

/** Where a postgres:// URL points, for messages. Never throws: an unparseable URL gives placeholders. */
export function pgTarget(url: string): PgTarget {
  try {
    const u = new URL(url);
    const param = (name: string) => u.searchParams.get(name) ?? '';
    return {
      host: param('host') || decodeURIComponent(u.hostname.replace(/^\[(.+)\]$/, '$1')) || 'localhost',
      port: param('port') || u.port || '5432',
      database: decodeURIComponent(u.pathname.slice(1)) || param('dbname') || '(default database)',
      user: param('user') || decodeURIComponent(u.username) || '(default user)',
      password: param('password') || decodeURIComponent(u.password),
    };
  } catch {
    return { host: '(unparseable URL)', port: '', database: '', user: '', password: '' };
  }
}

/** `postgres://user:secret@host/db` → `postgres://user@host/db`, for logs. */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

interface PgLikeError {
  code?: string;
  message?: string;
  errors?: unknown[];
}

/** Why a connection attempt failed, in a few words; the server's own message for what it explains itself. */
export function connectReason(error: unknown): string {
  const e = (error ?? {}) as PgLikeError;
  // Node reports "localhost" (IPv4 and IPv6 tried) as an AggregateError; its parts carry the codes.
  const inner = Array.isArray(e.errors) && e.errors.length > 0 ? (e.errors[0] as PgLikeError) : undefined;
  const code = e.code ?? inner?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running and listening on that host and port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (check the host name in GROUNDCREW_DB)';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the server or no answer (firewall, network, or a wrong host)';
    case 'ECONNRESET':
      return 'the server closed the connection';
    case '28P01':
      return 'password authentication failed (check the user and password in GROUNDCREW_DB)';
    case '28000':
      return `the server refused the login: ${e.message ?? ''}`;
    case '3D000':
      return `${e.message ?? 'the database does not exist'} (create it first: createdb, or CREATE DATABASE)`;
    case '53300':
      return 'the server has no free connection slots (max_connections reached)';
    case '57P03':
      return 'the server is starting up or shutting down';
  }
  const message = e.message ?? String(error);
  // Any other error from the server itself (a SQLSTATE) says what it means.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return message;
  if (/timeout/i.test(message)) return 'no answer within the connection timeout';
  if (/does not support SSL/i.test(message))
    return 'the server does not accept TLS (sslmode in GROUNDCREW_DB asks for it)';
  if (/certificate|self[- ]signed|altnames|SSL|TLS/i.test(message)) return `TLS: ${message}`;
  return message;
}

/** The one-line startup error for a failed connection or login, naming the host and never the password. */
export function startupError(
  url: string,
  error: unknown,
  doing = 'cannot connect to PostgreSQL',
): DatabaseStartupError {
  const target = pgTarget(url);
  let reason = connectReason(error).replace(/\s*\n\s*/g, ' ');
  if (target.password) reason = reason.split(target.password).join('***');
  const where = `${target.host}:${target.port}/${target.database} as ${target.user}`;
  return new DatabaseStartupError(`${doing} at ${where}: ${reason}`, { cause: error });
}

/**
 * SQLSTATEs that mean the database could not store or answer right now (the write did not happen): connection
 * exceptions (08), insufficient resources such as a full disk (53), operator intervention such as a shutdown (57P),
 * a read-only transaction or standby (25006), system errors (58), and a serialization failure or deadlock that is
 * still failing after the transaction's retries (40001, 40P01). Anything else is a statement problem, not storage.
 */
export function isPostgresUnavailableError(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code === undefined) {
    // node-postgres' pool and client, without a code: no free connection in time, or the connection went away.
    const lost =
      /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/;
    return causes(error).some((e) => lost.test(String((e as { message?: unknown }).message ?? '')));
  }
  if (/^(08|53|57P|58)/.test(code)) return true;
  if (code === '25006' || code === '40001' || code === '40P01') return true;
  // node-postgres' own errors when the socket is gone.
  return /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code);
}

/**
 * A SERIALIZABLE transaction lost a race (40001) or a deadlock (40P01), anywhere in the error's causes: also when a
 * repo's `write()` inside the transaction already wrapped it in a WriteFailedError (whose own `code` is
 * `unavailable`). The transaction is run again then.
 */
export function isSerializationFailure(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    return code === '40001' || code === '40P01';
  });
}

/**
 * A SERIALIZABLE transaction that lost its race on every one of its `attempts` tries and was given up
 * (src/db/postgres.ts): the database was busy with many writes at once, not broken. Its cause is the last 40001 or
 * 40P01, so it still counts as a serialization failure and as "could not store this now" (isStorageError).
 */
export class TransactionContended extends Error {
  constructor(
    readonly attempts: number,
    readonly cause: unknown,
  ) {
    super(`the database was busy: the transaction collided with other writes on each of its ${attempts} tries`);
    this.name = 'TransactionContended';
  }
}

/** How many times a transaction given up for contention was tried, found through wrappers; else undefined. */
export function contendedAttempts(error: unknown): number | undefined {
  for (const e of causes(error)) if (e instanceof TransactionContended) return e.attempts;
  return undefined;
}

/** The SQLSTATE (or Node socket code) of an error, looking through drizzle's DrizzleQueryError to its cause. */
export function pgErrorCode(error: unknown): string | undefined {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The error and its causes, outermost first (at most 5 deep). */
function causes(error: unknown): object[] {
  const chain: object[] = [];
  let current: unknown = error;
  while (chain.length < 5 && current !== null && typeof current === 'object') {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** Fields of node-postgres' DatabaseError in which the server may repeat a statement's values. */
const VALUE_FIELDS = ['message', 'detail', 'where', 'hint', 'internalQuery', 'stack'] as const;

/**
 * The statement's parameters taken out of a PostgreSQL error, in place, before it reaches a log or a message: the
 * server repeats values in its text (`invalid input syntax for type integer: "…"`), in `detail` (`Key (email)=(…)
 * already exists`, `Failing row contains (…)`) and in `where` (`unnamed portal parameter $1 = '…'`). What says
 * what went wrong stays: the SQLSTATE `code`, `constraint`, `table`, `column`, `schema`, and the text around the
 * values. Returns the same error.
 */
export function withoutParameters<E>(error: E, params: readonly unknown[]): E {
  if (error === null || typeof error !== 'object') return error;
  const values = params
    .flatMap((p) => parameterTexts(p))
    .filter((text) => text.length > 0)
    // The longest first, so a value inside another one does not leave the rest of the longer one behind.
    .sort((a, b) => b.length - a.length);
  const fields = error as Record<string, unknown>;
  for (const field of VALUE_FIELDS) {
    const text = fields[field];
    if (typeof text !== 'string') continue;
    let scrubbed = text
      .replace(/(Key \([^)]*\)=)\(.*?\)( already exists| is not present| conflicts with)/g, '$1(***)$2')
      .replace(/Failing row contains \(.*\)/gs, 'Failing row contains (***)')
      .replace(/(portal parameter \$\d+ = )'(?:[^']|'')*'/g, "$1'***'");
    for (const value of values) scrubbed = replaceWhole(scrubbed, value);
    if (scrubbed === text) continue;
    // message and stack stay own, non-enumerable properties, as Error makes them.
    if (field === 'message' || field === 'stack') {
      Object.defineProperty(error, field, { value: scrubbed, writable: true, configurable: true, enumerable: false });
    } else fields[field] = scrubbed;
  }
  return error;
}

/** How a parameter may appear in the server's text: as sent, and (for objects, sent as JSON) as its JSON. */
function parameterTexts(param: unknown): string[] {
  if (typeof param === 'string') return [param];
  // Numbers, times and flags are ids, clock readings and states, not what people typed: messages keep them.
  if (param === null || typeof param !== 'object' || param instanceof Date || Buffer.isBuffer(param)) return [];
  try {
    const json = JSON.stringify(param);
    return json === undefined ? [] : [json];
  } catch {
    return [];
  }
}

/** `text` with each occurrence of `value` that is not part of a longer word replaced by `***`. */
function replaceWhole(text: string, value: string): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
    if (at < from) continue;
    const before = text[at - 1];
    const after = text[at + value.length];
    const insideWord =
      (isWordChar(before) && isWordChar(value[0])) || (isWordChar(after) && isWordChar(value[value.length - 1]));
    if (insideWord) continue;
    out += `${text.slice(from, at)}***`;
    from = at + value.length;
  }
  return out + text.slice(from);
}

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
