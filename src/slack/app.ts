import type { Server } from 'node:http';
import { App, type CustomRoute, type ReceiverEvent } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Core } from '../capability.js';
import type { Env } from '../config.js';
import type { HeldLease } from '../db/leases.js';
import { isBusyError, isWriteRefusal, writeFailedMessage, writeFailureSummary } from '../db/write.js';
import { slackLogContext } from '../log-context.js';
import { runWithLogContext } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import { slackClientOptions } from './client.js';
import { registerCommandRouter } from './command-router.js';
import { beginDelivery, eventIdOf, markEventProcessed } from './dedupe.js';
import { createEventSlots, eventSlotsFor } from './event-slots.js';
import { registerHomeTab } from './home.js';
import { guardRoute, healthRoute } from './http.js';
import { createIdTranslator, type IdAliases } from './id-aliases.js';
import { DEFAULT_EVENT_REPLAY_AFTER_MS, eventSweepJob, inboxEntryOf, recordEvent } from './inbox.js';
import { indexListeners } from './listener-index.js';
import { guardEventBodies, SERVER_OPTIONS } from './receiver-guard.js';

export interface SlackAppOptions {
  env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL' | 'PORT'> &
    Partial<Pick<Env, 'GROUNDCREW_EVENT_REPLAY_AFTER'>>;
  core: Core;
  /** Every capability's HTTP routes (signed callbacks), then the caller's extra routes. */
  routes: readonly CustomRoute[];
  /** Every capability's `listeners(app)`, in capability order. */
  listeners: readonly ((app: App) => void)[];
  /** Every capability's old-id table: old ids are rewritten to current ones before any listener runs. */
  idAliases?: readonly IdAliases[];
  /** Known bot identity: skips Bolt's auth.test (tests, benchmark). */
  botIdentity?: { botId: string; botUserId: string };
  /** Web API retry policy; tests pass `{ retries: 0 }`. */
  retryConfig?: { retries: number };
  /** Health probe; defaults to "always healthy". */
  healthy?: () => boolean | Promise<boolean>;
  /** Interface to listen on (HTTP mode); default: every interface. The playground and tests use 127.0.0.1. */
  host?: string;
  /** Metrics (src/ops/metrics.ts): the fetch Bolt's Web API clients use, and the HTTP server to time. */
  metrics?: Pick<Metrics, 'slackFetch' | 'watchServer'>;
}

