import { DateTime } from 'luxon';
import { createSafely } from '../logger.js';
import type { MicroPulseConfig, MicroPulseTrigger, SurveyConfig } from './config.js';
import { isMicroScore, MICRO_PULSE_COOLDOWN_MS, microPulseDecision, microPulseSummary } from './model.js';
import type { MicroTrendPoint, SurveysNotifier, SurveysServiceDeps } from './ports.js';

/** Months shown in a micro-pulse trend (the latest ones with asks). */
export const MICRO_TREND_PERIODS = 6;

/** The month an ask is counted in, `2026-05`, in the team timezone. */
export function microPeriodOf(at: Date, timezone: string): string {
  return DateTime.fromJSDate(at, { zone: timezone }).toFormat('yyyy-MM');
}

export type { MicroTrendPoint };

export type MicroPulseDeps = Pick<
  SurveysServiceDeps,
  'config' | 'timezone' | 'repo' | 'clock' | 'people' | 'channels' | 'logger'
> & {
  notifier: Pick<SurveysNotifier, 'microAsk'>;
  /** 0 ≤ x < 1; Math.random unless a test seeds it. */
  random?: () => number;
};

/**
 * Micro-pulse (docs/surveys.md, "Micro-pulse"): after a person's deploy succeeded or their support question was
 * resolved, a sampled share of a survey's audience gets one 1–5 question by DM, at most once per 30 days. Answers
 * are counted per month like the wave tallies: nothing stores who gave which score.
 */
export function createMicroPulse(deps: MicroPulseDeps) {
  const { repo, clock, notifier, logger } = deps;
  const random = deps.random ?? Math.random;
  const safely = createSafely(logger, 'surveys');

  async function inAudience(survey: SurveyConfig, userId: string): Promise<boolean> {
    if (survey.audience.users.includes(userId)) return true;
    if (survey.audience.usergroups.length > 0) {
      const members = await deps.people.expand({ users: [], usergroups: survey.audience.usergroups });
      if (members.includes(userId)) return true;
    }
    for (const channel of survey.audience.channels) {
      if ((await deps.channels.members(channel)).includes(userId)) return true;
    }
    return false;
  }

  /** One survey's decision for one person; sends the question when it is theirs to answer. */
  async function consider(survey: SurveyConfig & { microPulse: MicroPulseConfig }, userId: string): Promise<boolean> {
    const now = clock.now();
    const decision = microPulseDecision({
      inAudience: await inAudience(survey, userId),
      optedOut: await repo.isOptedOut(userId),
      lastAskedAt: await repo.microAskedAt(survey.id, userId),
      sample: survey.microPulse.sample,
      now,
      random,
    });
    if (!decision.ask) return false;
    const notBefore = new Date(now.getTime() - MICRO_PULSE_COOLDOWN_MS);
    const period = microPeriodOf(now, deps.timezone);
    if (!(await repo.claimMicroAsk(survey.id, userId, now, period, notBefore))) return false;
    await safely('sending the micro-pulse question', () => notifier.microAsk(userId, survey, survey.microPulse));
    return true;
  }

  return {
    /** Called by deploys (a succeeded deploy's requester) and support (a resolved question's asker). Never throws. */
    async after(trigger: MicroPulseTrigger, userId: string): Promise<string[]> {
      const asked: string[] = [];
      for (const survey of deps.config) {
        const micro = survey.microPulse;
        if (!micro?.after.includes(trigger)) continue;
        const sent = await consider({ ...survey, microPulse: micro }, userId).catch((error: unknown) => {
          logger.error(`surveys: the micro-pulse of ${survey.id} after ${trigger} failed`, error);
          return false;
        });
        if (sent) asked.push(survey.id);
      }
      return asked;
    },

    /** A 1–5 answer: counted once, only while a question waits for this person ('counted'), else 'not-asked'. */
    async answer(surveyId: string, userId: string, score: number): Promise<'counted' | 'not-asked'> {
      if (!isMicroScore(score) || !deps.config.some((s) => s.id === surveyId && s.microPulse)) return 'not-asked';
      return (await repo.answerMicro(surveyId, userId, score)) ? 'counted' : 'not-asked';
    },

    /** The survey's micro-pulse per month, oldest first; a month under minGroupSize answers shows no mean. */
    async trend(survey: SurveyConfig): Promise<MicroTrendPoint[]> {
      const months = await repo.microCounts(survey.id);
      return months.slice(-MICRO_TREND_PERIODS).map(({ period, counts }) => ({
        period,
        ...microPulseSummary(counts, survey.minGroupSize),
      }));
    },
  };
}

export type MicroPulse = ReturnType<typeof createMicroPulse>;
