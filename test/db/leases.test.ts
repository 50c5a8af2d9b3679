import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createLeases, isLive, type Leases } from '../../src/db/leases.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';
import { eventually } from '../support/wait.js';

const SECOND = 1000;

/**
 * Leases on both backends, with two handles on one database standing for two replicas (two connections to one
 * SQLite file; two pools on one PostgreSQL database) and one manual clock both replicas read.
 */
for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`leases on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    async function twoReplicas(): Promise<{ a: Leases; b: Leases; clock: ManualClock; dbs: Database[] }> {
      shared = await backend.create();
      const clock = createManualClock('2026-05-04T09:00:00Z');
      const dbs = [await shared.open(), await shared.open()];
      return {
        a: createLeases({ db: dbs[0]!, clock, holder: 'replica-a' }),
        b: createLeases({ db: dbs[1]!, clock, holder: 'replica-b' }),
        clock,
        dbs,
      };
    }

    it('a claim race between two replicas: every key goes to exactly one of them', async () => {
      const { a, b } = await twoReplicas();
      const keys = Array.from({ length: 100 }, (_, i) => `job:race-${i}`);
      // Both ask for every key at once, interleaved, so the two handles' statements overlap.
      // Both ask for every key at once (who asks first alternates), so the two handles' statements overlap.
      const results = await Promise.all(
        keys.flatMap((key, i) => {
          const ask = (leases: Leases) => leases.claim(key, 30 * SECOND).then((won) => ({ key, leases, won }));
          return i % 2 === 0 ? [ask(a), ask(b)] : [ask(b), ask(a)];
        }),
      );
      const winners = results.filter((r) => r.won);
      expect(winners.map((w) => w.key).sort()).toEqual([...keys].sort());
      for (const winner of winners) expect((await a.find(winner.key))?.holder).toBe(winner.leases.holder);
    });

    it('one key fought over round after round: one winner each round', async () => {
      const { a, b } = await twoReplicas();
      for (let round = 0; round < 30; round++) {
        const [byA, byB] = await Promise.all([a.claim('job:tick', 30 * SECOND), b.claim('job:tick', 30 * SECOND)]);
        expect(Number(byA) + Number(byB), `round ${round}`).toBe(1);
        expect(await (byA ? a : b).release('job:tick')).toBe(true);
      }
    });

    it('a claim is exclusive, also against the same replica (two deliveries in one process)', async () => {
      const { a } = await twoReplicas();
      expect(await a.claim('event:Ev1', 60 * SECOND)).toBe(true);
      expect(await a.claim('event:Ev1', 60 * SECOND)).toBe(false);
      expect(await a.claim('event:Ev2', 60 * SECOND)).toBe(true);
    });

    it("a dead holder's lease is taken over once its ttl has passed, and not a millisecond before", async () => {
      const { a, b, clock } = await twoReplicas();
      expect(await a.claim('deploy-status:7', 30 * SECOND)).toBe(true);
      expect(await b.claim('deploy-status:7', 30 * SECOND)).toBe(false);
      // replica-a dies here: it renews nothing from now on.
      clock.advance(30 * SECOND - 1);
      expect(await b.claim('deploy-status:7', 30 * SECOND)).toBe(false);
      clock.advance(1);
      expect(await b.claim('deploy-status:7', 30 * SECOND)).toBe(true);
      expect(await b.find('deploy-status:7')).toEqual({
        key: 'deploy-status:7',
        holder: 'replica-b',
        expiresAt: new Date('2026-05-04T09:01:00Z'),
      });
      // Had replica-a only stalled, it learns it lost the lease and cannot take it back or free it.
      expect(await a.renew('deploy-status:7', 30 * SECOND)).toBe(false);
      expect(await a.release('deploy-status:7')).toBe(false);
      expect((await a.find('deploy-status:7'))?.holder).toBe('replica-b');
    });

    it('renewing keeps a live holder’s lease', async () => {
      const { a, b, clock } = await twoReplicas();
      expect(await a.claim('job:housekeeping', 10 * SECOND)).toBe(true);
      clock.advance(8 * SECOND);
      expect(await a.renew('job:housekeeping', 10 * SECOND)).toBe(true);
      clock.advance(8 * SECOND);
      expect(await b.claim('job:housekeeping', 10 * SECOND)).toBe(false);
      clock.advance(2 * SECOND);
      expect(await b.claim('job:housekeeping', 10 * SECOND)).toBe(true);
    });

    it('only the holder releases; then anyone may claim', async () => {
      const { a, b } = await twoReplicas();
      expect(await a.claim('approval-cards:3', 60 * SECOND)).toBe(true);
      expect(await b.release('approval-cards:3')).toBe(false);
      expect(await b.renew('approval-cards:3', 60 * SECOND)).toBe(false);
      expect((await b.find('approval-cards:3'))?.holder).toBe('replica-a');
      expect(await b.claim('approval-cards:3', 60 * SECOND)).toBe(false);
      expect(await a.release('approval-cards:3')).toBe(true);
      expect(await a.find('approval-cards:3')).toBeNull();
      expect(await b.claim('approval-cards:3', 60 * SECOND)).toBe(true);
      expect(await a.release('approval-cards:3')).toBe(false);
    });

    it('hold runs the work only when claimed and releases it afterwards, also when the work throws', async () => {
      const { a, b } = await twoReplicas();
      let release!: () => void;
      const blocked = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = a.hold('request-webhook:5', 60 * SECOND, async () => {
        await blocked;
        return 'sent';
      });
      await eventually(async () => (await a.find('request-webhook:5'))?.holder === 'replica-a', {
        what: 'replica-a to hold the lease',
      });
      let ran = false;
      expect(
        await b.hold('request-webhook:5', 60 * SECOND, async () => {
          ran = true;
        }),
      ).toEqual({ claimed: false });
      expect(ran).toBe(false);
      release();
      expect(await first).toEqual({ claimed: true, value: 'sent' });
      expect(await a.find('request-webhook:5')).toBeNull();

      await expect(
        b.hold('request-webhook:5', 60 * SECOND, async () => {
          throw new Error('webhook refused');
        }),
      ).rejects.toThrow('webhook refused');
      expect(await b.find('request-webhook:5')).toBeNull();
    });

    it('hold renews while the work runs, and tells the work when another replica took the lease over', async () => {
      const { a, b, clock } = await twoReplicas();
      // Renewed every third of it (real time); expiry is on the manual clock. A renewal unanswered for a whole ttl
      // counts as lost, so the ttl must outlast a slow database round trip on a loaded machine (90 ms did not: one
      // loaded run on PostgreSQL saw the lease "lost" before the takeover).
      const ttl = 3000;
      let signal: AbortSignal | undefined;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const held = a.hold('job:slow', ttl, async (lease) => {
        signal = lease.signal;
        await done;
      });
      await eventually(() => signal, { what: 'the work to start' });
      // Renewals move the expiry along with the clock.
      clock.advance(60);
      await eventually(async () => (await a.find('job:slow'))!.expiresAt.getTime() === clock.now().getTime() + ttl, {
        what: 'a renewal at the new time',
      });
      expect(signal!.aborted).toBe(false);
      // replica-a stalls past its ttl between two renewals: replica-b takes over, replica-a's next renewal sees it.
      // (The clock jumps again if a renewal slipped in between the jump and the claim.)
      await eventually(
        async () => {
          const stalled = clock.advance(10 * SECOND);
          return !isLive(await b.find('job:slow'), stalled) && (await b.claim('job:slow', 60 * SECOND));
        },
        { what: 'replica-b to take the lease over' },
      );
      await eventually(() => signal!.aborted, { what: 'replica-a to learn it lost the lease' });
      finish();
      await held;
      // replica-a did not release what is now replica-b's.
      expect((await b.find('job:slow'))?.holder).toBe('replica-b');
    });

    it('a lapsed lease is no longer renewed: it stays until its ttl, then anyone may claim it', async () => {
      const { a, b, clock } = await twoReplicas();
      const held = await a.acquire('event:Ev7', 30 * SECOND);
      held!.lapse();
      expect(await b.claim('event:Ev7', 30 * SECOND)).toBe(false);
      clock.advance(30 * SECOND);
      expect(await b.claim('event:Ev7', 30 * SECOND)).toBe(true);
    });

    it('a stopping replica gives back everything it holds at once, and renews none of it any more', async () => {
      const { a, b } = await twoReplicas();
      const held = await a.acquire('request-webhook:1', 30 * SECOND);
      expect(held).not.toBeNull();
      expect(await a.claim('job:core.sweep', 30 * SECOND)).toBe(true);
      expect(await b.claim('event:Ev9', 30 * SECOND)).toBe(true);
      expect(await a.releaseAll()).toBe(2);
      expect(await b.claim('request-webhook:1', 30 * SECOND)).toBe(true);
      expect(await b.claim('job:core.sweep', 30 * SECOND)).toBe(true);
      expect((await a.find('event:Ev9'))?.holder).toBe('replica-b');
      // The work that held it ends later: its release does not touch what is now another replica's.
      await held!.release();
      expect((await a.find('request-webhook:1'))?.holder).toBe('replica-b');
    });

    it('prune deletes only leases that expired before the cut-off', async () => {
      const { a, clock } = await twoReplicas();
      await a.claim('event:old', 1 * SECOND);
      await a.claim('event:live', 60 * SECOND);
      clock.advance(30 * SECOND);
      expect(await a.prune(clock.now())).toBe(1);
      expect(await a.find('event:old')).toBeNull();
      expect(await a.find('event:live')).not.toBeNull();
    });

    it('refuses a ttl that is not a whole number of milliseconds above zero', async () => {
      const { a } = await twoReplicas();
      await expect(a.claim('x', 0)).rejects.toThrow(/ttl/);
      await expect(a.claim('x', 1.5)).rejects.toThrow(/ttl/);
      await expect(a.renew('x', -1)).rejects.toThrow(/ttl/);
    });
  });
}
