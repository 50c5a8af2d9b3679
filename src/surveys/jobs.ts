import { everyMinute } from '../scheduler/jobs.js';
import type { JobDefinition } from '../scheduler/types.js';
import type { SurveysService } from './service.js';

/** The surveys sweep, plus one job per scheduled survey that starts its waves. */
export function surveyJobs(service: SurveysService): JobDefinition[] {
  const jobs: JobDefinition[] = [
    everyMinute(
      'surveys.sweep',
      'close survey waves that are due (and post their results), send due reminders, resume wave DMs a restart left unsent',
      ({ signal }) => service.tick(signal),
    ),
  ];
  for (const survey of service.surveys()) {
    if (!survey.schedule) continue;
    jobs.push({
      name: `surveys.start-${survey.id}`,
      cron: survey.schedule,
      description: `start a wave of the survey ${survey.id} (its DMs go out paced to Slack's limits)`,
      run: () => service.scheduledStart(survey.id),
    });
  }
  return jobs;
}
