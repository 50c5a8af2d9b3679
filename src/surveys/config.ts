import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { DAY, formatDuration } from '../clock.js';
import { zChannelId, zDuration } from '../config-fields.js';
import { cronProblem } from '../scheduler/cron.js';

/**
 * The `surveys:` section of groundcrew.yml: a list of NPS pulse surveys (docs/surveys.md). Durations are written
 * like `7d`/`36h` and parsed to milliseconds; every mistake names its key.
 */

export const DEFAULT_QUESTION = 'How likely are you to recommend the platform to a colleague?';
export const DEFAULT_COMMENT_LABEL = 'What is the main reason for your score?';
export const DEFAULT_AREA_LABEL = 'Which part of the platform is your score mostly about?';
export const DEFAULT_MICRO_QUESTION = 'How easy was that, from 1 (very hard) to 5 (very easy)?';
export const DEFAULT_OPEN_FOR_MS = 7 * DAY;
export const DEFAULT_MIN_GROUP_SIZE = 5;
/** Below this a group of answers is small enough to point at a person; no configuration may go lower. */
export const MIN_GROUP_SIZE_FLOOR = 3;
/** Every answer rewrites its wave's tally cells (docs/surveys.md, "What is stored"), so areas are kept few. */
export const MAX_AREAS = 20;
export const MICRO_PULSE_TRIGGERS = ['deploy-succeeded', 'support-resolved'] as const;
export type MicroPulseTrigger = (typeof MICRO_PULSE_TRIGGERS)[number];

/** Slack's limit for a modal input's label, where the question and follow-up prompts are shown. */
const LABEL_MAX = 2000;
/** Slack's limit for an option's text in a select. */
const OPTION_MAX = 75;
/** Schedules are checked over this window (from a fixed date, so parsing does not depend on today). */
const SCHEDULE_CHECK_FROM = new Date('2026-01-01T00:00:00Z');
const SCHEDULE_CHECK_SPAN_MS = 2 * 366 * DAY;

const ID_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

const zSurveyId = z.string().superRefine((value, ctx) => {
  if (!ID_PATTERN.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `a survey id is lowercase letters, digits, "-" or "_" (starting with a letter, at most 40), got ${JSON.stringify(value)}`,
    });
  }
});

const zLabel = (what: string) =>
  z
    .string()
    .trim()
    .min(1, { message: `${what} is empty` })
    .max(LABEL_MAX, { message: `${what} is at most ${LABEL_MAX} characters (Slack's limit for a modal label)` });

/** Who a wave goes to: channel members (C…/G…), usergroup members (S…) and people (U…/W…), in one list. */
export interface Audience {
  channels: string[];
  usergroups: string[];
  users: string[];
}

const AUDIENCE_ID = /^[CGSUW][A-Z0-9]{2,}$/;

