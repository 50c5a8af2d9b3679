import type { AuditLog } from '../audit/repo.js';
import type { Scheduler } from '../scheduler/types.js';

/** Admin use-cases that change something (and so decide what the audit log records). */
export function createAdminService(deps: { scheduler: Scheduler; audit: Pick<AuditLog, 'record'> }) {
  const { scheduler, audit } = deps;
  return {
    /** Runs a scheduled job now on behalf of `actor`; the run, skip or failure is audited. */
    async runJob(actor: string, name: string) {
      const run = await scheduler.runNow(name, 'manual');
      await audit.record({
        actor,
        action: 'admin.run-job',
        target: `job:${name}`,
        outcome: run.outcome === 'failed' ? 'failed' : 'ok',
        detail: run.outcome === 'skipped' ? 'already running; skipped' : (run.error ?? undefined),
      });
      return run;
    },
  };
}
