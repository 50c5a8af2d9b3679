/**
 * The load generator: signed `/platform help` slash commands or `app_home_opened` event callbacks over keep-alive
 * HTTP/1.1, N at a time.
 */
import { Agent, request } from 'node:http';
import { appHomeOpened, eventCallback, slashCommand } from '../test/support/payloads.js';
import { slackSignature } from '../test/support/signing.js';
import { BENCH_CALLER, BENCH_SIGNING_SECRET } from './protocol.js';

/**
 * What each request carries: the `/platform help` command, the event Slack sends when someone opens Home, or a
 * person's top-level message in the support help channel (`message`: each from another person, so each is a ticket).
 */
export type RequestKind = 'help' | 'home' | 'message';

export interface Target {
  name: string;
  port: number;
  agent: Agent;
  /** Checks an ack body; returns a problem or null. */
  check(body: string, kind: RequestKind): string | null;
}

export interface RoundResult {
  latenciesMs: number[];
  errors: string[];
  wallMs: number;
}

/** How long the driver waits for an ack before it gives up on the request (and counts it as an error). */
export const ACK_TIMEOUT_MS = 10_000;
export const NO_ACK = `no ack within ${ACK_TIMEOUT_MS / 1000} s`;

export function keepAliveAgent(concurrency: number): Agent {
  // Idle sockets are closed after 4 s, before the app's server closes them (Node's keepAliveTimeout, 5 s): a request
  // sent on a socket the server is closing at that moment fails with "socket hang up".
  return new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency, timeout: 4000 });
}

/** People opening their Home tab in the events phase: plain members, one after another. */
export const HOME_VIEWERS = 100;
let homeOpens = 0;
export const homeViewer = (n: number) => `U0HOME${String(n % HOME_VIEWERS).padStart(4, '0')}`;

/** The help channel the `message` requests go to: support.channels of the team file (groundcrew.example.yml's). */
export const BENCH_HELP_CHANNEL = process.env.BENCH_HELP_CHANNEL?.trim() || 'C0PLATHELP';
const QUESTIONS = [
  'How do I get read access to the staging logs?',
  'Our deploy to staging is blocked: the pipeline says the image is missing',
  'Where do I request a new namespace for my team?',
  'How do I rotate the database password for the orders service?',
  'Is there a runbook for adding a DNS record?',
];
let messages = 0;

/**
 * A person's top-level message in the help channel, sent now (its ts is the current time, as Slack's is: an old ts
 * would open an already breached ticket and escalate it at once): a new asker each time, so no two merge.
 */
export function helpMessage(n: number): Record<string, unknown> {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(n % 1_000_000).padStart(6, '0')}`;
  return {
    type: 'message',
    channel: BENCH_HELP_CHANNEL,
    channel_type: 'channel',
    user: `U0ASK${String(n).padStart(6, '0')}`,
    text: `${QUESTIONS[n % QUESTIONS.length]} (#${n})`,
    ts,
    event_ts: ts,
    client_msg_id: `bench-${process.pid}-${n}`,
  };
}

/** Builds and signs one request exactly like Slack: v0 HMAC-SHA256 over `v0:{ts}:{body}`, fresh timestamp. */
function signed(kind: RequestKind): { body: string; headers: Record<string, string | number> } {
  // Not the harness's formEncode: importing harness.ts would load nock, which patches node:http in this process.
  // Every event gets its own event_id (eventCallback numbers them), so neither app drops one as a redelivery.
  const body =
    kind === 'help'
      ? new URLSearchParams({ ...slashCommand('help', { user_id: BENCH_CALLER }) }).toString()
      : kind === 'home'
        ? JSON.stringify(eventCallback(appHomeOpened(homeViewer(homeOpens++))))
        : JSON.stringify(eventCallback(helpMessage(messages++)));
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': kind === 'help' ? 'application/x-www-form-urlencoded' : 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(BENCH_SIGNING_SECRET, timestamp, body),
    },
  };
}

export function post(target: Target, kind: RequestKind = 'help'): Promise<{ status: number; body: string }> {
  const { body, headers } = signed(kind);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: target.port, path: '/slack/events', method: 'POST', headers, agent: target.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(ACK_TIMEOUT_MS, () => req.destroy(new Error(NO_ACK)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends `count` requests with `concurrency` in flight; latency is request start → last byte of the ack. Given
 * several targets, the requests go to each in turn (round robin), as a load balancer in front of replicas would.
 */
export async function runRound(
  targets: Target | readonly Target[],
  count: number,
  concurrency: number,
  kind: RequestKind = 'help',
): Promise<RoundResult> {
  const list = Array.isArray(targets) ? targets : [targets as Target];
  const latenciesMs: number[] = [];
  const errors: string[] = [];
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      const target = list[issued % list.length]!;
      issued++;
      const started = performance.now();
      try {
        const { status, body } = await post(target, kind);
        const elapsed = performance.now() - started;
        if (status !== 200) errors.push(`HTTP ${status}: ${body.slice(0, 200)}`);
        else {
          const problem = target.check(body, kind);
          if (problem) errors.push(problem);
          else latenciesMs.push(elapsed);
        }
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latenciesMs, errors, wallMs: performance.now() - started };
}
