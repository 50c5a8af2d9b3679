import { describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../../src/clock.js';
import { formatIssues } from '../../src/config.js';
import {
  DEFAULT_AREA_LABEL,
  DEFAULT_COMMENT_LABEL,
  DEFAULT_MICRO_QUESTION,
  DEFAULT_QUESTION,
  type SurveysConfig,
  shortestGap,
  zSurveysConfig,
} from '../../src/surveys/config.js';

const minimal = { id: 'platform-nps', audience: ['C0PLATFORM'], resultsChannel: 'C0RESULTS' };

function parse(surveys: unknown): SurveysConfig {
  const result = zSurveysConfig.safeParse(surveys);
  if (!result.success) throw new Error(problems(surveys).join('\n'));
  return result.data;
}

/** The lines a person would read, as src/config.ts prints them for the `surveys:` section. */
function problems(surveys: unknown): string[] {
  const result = zSurveysConfig.safeParse(surveys);
  if (result.success) throw new Error('expected the section to be refused');
  return formatIssues(result.error.issues, ['surveys'], zSurveysConfig);
}

function one(survey: Record<string, unknown>) {
  return parse([{ ...minimal, ...survey }])[0]!;
}

describe('surveys config: defaults', () => {
  it('fills every default from id, audience and resultsChannel alone', () => {
    expect(one({})).toEqual({
      id: 'platform-nps',
      question: DEFAULT_QUESTION,
      followUps: { comment: { label: DEFAULT_COMMENT_LABEL }, area: null },
      audience: { channels: ['C0PLATFORM'], usergroups: [], users: [] },
      openFor: 7 * DAY,
      reminders: [],
      anonymous: true,
      minGroupSize: 5,
      resultsChannel: 'C0RESULTS',
      holidays: [],
    });
    expect(DEFAULT_QUESTION).toBe('How likely are you to recommend the platform to a colleague?');
  });

  it('parses a full survey: audience by kind, durations, sorted reminders, area shorthand, micro-pulse', () => {
    const survey = one({
      question: 'Would you recommend our platform?',
      followUps: { comment: 'What should we change first?', area: ['CI/CD', 'deploys', 'docs', 'support'] },
      audience: ['C0PLATFORM', 'G0PRIVATE', 'S0ENGINEERS', 'U0ALICE', 'W0BOB', 'U0ALICE'],
      schedule: '0 10 1 */3 *',
      openFor: '10d',
      reminders: ['5d', '3d'],
      anonymous: false,
      minGroupSize: 3,
      microPulse: { sample: '25%', after: ['deploy-succeeded'] },
    });
    expect(survey.audience).toEqual({
      channels: ['C0PLATFORM', 'G0PRIVATE'],
      usergroups: ['S0ENGINEERS'],
      users: ['U0ALICE', 'W0BOB'],
    });
    expect(survey.followUps).toEqual({
      comment: { label: 'What should we change first?' },
      area: { label: DEFAULT_AREA_LABEL, options: ['CI/CD', 'deploys', 'docs', 'support'] },
    });
    expect(survey.openFor).toBe(10 * DAY);
    expect(survey.reminders).toEqual([3 * DAY, 5 * DAY]);
    expect(survey.anonymous).toBe(false);
    expect(survey.minGroupSize).toBe(3);
    expect(survey.microPulse).toEqual({ sample: 0.25, after: ['deploy-succeeded'], question: DEFAULT_MICRO_QUESTION });
  });

  it('turns the comment box off with false and takes the area prompt in the long form', () => {
    const survey = one({ followUps: { comment: false, area: { label: 'Mostly about?', options: ['CI'] } } });
    expect(survey.followUps).toEqual({ comment: null, area: { label: 'Mostly about?', options: ['CI'] } });
  });

  it('takes a micro-pulse share as a number and defaults its triggers to both', () => {
    expect(one({ microPulse: { sample: 0.1 } }).microPulse).toEqual({
      sample: 0.1,
      after: ['deploy-succeeded', 'support-resolved'],
      question: DEFAULT_MICRO_QUESTION,
    });
    expect(one({ microPulse: { sample: 1 } }).microPulse?.sample).toBe(1);
  });

  it('accepts an empty list and several surveys', () => {
    expect(parse([])).toEqual([]);
    expect(parse([minimal, { ...minimal, id: 'docs-pulse' }]).map((s) => s.id)).toEqual(['platform-nps', 'docs-pulse']);
  });
});

describe('surveys config: every mistake names its key', () => {
  const bad = (survey: Record<string, unknown>) => problems([{ ...minimal, ...survey }]);

  it('minGroupSize below 3 is refused with the reason, whatever else is right', () => {
    expect(bad({ minGroupSize: 2 })).toEqual([
      'surveys[0].minGroupSize: is 2, but it can never be below 3: a smaller group lets people work out who gave which answer',
    ]);
    expect(bad({ minGroupSize: 0 })[0]).toMatch(/^surveys\[0\]\.minGroupSize: is 0, but it can never be below 3/);
    expect(bad({ minGroupSize: 4.5 })).toEqual(['surveys[0].minGroupSize: expected a whole number, at least 3']);
    expect(bad({ minGroupSize: 'five' })).toEqual(['surveys[0].minGroupSize: expected a whole number, at least 3']);
  });

  it('refuses a bad id, a missing audience and a bad results channel', () => {
    expect(problems([{ id: 'Platform NPS' }])).toEqual([
      'surveys[0].id: a survey id is lowercase letters, digits, "-" or "_" (starting with a letter, at most 40), got "Platform NPS"',
      'surveys[0].audience: expected a list of channel, usergroup or user IDs, like [C0123ABCD, S0123ABCD, U0123ABCD]',
      'surveys[0].resultsChannel: Invalid input: expected string, received undefined',
    ]);
    expect(bad({ audience: [] })).toEqual([
      'surveys[0].audience: name at least one channel (its members), usergroup or user',
    ]);
    expect(bad({ audience: ['C0OK', '#platform', 'D0DIRECT'] })).toEqual([
      'surveys[0].audience[1]: expected a channel ID (C…), usergroup ID (S…) or user ID (U…), got "#platform"',
      'surveys[0].audience[2]: expected a channel ID (C…), usergroup ID (S…) or user ID (U…), got "D0DIRECT"',
    ]);
  });

  it('validates the schedule the way the scheduler does', () => {
    expect(bad({ schedule: 'every monday' })[0]).toMatch(
      /^surveys\[0\]\.schedule: invalid cron expression "every monday": /,
    );
    expect(bad({ schedule: '0 10 1 * 1' })).toEqual([
      'surveys[0].schedule: invalid cron expression "0 10 1 * 1": restrict day-of-month or day-of-week, not both (node-cron and cron-parser read that differently)',
    ]);
  });

  it('refuses an openFor longer than the time between two scheduled waves', () => {
    expect(bad({ schedule: '0 10 * * 1', openFor: '8d' })).toEqual([
      'surveys[0].openFor: 8d is longer than the 7d between two waves of "0 10 * * 1": a wave must close before the next one starts',
    ]);
    expect(one({ schedule: '0 10 * * 1', openFor: '7d' }).openFor).toBe(7 * DAY);
    expect(one({ openFor: '60d' }).openFor).toBe(60 * DAY); // no schedule: waves start by command only
  });

  it('refuses reminders at or after the close, listed twice, or not durations', () => {
    expect(bad({ openFor: '7d', reminders: ['3d', '7d', '8d', '3d', 'soon'] })).toEqual([
      'surveys[0].reminders[4]: expected a duration like 3d, got "soon"',
    ]);
    expect(bad({ openFor: '7d', reminders: ['3d', '7d', '8d', '3d'] })).toEqual([
      'surveys[0].reminders[1]: 7d is not before the wave closes (openFor 7d)',
      'surveys[0].reminders[2]: 8d is not before the wave closes (openFor 7d)',
      'surveys[0].reminders[3]: 3d is listed twice',
    ]);
    expect(bad({ openFor: 'a week' })).toEqual(['surveys[0].openFor: expected a duration like 7d, got "a week"']);
  });

  it('takes holidays as real dates and refuses anything else with its path', () => {
    expect(one({ holidays: ['2027-01-01', '2026-12-24'] }).holidays).toEqual(['2027-01-01', '2026-12-24']);
    expect(bad({ holidays: ['2027-02-30', 'New Year'] })).toEqual([
      'surveys[0].holidays[0]: 2027-02-30 is not a real date',
      'surveys[0].holidays[1]: expected a date like 2026-12-24, got "New Year"',
    ]);
  });

  it('refuses bad follow-ups with their paths', () => {
    expect(bad({ followUps: { comment: 3 } })).toEqual([
      'surveys[0].followUps.comment: expected true, false or the prompt shown above the comment box',
    ]);
    expect(bad({ followUps: { area: ['CI', 'CI', ''] } })).toEqual([
      'surveys[0].followUps.area.options[2]: an area is empty',
      'surveys[0].followUps.area.options[1]: area "CI" is listed twice',
    ]);
    expect(bad({ followUps: { area: ['CI', 'docs', 'CI'] } })).toEqual([
      'surveys[0].followUps.area.options[2]: area "CI" is listed twice',
    ]);
    expect(bad({ followUps: { area: { options: [] } } })).toEqual([
      'surveys[0].followUps.area.options: name at least one area',
    ]);
    expect(bad({ followUps: { area: { options: Array.from({ length: 21 }, (_, i) => `a${i}`) } } })).toEqual([
      'surveys[0].followUps.area.options: at most 20 areas',
    ]);
    expect(bad({ followUps: { area: ['x'.repeat(76)] } })).toEqual([
      "surveys[0].followUps.area.options[0]: an area is at most 75 characters (Slack's limit for an option)",
    ]);
    expect(bad({ question: '  ' })).toEqual(['surveys[0].question: the question is empty']);
  });

  it('refuses a bad micro-pulse share or trigger', () => {
    expect(bad({ microPulse: { sample: 0 } })).toEqual([
      'surveys[0].microPulse.sample: the share must be more than 0 (remove microPulse to turn it off)',
    ]);
    expect(bad({ microPulse: { sample: '150%' } })).toEqual([
      'surveys[0].microPulse.sample: the share is at most 1 (everyone)',
    ]);
    expect(bad({ microPulse: { sample: 'some' } })).toEqual([
      'surveys[0].microPulse.sample: expected a share like 0.2 or "20%"',
    ]);
    expect(bad({ microPulse: { sample: 0.2, after: ['deploy-failed'] } })).toEqual([
      'surveys[0].microPulse.after[0]: expected one of deploy-succeeded, support-resolved',
    ]);
    expect(bad({ microPulse: { sample: 0.2, every: '30d' } })).toEqual([
      'surveys[0].microPulse: unknown key(s) "every"',
    ]);
  });

  it('suggests the nearest key for a typo and refuses a survey id used twice', () => {
    expect(bad({ minGroupsize: 5 })).toEqual([
      'surveys[0]: unknown key(s) "minGroupsize" (did you mean "minGroupSize"?)',
    ]);
    expect(problems([minimal, minimal])).toEqual(['surveys[1].id: survey id "platform-nps" is used twice']);
    expect(problems({ id: 'x' })).toEqual([
      'surveys: expected a list of surveys, each with id, audience and resultsChannel',
    ]);
  });
});

describe('shortestGap', () => {
  it('is the shortest time between two starts, in UTC', () => {
    expect(shortestGap('0 10 * * 1')).toBe(7 * DAY);
    expect(shortestGap('0 9,17 * * *')).toBe(8 * HOUR);
    // Quarterly on the 1st: the shortest quarter is Jan–Mar (90 days in a common year).
    expect(shortestGap('0 10 1 */3 *')).toBe(90 * DAY);
  });
});
