import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Which running groundcrew process this is. Several replicas may share one PostgreSQL database; each one holds the
 * leases it took (src/db/leases.ts) and records the job runs it made under this id, so `/platform admin jobs` can say
 * which replica ran what and a replica never mistakes another one's work for its own.
 *
 * `GROUNDCREW_REPLICA_ID` when set (a pod or container name: readable in logs, stable across restarts), else
 * `<hostname>-<pid>-<4 hex>`. The random part keeps two processes apart even when they share a host name and a pid
 * (two containers each running as pid 1). Two live processes must never share an id: each would take the other's
 * leases for its own.
 */
export const REPLICA_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

export interface ReplicaIdSources {
  hostname?: () => string;
  pid?: number;
  random?: () => string;
}

export class ReplicaIdError extends Error {
  constructor(value: string) {
    super(
      `GROUNDCREW_REPLICA_ID must be 1 to 64 letters, digits, '.', '_', ':', '@' or '-' (starting with a letter or digit), not "${value}"`,
    );
    this.name = 'ReplicaIdError';
  }
}

/** The replica id for this process; throws a ReplicaIdError when GROUNDCREW_REPLICA_ID is set but unusable. */
export function replicaId(env: NodeJS.ProcessEnv = process.env, sources: ReplicaIdSources = {}): string {
  const configured = env.GROUNDCREW_REPLICA_ID?.trim();
  if (configured !== undefined && configured !== '') {
    if (!REPLICA_ID_PATTERN.test(configured)) throw new ReplicaIdError(configured);
    return configured;
  }
  const host = safeHost((sources.hostname ?? hostname)());
  const pid = sources.pid ?? process.pid;
  const random = (sources.random ?? (() => randomBytes(2).toString('hex')))();
  return `${host}-${pid}-${random}`;
}

/** The host name as an id part: other characters become one '-', cut so the id fits, ends trimmed. */
function safeHost(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 48)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || 'groundcrew';
}
