/** The events phase: signed `app_home_opened` callbacks, and waiting until every Home tab they asked for is published. */
import { type RoundResult, runRound, type Target } from './load.js';
import type { SlackStub } from './stub.js';

/** Slack retries an event whose ack takes longer than this (and counts it as a failure). */
export const SLACK_ACK_DEADLINE_MS = 3000;

export interface EventsResult extends RoundResult {
  /** Last ack → last views.publish reaching the stub: the Home work still queued when the acks were done. */
  drainMs: number;
}

/** Resolves once `app` has made `expected` views.publish calls; rejects after `timeoutMs`. */
export async function publishedHomes(stub: SlackStub, app: string, expected: number, timeoutMs = 120_000) {
  const deadline = performance.now() + timeoutMs;
  while (stub.count(app, 'views.publish') < expected) {
    if (performance.now() > deadline) {
      throw new Error(
        `${app}: ${stub.count(app, 'views.publish')} of ${expected} Home tabs published after ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends `count` events to `target` (`app` is its prefix on the stub) and waits for every Home publish. */
export async function runEvents(
  stub: SlackStub,
  app: string,
  target: Target,
  count: number,
  concurrency: number,
): Promise<EventsResult> {
  const before = stub.count(app, 'views.publish');
  const result = await runRound(target, count, concurrency, 'home');
  const acked = performance.now();
  await publishedHomes(stub, app, before + result.latenciesMs.length);
  return { ...result, drainMs: performance.now() - acked };
}

export const overDeadline = (latenciesMs: readonly number[]) =>
  latenciesMs.filter((ms) => ms > SLACK_ACK_DEADLINE_MS).length;
