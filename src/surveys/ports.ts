import type { Leases } from '../db/leases.js';
import { DomainError } from '../errors.js';
import type { PeopleService } from '../people/service.js';
import type { ServiceDeps } from '../service-deps.js';
import type { MicroPulseConfig, SurveyConfig, SurveysConfig } from './config.js';
import type { WaveResults } from './model.js';
import type { PaceLimits, SendOutcome } from './pacing.js';
import type { SurveysRepo, WaveRow } from './repo.js';

/** A DM that went out: where it is, to update it later. */
export type DmOutcome = { kind: 'sent'; channel: string; ts: string } | Exclude<SendOutcome, { kind: 'sent' }>;

/** What the DM and the modal show about a wave. */
export interface WaveInvite {
  survey: SurveyConfig;
  wave: WaveRow;
  /** "You said, we did" from the previous wave, opening the DM. */
  followUp: string | null;
}

/** The results post: the numbers, the wave, and the trend chart as PNG bytes. */
export interface ResultsPost {
  survey: SurveyConfig;
  wave: WaveRow;
  results: WaveResults;
  /** Drawn only once the post went in (a refused post is tried again every minute; the chart is not redrawn). */
  chart: () => Promise<Png | null>;
  /** The survey's micro-pulse per month (empty without microPulse). */
  micro: readonly MicroTrendPoint[];
  /** Its own trend chart (null without micro-pulse answers or asks); drawn likewise. */
  microChart?: () => Promise<Png | null>;
}

export interface Png {
  png: Buffer;
  width: number;
  height: number;
}

/** One month of a survey's micro-pulse (micro-pulse.ts). */
export interface MicroTrendPoint {
  period: string;
  answers: number;
  /** Mean 1–5 to one decimal; null when the month has fewer than minGroupSize answers. */
  mean: number | null;
}

/** Port: how people hear about surveys. The Slack adapter (slack/notifier.ts) renders and posts. */
export interface SurveysNotifier {
  /** The wave's DM to one person. Must not throw for a Slack refusal: it answers `failed` or `rate-limited`. */
  invite(userId: string, invite: WaveInvite): Promise<DmOutcome>;
  /** A reminder DM; same contract as invite. */
  remind(userId: string, invite: WaveInvite): Promise<DmOutcome>;
  /** Rewrites the person's wave DM once they answered (or opted out). */
  updateDm(dm: { channel: string; ts: string }, invite: WaveInvite, state: 'answered' | 'opted-out'): Promise<void>;
  /** Tells the platform team privately that someone is happy to be contacted about their answer. */
  contactRequested(
    userId: string,
    survey: SurveyConfig,
    answer: { score: number; area: string | null; comment: string | null },
  ): Promise<void>;
  /**
   * Posts a closed wave's results (and uploads the chart into its thread); where the post and the chart landed.
   * Throws ResultsChannelRefused when Slack refuses the results channel itself (not a member, archived, unknown).
   */
  postResults(post: ResultsPost): Promise<{ channel: string; ts: string; chartFileId: string | null }>;
  /** The micro-pulse question (1–5 buttons) by DM. */
  microAsk(userId: string, survey: SurveyConfig, micro: MicroPulseConfig): Promise<void>;
  /** "You said, we did" in the results thread. */
  postFollowUp(wave: WaveRow, survey: SurveyConfig, text: string): Promise<void>;
  /** Tells the admins privately what went wrong and how to fix it (a scheduled start, a results post refused). */
  tellAdmins(admins: readonly string[], text: string): Promise<void>;
  homeChanged(userIds: string[]): Promise<void>;
}

/** Port: who is in an audience channel (conversations.members) or usergroup (usergroups.users.list). */
export interface ChannelDirectory {
  /** Throws ChannelUnreadable when Slack will not list the channel to the bot (not a member, or cannot see it). */
  members(channelId: string): Promise<string[]>;
  /** Throws UsergroupUnreadable when Slack refuses to list the usergroup (unknown id, disabled, missing scope). */
  usergroupMembers(usergroupId: string): Promise<string[]>;
}

/** Slack refused a call for a reason the configuration can fix: `<method> <target>: <Slack's error code>`. */
abstract class SlackRefusal extends Error {
  constructor(
    method: string,
    target: string,
    readonly code: string,
    name: string,
  ) {
    super(`${method} ${target}: ${code}`);
    this.name = name;
  }
}

/** Slack refused to list an audience usergroup's members (`no_such_subteam`, `missing_scope`, …). */
export class UsergroupUnreadable extends SlackRefusal {
  constructor(
    readonly usergroup: string,
    code: string,
  ) {
    super('usergroups.users.list', usergroup, code, 'UsergroupUnreadable');
  }
}

/** Slack refused the results post because of the channel (`not_in_channel`, `channel_not_found`, `is_archived`…). */
export class ResultsChannelRefused extends SlackRefusal {
  constructor(
    readonly channel: string,
    code: string,
  ) {
    super('chat.postMessage', channel, code, 'ResultsChannelRefused');
  }
}

/** The bot cannot read an audience channel's members (Slack's `channel_not_found` or `not_in_channel`). */
export class ChannelUnreadable extends SlackRefusal {
  constructor(
    readonly channel: string,
    code: string,
  ) {
    super('conversations.members', channel, code, 'ChannelUnreadable');
  }
}

/** A start that lost the race to open the survey's wave (survey_waves_one_open_idx): the other start's wave stands. */
export class WaveAlreadyOpen extends DomainError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'WaveAlreadyOpen';
  }
}

export interface SurveysServiceDeps extends ServiceDeps<SurveysRepo, SurveysNotifier> {
  config: SurveysConfig;
  timezone: string;
  people: Pick<PeopleService, 'expand'>;
  channels: ChannelDirectory;
  leases: Pick<Leases, 'hold'>;
  /** How fast DMs go out (pacing.ts; default POST_MESSAGE_LIMITS). */
  limits?: PaceLimits;
  /** Aborted when the process stops: sending stops starting DMs and leaves the rest pending (core.stopping). */
  stopping?: AbortSignal;
  /** Runs the sweep that sends pending DMs soon, outside the caller (the scheduler's surveys.sweep, run now). */
  deliverSoon?: () => void;
  /** Admins (the trend chart on their Home tab is re-published when a wave's results are posted). */
  admins?: readonly string[];
}