const zAudience = z
  .array(
    z.string().superRefine((value, ctx) => {
      if (!AUDIENCE_ID.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a channel ID (C…), usergroup ID (S…) or user ID (U…), got ${JSON.stringify(value)}`,
        });
      }
    }),
    { message: 'expected a list of channel, usergroup or user IDs, like [C0123ABCD, S0123ABCD, U0123ABCD]' },
  )
  .min(1, { message: 'name at least one channel (its members), usergroup or user' })
  .transform(
    (ids): Audience => ({
      channels: unique(ids.filter((id) => id.startsWith('C') || id.startsWith('G'))),
      usergroups: unique(ids.filter((id) => id.startsWith('S'))),
      users: unique(ids.filter((id) => id.startsWith('U') || id.startsWith('W'))),
    }),
  );

/** `comment: true` (the default prompt), `false` (no comment box) or the prompt itself. */
const zComment = z
  .union([z.boolean(), zLabel('the comment prompt')], {
    message: 'expected true, false or the prompt shown above the comment box',
  })
  .transform((value) => (value === false ? null : { label: value === true ? DEFAULT_COMMENT_LABEL : value }));

const zAreaObject = z.strictObject({
  label: zLabel('the area prompt').default(DEFAULT_AREA_LABEL),
  options: z
    .array(
      z
        .string()
        .trim()
        .min(1, { message: 'an area is empty' })
        .max(OPTION_MAX, { message: `an area is at most ${OPTION_MAX} characters (Slack's limit for an option)` }),
    )
    .min(1, { message: 'name at least one area' })
    .max(MAX_AREAS, { message: `at most ${MAX_AREAS} areas` })
    .superRefine((options, ctx) => {
      options.forEach((option, index) => {
        if (options.indexOf(option) !== index) {
          ctx.addIssue({ code: 'custom', path: [index], message: `area ${JSON.stringify(option)} is listed twice` });
        }
      });
    }),
});

/** `area: [CI/CD, deploys]` is short for `area: { options: [CI/CD, deploys] }`. */
const zArea = z.preprocess((value) => (Array.isArray(value) ? { options: value } : value), zAreaObject);

const zFollowUps = z.strictObject({
  comment: zComment.default({ label: DEFAULT_COMMENT_LABEL }),
  area: zArea.optional().transform((area) => area ?? null),
});

/** A share written `0.2` or `"20%"`: more than 0, at most 1. */
const zShare = z.preprocess(
  (value) =>
    typeof value === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(value) ? Number.parseFloat(value) / 100 : value,
  z
    .number({ message: 'expected a share like 0.2 or "20%"' })
    .gt(0, { message: 'the share must be more than 0 (remove microPulse to turn it off)' })
    .max(1, { message: 'the share is at most 1 (everyone)' }),
);

const zMicroPulse = z.strictObject({
  /** The share of eligible people asked after each trigger. */
  sample: zShare,
  /** What makes a person eligible; default: both. */
  after: z
    .array(z.enum(MICRO_PULSE_TRIGGERS, { message: `expected one of ${MICRO_PULSE_TRIGGERS.join(', ')}` }), {
      message: `expected a list of ${MICRO_PULSE_TRIGGERS.join(', ')}`,
    })
    .min(1, { message: 'name at least one trigger' })
    .default([...MICRO_PULSE_TRIGGERS])
    .transform(unique),
  question: zLabel('the micro-pulse question').default(DEFAULT_MICRO_QUESTION),
});

const zSchedule = z.string().superRefine((value, ctx) => {
  // Validity does not depend on the zone; the scheduler checks it again in the team timezone when it registers.
  const why = cronProblem(value, 'UTC');
  if (why) ctx.addIssue({ code: 'custom', message: `invalid cron expression ${JSON.stringify(value)}: ${why}` });
});

/** A holiday: a calendar date that exists, like `2026-12-24` (read in the team timezone). */
const zHoliday = z.string().superRefine((text, ctx) => {
  const shaped = /^\d{4}-\d{2}-\d{2}$/.test(text);
  if (!shaped || new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text) {
    ctx.addIssue({
      code: 'custom',
      message: shaped ? `${text} is not a real date` : `expected a date like 2026-12-24, got ${JSON.stringify(text)}`,
    });
  }
});

const zMinGroupSize = z
  .number({ message: `expected a whole number, at least ${MIN_GROUP_SIZE_FLOOR}` })
  .int({ message: `expected a whole number, at least ${MIN_GROUP_SIZE_FLOOR}` })
  .superRefine((value, ctx) => {
    if (value < MIN_GROUP_SIZE_FLOOR) {
      ctx.addIssue({
        code: 'custom',
        message: `is ${value}, but it can never be below ${MIN_GROUP_SIZE_FLOOR}: a smaller group lets people work out who gave which answer`,
      });
    }
  })
  .default(DEFAULT_MIN_GROUP_SIZE);

export const zSurvey = z
  .strictObject({
    id: zSurveyId,
    question: zLabel('the question').default(DEFAULT_QUESTION),
    followUps: zFollowUps.default({ comment: { label: DEFAULT_COMMENT_LABEL }, area: null }),
    audience: zAudience,
    /** Cron in the team timezone; without it waves start only by `/platform survey start <id>`. */
    schedule: zSchedule.optional(),
    openFor: zDuration('7d').default(DEFAULT_OPEN_FOR_MS),
    /** Times after the wave opens; each reaches only people who have not answered or opted out. */
    reminders: z.array(zDuration('3d')).default([]),
    anonymous: z.boolean({ message: 'expected true or false' }).default(true),
    minGroupSize: zMinGroupSize,
    resultsChannel: zChannelId,
    microPulse: zMicroPulse.optional(),
    /** Local dates (team timezone) on which no wave starts and no reminder goes; weekends never have them either. */
    holidays: z.array(zHoliday, { message: 'expected a list of dates like [2026-12-24, 2027-01-01]' }).default([]),
  })
  .superRefine((survey, ctx) => {
    survey.reminders.forEach((after, index) => {
      if (after >= survey.openFor) {
        ctx.addIssue({
          code: 'custom',
          path: ['reminders', index],
          message: `${formatDuration(after)} is not before the wave closes (openFor ${formatDuration(survey.openFor)})`,
        });
      } else if (survey.reminders.indexOf(after) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['reminders', index],
          message: `${formatDuration(after)} is listed twice`,
        });
      }
    });
    if (survey.schedule !== undefined && cronProblem(survey.schedule, 'UTC') === null) {
      const gap = shortestGap(survey.schedule);
      if (gap !== null && survey.openFor > gap) {
        ctx.addIssue({
          code: 'custom',
          path: ['openFor'],
          message: `${formatDuration(survey.openFor)} is longer than the ${formatDuration(gap)} between two waves of "${survey.schedule}": a wave must close before the next one starts`,
        });
      }
    }
  })
  .transform((survey) => ({ ...survey, reminders: [...survey.reminders].sort((a, b) => a - b) }));

export type SurveyConfig = z.infer<typeof zSurvey>;
export type MicroPulseConfig = NonNullable<SurveyConfig['microPulse']>;
export type FollowUpsConfig = SurveyConfig['followUps'];

/** The `surveys:` section of groundcrew.yml: a list of surveys. */
export const zSurveysConfig = z
  .array(zSurvey, { message: 'expected a list of surveys, each with id, audience and resultsChannel' })
  .superRefine((surveys, ctx) => {
    const ids = surveys.map((s) => s.id);
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index) {
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `survey id "${id}" is used twice` });
      }
    });
  });

export type SurveysConfig = z.infer<typeof zSurveysConfig>;

/** The shortest time between two consecutive starts of `expression` over two years (in UTC), or null if < 2 starts. */
export function shortestGap(expression: string): number | null {
  const runs = CronExpressionParser.parse(expression, { currentDate: SCHEDULE_CHECK_FROM, tz: 'UTC' });
  const end = SCHEDULE_CHECK_FROM.getTime() + SCHEDULE_CHECK_SPAN_MS;
  let previous: number | null = null;
  let shortest: number | null = null;
  // 1,000 starts are plenty: a schedule firing that often has found its shortest gap long before.
  for (let i = 0; i < 1000 && runs.hasNext(); i++) {
    const at = runs.next().getTime();
    if (at > end) break;
    if (previous !== null) shortest = shortest === null ? at - previous : Math.min(shortest, at - previous);
    previous = at;
  }
  return shortest;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
