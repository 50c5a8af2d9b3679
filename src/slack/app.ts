import type { Server } from 'node:http';
import { App, type CustomRoute } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Env } from '../config.js';
import { slackLogContext } from '../log-context.js';
import { runWithLogContext } from '../logger.js';
import type { Capability, CapabilityDeps, Services } from '../services.js';
import { registerCommandRouter } from './command-router.js';
import { firstDelivery } from './dedupe.js';
import { createHomePublisher, registerHomeTab } from './home.js';
import { guardRoute, healthRoute } from './http.js';
import { indexListeners } from './listener-index.js';

export interface SlackAppOptions {
  env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL' | 'PORT'>;
  services: Services;
  capabilities: readonly Capability[];
  /** Known bot identity: skips Bolt's auth.test (tests, benchmark). */
  botIdentity?: { botId: string; botUserId: string };
  /** Web API retry policy; tests pass `{ retries: 0 }`. */
  retryConfig?: { retries: number };
  /** Health probe; defaults to "always healthy". */
  healthy?: () => boolean;
  /** More HTTP routes on the same port (the playground's stand-in and page). */
  extraRoutes?: CustomRoute[];
  /** Interface to listen on (HTTP mode); default: every interface. The playground and tests use 127.0.0.1. */
  host?: string;
}

export interface SlackApp {
  app: App;
  client: WebClient;
  deps: CapabilityDeps;
  /** Listener runs still in progress (acked or not). */
  inFlight(): number;
  start(): Promise<Server | undefined>;
  /** Stops taking requests, waits (bounded) for in-flight handlers. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Per-attempt timeout for Slack Web API calls. */
export const WEB_API_TIMEOUT_MS = 30_000;

/** Builds the Bolt App: receiver, routes, global middleware, the router, and every capability's listeners. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { env, services, capabilities } = options;
  let depsRef: CapabilityDeps | undefined;
  const lazyDeps = () => {
    if (!depsRef) throw new Error('capability deps used before the app was built');
    return depsRef;
  };
  const customRoutes: CustomRoute[] = [healthRoute(options.healthy ?? (() => true))];
  for (const capability of capabilities) customRoutes.push(...(capability.routes?.(lazyDeps) ?? []));
  customRoutes.push(...(options.extraRoutes ?? []));
  const guardedRoutes = customRoutes.map((route) => guardRoute(route, services.logger));

  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    ...(socketMode ? { socketMode: true, appToken: env.SLACK_APP_TOKEN } : {}),
    port: env.PORT,
    customRoutes: guardedRoutes,
    logger: services.logger,
    clientOptions: {
      slackApiUrl: env.SLACK_API_URL,
      // A Web API call that hangs must not hold a handler (or shutdown) forever; the client's default is no timeout.
      timeout: WEB_API_TIMEOUT_MS,
      // Only ever `{SLACK_API_URL}{method}`: a method name that is a full URL must not take the bot token elsewhere.
      allowAbsoluteUrls: false,
      ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
    },
    ...(options.botIdentity ?? {}),
  });

  let inFlight = 0;
  let draining = false;
  // One global middleware, not two: Bolt runs every global middleware on every request (~5 µs each, README
  // "Benchmark"). It skips redelivered events (dedupe.ts), then counts the listener run for stop().
  app.use(async ({ body, context, next }) => {
    if (!firstDelivery(body, services, context.retryNum)) return;
    inFlight++;
    try {
      await runWithLogContext(slackLogContext(body), next);
    } finally {
      inFlight--;
    }
  });

  app.error(async (error) => {
    services.logger.error('unhandled error in a listener:', error);
  });

  const publishHome = createHomePublisher(app.client, services);
  const deps: CapabilityDeps = { ...services, client: app.client, publishHome };
  depsRef = deps;

  registerCommandRouter(app, services);
  registerHomeTab(app, services, publishHome);
  // Capabilities' action/view listeners are served by one Bolt listener each (listener-index.ts).
  const listeners = indexListeners(app);
  for (const capability of capabilities) capability.register(listeners.app, deps);
  listeners.install();

  return {
    app,
    client: app.client,
    deps,
    inFlight: () => inFlight,
    async start() {
      const started = await app.start(options.host ? { port: env.PORT, host: options.host } : env.PORT);
      return socketMode ? undefined : (started as Server);
    },
    async stop(timeoutMs = 10_000) {
      if (draining) return;
      draining = true;
      const stopping = app.stop().catch((error: unknown) => services.logger.warn('stopping the receiver:', error));
      const deadline = Date.now() + timeoutMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (inFlight > 0) services.logger.warn(`shutdown: ${inFlight} handler(s) still running after ${timeoutMs} ms`);
      await Promise.race([stopping, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    },
  };
}
