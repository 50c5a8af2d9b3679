import { afterEach, describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability.js';
import { eventSlotsFor } from '../../src/slack/event-slots.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened, eventCallback } from '../support/payloads.js';
import { eventually, gate, settled } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/**
 * Slack's events are acked before they are handled (src/slack/event-slots.ts). A burst's handlers wait in a queue,
 * started one per turn of the event loop (on PostgreSQL at most the pool's size less two at once), so the requests that keep
 * arriving are read and acked in between instead of waiting for earlier events' handlers; and every queued event is
 * still handled. (That one start per turn lets network input in: test/slack/event-slots.test.ts.)
 */
/** A Home section that cannot finish until the test opens `held`: each event's handler stays busy. */
function slowHome() {
  const held = gate();
  const counts = { built: 0 };
  const slow = defineCapability('slow-home', () => ({
    homeSections: [
      {
        id: 'slow-home.section',
        order: 1,
        async build() {
          counts.built++;
          await held.opened;
          return [{ type: 'section', text: { type: 'mrkdwn', text: 'held' } } as const];
        },
      },
    ],
  }));
  return { held, slow, built: () => counts.built };
}

describe('a burst of events: acked while their handlers wait, every one handled afterwards', () => {
  it('an event sent while 50 handlers are unfinished is acked before they finish; then all 51 Home tabs are published', async () => {
    const { held, slow, built } = slowHome();
    app = await startTestApp({ capabilities: [slow] });
    // At most the pool's size less two at once on PostgreSQL; no bound on SQLite.
    const started = Math.min(eventSlotsFor(app.database.poolSize), 50);
    const users = Array.from({ length: 50 }, (_, i) => `U0QUEUE${String(i).padStart(3, '0')}`);
    const acks = await Promise.all(users.map((user, i) => app!.event(appHomeOpened(user), { eventId: `EvQUEUE${i}` })));
    expect(acks.map((a) => a.status)).toEqual(users.map(() => 200));
    // Every handler that started is held; on PostgreSQL the others wait their turn.
    await eventually(() => built() === started, { what: `${started} handlers started` });
    expect(app.groundcrew.slack.inFlight()).toBe(50);

    const late = await app.event(appHomeOpened('U0QUEUE050'), { eventId: 'EvQUEUE50' });
    expect(late.status).toBe(200);
    // On PostgreSQL no slot has come free, so nothing more started.
    if (app.database.poolSize !== undefined) expect(built()).toBe(eventSlotsFor(app.database.poolSize));
    expect(app.slack.callsTo('views.publish')).toEqual([]);

    held.open();
    await eventually(() => app!.slack.callsTo('views.publish').length === 51, {
      timeoutMs: 30_000,
      what: 'every Home tab published',
    });
    await settled(app);
    const published = app.slack.callsTo('views.publish').map((c) => String(c.args.user_id));
    expect(published.sort()).toEqual([...users, 'U0QUEUE050'].sort());
    // Each queued event handled once.
    expect(built()).toBe(51);
  }, 60_000);

  it('the receiver is done with an event once it is acked: what waits for a slot is its body, not the request', async () => {
    const { held, slow, built } = slowHome();
    app = await startTestApp({ capabilities: [slow] });
    // As a receiver hands an event over (HTTP or Socket Mode): its ack answers the request.
    let acks = 0;
    const receiving = app.groundcrew.slack.app.processEvent({
      body: eventCallback(appHomeOpened('U0HELD001'), { eventId: 'EvHELD001' }),
      ack: async () => {
        acks++;
      },
    });
    await receiving;
    // Resolved with the handler not started or held: the receiver lets go of its request and response now; only the
    // body waits in the queue (until this change the receiver held them until the handler finished).
    expect(acks).toBe(1);
    expect(app.groundcrew.slack.inFlight()).toBe(1);
    await eventually(() => built() === 1, { what: 'the handler started' });
    expect(app.groundcrew.slack.inFlight()).toBe(1);
    held.open();
    await eventually(() => app!.slack.callsTo('views.publish').length === 1, { what: 'the Home tab published' });
    await settled(app);
    expect(app.groundcrew.slack.inFlight()).toBe(0);
    expect(acks).toBe(1);
  });
});
