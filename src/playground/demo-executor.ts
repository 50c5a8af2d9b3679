import type { CustomRoute } from '@slack/bolt';
import { readBody, sendJson } from '../slack/http.js';
import { SIGNATURE_HEADER, signBody, verifyBody } from '../webhooks/signing.js';
import { DEMO_SECRET } from './demo.js';
import { loopbackOnly, param } from './routes.js';
import type { Workspace } from './workspace.js';

export interface DemoExecutorOptions {
  workspace: Workspace;
  baseUrl: () => string;
  /** Wall-clock delays before each status report (ms). */
  delays?: { started: number; finished: number };
}

/** The statuses each kind of demo system reports, in order, after accepting the work. */
const STATUSES: Record<string, { started: string; finished: string }> = {
  deploys: { started: 'in_progress', finished: 'succeeded' },
  requests: { started: 'in_progress', finished: 'succeeded' },
};

/**
 * Pretend deploy system / automation behind the demo's webhook executors: checks the signature, answers 202, then
 * reports progress and success to the callback URL with the same signature, as a real one would.
 */
export function demoExecutorRoutes(options: DemoExecutorOptions): CustomRoute[] {
  const delays = options.delays ?? { started: 1000, finished: 3500 };
  const ws = options.workspace;
  return [
    {
      path: '/playground/demo/:kind',
      method: ['POST'],
      handler: loopbackOnly(async (req, res) => {
        const kind = param(req, 'kind');
        const statuses = STATUSES[kind];
        const body = (await readBody(req)) ?? '';
        if (!statuses) return sendJson(res, 404, { ok: false, error: 'unknown demo system' });
        if (!verifyBody(DEMO_SECRET, body, req.headers[SIGNATURE_HEADER])) {
          ws.record({ direction: 'app→slack', what: `demo ${kind} webhook: bad signature` });
          return sendJson(res, 401, { ok: false, error: 'bad signature' });
        }
        const job = JSON.parse(body) as Record<string, unknown>;
        const callbackUrl = String(job.callbackUrl ?? job.callback_url ?? '');
        ws.record({ direction: 'app→slack', what: `demo ${kind} system accepted work`, detail: body.slice(0, 300) });
        sendJson(res, 202, { ok: true, accepted: true });
        if (!callbackUrl) return;
        const report = (status: string, extra: Record<string, unknown>) => async () => {
          const payload = JSON.stringify({ status, ...extra });
          try {
            const answer = await fetch(callbackUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(DEMO_SECRET, payload) },
              body: payload,
            });
            ws.record({ direction: 'app→slack', what: `demo ${kind} callback ${status} → ${answer.status}` });
          } catch (error) {
            ws.record({
              direction: 'app→slack',
              what: `demo ${kind} callback ${status} failed`,
              detail: String(error),
            });
          }
        };
        const url = `${options.baseUrl()}/playground#demo-run`;
        setTimeout(
          report(statuses.started, { url, message: 'The demo system started the work' }),
          delays.started,
        ).unref();
        setTimeout(
          report(statuses.finished, { url, message: 'Done by the demo system (nothing real happened)' }),
          delays.finished,
        ).unref();
      }),
    },
  ];
}
