import { describe, expect, it } from 'vitest';
import { createEventSlots } from '../../src/slack/event-slots.js';

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};

describe('event slots: at most N events handled at once, the rest in arrival order', () => {
  it('runs N at once, starts the next as one finishes, first come first served', async () => {
    const slots = createEventSlots(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([slots.active(), slots.waiting()]).toEqual([2, 2]);
    gates[1]!.open();
    expect(await runs[1]).toBe(1);
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect([slots.active(), slots.waiting()]).toEqual([2, 1]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([slots.active(), slots.waiting()]).toEqual([0, 0]);
  });

  it('a task that throws gives its slot back', async () => {
    const slots = createEventSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('listener failed')))).rejects.toThrow('listener failed');
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(slots.active()).toBe(0);
  });

  it('without a bound (SQLite) nothing waits', async () => {
    const slots = createEventSlots(Number.POSITIVE_INFINITY);
    const g = gate();
    const runs = Array.from({ length: 50 }, () => slots.run(() => g.opened));
    expect([slots.active(), slots.waiting()]).toEqual([50, 0]);
    g.open();
    await Promise.all(runs);
  });
});
