import { afterEach, describe, expect, it } from 'vitest';
import { type Capability, defineCapability } from '../../src/capability.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened, messageButton, reactionAdded, viewSubmission } from '../support/payloads.js';
import { eventually, settled } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Registers listeners the ways capabilities do and records which ones ran. */
function recordingCapability(ran: string[]): Capability {
  return defineCapability('recording', () => ({
    listeners(bolt) {
      bolt.action('t.a', async ({ ack }) => {
        await ack();
        ran.push('a by string');
      });
      bolt.action({ type: 'block_actions', action_id: 't.a' }, async () => {
        ran.push('a by constraints');
      });
      bolt.action({ action_id: 't.b', block_id: 'wanted' }, async ({ ack }) => {
        await ack();
        ran.push('b in the wanted block');
      });
      bolt.action(/^t\.re-/, async ({ ack, context }) => {
        await ack();
        ran.push(`regex ${String(context.actionIdMatches?.[0])}`);
      });
      bolt.view('t.view', async ({ ack, view }) => {
        await ack({ response_action: 'errors', errors: { field: `seen ${view.callback_id}` } });
        ran.push('view submitted');
      });
      bolt.view({ callback_id: 't.view', type: 'view_closed' }, async ({ ack }) => {
        await ack();
        ran.push('view closed');
      });
    },
  }));
}

const click = (actionId: string, blockId = 'actions') =>
  messageButton({ userId: ENGINEER, actionId, blockId, channelId: 'C0DEPLOYS1', messageTs: '1767225600.000100' });

describe('capabilities listeners served by one Bolt listener per kind', () => {
  it('runs exactly the listeners whose constraints match, as Bolt would', async () => {
    const ran: string[] = [];
    app = await startTestApp({ capabilities: [recordingCapability(ran)] });

    expect((await app.interact(click('t.a'))).status).toBe(200);
    expect(ran.sort()).toEqual(['a by constraints', 'a by string']);

    ran.length = 0;
    // Unmatched clicks are never acked (Bolt answers them after its 3 s unhandled-request timeout): send together.
    await Promise.all([
      app.interact(click('t.b', 'other-block')),
      app.interact(click('t.unknown')),
      app.interact(viewSubmission({ userId: ENGINEER, callbackId: 't.other', values: {} })),
    ]);
    await app.interact(click('t.b', 'wanted'));
    expect(ran).toEqual(['b in the wanted block']);

    ran.length = 0;
    await app.interact(click('t.re-42'));
    expect(ran).toEqual(['regex t.re-']);

    ran.length = 0;
    const submitted = await app.interact(viewSubmission({ userId: ENGINEER, callbackId: 't.view', values: {} }));
    expect(await submitted.json()).toEqual({ response_action: 'errors', errors: { field: 'seen t.view' } });
    await app.interact({
      ...viewSubmission({ userId: ENGINEER, callbackId: 't.view', values: {} }),
      type: 'view_closed',
    });
    expect(ran).toEqual(['view submitted', 'view closed']);
  });

  it('adds one Bolt listener for all string-id actions and one for all views, whatever their number', async () => {
    app = await startTestApp({ capabilities: [recordingCapability([])] });
    const bolt = app.groundcrew.slack.app as unknown as { listeners: unknown[] };
    // /platform, the regex action (left to Bolt), the action index, the view index and the event index (the Home tab).
    expect(bolt.listeners).toHaveLength(5);
  });

  it('serves event listeners filed by type from one Bolt listener: each runs for its type only, a regex goes to Bolt', async () => {
    const ran: string[] = [];
    const events = defineCapability('events', () => ({
      listeners(bolt) {
        bolt.event('reaction_added', async ({ event }) => {
          ran.push(`first ${event.type}`);
        });
        bolt.event('reaction_added', async ({ event }) => {
          ran.push(`second ${event.type}`);
        });
        bolt.event('reaction_removed', async () => {
          ran.push('removed');
        });
        bolt.event(/^reaction_/, async ({ event }) => {
          ran.push(`regex ${event.type}`);
        });
      },
    }));
    app = await startTestApp({ capabilities: [events] });
    const bolt = app.groundcrew.slack.app as unknown as { listeners: unknown[] };
    // /platform, the event index (the Home tab and the three string-type listeners), the regex event listener.
    expect(bolt.listeners).toHaveLength(3);
    await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0INDEX001' });
    await eventually(() => ran.length === 3, { what: 'the reaction_added listeners' });
    await settled(app);
    expect(ran.sort()).toEqual(['first reaction_added', 'regex reaction_added', 'second reaction_added']);
    // The Home tab, filed under app_home_opened, still publishes.
    await app.event(appHomeOpened(ENGINEER));
    await app.slack.waitFor('views.publish');
    await settled(app);
    expect(ran).toHaveLength(3);
  });

  it('still refuses what Bolt refuses: an event type like message.channels fails at start, as Bolt says', async () => {
    const wrong = defineCapability('wrong', () => ({
      listeners(bolt) {
        bolt.event('message.channels', async () => {});
      },
    }));
    await expect(startTestApp({ capabilities: [wrong] })).rejects.toThrow(/not a valid event type/);
  });
});
