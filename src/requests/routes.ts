import type { CustomRoute } from '@slack/bolt';
import { z } from 'zod';
import { isDomainError } from '../errors.js';
import { parseItemRef } from '../item-ref.js';
import { parseJson } from '../json.js';
import { redactSecrets } from '../redact.js';
import { sendJson } from '../slack/http.js';
import { readSignedCallback } from '../webhooks/callback.js';
import type { CallbackInput, Fulfilment } from './fulfilment.js';
import { CALLBACK_STATUSES } from './model.js';

export const CALLBACK_PATH = '/hooks/requests/:id';

const zCallback = z.strictObject({
  status: z.enum(CALLBACK_STATUSES),
  /**
   * Optional: the request this report is about. The signature covers the body, not the URL, so naming the request
   * in the body stops a signed report for one request from being replayed against another.
   */
  requestId: z.number().int().positive().optional(),
  message: z.string().max(3000).optional(),
  outputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
});

function parse(body: string, id: number, secrets: readonly string[]): CallbackInput | { invalid: string } {
  const json = parseJson(body);
  if (json === undefined) return { invalid: 'body is not JSON' };
  const result = zCallback.safeParse(json);
  if (!result.success) {
    return {
      invalid: result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    };
  }
  const { status, message, outputs, requestId } = result.data;
  if (requestId !== undefined && requestId !== id) {
    return { invalid: `requestId: ${requestId} in the body, but this is /hooks/requests/${id}` };
  }
  // The automation's words are shown in Slack and stored: no secret it echoes goes with them.
  return {
    status,
    ...(message !== undefined ? { message: redactSecrets(message, secrets) } : {}),
    ...(outputs ? { outputs } : {}),
  };
}

/**
 * `POST /hooks/requests/:id`: a fulfilment webhook reporting status, signed like our outgoing call
 * (`X-Groundcrew-Signature: sha256=<HMAC of the body>` with the type's secret).
 * 413 too large · 415 not JSON · 401 bad signature (checked before the lookup, so ids cannot be probed unsigned) ·
 * 404 unknown request · 400 bad JSON or status · 409 not expecting that status · 200 OK.
 */
export function callbackRoute(target: Fulfilment | null): CustomRoute {
  return {
    path: CALLBACK_PATH,
    method: ['POST'],
    handler: async (req, res) => {
      if (!target) return sendJson(res, 404, { ok: false, error: 'requests are not configured' });
      // 413 / 415 / 401 (no configured secret matches) before any lookup, and nothing is recorded for those.
      const signed = await readSignedCallback(req, res, target.secrets());
      if (signed === null) return;
      // The URL names the request by reference (id and nonce, src/item-ref.ts).
      const ref = parseItemRef(req.params?.id);
      if (!ref) return sendJson(res, 404, { ok: false, error: 'no such request' });
      let result: Awaited<ReturnType<Fulfilment['callback']>>;
      try {
        result = await target.callback(ref, signed.secret, parse(signed.body, ref.id, target.secrets()));
      } catch (error) {
        // Another change got there first (e.g. two callbacks at once): nothing was written.
        if (isDomainError(error)) return sendJson(res, 409, { ok: false, error: error.message });
        throw error;
      }
      if (!result.ok) return sendJson(res, result.httpStatus, { ok: false, error: result.error });
      return sendJson(res, 200, { ok: true, status: result.request.status });
    },
  };
}
