import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supportJobs } from '../../src/support/jobs.js';
import { surveyJobs } from '../../src/surveys/jobs.js';

/** The rows of docs/operations.md's "Scheduled jobs" table, by job name. */
function documentedJobs(): Map<string, string> {
  const guide = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  const section = guide.slice(guide.indexOf('## Scheduled jobs'), guide.indexOf('### Slack events that failed'));
  return new Map(
    section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => {
        const [, job, schedule] = line.split('|').map((cell) => cell.trim());
        return [job?.replaceAll('`', '') ?? '', schedule ?? ''] as const;
      }),
  );
}

/** docs/development.md "adding a capability", step 4: every job is listed in operations.md (communities: its own test). */
describe('the support and surveys jobs are in the operations guide', () => {
  const rows = documentedJobs();

  it('lists every support job', () => {
    const service = { desk: {}, postMissingReplies: async () => 0 } as unknown as Parameters<typeof supportJobs>[0];
    const jobs = supportJobs(service, { businessHours: { start: '09:00', days: [1, 2, 3, 4, 5] } } as never, () => {});
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(rows.has(job.name), `${job.name} in docs/operations.md`).toBe(true);
    expect(rows.get('support.sweep')).toBe('every minute');
  });

  it('lists the surveys sweep and the per-survey start job', () => {
    const service = {
      surveys: () => [{ id: 'quarterly', schedule: '0 10 1 */3 *' }, { id: 'adhoc' }],
      tick: async () => {},
      scheduledStart: async () => {},
    } as unknown as Parameters<typeof surveyJobs>[0];
    const names = surveyJobs(service).map((job) => job.name);
    expect(names).toEqual(['surveys.sweep', 'surveys.start-quarterly']);
    expect(rows.get('surveys.sweep')).toBe('every minute');
    // One job per scheduled survey, documented once under its pattern.
    expect(rows.get('surveys.start-<id>')).toContain('schedule');
  });
});
