import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { parseJson } from '../json.js';

/** Slack's deadline for an ack; a request answered later, not at all, or not with a 2xx counts as failed. */
export const ACK_DEADLINE_SECONDS = 3;

/** The routes requests are counted by; anything else is `other` (no ids, no playground paths). */
export const HTTP_ROUTES = ['/slack/events', '/healthz', '/metrics', '/hooks/deploys', '/hooks/requests'] as const;

export function routeLabel(url: string | undefined): string {
  const path = (url ?? '').split('?', 1)[0] ?? '';
  for (const route of HTTP_ROUTES) if (path === route || path.startsWith(`${route}/`)) return route;
  return 'other';
}

export const ACK_KINDS = ['command', 'action', 'view', 'event', 'options', 'shortcut', 'other'] as const;
export type AckKind = (typeof ACK_KINDS)[number];

const PAYLOAD_KINDS: Record<string, AckKind> = {
  block_actions: 'action',
  interactive_message: 'action',
  view_submission: 'view',
  view_closed: 'view',
  block_suggestion: 'options',
  shortcut: 'shortcut',
  message_action: 'shortcut',
};

/** A form body with a `command` field: a slash command. */
const COMMAND_FIELD = /(?:^|&)command=/;

/** What a /slack/events body is: a slash command, an interactivity payload of some type, or an Events API call. */
export function ackKind(rawBody: string, contentType: string | undefined): AckKind {
  // Read on every request, after Bolt has parsed the same body: the cheap tests first, a parse only for payloads.
  // Slack's JSON bodies are url_verification, app_rate_limited and event_callback; only the last names it.
  if ((contentType ?? '').includes('application/json')) {
    return rawBody.includes('"event_callback"') ? 'event' : 'other';
  }
  if (COMMAND_FIELD.test(rawBody)) return 'command';
  const payload = parseJson(new URLSearchParams(rawBody).get('payload') ?? undefined) as { type?: unknown } | null;
  const type = payload?.type;
  return (typeof type === 'string' && PAYLOAD_KINDS[type]) || 'other';
}

/**
 * Acks and failed acks per minute for the last hour, for the share Slack watches (it turns event delivery off for an
 * app that fails about 5% of its requests in an hour). Buckets are keyed by minute of the injected clock.
 */
export class AckWindow {
  private readonly buckets = new Map<number, { all: number; late: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly minutes = 60,
  ) {}

  record(late: boolean): void {
    const minute = Math.floor(this.clock.now().getTime() / 60_000);
    const bucket = this.buckets.get(minute) ?? { all: 0, late: 0 };
    bucket.all++;
    if (late) bucket.late++;
    this.buckets.set(minute, bucket);
    this.prune(minute);
  }

  /** Failed acks / all acks over the window; 0 when there were none. */
  share(): number {
    const minute = Math.floor(this.clock.now().getTime() / 60_000);
    this.prune(minute);
    let all = 0;
    let late = 0;
    for (const bucket of this.buckets.values()) {
      all += bucket.all;
      late += bucket.late;
    }
    return all === 0 ? 0 : late / all;
  }

  private prune(minute: number): void {
    for (const key of this.buckets.keys()) if (key <= minute - this.minutes) this.buckets.delete(key);
  }
}

export interface ServerObservations {
  request(route: string, status: string): void;
  ack(kind: AckKind, seconds: number, late: boolean): void;
}

interface BufferedRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/**
 * Answers to requests refused before any listener ran (malformed body, bad or stale signature, too large): not
 * deliveries Slack counts against the app. Bolt's own "not acknowledged within 3 seconds" answer is a 404 and counts.
 */
const REFUSED = new Set([400, 401, 403, 413]);

/**
 * Times every response at the HTTP server: from the `request` event (headers read) to the response's `finish`
 * (handed to the OS), or `close` without a response. For POST /slack/events that is the ack Slack waits for; its kind
 * comes from the body Bolt (or the receiver guard) buffered on the request. An ack fails when it is later than
 * 3 s, is not a 2xx (a listener that threw before ack: 500; Bolt's timeout: 404) or never comes.
 */
export function watchServer(server: Server, observe: ServerObservations): void {
  server.prependListener('request', (req: BufferedRequest, res: ServerResponse) => {
    const started = performance.now();
    const route = routeLabel(req.url);
    let done = false;
    const finish = (status: number | null) => {
      if (done) return;
      done = true;
      observe.request(route, status === null ? 'closed' : String(status));
      if (route !== '/slack/events' || req.method !== 'POST') return;
      if (status !== null && REFUSED.has(status)) return;
      const seconds = (performance.now() - started) / 1000;
      const kind = req.rawBody ? ackKind(req.rawBody.toString('latin1'), req.headers['content-type']) : 'other';
      observe.ack(kind, seconds, status === null || status >= 300 || seconds > ACK_DEADLINE_SECONDS);
    };
    res.once('finish', () => finish(res.statusCode));
    res.once('close', () => finish(res.writableFinished ? res.statusCode : null));
  });
}
