import { CronExpressionParser } from 'cron-parser';
import cron from 'node-cron';

/**
 * Why `expression` is not a cron expression both libraries read the same way, or null when it is: node-cron (which
 * fires it) and cron-parser (which computes next runs and catch-up) must both accept it. Expressions restricting
 * both day-of-month and day-of-week are refused: node-cron requires both to match, cron-parser (like classic cron)
 * either one, so the two would disagree. Used by the scheduler and by config sections that hold a schedule.
 */
export function cronProblem(expression: string, timezone: string): string | null {
  const detailed = cron.validateDetailed(expression);
  if (!detailed.valid) return detailed.errors.map((e) => e.message).join('; ') || 'rejected by node-cron';
  let fields: ReturnType<typeof CronExpressionParser.parse>['fields'];
  try {
    fields = CronExpressionParser.parse(expression, { tz: timezone }).fields;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (!fields.dayOfMonth.isWildcard && !fields.dayOfWeek.isWildcard) {
    return 'restrict day-of-month or day-of-week, not both (node-cron and cron-parser read that differently)';
  }
  return null;
}
