import type { AuditLog } from './audit/repo.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/**
 * What every capability's service is given, whatever else it needs: its repo and its notifier (ports.ts), the
 * clock, the audit log and a logger. A capability's `…ServiceDeps` extends this with its own parts (config, leases,
 * other capabilities' ports).
 */
export interface ServiceDeps<Repo, Notifier> {
  repo: Repo;
  notifier: Notifier;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  logger: Logger;
}
