import { everyMinute, logCount } from '../scheduler/jobs.js';
import type { JobDefinition } from '../scheduler/types.js';
import type { SupportConfig } from './config.js';
import type { SupportService } from './service.js';

/** The support sweeps; they read the clock's time, so restarts and clock jumps work. */
export function supportJobs(
  service: Pick<SupportService, 'desk' | 'postMissingReplies'>,
  config: Pick<SupportConfig, 'businessHours'>,
  log: (message: string) => void,
): JobDefinition[] {
  const [hour, minute] = config.businessHours.start.split(':').map(Number);
  const days = config.businessHours.days.map((d) => d % 7).join(',');
  return [
    everyMinute(
      'support.sweep',
      'fire the escalation steps that are due (each once per question) and post tier-1 replies a crash left',
      async ({ now }) => {
        // The escalations run whatever happened to the replies; a failure there is reported after them.
        let failure: unknown = null;
        const replies = await service.postMissingReplies(now).catch((error: unknown) => {
          failure = error;
          return 0;
        });
        const { sent } = await service.desk.sweep(now);
        if (sent || replies) log(`support.sweep: ${sent} escalation(s), ${replies} late tier-1 repl(ies)`);
        if (failure) throw failure;
      },
    ),
    {
      name: 'support.morning-queue',
      cron: `${minute ?? 0} ${hour ?? 9} * * ${days}`,
      description: 'post the open support questions to the triage channel when business hours open',
      run: async ({ now }) => {
        await service.desk.postMorningQueue(now);
      },
    },
    {
      name: 'support.weekly-report',
      cron: `${minute ?? 0} ${hour ?? 9} * * ${days}`,
      description:
        "post last week's support figures to the triage channel on the week's first business day (Tuesday after a Monday holiday)",
      run: async ({ now }) => {
        await service.desk.postWeeklyReport(now);
      },
    },
    {
      name: 'support.purge-text',
      cron: '40 3 * * *',
      description: 'remove question and answer text older than support.retainTextFor (figures stay)',
      run: logCount(
        log,
        ({ now }) => service.desk.purge(now),
        (n) => `support.purge-text: removed text from ${n} row(s)`,
      ),
    },
  ];
}
