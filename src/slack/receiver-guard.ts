import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { defaultBodyLimit, HTTPModuleFunctions, isRawBodyError } from '@slack/bolt';
import type { Logger } from '../logger.js';

/**
 * Options for the HTTP server Bolt creates. Node's defaults hold a client that sends its headers or body slowly for
 * 60 s and 300 s; every legitimate request here (Slack's, a webhook's callback) is small and sent at once.
 * Node checks the deadlines every `connectionsCheckingInterval`, so a slow client is cut within about 12 s (408).
 */
export const SERVER_OPTIONS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 2_000,
} as const;

/** Bolt's endpoint for events, commands and interactivity (HTTP mode). */
const EVENTS_PATH = '/slack/events';

/**
 * Bolt's HTTPReceiver reads `body.ssl_check` on whatever the body parsed to, outside any try: a signed `null` (or a
 * form field `payload=null`) throws inside a promise nobody awaits, and the unhandled rejection ends the process.
 * Other non-objects (`42`, `[]`) reach the listeners and wait out the 3 s ack timeout. This reads and parses the body
 * first, the way Bolt does (same helpers, same 4 MB limit), answers 400 when it is not a JSON object, and hands
 * everything else to Bolt with the body already read (Bolt reuses `rawBody` instead of reading the stream again).
 */
export function guardEventBodies(server: Server, logger: Pick<Logger, 'warn'>): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  for (const listener of listeners) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST' || (req.url ?? '').split('?', 1)[0] !== EVENTS_PATH) return listener(req, res);
      checkBody(req, res, logger).then(
        (pass) => {
          if (pass) listener(req, res);
        },
        (error: unknown) => {
          logger.warn(`POST ${EVENTS_PATH} failed before Bolt: ${error instanceof Error ? error.message : error}`);
          if (!res.headersSent) HTTPModuleFunctions.buildNoBodyResponse(res, 400);
        },
      );
    });
  }
}

/** True when Bolt should handle the request; otherwise the response was sent. */
async function checkBody(req: IncomingMessage, res: ServerResponse, logger: Pick<Logger, 'warn'>): Promise<boolean> {
  let buffered: Awaited<ReturnType<typeof HTTPModuleFunctions.bufferIncomingMessage>>;
  try {
    buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit);
  } catch (error) {
    if (isRawBodyError(error) && (error.type === 'entity.too.large' || error.statusCode === 413)) {
      HTTPModuleFunctions.buildNoBodyResponse(res, 413);
      return false;
    }
    throw error;
  }
  // The common bodies pass without a parse (Bolt parses them again): a form without `payload` (a slash command) is
  // an object, and so is JSON that opens with `{` (or it is malformed, which Bolt answers).
  if (objectWithoutParsing(buffered)) return true;
  let body: unknown;
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
  } catch {
    return true; // Bolt answers malformed bodies itself (400 after the signature check)
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return true;
  logger.warn(`POST ${EVENTS_PATH}: the body is not a JSON object (${body === null ? 'null' : typeof body}), refused`);
  HTTPModuleFunctions.buildNoBodyResponse(res, 400);
  return false;
}

/**
 * True when Bolt's parse of this body is sure to give an object (or to fail): no need to parse it here. Bolt reads a
 * form's `payload` field as JSON and decodes field names first (`%70ayload` is `payload`), so a form passes only when
 * no field name is `payload` or percent-encoded. One native scan of the body, read byte for byte (latin1: the
 * characters looked for are ASCII, and no byte of a UTF-8 sequence is one of them).
 */
function objectWithoutParsing(req: { rawBody: Buffer; headers: IncomingMessage['headers'] }): boolean {
  const text = req.rawBody.toString('latin1');
  if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return /^\s*\{/.test(text);
  return !PAYLOAD_OR_ENCODED_NAME.test(text);
}

/** A form field named `payload`, or a field name with a `%` in it. */
const PAYLOAD_OR_ENCODED_NAME = /(?:^|&)(?:payload(?:[=&]|$)|[^=&]*%)/;
