import type { Core } from '../capability.js';
import type { MicroPulseTrigger } from './config.js';
import { createMicroPulse } from './micro-pulse.js';
import { createSurveysRepo } from './repo.js';
import { microAskMessage } from './slack/blocks.js';
import { createSlackChannelDirectory } from './slack/notifier.js';

/** What deploys and support call when a person's deploy succeeded or their support question was resolved. */
export type MicroPulseHook = (userId: string) => Promise<void>;

/**
 * The port other capabilities use to trigger a survey's micro-pulse (like communities' next-office-hours.ts for
 * support): built from the core, it asks per survey whether this person gets the 1–5 question now and sends it.
 * Undefined when no survey has `microPulse` for this trigger, so the caller does nothing at all. Never throws.
 */
export function microPulseHook(core: Core, trigger: MicroPulseTrigger): MicroPulseHook | undefined {
  const config = (core.config.team.surveys ?? []).filter((s) => s.microPulse?.after.includes(trigger));
  if (config.length === 0) return undefined;
  const client = core.client;
  const micro = createMicroPulse({
    config,
    timezone: core.config.team.timezone,
    repo: createSurveysRepo(core.db),
    clock: core.clock,
    people: core.people,
    channels: createSlackChannelDirectory(client),
    logger: core.logger,
    notifier: {
      async microAsk(userId, survey, pulse) {
        await client.chat.postMessage({ channel: userId, ...microAskMessage(survey, pulse) });
      },
    },
  });
  return async (userId) => {
    await micro.after(trigger, userId);
  };
}
