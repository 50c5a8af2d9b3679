import { lt } from 'drizzle-orm';
import type { Core } from '../capability.js';
import type { Db } from '../db/client.js';
import { processedEventsTable } from '../db/schema.js';

/**
 * Slack redelivers events it thinks failed (X-Slack-Retry-Num). Each event_id is processed once; the record is
 * persisted so a restart between deliveries does not double-process. Rows older than a day are pruned by a job.
 */
export function firstDelivery(
  body: unknown,
  services: Pick<Core, 'db' | 'clock' | 'logger'>,
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
