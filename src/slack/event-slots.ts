/**
 * At most `size` events handled at once in this process; the others wait their turn, first come first served.
 *
 * Slack's events are acked before any middleware runs, so a burst (everyone opening their Home tab after an
 * announcement) reaches the handlers all at once. On PostgreSQL each handler's queries wait for one of the pool's
 * GROUNDCREW_DB_POOL connections, and a query that waits longer than the connect timeout fails: the Home tab is
 * lost and the event cannot be marked processed. Bounded to the pool's size, the burst waits here instead, where
 * waiting costs nothing and nothing times out. On SQLite (one connection whose statements take turns, never timing
 * out) there is no bound.
 */
export interface EventSlots {
  readonly size: number;
  /** Runs `task` once a slot is free; the slot is given back when it settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Events running now. */
  active(): number;
  /** Events waiting for a slot. */
  waiting(): number;
}

export function createEventSlots(size: number): EventSlots {
  if (!(size >= 1)) throw new Error(`event slots: the size must be at least 1, not ${size}`);
  let active = 0;
  const queue: (() => void)[] = [];
  const take = async (): Promise<void> => {
    if (active < size) {
      active++;
      return;
    }
    // The slot is handed over by give(): `active` stays as it is.
    await new Promise<void>((resolve) => queue.push(resolve));
  };
  const give = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };
  return {
    size,
    async run(task) {
      await take();
      try {
        return await task();
      } finally {
        give();
      }
    },
    active: () => active,
    waiting: () => queue.length,
  };
}
