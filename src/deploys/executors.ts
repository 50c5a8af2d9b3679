import { itemRef } from '../item-ref.js';
import { parseJson } from '../json.js';
import { redactSecrets } from '../redact.js';
import { readTextCapped, scrubUrl, sendWebhook } from '../webhooks/sender.js';
import type { ExecutorConfig, GithubActionsExecutorConfig, WebhookExecutorConfig } from './config.js';

/** What an executor needs to know about a deploy. */
export interface DeployJob {
  id: number;
  /** The deploy's nonce: its callback URL names it by reference (src/item-ref.ts). */
  nonce: string | null;
  service: string;
  environment: string;
  ref: string;
  requestedBy: string;
  reason: string | null;
}

export interface StartedRun {
  /** Null when the executor reports back by itself (webhook) or GitHub did not say. */
  runId: string | null;
  runUrl: string | null;
  /** A line for the status message's thread. */
  detail: string;
}

export type RunState =
  | { done: false; runUrl?: string | undefined; detail?: string | undefined }
  | { done: true; outcome: 'succeeded' | 'failed' | 'cancelled'; runUrl?: string | undefined; detail: string };

/**
 * The executor could not do what was asked; `message` is meant for the requester. `uncertain`: no answer came (a
 * timeout), so the request may have been carried out all the same.
 */
export class ExecutorError extends Error {
  override name = 'ExecutorError';
  constructor(
    message: string,
    readonly uncertain = false,
  ) {
    super(message);
  }
}

/** Port: something that runs a deploy (GitHub Actions, a signed webhook, a fake in tests). */
export interface Executor {
  readonly kind: ExecutorConfig['type'];
  /** What it dispatches, for people: `` `deploy.yml` in acme/web ``. */
  readonly describe?: string;
  start(job: DeployJob): Promise<StartedRun>;
  /** Where a started run is (github-actions only). */
  poll?(runId: string): Promise<RunState>;
  /**
   * Asks the deploy system to stop the run. False when there is nothing to ask (no run ID from GitHub);
   * throws ExecutorError when the deploy system could not be reached or refused.
   */
  cancel?(run: { deployId: number; runId: string | null; by: string }): Promise<boolean>;
  /**
   * After a dispatch with no answer (a timeout, a crash): the runs this deploy may have started, created at or after
   * `since`, oldest first (github-actions only).
   */
  runsSince?(job: DeployJob, since: Date): Promise<StartedRun[]>;
}

export interface ExecutorContext {
  fetch: typeof fetch;
  githubApiUrl: string;
  githubToken: string | undefined;
  /** Base URL the deploy system can reach groundcrew on, for webhook callbacks. */
  publicUrl: string;
  /** Per-request timeout. */
  timeoutMs: number;
}

export function createExecutor(config: ExecutorConfig, ctx: ExecutorContext): Executor {
  return config.type === 'github-actions' ? githubActionsExecutor(config, ctx) : webhookExecutor(config, ctx);
}

export const callbackUrl = (publicUrl: string, deploy: { id: number; nonce: string | null }) =>
  `${publicUrl.replace(/\/+$/, '')}/hooks/deploys/${itemRef(deploy)}`;

const waitedFor = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

/** `<who> answered 422: <the body's message, or its start>`, with `secrets` (and any token) redacted. */
function refusal(
  who: string,
  status: number,
  text: string,
  secrets: readonly (string | undefined)[],
  statusText = '',
): ExecutorError {
  const body = parseJson(text);
  const message =
    body && typeof body === 'object' && 'message' in body && typeof body.message === 'string'
      ? body.message
      : text.slice(0, 300) || statusText;
  return new ExecutorError(`${who} answered ${status}: ${redactSecrets(message, secrets)}`);
}

/**
 * Connection errors that can come after the request was sent (a reset, a closed socket), unlike a refused connection
 * or an unknown host: what was asked may have been done, so the caller treats it like no answer.
 */
const MAYBE_DELIVERED: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The code of a failed fetch: on the error itself or on its cause (fetch says only "fetch failed"). */
function connectionErrorCode(error: unknown): string | undefined {
  const coded = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = coded?.cause?.code ?? coded?.code;
  return typeof code === 'string' ? code : undefined;
}

