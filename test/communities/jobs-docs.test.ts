import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communityJobs } from '../../src/communities/jobs.js';
import type { CommunitiesService } from '../../src/communities/service.js';

/** docs/development.md "adding a capability", step 4: every job is listed in operations.md's "Scheduled jobs". */
describe('communities: the jobs are in the operations guide', () => {
  it('lists communities.announcements and communities.digest with their schedule', () => {
    const service = {
      runDue: async () => 0,
      digest: async () => 0,
      config: { digest: { schedule: '0 9 * * 1' } },
    } as unknown as Pick<CommunitiesService, 'runDue' | 'digest' | 'config'>;
    const names = communityJobs(service, () => {}).map((job) => job.name);
    expect(names).toEqual(['communities.announcements', 'communities.digest']);

    const guide = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const section = guide.slice(guide.indexOf('## Scheduled jobs'), guide.indexOf('### Slack events that failed'));
    const rows = new Map(
      section
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .map((line) => {
          const [, job, schedule, what] = line.split('|').map((cell) => cell.trim());
          return [job?.replaceAll('`', ''), { schedule, what }] as const;
        }),
    );
    for (const name of names) expect(rows.has(name), `${name} in docs/operations.md`).toBe(true);
    expect(rows.get('communities.announcements')?.schedule).toBe('every minute');
    expect(rows.get('communities.digest')?.schedule).toContain('communities.digest.schedule');
    expect(rows.get('communities.digest')?.what).toContain('digest');
  });
});
