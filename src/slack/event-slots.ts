import { AsyncResource } from 'node:async_hooks';

/**
 * How this process schedules the handling of Slack events (docs/architecture.md, "How events are scheduled").
 *
 * Slack's events are acked as soon as they are stored (src/slack/app.ts, `processEvent`), before Bolt runs them, so a
 * burst (everyone opening their Home tab after an announcement) reaches the handlers all at once. What waits here is
 * the event's body alone: the receiver's request and response are done with at the ack. Two things follow:
 *
 * - **Acks first.** A handler is never started in the turn of the event loop that received (and acked) its event:
 *   it waits in a queue, and the queue starts at most one handler per turn of the loop, from a `setImmediate`
 *   callback. Between two starts the loop goes through its poll phase, so requests that arrived in the meantime are
 *   read and acked before the next handler's synchronous work (better-sqlite3 statements, building queries and
 *   Block Kit, JSON) runs. Without this a handler started in the same turn as its ack, and on SQLite, whose
 *   statements run on the main thread, every request of a burst waited behind the handlers of the ones before it
 *   (bench/README.md). The work is not dropped, only ordered: first come first served, every queued event is
 *   handled, at full speed once the burst's requests are in.
 * - **At most `size` at once.** On PostgreSQL each handler's queries wait for one of the pool's GROUNDCREW_DB_POOL
 *   connections, and a query that waits longer than the connect timeout fails: the Home tab is lost and the event
 *   cannot be marked processed. Bounded to the pool's size, the burst waits here instead, where waiting costs
 *   nothing and nothing times out. On SQLite (one connection whose statements take turns, never timing out) there
 *   is no bound: a handler waiting on a slow or rate-limited Web API call holds nobody else up, and the one start
 *   per turn already keeps the work between two reads of the network small.
 */
export interface EventSlots {
  readonly size: number;
  /** Queues `task`; it is started in a later turn of the event loop, once a slot is free. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Events running now. */
  active(): number;
  /** Events waiting to be started. */
  waiting(): number;
}

/** Defers `start` to the check phase of the next turn of the event loop (after its poll phase). */
export type Defer = (start: () => void) => void;

const nextTurn: Defer = (start) => {
  setImmediate(start);
};

/**
 * How many events run at once on a database with `poolSize` connections (undefined: SQLite, no bound). Two
 * connections stay free of event handlers: every event's inbox insert (src/slack/inbox.ts) needs one before Slack
 * gets its ack, and commands and jobs need one too; with every connection held by a handler, those waited behind
 * the burst (acks past Slack's 3 s in the two-replica test).
 */
export function eventSlotsFor(poolSize: number | undefined): number {
  return poolSize === undefined ? Number.POSITIVE_INFINITY : Math.max(1, poolSize - 2);
}

export function createEventSlots(size: number, defer: Defer = nextTurn): EventSlots {
  if (!(size >= 1)) throw new Error(`event slots: the size must be at least 1, not ${size}`);
  let active = 0;
  let scheduled = false;
  const queue: (() => void)[] = [];

  const schedule = () => {
    if (scheduled || queue.length === 0 || active >= size) return;
    scheduled = true;
    defer(startOne);
  };
  // One start per turn: the next is deferred again, so the poll phase (new requests, their acks) comes in between.
  function startOne() {
    scheduled = false;
    if (active >= size) return;
    const start = queue.shift();
    if (!start) return;
    active++;
    start();
    schedule();
  }
  const settle = () => {
    active--;
    schedule();
  };
  return {
    size,
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // Started later from another callback, the task still runs in its caller's async context (log, transaction).
        queue.push(
          AsyncResource.bind(() => {
            let running: Promise<T>;
            try {
              running = task();
            } catch (error) {
              running = Promise.reject(error);
            }
            running.then(
              (value) => {
                settle();
                resolve(value);
              },
              (error: unknown) => {
                settle();
                reject(error);
              },
            );
          }),
        );
        schedule();
      });
    },
    active: () => active,
    waiting: () => queue.length,
  };
}
