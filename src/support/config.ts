import { z } from 'zod';
import { DAY, parseDuration } from '../clock.js';
import { zChannelId, zDuration, zPrincipals, zTimezone, zUsergroupId, zUserId } from '../config-fields.js';

/**
 * The `support:` section of groundcrew.yml: help channels, who answers, business hours, priorities with their
 * first-response and resolution targets, escalation steps, the docs folder and how long text is kept.
 * Every mistake is reported with its path (`support.priorities.p2.firstResponse: …`).
 */

export const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** `monday`/`mon` (any case) → 1 … `sunday`/`sun` → 7 (ISO weekday numbers, as luxon counts them). */
const zWeekday = z.string().transform((text, ctx) => {
  const lower = text.trim().toLowerCase();
  const index = WEEKDAY_NAMES.findIndex((name) => name === lower || (lower.length === 3 && name.startsWith(lower)));
  if (index < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a weekday like monday or mon, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return index + 1;
});

const zTimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time like 09:00' });
/** A closing time may also be `24:00` (midnight at the end of the day). */
const zClosingTime = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { message: 'expected a time like 17:00 (or 24:00 for midnight)' });

/** A calendar date that exists: `2026-12-24`; `2026-02-30` is refused. */
export const zDate = z.string().superRefine((text, ctx) => {
  const shaped = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const real = shaped && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
  if (!real) {
    ctx.addIssue({
      code: 'custom',
      message: shaped ? `${text} is not a real date` : `expected a date like 2026-12-24, got ${JSON.stringify(text)}`,
    });
  }
});

export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** One business-hours schedule. `timezone` left out means the team's. Schedules do not span midnight. */
export const zSchedule = z
  .strictObject({
    days: z.array(zWeekday).min(1, { message: 'name at least one weekday' }).default([1, 2, 3, 4, 5]),
    start: zTimeOfDay.default('09:00'),
    end: zClosingTime.default('17:00'),
    timezone: zTimezone.optional(),
    /** Closed dates for this schedule only, added to `support.holidays`. */
    holidays: z.array(zDate).default([]),
  })
  .superRefine((schedule, ctx) => {
    if (minutesOf(schedule.end) <= minutesOf(schedule.start)) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `must be after start (${schedule.start}); a schedule cannot span midnight — end at 24:00 and open again at 00:00, or use allHours: true`,
      });
    }
    schedule.days.forEach((day, i) => {
      if (schedule.days.indexOf(day) !== i) {
        ctx.addIssue({ code: 'custom', path: ['days', i], message: `${WEEKDAY_NAMES[day - 1]} is listed twice` });
      }
    });
  });

export type ScheduleConfig = z.infer<typeof zSchedule>;

/**
 * An SLA target as written: `15m`, `4h`, `1d`, `1d4h`. The day part is kept apart: in a business-hours priority a
 * day is one business day (the schedule's opening hours, e.g. 8 h for 09:00–17:00); in a 24×7 priority it is 24 h.
 */
export interface Target {
  text: string;
  days: number;
  ms: number;
}