export interface SlackApp {
  app: App;
  /** The core's Web API client (the one capabilities use). */
  client: WebClient;
  /** Listener runs still in progress (acked or not), events waiting for a slot, and events waiting to run again. */
  inFlight(): number;
  start(): Promise<Server | undefined>;
  /** Stops taking requests, waits (bounded) for in-flight handlers. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Pauses before an event the database gave up as busy is run again in this process (each × 0.5–1.5 at random): the
 * burst that made it busy has usually passed, and the longest (3 s) stays under the tests' 5 s settle wait.
 */
const BUSY_RETRY_PAUSES_MS = [500, 2_000];

/** The ack an event carries once it has been acknowledged (by `processEvent` below, or never: a replay). */
const acked = async () => {};

/** Builds the Bolt App: receiver, routes, global middleware, the router, the Home tab and every listener. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { env, core } = options;
  const customRoutes: CustomRoute[] = [healthRoute(options.healthy ?? (() => true)), ...options.routes];
  const guardedRoutes = customRoutes.map((route) => guardRoute(route, core.logger));

  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    ...(socketMode ? { socketMode: true, appToken: env.SLACK_APP_TOKEN } : {}),
    port: env.PORT,
    customRoutes: guardedRoutes,
    logger: core.logger,
    // Bolt's conversation store (context.conversation) is not used: without it, one global middleware fewer runs on
    // every request and no per-conversation map grows.
    convoStore: false,
    // The same options as core.client (slack/client.ts): Bolt builds its own clients for listener arguments.
    clientOptions: slackClientOptions(env, core.logger, options.retryConfig, options.metrics?.slackFetch()),
    ...(options.botIdentity ?? {}),
  });

  // The event inbox (inbox.ts): an event is stored before Bolt acknowledges it. Both receivers (HTTP, Socket Mode)
  // hand every request to app.processEvent, which acknowledges an event before any middleware runs; the insert
  // comes first here, so a failed one throws before the ack: HTTP answers 500, Socket Mode does not ack, and Slack
  // retries. An event Bolt drops before our middleware (its own messages, through ignoreSelf) is marked handled.
  const replayAfterMs = (env.GROUNDCREW_EVENT_REPLAY_AFTER ?? DEFAULT_EVENT_REPLAY_AFTER_MS / 1000) * 1000;
  const reached = new WeakSet<object>();
  // Events wait here for their turn, at most the database's pool size less two running at once (event-slots.ts).
  const eventSlots = createEventSlots(eventSlotsFor(core.db.poolSize));
  const processEvent = app.processEvent.bind(app);
  /** Queues an acknowledged event for its slot; nobody awaits it, so a failure is logged here. */
  const runLater = (event: ReceiverEvent) => {
    void eventSlots
      .run(() => receive(event, false))
      .catch((error: unknown) => core.logger.error('unhandled error while handling an event:', error));
  };
  const receive = async (event: ReceiverEvent, record: boolean) => {
    const entry = inboxEntryOf(event.body);
    if (entry && record) await recordEvent(core.db, entry, event.body, core.clock.now(), replayAfterMs);
    await processEvent(event);
    if (entry && !reached.has(event.body)) {
      await markEventProcessed(core.db, entry.eventId, core.clock.now(), event.body).catch((error: unknown) =>
        core.logger.warn(`event ${entry.eventId}: could not mark an event nothing listens to as handled:`, error),
      );
    }
  };
  // A view submitted from a modal opened before an id was renamed is answered under the block ids it shows
  // (id-aliases.ts): the middleware rewrites the body, so the listener's errors name the current ids.
  const translateIds = createIdTranslator(options.idAliases ?? []);
  const inShownIds = (event: ReceiverEvent): ReceiverEvent =>
    (event.body as { type?: unknown } | undefined)?.type === 'view_submission'
      ? { ...event, ack: (response) => event.ack(translateIds.answerFor(event.body, response)) }
      : event;
  // An event is acknowledged here, once stored, and queued as its body alone (no HTTP request or response, no
  // socket message): a burst of thousands waits in a few kilobytes each (bench/README.md, "Memory"). Bolt runs it
  // later, with an ack that does nothing. Commands, clicks and view submissions go straight to Bolt: their
  // listener is what acks them.
  const storeAndAck = async (event: ReceiverEvent) => {
    const entry = inboxEntryOf(event.body);
    if (entry) await recordEvent(core.db, entry, event.body, core.clock.now(), replayAfterMs);
    await event.ack();
    const { body, retryNum, retryReason, customProperties } = event;
    runLater({ body, retryNum, retryReason, customProperties, ack: acked });
  };
  // Not async itself: a command's or a click's path through here adds no promise of its own (each one costs the
  // async-context hooks on Node 20, bench/README.md "Commands").
  app.processEvent = (event) => (eventIdOf(event.body) ? storeAndAck(event) : processEvent(inShownIds(event)));
  // A replayed event runs under the lease the sweep took: the middleware takes it from here (handedOver), and one
  // the middleware never reached (Bolt dropped the body) is given back here.
  const handedOver = new WeakMap<object, HeldLease>();
  core.scheduler.register(
    eventSweepJob({
      core,
      afterMs: replayAfterMs,
      replay: async (body, lease) => {
        handedOver.set(body, lease);
        try {
          await eventSlots.run(() => receive({ body, ack: acked }, false));
        } finally {
          if (handedOver.delete(body)) await lease.release();
        }
      },
    }),
  );