async function send(
  ctx: ExecutorContext,
  who: string,
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: unknown; text: string }> {
  let response: Response;
  try {
    response = await ctx.fetch(url, { ...init, signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new ExecutorError(`${who} did not answer within ${waitedFor(ctx.timeoutMs)}`, true);
    }
    const cause =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String((error as { message?: unknown } | null)?.message ?? error);
    const message = redactSecrets(scrubUrl(cause, url), [ctx.githubToken]);
    // The connection broke after the request went out: it may have been carried out, its answer lost.
    if (MAYBE_DELIVERED.has(connectionErrorCode(error) ?? '')) {
      throw new ExecutorError(`the connection to ${who} broke before it answered (${message})`, true);
    }
    throw new ExecutorError(`could not reach ${who}: ${message}`);
  }
  // GitHub's answers are small (a run is a few kB); cap what is read at 1 MiB. Redirects are followed (GitHub
  // answers 301 for a renamed repository); fetch drops the Authorization header on a redirect to another origin.
  const text = await readTextCapped(response, 1024 * 1024);
  if (!response.ok) throw refusal(who, response.status, text, [ctx.githubToken], response.statusText);
  return { status: response.status, body: parseJson(text), text };
}

function githubActionsExecutor(config: GithubActionsExecutorConfig, ctx: ExecutorContext): Executor {
  const base = `${ctx.githubApiUrl.replace(/\/+$/, '')}/repos/${config.repo}/actions`;
  const headers = () => {
    if (!ctx.githubToken)
      throw new ExecutorError('GITHUB_TOKEN is not set, so groundcrew cannot start GitHub workflows');
    return {
      authorization: `Bearer ${ctx.githubToken}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json',
      'user-agent': 'groundcrew',
    };
  };
  return {
    kind: 'github-actions',
    describe: `\`${config.workflow}\` in ${config.repo}`,
    async start(job) {
      const inputs: Record<string, string> = {};
      if (config.inputs.service) inputs[config.inputs.service] = job.service;
      if (config.inputs.environment) inputs[config.inputs.environment] = job.environment;
      if (config.inputs.ref) inputs[config.inputs.ref] = job.ref;
      const { body } = await send(
        ctx,
        'GitHub',
        `${base}/workflows/${encodeURIComponent(config.workflow)}/dispatches`,
        {
          method: 'POST',
          headers: headers(),
          body: JSON.stringify({ ref: config.workflowRef ?? job.ref, inputs, return_run_details: true }),
        },
      );
      const details = (body ?? {}) as { workflow_run_id?: number | string; html_url?: string; run_url?: string };
      if (details.workflow_run_id === undefined) {
        return {
          runId: null,
          runUrl: null,
          detail: `Dispatched \`${config.workflow}\` in ${config.repo}; GitHub did not return the run, so groundcrew cannot follow it.`,
        };
      }
      return {
        runId: String(details.workflow_run_id),
        runUrl: details.html_url ?? null,
        detail: `Dispatched \`${config.workflow}\` in ${config.repo}: run ${details.workflow_run_id}.`,
      };
    },
    async poll(runId) {
      const { body } = await send(ctx, 'GitHub', `${base}/runs/${encodeURIComponent(runId)}`, {
        method: 'GET',
        headers: headers(),
      });
      const run = (body ?? {}) as { status?: string; conclusion?: string | null; html_url?: string };
      if (run.status !== 'completed') return { done: false, runUrl: run.html_url, detail: run.status };
      const conclusion = run.conclusion ?? 'unknown';
      const outcome = conclusion === 'success' ? 'succeeded' : conclusion === 'cancelled' ? 'cancelled' : 'failed';
      return { done: true, outcome, runUrl: run.html_url, detail: `GitHub run ${runId} completed: ${conclusion}` };
    },
    async runsSince(job, since) {
      // GitHub's clock and ours may differ by a little: look a minute back; the caller skips runs already taken.
      const from = new Date(since.getTime() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const query = new URLSearchParams({ event: 'workflow_dispatch', created: `>=${from}`, per_page: '20' });
      const { body } = await send(
        ctx,
        'GitHub',
        `${base}/workflows/${encodeURIComponent(config.workflow)}/runs?${query}`,
        { method: 'GET', headers: headers() },
      );
      type Run = { id?: number; created_at?: string; html_url?: string; head_branch?: string | null };
      const runs = ((body ?? {}) as { workflow_runs?: Run[] }).workflow_runs;
      const ref = config.workflowRef ?? job.ref;
      return (runs ?? [])
        .filter((r) => r.id !== undefined && r.created_at && Date.parse(r.created_at) >= since.getTime() - 60_000)
        .filter((r) => !r.head_branch || r.head_branch === ref)
        .sort((a, b) => Date.parse(a.created_at!) - Date.parse(b.created_at!))
        .map((r) => ({
          runId: String(r.id),
          runUrl: r.html_url ?? null,
          detail: `Found run ${r.id} of \`${config.workflow}\` in ${config.repo} (the dispatch itself got no answer).`,
        }));
    },
    async cancel({ runId }) {
      if (!runId) return false;
      await send(ctx, 'GitHub', `${base}/runs/${encodeURIComponent(runId)}/cancel`, {
        method: 'POST',
        headers: headers(),
      });
      return true;
    },
  };
}

/**
 * The signed webhook executor, on the shared sender (src/webhooks/sender.ts). One URL gets both messages, told
 * apart by `action`: `deploy` (start; any 2xx accepts it) and `cancel` (stop deploy `deployId`; any 2xx means
 * the deploy system will stop it).
 */
function webhookExecutor(config: WebhookExecutorConfig, ctx: ExecutorContext): Executor {
  const who = 'the deploy webhook';
  async function post(payload: Record<string, unknown>): Promise<unknown> {
    const result = await sendWebhook(ctx.fetch, {
      url: config.url,
      secret: config.secret,
      payload,
      timeoutMs: ctx.timeoutMs,
    });
    if (result.ok) return parseJson(result.body);
    // A redirect (not followed) comes without a body: say so in the sender's words.
    if (result.status !== null && result.body === undefined) throw new ExecutorError(`${who} answered ${result.error}`);
    if (result.status !== null) throw refusal(who, result.status, result.body ?? '', [config.secret, ctx.githubToken]);
    if (result.error === 'timed out')
      throw new ExecutorError(`${who} did not answer within ${waitedFor(ctx.timeoutMs)}`, true);
    throw new ExecutorError(`could not reach ${who}: ${result.error}`);
  }
  return {
    kind: 'webhook',
    async start(job) {
      const answer = await post({
        action: 'deploy',
        deployId: job.id,
        service: job.service,
        environment: job.environment,
        ref: job.ref,
        requestedBy: job.requestedBy,
        reason: job.reason,
        callbackUrl: callbackUrl(ctx.publicUrl, job),
      });
      const url =
        answer && typeof answer === 'object' && 'url' in answer && typeof answer.url === 'string' ? answer.url : null;
      return {
        runId: null,
        runUrl: url,
        detail: `Sent to the deploy webhook (${new URL(config.url).host}); waiting for its report.`,
      };
    },
    async cancel({ deployId, by }) {
      await post({ action: 'cancel', deployId, requestedBy: by });
      return true;
    },
  };
}
