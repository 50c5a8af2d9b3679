import { afterEach, describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability.js';
import { SYNC_EVENT_SLOTS } from '../../src/slack/event-slots.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened } from '../support/payloads.js';
import { eventually, gate, settled } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/**
 * Slack's events are acked before they are handled (src/slack/event-slots.ts). A burst's handlers wait in a queue,
 * started one per turn of the event loop and at most a few at once, so the requests that keep arriving are read and
 * acked in between instead of waiting for every earlier event's handler; and every queued event is still handled.
 */
describe('a burst of events: acked while their handlers wait, every one handled afterwards', () => {
  it('an event sent while 50 handlers are queued is acked before they finish; then all 51 Home tabs are published', async () => {
    const held = gate();
    let built = 0;
    // A Home section that cannot finish until the test lets it: each event's handler stays busy.
    const slow = defineCapability('slow-home', () => ({
      homeSections: [
        {
          id: 'slow-home.section',
          order: 1,
          async build() {
            built++;
            await held.opened;
            return [{ type: 'section', text: { type: 'mrkdwn', text: 'held' } }];
          },
        },
      ],
    }));
    app = await startTestApp({ capabilities: [slow] });
    const bound = app.database.poolSize ?? SYNC_EVENT_SLOTS;
    const users = Array.from({ length: 50 }, (_, i) => `U0QUEUE${String(i).padStart(3, '0')}`);
    const acks = await Promise.all(users.map((user, i) => app!.event(appHomeOpened(user), { eventId: `EvQUEUE${i}` })));
    expect(acks.map((a) => a.status)).toEqual(users.map(() => 200));
    // Every handler that started is held; the others wait their turn.
    await eventually(() => built === bound, { what: `${bound} handlers started` });
    expect(app.groundcrew.slack.inFlight()).toBe(50);

    const late = await app.event(appHomeOpened('U0QUEUE050'), { eventId: 'EvQUEUE50' });
    expect(late.status).toBe(200);
    expect(built).toBe(bound);
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
    expect(built).toBe(51);
  }, 60_000);
});