  // Listener runs of commands, clicks and view submissions; events are counted by their slots, queued or running,
  // and by their timers while they wait to be run again after a busy database (retrySoon).
  let requestsInFlight = 0;
  const retryTimers = new Set<NodeJS.Timeout>();
  const inFlight = () => requestsInFlight + eventSlots.active() + eventSlots.waiting() + retryTimers.size;
  let draining = false;
  // An event whose handling the database gave up as busy (a SERIALIZABLE transaction that lost its race on every
  // try: a burst of writes at once) is run again here after a pause, twice at most, instead of waiting a minute or
  // more for the inbox sweep; a stop leaves it to the sweep (its row is still unhandled).
  const busyTries = new WeakMap<object, number>();
  const retrySoon = (body: object): number | undefined => {
    const tries = busyTries.get(body) ?? 0;
    const pause = BUSY_RETRY_PAUSES_MS[tries];
    if (pause === undefined || draining) return undefined;
    busyTries.set(body, tries + 1);
    const delay = Math.round(pause * (0.5 + Math.random()));
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      runLater({ body, ack: acked });
    }, delay);
    retryTimers.add(timer);
    return delay;
  };
  // One global middleware, not two: Bolt runs every global middleware on every request (~5 µs each,
  // bench/README.md). It skips processed and running events and marks them once handled (dedupe.ts), maps old ids
  // to current ones (id-aliases.ts), then counts the listener run for stop(). Events reach it from their slot,
  // already acked and started one per turn of the event loop, so the acks of a burst are not held up by earlier
  // events' handlers.
  // Capabilities' listeners are filed by name, id or type (listener-index.ts): the middleware runs the ones filed
  // for this request in place of Bolt's listener phase, which would run every listener's chain on every request.
  const listeners = indexListeners(app);
  app.use((args) => {
    const { body, context } = args;
    reached.add(body);
    translateIds(body);
    const next = () => listeners.dispatch(args);
    return eventIdOf(body) ? handleEvent(body, context.retryNum, next) : handleRequest(body, next);
  });
  // Commands, clicks and view submissions: counted for stop(); a write the database refused is never a silent
  // success, so the person who asked is told.
  const handleRequest = async (body: unknown, next: () => Promise<void>) => {
    requestsInFlight++;
    try {
      await runWithLogContext(slackLogContext(body), next);
    } catch (error) {
      if (!isWriteRefusal(error)) throw error;
      core.logger.error(`${writeFailureSummary(error)}:`, error);
      await tellWriteFailed(core, body, writeFailedMessage(error));
    } finally {
      requestsInFlight--;
    }
  };
  // Events: claimed (dedupe.ts), and marked processed only once every listener has finished (or by a listener's
  // commitWithEvent). One the database refused is not marked, so it runs again (retrySoon, or the inbox sweep);
  // nobody asked, so nobody is told.
  const handleEvent = async (body: unknown, retryNum: number | undefined, next: () => Promise<void>) => {
    const lease = handedOver.get(body as object);
    if (lease) handedOver.delete(body as object);
    const delivery = await beginDelivery(body, core, retryNum, lease);
    if (!delivery) return;
    try {
      await runWithLogContext(slackLogContext(body), next);
      await delivery.done();
    } catch (error) {
      if (!isWriteRefusal(error)) throw error;
      const again = isBusyError(error) ? retrySoon(body as object) : undefined;
      if (again !== undefined) {
        core.logger.warn(`${writeFailureSummary(error)}: event ${eventIdOf(body)} runs again in ${again} ms`);
        return;
      }
      core.logger.error(`${writeFailureSummary(error)}:`, error);
    } finally {
      await delivery.release();
    }
  };

  app.error(async (error) => {
    core.logger.error('unhandled error in a listener:', error);
  });

  registerCommandRouter(listeners.app, core);
  registerHomeTab(listeners.app, core);
  for (const register of options.listeners) register(listeners.app);
  listeners.install();

  return {
    app,
    client: core.client,
    inFlight,
    async start() {
      const listen = options.host ? { port: env.PORT, host: options.host } : env.PORT;
      const started = await (socketMode ? app.start(listen) : app.start(listen, { ...SERVER_OPTIONS }));
      if (socketMode) return undefined;
      guardEventBodies(started as Server, core.logger);
      options.metrics?.watchServer(started as Server);
      return started as Server;
    },
    async stop(timeoutMs = 10_000) {
      if (draining) return;
      draining = true;
      // Events waiting to be run again after a busy database are left to the inbox sweep (their rows are unhandled).
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      const stopping = app.stop().catch((error: unknown) => core.logger.warn('stopping the receiver:', error));
      const deadline = Date.now() + timeoutMs;
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (inFlight() > 0) {
        core.logger.warn(`shutdown: ${inFlight()} handler(s) still running or waiting after ${timeoutMs} ms`);
      }
      await Promise.race([stopping, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    },
  };
}

/** The person behind a request (a click, a view, a command, an event), told by DM that nothing was saved. */
async function tellWriteFailed(core: Core, body: unknown, message: string): Promise<void> {
  const b = body as { user?: { id?: string }; user_id?: string; event?: { user?: string } };
  const userId = b.user?.id ?? b.user_id ?? b.event?.user;
  if (!userId) return;
  await core.client.chat
    .postMessage({ channel: userId, text: `:warning: ${message}` })
    .catch((error: unknown) => core.logger.warn('could not tell about a refused write:', error));
}