export function zTarget(example: string) {
  const missing = (input: unknown) =>
    input === undefined ? `required: a duration like ${example}` : `expected a duration like ${example}`;
  return z.string({ error: (iss) => missing(iss.input) }).transform((text, ctx): Target => {
    const total = parseDuration(text);
    if (total === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like ${example}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    let days = 0;
    for (const match of text.toLowerCase().matchAll(/(\d+(?:\.\d+)?)\s*d/g)) days += Number(match[1]);
    return { text: text.trim(), days, ms: total - Math.round(days * DAY) };
  });
}

/** A target in milliseconds of the clock it runs on, given the length of that clock's day. */
export function targetMs(target: Target, dayMs: number): number {
  return Math.round(target.days * dayMs) + target.ms;
}

const PRIORITY_ID_RULE =
  'a priority id is lowercase letters, digits, "-" or "_", starting with a letter (at most 20), like p1';
const zPriorityId = z.string().superRefine((id, ctx) => {
  if (!/^[a-z][a-z0-9_-]{0,19}$/.test(id)) {
    ctx.addIssue({ code: 'custom', message: `${PRIORITY_ID_RULE}, got ${JSON.stringify(id)}` });
  }
});

const zKeyword = z
  .string()
  .trim()
  .min(1, { message: 'a keyword cannot be empty' })
  .transform((k) => k.toLowerCase());

export const zPriority = z
  .strictObject({
    /** Shown on the priority button and in the queue, e.g. "I'm blocked". */
    label: z.string({ error: 'required: the words on the priority button, like "I\'m blocked"' }).min(1).max(75),
    firstResponse: zTarget('1h or 15m'),
    resolution: zTarget('1d or 4h'),
    /** 24×7: the clock counts all time, not business hours. */
    allHours: z.boolean().default(false),
    /** Page at once when a ticket gets this priority: DM the on-duty person, post to triage, mention responders. */
    page: z.boolean().default(false),
    /** Words or phrases in a question that suggest this priority (case-insensitive, whole words). */
    keywords: z.array(zKeyword).default([]),
    /** This priority's own schedule instead of `support.businessHours`. */
    businessHours: zSchedule.optional(),
  })
  .superRefine((priority, ctx) => {
    if (priority.allHours && priority.businessHours) {
      ctx.addIssue({
        code: 'custom',
        path: ['businessHours'],
        message: 'a 24×7 priority (allHours: true) has no business hours; remove one of the two',
      });
    }
  });

export type PriorityConfig = z.infer<typeof zPriority> & { id: string };

export const DEFAULT_PRIORITIES = {
  p1: {
    label: 'Production is down',
    firstResponse: '15m',
    resolution: '4h',
    allHours: true,
    page: true,
    keywords: ['production is down', 'prod is down', 'production down', 'outage', 'incident', 'sev1'],
  },
  p2: {
    label: "I'm blocked",
    firstResponse: '1h',
    resolution: '1d',
    keywords: ['blocks my work', 'blocked', 'blocking', 'blocker', "can't deploy", 'cannot deploy'],
  },
  p3: { label: 'Question', firstResponse: '4h', resolution: '3d' },
};

/** `75%` of the target, `breach` (= 100%), or an offset from the target: `-15m` before, `+1h` after. */
export type StepAt = { kind: 'fraction'; value: number } | { kind: 'offset'; ms: number };

const zStepAt = z.union([z.string(), z.number()]).transform((raw, ctx): StepAt => {
  const text = String(raw).trim().toLowerCase();
  if (text === 'breach') return { kind: 'fraction', value: 1 };
  const percent = /^(\d{1,4}(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) return { kind: 'fraction', value: Number(percent[1]) / 100 };
  const offset = /^([+-])\s*(.+)$/.exec(text);
  const ms = offset ? parseDuration(offset[2] ?? '') : null;
  if (offset && ms !== null) return { kind: 'offset', ms: offset[1] === '-' ? -ms : ms };
  ctx.addIssue({
    code: 'custom',
    message: `expected a share of the target like 75%, "breach", or an offset like -15m or +1h, got ${JSON.stringify(raw)}`,
  });
  return z.NEVER;
});

export const NOTIFY_TARGETS = ['onDuty', 'triage', 'responders'] as const;
export type NotifyTarget = (typeof NOTIFY_TARGETS)[number];
export const CLOCKS = ['firstResponse', 'resolution'] as const;
export type ClockName = (typeof CLOCKS)[number];

export const zEscalationStep = z.strictObject({
  at: zStepAt,
  of: z.enum(CLOCKS, { message: `expected one of ${CLOCKS.join(', ')}` }),
  /** onDuty: DM the on-duty person; triage: post to the triage channel; responders: mention them there. */
  notify: z
    .array(z.enum(NOTIFY_TARGETS, { message: `expected one of ${NOTIFY_TARGETS.join(', ')}` }))
    .min(1, { message: `name who hears of it: ${NOTIFY_TARGETS.join(', ')}` }),
  /** Only for these priorities; default all. */
  priorities: z.array(zPriorityId).min(1).optional(),
});

export type EscalationStepConfig = z.infer<typeof zEscalationStep>;

/** The stable name of a step, stored with a ticket once it fired: `firstResponse@75%`, `resolution@+30m`. */
export function stepKey(step: Pick<EscalationStepConfig, 'at' | 'of'>): string {
  if (step.at.kind === 'fraction') return `${step.of}@${Math.round(step.at.value * 10_000) / 100}%`;
  const minutes = step.at.ms / 60_000;
  return `${step.of}@${step.at.ms < 0 ? '-' : '+'}${Math.abs(minutes)}m`;
}

export const DEFAULT_ESCALATION: z.input<typeof zEscalationStep>[] = [
  { at: '75%', of: 'firstResponse', notify: ['onDuty'] },
  { at: 'breach', of: 'firstResponse', notify: ['triage', 'responders'] },
  { at: 'breach', of: 'resolution', notify: ['triage'] },
];

const zOnDuty = z
  .strictObject({
    usergroup: zUsergroupId.optional(),
    rotation: z
      .strictObject({
        people: z.array(zUserId).min(1, { message: 'name at least one person' }),
        handoff: z.strictObject({ day: zWeekday, time: zTimeOfDay }),
        /** Zone of the hand-off time; default: `support.businessHours.timezone`, else the team's. */
        timezone: zTimezone.optional(),
        /** The date of the first hand-off to people[0]; default 2024-01-01. */
        startsOn: zDate.optional(),
      })
      .optional(),
  })
  .superRefine((onDuty, ctx) => {
    if ((onDuty.usergroup === undefined) === (onDuty.rotation === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either rotation: { people, handoff: { day, time } } or usergroup: S…, not both and not neither',
      });
    }
  });

export const zSupportConfig = z
  .strictObject({
    /** Help channels: each top-level message from a person becomes a ticket. */
    channels: z.array(zChannelId).min(1, { message: 'name at least one help channel' }),
    /** Where escalations, pages and the morning queue go. */
    triageChannel: zChannelId,
    /** The platform team who answer: a people list. */
    responders: zPrincipals.refine((p) => p.users.length + p.usergroups.length > 0, {
      message: 'name at least one responder (user ID or usergroup ID)',
    }),
    onDuty: zOnDuty.optional(),
    businessHours: zSchedule.prefault({}),
    /** Closed dates for every schedule. */
    holidays: z.array(zDate).default([]),
    /** In order of urgency, most urgent first. */
    priorities: z
      .record(zPriorityId, zPriority, {
        error: (iss) =>
          iss.code === 'invalid_key' ? `${PRIORITY_ID_RULE}, got ${JSON.stringify(iss.input)}` : undefined,
      })
      .prefault(DEFAULT_PRIORITIES),
    /** The priority a ticket gets when no keyword suggests one; default the last (least urgent). */
    defaultPriority: zPriorityId.optional(),
    escalation: z.array(zEscalationStep).prefault(DEFAULT_ESCALATION),
    docs: z
      .strictObject({
        folder: z.string().min(1, { message: 'name the folder of Markdown files' }),
        baseUrl: z.url({ message: 'expected a URL like https://docs.example.com/platform/' }).optional(),
      })
      .optional(),
    /** Question and answer text older than this is removed; figures stay. */
    retainTextFor: zDuration('180d').default(180 * DAY),
  })
  .superRefine((config, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const ids = Object.keys(config.priorities);
    const known = `(known: ${ids.join(', ') || 'none'})`;
    if (ids.length === 0) issue(['priorities'], 'define at least one priority');
    // Priority buttons share one actions block with a few other buttons; Slack allows 25 elements there.
    if (ids.length > 10) issue(['priorities'], 'at most 10 priorities (they become buttons under each question)');
    config.channels.forEach((channel, i) => {
      if (config.channels.indexOf(channel) !== i) issue(['channels', i], `${channel} is listed twice`);
    });
    if (config.channels.includes(config.triageChannel)) {
      issue(['triageChannel'], 'must not be a help channel too: escalations would mix with the questions');
    }
    if (config.defaultPriority !== undefined && !ids.includes(config.defaultPriority)) {
      issue(['defaultPriority'], `unknown priority "${config.defaultPriority}" ${known}`);
    }
    if (config.retainTextFor < DAY) issue(['retainTextFor'], 'keep text for at least 1d');
    const keywordOwner = new Map<string, string>();
    for (const [id, priority] of Object.entries(config.priorities)) {
      const dayMs = priority.allHours ? DAY : scheduleDayMs(priority.businessHours ?? config.businessHours);
      if (targetMs(priority.firstResponse, dayMs) > targetMs(priority.resolution, dayMs)) {
        issue(
          ['priorities', id, 'firstResponse'],
          `${priority.firstResponse.text} is longer than the resolution target ${priority.resolution.text}`,
        );
      }
      priority.keywords.forEach((keyword, i) => {
        const owner = keywordOwner.get(keyword);
        if (owner !== undefined) {
          issue(['priorities', id, 'keywords', i], `"${keyword}" already suggests ${owner}`);
        } else keywordOwner.set(keyword, id);
      });
    }
    const keys = config.escalation.map(stepKey);
    config.escalation.forEach((step, i) => {
      if (keys.indexOf(keys[i]!) !== i) {
        issue(['escalation', i, 'at'], `a step at the same point of ${step.of} is listed twice (${keys[i]})`);
      }
      step.priorities?.forEach((id, j) => {
        if (!ids.includes(id)) issue(['escalation', i, 'priorities', j], `unknown priority "${id}" ${known}`);
      });
    });
  })
  .transform((config) => {
    const priorities = Object.entries(config.priorities).map(([id, p]): PriorityConfig => ({ id, ...p }));
    return {
      ...config,
      priorities,
      defaultPriority: config.defaultPriority ?? priorities[priorities.length - 1]?.id ?? '',
      escalation: config.escalation.map((step) => ({ ...step, key: stepKey(step) })),
    };
  });

/** Length of one business day of a schedule: 09:00–17:00 → 8 h. */
export function scheduleDayMs(schedule: Pick<ScheduleConfig, 'start' | 'end'>): number {
  return (minutesOf(schedule.end) - minutesOf(schedule.start)) * 60_000;
}

export type SupportConfig = z.infer<typeof zSupportConfig>;
export type EscalationStep = SupportConfig['escalation'][number];
export type OnDutyConfig = NonNullable<SupportConfig['onDuty']>;
export type RotationConfig = NonNullable<OnDutyConfig['rotation']>;
