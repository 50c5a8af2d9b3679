import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createLeases } from '../../src/db/leases.js';
import { createSilentLogger } from '../../src/logger.js';
import { beginDelivery, EVENT_LEASE_TTL_MS, eventProcessed } from '../../src/slack/dedupe.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';

/**
 * The event middleware's claim with two replicas on one database: Slack's redelivery of an event may reach the
 * other replica while the first is still handling it, or after the first died.
 */
for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`events once across replicas on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    async function replicas() {
      shared = await backend.create();
      const clock: ManualClock = createManualClock('2026-11-23T10:00:00Z');
      const replica = async (holder: string) => {
        const db: Database = await shared!.open();
        return { db, clock, logger: createSilentLogger(), leases: createLeases({ db, clock, holder }) };
      };
      return { clock, one: await replica('replica-1'), two: await replica('replica-2') };
    }

    const body = (eventId: string) => ({
      type: 'event_callback',
      event_id: eventId,
      event: { type: 'message' },
    });

    it('a redelivery reaching the other replica while the first handles the event is skipped', async () => {
      const { one, two } = await replicas();
      const first = await beginDelivery(body('Ev0BOTH0001'), one, undefined);
      expect(first).not.toBeNull();
      expect(await beginDelivery(body('Ev0BOTH0001'), two, 1)).toBeNull();
      // … and on the same replica too.
      expect(await beginDelivery(body('Ev0BOTH0001'), one, 1)).toBeNull();
      await first!.done();
      await first!.release();
      // Handled: a later redelivery is skipped on either replica, now because it is marked processed.
      expect(await beginDelivery(body('Ev0BOTH0001'), two, 2)).toBeNull();
      expect(await eventProcessed(two.db, 'Ev0BOTH0001')).toBe(true);
    });

    it('an event whose handler failed on one replica is handled by the redelivery on the other', async () => {
      const { one, two } = await replicas();
      const first = await beginDelivery(body('Ev0FAIL0001'), one, undefined);
      await first!.release(); // the listener threw: released, not marked
      const retry = await beginDelivery(body('Ev0FAIL0001'), two, 1);
      expect(retry).not.toBeNull();
      await retry!.done();
      await retry!.release();
      expect(await eventProcessed(one.db, 'Ev0FAIL0001')).toBe(true);
    });

    it('an event whose replica died mid-handler is handled by a redelivery once its claim expired', async () => {
      const { clock, one, two } = await replicas();
      expect(await beginDelivery(body('Ev0DEAD0001'), one, undefined)).not.toBeNull();
      await one.db.close(); // replica-1 dies: no mark, no release, no renewal
      clock.advance(EVENT_LEASE_TTL_MS - 1);
      expect(await beginDelivery(body('Ev0DEAD0001'), two, 1)).toBeNull();
      clock.advance(1);
      const retry = await beginDelivery(body('Ev0DEAD0001'), two, 2);
      expect(retry).not.toBeNull();
      await retry!.done();
      await retry!.release();
      expect(await eventProcessed(two.db, 'Ev0DEAD0001')).toBe(true);
    });

    it('many events, each delivered to both replicas at once, are each handled by exactly one', async () => {
      const { one, two } = await replicas();
      const ids = Array.from({ length: 100 }, (_, i) => `Ev0MANY${String(i).padStart(4, '0')}`);
      const handledBy: string[] = [];
      const deliver = async (replica: typeof one, name: string, id: string) => {
        const delivery = await beginDelivery(body(id), replica, undefined);
        if (!delivery) return;
        handledBy.push(`${id} ${name}`);
        await delivery.done();
        await delivery.release();
      };
      await Promise.all(ids.flatMap((id) => [deliver(one, 'one', id), deliver(two, 'two', id)]));
      expect(handledBy.map((h) => h.split(' ')[0]).sort()).toEqual(ids);
    });
  });
}
