/** The events phase: signed `app_home_opened` callbacks, and waiting until every Home tab they asked for is published. */
import { type RoundResult, runRound, type Target } from './load.js';
import type { SlackStub } from './stub.js';

/** Slack retries an event whose ack takes longer than this (and counts it as a failure). */
export const SLACK_ACK_DEADLINE_MS = 3000;

export interface EventsResult extends RoundResult {
  /** Last ack → last views.publish reaching the stub: the Home work still queued when the acks were done. */
  drainMs: number;
  /** Acked events whose Home tab was never published (the app dropped the work after acking). */
  unpublished: number;
}

/** Waiting stops when no views.publish has arrived for this long: the app has given up on the rest. */
export const STALL_MS = 20_000;

/**
 * Resolves once `app` has made `expected` calls of `method` (as the stub counts them: `views.publish`, or
 * THREAD_REPLY for replies in threads), or when none has arrived for STALL_MS (or after `timeoutMs` in all); returns
 * how many are missing.
 */
export async function callsArrived(
  stub: SlackStub,
  app: string,
  method: string,
  expected: number,
  timeoutMs = 300_000,
) {
  const deadline = performance.now() + timeoutMs;
  let last = stub.count(app, method);
  let lastChange = performance.now();
  while (stub.count(app, method) < expected) {
    const now = performance.now();
    const count = stub.count(app, method);
    if (count !== last) {
      last = count;
      lastChange = now;
    }
    if (now > deadline || now - lastChange > STALL_MS) return expected - count;
    await new Promise((r) => setTimeout(r, 10));
  }
  return 0;
}

/** callsArrived for views.publish: the Home tabs published. */
export const publishedHomes = (stub: SlackStub, app: string, expected: number, timeoutMs?: number) =>
  callsArrived(stub, app, 'views.publish', expected, timeoutMs);

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
  const unpublished = await publishedHomes(stub, app, before + result.latenciesMs.length);
  const errors =
    unpublished > 0
      ? [
          ...result.errors,
          `${app}: ${unpublished} of ${result.latenciesMs.length} acked events never got their Home tab`,
        ]
      : result.errors;
  return { ...result, errors, drainMs: performance.now() - acked, unpublished };
}

export const overDeadline = (latenciesMs: readonly number[]) =>
  latenciesMs.filter((ms) => ms > SLACK_ACK_DEADLINE_MS).length;
