import nock from 'nock';
import { eventually } from './wait.js';

export const SLACK_HOST = 'http://slack.test';
export const SLACK_API_URL = `${SLACK_HOST}/api/`;

export interface ApiCall {
  /** Web API method (`chat.postMessage`) or `response_url` for posts to a response URL. */
  method: string;
  /** Decoded arguments: form fields, with JSON-valued fields (blocks, view, …) parsed. */
  args: Record<string, unknown>;
  /** For response_url posts: the path that was used. */
  path: string;
  /** When the call arrived (Date.now()). */
  at: number;
}

/** Answers a call; may be async (a gate that holds Slack's answer until the test releases it). */
type Responder = (
  args: Record<string, unknown>,
  call: ApiCall,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'files', 'metadata']);

function decodeBody(body: unknown): Record<string, unknown> {
  if (body && typeof body === 'object') return body as Record<string, unknown>;
  const text = typeof body === 'string' ? body : '';
  if (text.startsWith('{')) return JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    out[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return out;
}

/**
 * Stands in for Slack's Web API (and response URLs) via nock: records every call and answers like Slack does.
 * Tests assert on `calls` / `waitFor`; they can override any method's answer with `on()`.
 */
export class FakeSlack {
  readonly calls: ApiCall[] = [];
  private readonly responders = new Map<string, Responder>();
  private readonly rateLimited = new Map<string, { retryAfter: number; times: number }>();
  private tsCounter = 0;
  private viewCounter = 0;
  /** usergroup ID → member user IDs, answered by usergroups.users.list. */
  readonly usergroups: Record<string, string[]> = {};
  /** user ID → the time zone users.info answers for them (Europe/Berlin for anyone not listed). */
  readonly timezones: Record<string, string> = {};
  /** When set, every answer carries it as the `x-oauth-scopes` header (comma-separated), as Slack's do. */
  scopes: string | undefined;
  /** channel ID → what conversations.info says about it; any other channel is public and the bot is a member. */
  readonly conversations: Record<string, { is_member?: boolean; is_private?: boolean; is_im?: boolean }> = {};

  constructor() {
    this.on('auth.test', () => ({
      ok: true,
      url: 'https://acme-eng.slack.com/',
      team: 'acme-eng',
      user: 'groundcrew',
      team_id: 'T04ABCD1EFG',
      user_id: 'U0BOT0001',
      bot_id: 'B0BOT0001',
      is_enterprise_install: false,
    }));
    this.on('chat.postMessage', (args) => {
      const ts = this.nextTs();
      return {
        ok: true,
        channel: args.channel,
        ts,
        message: { type: 'message', text: args.text, ts, bot_id: 'B0BOT0001' },
      };
    });
    this.on('chat.getPermalink', (args) => ({
      ok: true,
      channel: args.channel,
      permalink: `https://acme-eng.slack.com/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}`,
    }));
    this.on('chat.update', (args) => ({ ok: true, channel: args.channel, ts: args.ts, text: args.text }));
    this.on('chat.postEphemeral', () => ({ ok: true, message_ts: this.nextTs() }));
    for (const method of ['views.open', 'views.push', 'views.update', 'views.publish']) {
      this.on(method, (args) => {
        const id = typeof args.view_id === 'string' ? args.view_id : `V${String(++this.viewCounter).padStart(9, '0')}`;
        return { ok: true, view: { ...(args.view as object), id, hash: `hash-${id}-${this.viewCounter}` } };
      });
    }
    this.on('conversations.open', (args) => ({
      ok: true,
      channel: { id: `D${String(args.users).replace(/^U/, '')}` },
    }));
    this.on('conversations.info', (args) => ({
      ok: true,
      channel: {
        id: args.channel,
        name: String(args.channel).toLowerCase(),
        is_member: true,
        is_private: false,
        ...this.conversations[String(args.channel)],
      },
    }));
    this.on('usergroups.users.list', (args) => ({ ok: true, users: this.usergroups[String(args.usergroup)] ?? [] }));
    this.on('users.info', (args) => ({
      ok: true,
      user: {
        id: args.user,
        name: String(args.user).toLowerCase(),
        real_name: String(args.user),
        tz: this.timezones[String(args.user)] ?? 'Europe/Berlin',
      },
    }));
    this.on('response_url', () => ({ ok: true }));
  }

  on(method: string, responder: Responder): this {
    this.responders.set(method, responder);
    return this;
  }

  /** Makes `method` answer `{ ok: false, error }` like Slack does (HTTP 200). */
  failWith(method: string, error: string): this {
    return this.on(method, () => ({ ok: false, error }));
  }

  /**
   * The next `times` calls to `method` that match `predicate` fail: with `{ ok: false, error }` as Slack refuses,
   * or, for `error: 'transport'`, in transit (the connection errors and the client gets no answer). Other calls
   * are answered as before.
   */
  refuse(method: string, predicate: (args: Record<string, unknown>) => boolean, error: string, times = 1): this {
    const answer = this.responders.get(method) ?? (() => ({ ok: true }));
    let left = times;
    return this.on(method, (args, call) => {
      if (left <= 0 || !predicate(args)) return answer(args, call);
      left--;
      if (error === 'transport') throw new Error('socket hang up');
      return { ok: false, error };
    });
  }

  /**
   * Makes `method` answer HTTP 429 with `Retry-After: retryAfterSeconds`, as Slack does when rate limiting: for
   * good, or for the next `times` calls only.
   */
  rateLimit(method: string, retryAfterSeconds = 0, times = Number.POSITIVE_INFINITY): this {
    this.rateLimited.set(method, { retryAfter: retryAfterSeconds, times });
    return this;
  }

  install(): void {
    nock(SLACK_HOST)
      .persist()
      .post(/.*/)
      .reply(async (uri, body) => {
        const path = uri.split('?')[0] ?? uri;
        const method = path.startsWith('/api/') ? path.slice('/api/'.length) : 'response_url';
        const args = decodeBody(body);
        const call: ApiCall = { method, args, path, at: Date.now() };
        this.calls.push(call);
        const limited = this.rateLimited.get(method);
        if (limited !== undefined && limited.times > 0) {
          limited.times--;
          return [429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limited.retryAfter) }];
        }
        const responder = this.responders.get(method) ?? (() => ({ ok: true }));
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (this.scopes !== undefined) headers['x-oauth-scopes'] = this.scopes;
        return [200, await responder(args, call), headers];
      });
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Waits (support/wait.ts `eventually`) until `count` calls to `method` matching `predicate` exist; returns them. */
  waitFor(
    method: string,
    predicate: (call: ApiCall) => boolean = () => true,
    options: { count?: number; timeoutMs?: number } = {},
  ): Promise<ApiCall[]> {
    const count = options.count ?? 1;
    return eventually(
      () => {
        const found = this.callsTo(method).filter(predicate);
        if (found.length >= count) return found;
        const seen = this.calls.map((c) => c.method).join(', ') || 'none';
        throw new Error(`${found.length} matching so far. Calls seen: ${seen}`);
      },
      { what: `${count} call(s) to ${method}`, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
    );
  }

  reset(): void {
    this.calls.length = 0;
  }

  private nextTs(): string {
    this.tsCounter++;
    return `1767225600.${String(this.tsCounter).padStart(6, '0')}`;
  }
}
