import type { CustomRoute } from '@slack/bolt';
import { z } from 'zod';
import { isDomainError } from '../errors.js';
import { parseItemRef, refMatches } from '../item-ref.js';
import { parseJson } from '../json.js';
import { redactSecrets } from '../redact.js';
import { sendJson } from '../slack/http.js';
import { readSignedCallback } from '../webhooks/callback.js';
import type { DeploysConfig } from './config.js';
import type { DeployService } from './service.js';

const zReport = z.object({
  status: z.enum(['queued', 'in_progress', 'succeeded', 'failed']),
  url: z.url().optional(),
  message: z.string().max(2000).optional(),
  /**
   * Optional: the deploy this report is about. The signature covers the body, not the URL, so naming the deploy in
   * the body stops a signed report for one deploy from being replayed against another (a mismatch is 400).
   */
  deployId: z.number().int().positive().optional(),
});

/**
 * `POST /hooks/deploys/:id`: a webhook executor reports progress, signed like the request groundcrew sent it.
 * The signature is checked before the deploy is looked up (src/webhooks/callback.ts: 413, 415, 401 against every
 * webhook executor's secret), so an unsigned caller cannot probe ids. Then: unknown deploy or not a webhook deploy →
 * 404, signed with another executor's secret → 401, bad JSON or fields → 400, not running → 409; nothing changes then.
 */
export function deployCallbackRoute(target: { config: DeploysConfig; deploys: DeployService } | null): CustomRoute {
  return {
    path: '/hooks/deploys/:id',
    method: ['POST'],
    handler: async (req, res) => {
      if (!target) return sendJson(res, 404, { ok: false, error: 'deploys are not configured' });
      const { config, deploys } = target;
      const secrets = Object.values(config.executors).flatMap((e) => (e.type === 'webhook' ? [e.secret] : []));
      const signed = await readSignedCallback(req, res, secrets);
      if (signed === null) return;
      const { body } = signed;
      // The URL names the deploy by reference (id and nonce): a URL made for another deploy under this id is unknown.
      const ref = parseItemRef(req.params?.id);
      const deploy = ref ? await deploys.get(ref.id) : null;
      const executor = deploy ? config.executors[deploy.executor] : undefined;
      if (!ref || !deploy || !refMatches(ref, deploy) || executor?.type !== 'webhook')
        return sendJson(res, 404, { ok: false, error: 'unknown deploy' });
      const id = deploy.id;
      if (executor.secret !== signed.secret) {
        return sendJson(res, 401, { ok: false, error: 'bad signature for this deploy' });
      }
      const parsed = parseJson(body);
      if (parsed === undefined) return sendJson(res, 400, { ok: false, error: 'body is not JSON' });
      const report = zReport.safeParse(parsed);
      if (!report.success) {
        return sendJson(res, 400, {
          ok: false,
          error: report.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        });
      }
      const { deployId, message, ...rest } = report.data;
      // The executor's words are shown in Slack and stored: no secret it echoes goes with them.
      const fields = { ...rest, ...(message !== undefined ? { message: redactSecrets(message, secrets) } : {}) };
      if (deployId !== undefined && deployId !== id) {
        return sendJson(res, 400, {
          ok: false,
          error: `deployId: ${deployId} in the body, but this is /hooks/deploys/${id}`,
        });
      }
      try {
        const updated = await deploys.webhookReport(id, fields);
        sendJson(res, 200, { ok: true, status: updated?.status });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        sendJson(res, 409, { ok: false, error: error.message });
      }
    },
  };
}
