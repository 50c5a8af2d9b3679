import { type App, Assistant } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { type Capability, defineCapability } from '../../src/capability.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened, messageButton, reactionAdded, viewSubmission } from '../support/payloads.js';
import { recordingLogger } from '../support/recording-logger.js';
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

describe('capabilities listeners filed by id and run by the one global middleware', () => {
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

  it('leaves Bolt only the listeners it cannot file (the regex action), whatever the number of the others', async () => {
    app = await startTestApp({ capabilities: [recordingCapability([])] });
    const bolt = app.groundcrew.slack.app as unknown as { listeners: unknown[] };
    // /platform, the string-id actions, the views and the Home tab's event are filed; the regex action is Bolt's.
    expect(bolt.listeners).toHaveLength(1);
  });

  it('runs a filed listener and a Bolt regex listener that match the same click, and reports both failures', async () => {
    const ran: string[] = [];
    const logger = recordingLogger();
    const both = defineCapability('both', () => ({
      listeners(bolt) {
        bolt.action('t.re-both', async ({ ack }) => {
          await ack();
          ran.push('filed');
        });
        bolt.action(/^t\.re-/, async () => {
          ran.push('regex');
        });
        bolt.action('t.re-fail', async ({ ack }) => {
          await ack();
          throw new Error('filed listener failed');
        });
        bolt.action(/^t\.re-fail/, async () => {
          throw new Error('regex listener failed');
        });
      },
    }));
    app = await startTestApp({ capabilities: [both], logger });
    expect((await app.interact(click('t.re-both'))).status).toBe(200);
    await eventually(() => ran.length === 2, { what: 'both listeners' });
    expect(ran.sort()).toEqual(['filed', 'regex']);
    expect((await app.interact(click('t.re-fail'))).status).toBe(200);
    await eventually(() => logger.lines.some((l) => l.includes('unhandled error in a listener')), {
      what: 'the failure logged',
    });
    const logged = logger.lines.find((l) => l.includes('unhandled error in a listener'))!;
    expect(logged).toContain('filed listener failed');
    expect(logged).toContain('regex listener failed');
  });

  it('files commands and shortcuts too: each runs for its own name only', async () => {
    const ran: string[] = [];
    const more = defineCapability('more', () => ({
      listeners(bolt) {
        bolt.shortcut({ callback_id: 't.short', type: 'message_action' }, async ({ ack }) => {
          await ack();
          ran.push('message shortcut');
        });
        bolt.shortcut('t.global', async ({ ack }) => {
          await ack();
          ran.push('global shortcut');
        });
        bolt.command('/other', async ({ ack }) => {
          await ack({ text: 'other' });
          ran.push('/other');
        });
      },
    }));
    app = await startTestApp({ capabilities: [more] });
    const bolt = app.groundcrew.slack.app as unknown as { listeners: unknown[] };
    expect(bolt.listeners).toHaveLength(0);
    const shortcut = (type: string, callbackId: string) => ({
      type,
      callback_id: callbackId,
      trigger_id: '123.456.789',
      team: { id: 'T04ABCD1EFG', domain: 'acme-eng' },
      user: { id: ENGINEER, username: 'eng', team_id: 'T04ABCD1EFG' },
      channel: { id: 'C0OTHER001', name: 'somewhere' },
      message: { type: 'message', user: ENGINEER, text: 'hi', ts: '1767225600.000100' },
      message_ts: '1767225600.000100',
      response_url: 'http://slack.test/response/shortcut-1',
      action_ts: '1767225600.000200',
      token: 'x',
    });
    expect((await app.interact(shortcut('message_action', 't.short'))).status).toBe(200);
    expect((await app.interact(shortcut('shortcut', 't.global'))).status).toBe(200);
    expect(await (await app.command('', { command: '/other' })).text()).toContain('other');
    ran.sort();
    expect(ran).toEqual(['/other', 'global shortcut', 'message shortcut']);
    ran.length = 0;
    // A global shortcut with the message shortcut's callback_id does not match its `type: message_action`
    // constraint, as under Bolt (unanswered: Bolt acks it after its timeout, so it is not awaited), and /platform
    // does not reach /other's listener.
    const unmatched = app.interact(shortcut('shortcut', 't.short'));
    const help = await app.command('help');
    expect(await help.text()).toContain('/platform');
    await settled(app);
    expect(ran).toEqual([]);
    await unmatched;
  });

  it('runs a registration with several functions as one chain, refuses next() twice, and survives a listener that throws at once', async () => {
    const ran: string[] = [];
    const logger = recordingLogger();
    const chains = defineCapability('chains', () => ({
      listeners(bolt) {
        bolt.action(
          't.chain',
          async ({ next }) => {
            ran.push('middleware');
            await next();
          },
          async ({ ack }) => {
            await ack();
            ran.push('listener');
          },
        );
        bolt.action(
          't.twice',
          async ({ ack, next }) => {
            await ack();
            await next();
            await next();
          },
          async () => {
            ran.push('after next');
          },
        );
        bolt.action('t.throws', (({ ack }: { ack: () => Promise<void> }) => {
          void ack();
          throw new Error('thrown at once');
        }) as never);
      },
    }));
    app = await startTestApp({ capabilities: [chains], logger });
    await app.interact(click('t.chain'));
    expect(ran).toEqual(['middleware', 'listener']);
    await app.interact(click('t.twice'));
    await eventually(() => logger.lines.some((l) => l.includes('next() called multiple times')), {
      what: 'the second next() refused',
    });
    expect(ran).toEqual(['middleware', 'listener', 'after next']);
    expect((await app.interact(click('t.throws'))).status).toBe(200);
    await eventually(() => logger.lines.some((l) => l.includes('thrown at once')), { what: 'the throw logged' });
  });

  it('a click with no action runs no listener and logs no error, as under Bolt', async () => {
    const ran: string[] = [];
    const logger = recordingLogger();
    app = await startTestApp({ capabilities: [recordingCapability(ran)], logger });
    const empty = { ...click('t.a'), actions: [] };
    const answered = app.interact(empty);
    await settled(app);
    expect(ran).toEqual([]);
    expect(logger.lines.filter((l) => l.includes('error'))).toEqual([]);
    await answered;
  });

  it('refuses global middleware after its own: from a capability (use, assistant) and on the App once built', async () => {
    for (const add of [
      (bolt: App) => bolt.use(async ({ next }) => next()),
      (bolt: App) => bolt.assistant(new Assistant({ threadStarted: async () => {}, userMessage: async () => {} })),
    ]) {
      const global = defineCapability('global', () => ({ listeners: add }));
      await expect(startTestApp({ capabilities: [global] })).rejects.toThrow(/no global middleware/);
    }
    app = await startTestApp();
    const bolt = app.groundcrew.slack.app;
    expect(() => bolt.use(async ({ next }) => next())).toThrow(/no global middleware/);
  });

  it('runs event listeners filed by type: each for its type only, a regex one by Bolt beside them', async () => {
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
    // Only the regex event listener is Bolt's.
    expect(bolt.listeners).toHaveLength(1);
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
