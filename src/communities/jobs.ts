import { everyMinute, logCount } from '../scheduler/jobs.js';
import type { JobDefinition } from '../scheduler/types.js';
import type { CommunitiesService } from './service.js';

/**
 * The communities' scheduled jobs. Both read the clock's time and announce only what they claim (a row per
 * occurrence and kind, per digest time and channel), so a restart, a catch-up or a second replica posts nothing twice.
 */
export function communityJobs(
  service: Pick<CommunitiesService, 'runDue' | 'digest' | 'config'>,
  log: (message: string) => void,
): JobDefinition[] {
  const jobs: JobDefinition[] = [
    everyMinute(
      'communities.announcements',
      'agenda requests, the T-1 day decision (minimum attendees, empty agenda), and the reminders a day and 15 minutes before each event',
      logCount(
        log,
        ({ now }) => service.runDue(now),
        (n) => `communities.announcements: ${n} announced`,
      ),
    ),
  ];
  const digest = service.config.digest;
  if (digest) {
    jobs.push({
      name: 'communities.digest',
      cron: digest.schedule,
      description: 'the weekly digest of community events',
      run: logCount(
        log,
        ({ now }) => service.digest(now),
        (n) => `communities.digest: posted in ${n} channel(s)`,
      ),
    });
  }
  return jobs;
}
