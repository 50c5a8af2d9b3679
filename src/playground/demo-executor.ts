import type { CustomRoute } from '@slack/bolt';
import { parseJson } from '../json.js';
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

/** What each kind of demo system reports after accepting the work (the callback shapes deploys and requests accept). */
const REPORTS: Record<string, (runUrl: string) => { started: object; finished: object }> = {
  deploys: (url) => ({
    started: { status: 'in_progress', url, message: 'The demo system started the work' },
    finished: { status: 'succeeded', url, message: 'Done by the demo system (nothing real happened)' },
  }),
  requests: (url) => ({
    started: { status: 'in_progress', message: 'The demo system started the work' },
    finished: { status: 'done', message: 'Done by the demo system (nothing real happened)', outputs: { url } },
  }),
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
      // The "run" link the demo systems report: where a real deploy system or automation would show its log.
      path: '/playground/demo-run',
      method: ['GET'],
      handler: loopbackOnly((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(DEMO_RUN_PAGE);
      }),
    },
    {
      path: '/playground/demo/:kind',
      method: ['POST'],
      handler: loopbackOnly(async (req, res) => {
        const kind = param(req, 'kind');
        const reports = REPORTS[kind]?.(`${options.baseUrl()}/playground/demo-run`);
        const body = (await readBody(req)) ?? '';
        if (!reports) return sendJson(res, 404, { ok: false, error: 'unknown demo system' });
        if (!verifyBody(DEMO_SECRET, body, req.headers[SIGNATURE_HEADER])) {
          ws.record({ direction: 'app→demo', what: `demo ${kind} webhook: bad signature` });
          return sendJson(res, 401, { ok: false, error: 'bad signature' });
        }
        const parsed = parseJson(body);
        if (!parsed || typeof parsed !== 'object') return sendJson(res, 400, { ok: false, error: 'not a JSON object' });
        const job = parsed as Record<string, unknown>;
        const callbackUrl = String(job.callbackUrl ?? job.callback_url ?? '');
        ws.record({ direction: 'app→demo', what: `demo ${kind} system accepted work`, detail: body.slice(0, 300) });
        sendJson(res, 202, { ok: true, accepted: true });
        if (!isLoopbackUrl(callbackUrl)) return;
        const report = (payload: object) => async () => {
          const text = JSON.stringify(payload);
          const what = `demo ${kind} callback ${(payload as { status: string }).status}`;
          try {
            const answer = await fetch(callbackUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(DEMO_SECRET, text) },
              body: text,
            });
            ws.record({ direction: 'demo→app', what: `${what} → ${answer.status}` });
          } catch (error) {
            ws.record({ direction: 'demo→app', what: `${what} failed`, detail: String(error) });
          }
        };
        setTimeout(report(reports.started), delays.started).unref();
        setTimeout(report(reports.finished), delays.finished).unref();
      }),
    },
  ];
}

const DEMO_RUN_PAGE = `<!doctype html><meta charset="utf-8"><title>Demo run — groundcrew playground</title>
<body style="font: 15px/1.5 system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>A pretend run</h1>
<p>With a real executor this link opens the run in your deploy system or automation (a GitHub Actions run, a
Jenkins job, …). The playground's demo system does nothing real: it accepted the signed webhook and reported
<i>in_progress</i>, then <i>succeeded</i> (or <i>done</i>), to groundcrew's callback URL.</p>
<p><a href="/playground">Back to the playground</a></p>`;

function isLoopbackUrl(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
