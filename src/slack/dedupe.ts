import type { App } from '@slack/bolt';
import { lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { processedEventsTable } from '../db/schema.js';
import type { Services } from '../services.js';

/**
 * Slack redelivers events it thinks failed (X-Slack-Retry-Num). Each event_id is processed once; the record is
 * persisted so a restart between deliveries does not double-process. Rows older than a day are pruned by a job.
 */
export function registerEventDedupe(app: App, services: Pick<Services, 'db' | 'clock' | 'logger'>): void {
  app.use(async ({ body, next, context }) => {
    if (firstDelivery(body, services, context.retryNum)) await next();
  });
}

/**
 * Records an Events API delivery's event_id; false when it was processed before (a retry to skip). Requests without
 * an event_id (commands, interactivity) always count as first deliveries. Synchronous, so app.ts runs it inside its
 * one global middleware rather than paying for a second Bolt middleware on every request (README "Benchmark").
 */
export function firstDelivery(
  body: unknown,
  services: Pick<Services, 'db' | 'clock' | 'logger'>,
  retryNum: number | undefined,
): boolean {
  const eventId = (body as { event_id?: unknown }).event_id;
  if (typeof eventId !== 'string' || eventId === '') return true;
  const inserted = services.db
    .insert(processedEventsTable)
    .values({ eventId, receivedAt: services.clock.now() })
    .onConflictDoNothing()
    .run();
  if (inserted.changes > 0) return true;
  services.logger.debug(`event ${eventId} already processed (retry ${retryNum ?? 0}); skipped`);
  return false;
}

export function pruneProcessedEvents(db: Db, before: Date): number {
  return db.delete(processedEventsTable).where(lt(processedEventsTable.receivedAt, before)).run().changes;
}
