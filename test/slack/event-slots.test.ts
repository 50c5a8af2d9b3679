import { AsyncLocalStorage } from 'node:async_hooks';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEventSlots, type Defer, eventSlotsFor } from '../../src/slack/event-slots.js';

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};

/** A hand-cranked event loop: `turn()` runs what the slots deferred to the next turn, as setImmediate would. */
function manualTurns() {
  const pending: (() => void)[] = [];
  const defer: Defer = (start) => pending.push(start);
  return {
    defer,
    pending: () => pending.length,
    async turn() {
      const due = pending.splice(0);
      for (const start of due) start();
      // What a started task does synchronously (its microtasks) runs before the next turn, as in Node's loop.
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

describe('event slots: at most N events handled at once, the rest in arrival order', () => {
  it("leaves two of the pool's connections to inbox inserts, commands and jobs; no bound on SQLite", () => {
    expect(eventSlotsFor(10)).toBe(8);
    expect(eventSlotsFor(3)).toBe(1);
    expect(eventSlotsFor(2)).toBe(1);
    expect(eventSlotsFor(undefined)).toBe(Number.POSITIVE_INFINITY);
  });

  it('runs N at once, starts the next as one finishes, first come first served', async () => {
    const loop = manualTurns();
    const slots = createEventSlots(2, loop.defer);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await loop.turn();
    await loop.turn();
    await loop.turn();
    expect(started).toEqual([0, 1]);
    expect([slots.active(), slots.waiting()]).toEqual([2, 2]);
    gates[1]!.open();
    expect(await runs[1]).toBe(1);
    await loop.turn();
    expect(started).toEqual([0, 1, 2]);
    expect([slots.active(), slots.waiting()]).toEqual([2, 1]);
    for (const g of gates) g.open();
    while (slots.waiting() > 0 || loop.pending() > 0) await loop.turn();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([slots.active(), slots.waiting()]).toEqual([0, 0]);
  });

  it('a task that throws (or rejects) gives its slot back', async () => {
    const slots = createEventSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('listener failed')))).rejects.toThrow('listener failed');
    await expect(
      slots.run(() => {
        throw new Error('thrown before its first await');
      }),
    ).rejects.toThrow('thrown before its first await');
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(slots.active()).toBe(0);
  });

  it('never starts a task in the caller’s turn, and starts one per turn of the loop', async () => {
    const loop = manualTurns();
    const slots = createEventSlots(8, loop.defer);
    const started: number[] = [];
    const runs = Array.from({ length: 3 }, (_, i) =>
      slots.run(async () => {
        started.push(i);
      }),
    );
    // The request that queued them is acked first: nothing has started yet.
    expect(started).toEqual([]);
    expect(slots.waiting()).toBe(3);
    await loop.turn();
    expect(started).toEqual([0]);
    await loop.turn();
    expect(started).toEqual([0, 1]);
    await loop.turn();
    expect(started).toEqual([0, 1, 2]);
    await Promise.all(runs);
    expect(loop.pending()).toBe(0);
  });

  it('a task runs in the async context of its caller, whichever turn starts it', async () => {
    const store = new AsyncLocalStorage<string>();
    const slots = createEventSlots(1);
    const seen = await Promise.all(
      ['a', 'b', 'c'].map((id) => store.run(id, () => slots.run(async () => store.getStore()))),
    );
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  /**
   * The property the acks need, on Node's real loop: data that arrives on a socket while 50 handlers are queued is
   * read after at most a couple of them, not after all 50 (each handler here holds the loop synchronously, as a
   * SQLite handler does).
   */
  it('network input that arrives while 50 tasks are queued is read before they have all run', async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const peer = await accepted;
    try {
      const slots = createEventSlots(50);
      let ran = 0;
      const runs = Array.from({ length: 50 }, () =>
        slots.run(async () => {
          ran++;
          // Synchronous work that never yields (better-sqlite3 statements, building Block Kit).
          const until = performance.now() + 2;
          while (performance.now() < until) {}
        }),
      );
      const ranWhenRead = new Promise<number>((resolve) => peer.once('data', () => resolve(ran)));
      client.write('the next request');
      expect(await ranWhenRead).toBeLessThan(5);
      await Promise.all(runs);
      expect(ran).toBe(50);
    } finally {
      client.destroy();
      peer.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
