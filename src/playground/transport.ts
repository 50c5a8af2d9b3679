import { encodeForm, encodeInteractivity, slackRequestHeaders } from './form.js';
import type { Workspace } from './workspace.js';

/** Where and how the stand-in reaches the app: its POST /slack/events URL and the signing secret they share. */
export interface AppTransport {
  eventsUrl: () => string;
  signingSecret: string;
  workspace: Workspace;
}

export type OutboundRequest =
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'payload'; payload: object }
  | { kind: 'json'; payload: object };

export interface AppResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Encodes one request exactly like Slack (SLACK_FACTS §2) and signs it (§1). */
export function encodeRequest(request: OutboundRequest): {
  body: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
} {
  if (request.kind === 'form')
    return { body: encodeForm(request.fields), contentType: 'application/x-www-form-urlencoded' };
  if (request.kind === 'payload') {
    return { body: encodeInteractivity(request.payload), contentType: 'application/x-www-form-urlencoded' };
  }
  return { body: JSON.stringify(request.payload), contentType: 'application/json' };
}

/** Sends a signed request to the app's POST /slack/events and returns its answer (the ack). */
export async function sendToApp(transport: AppTransport, request: OutboundRequest, what: string): Promise<AppResponse> {
  const { body, contentType } = encodeRequest(request);
  transport.workspace.record({ direction: 'slack→app', what });
  try {
    const response = await fetch(transport.eventsUrl(), {
      method: 'POST',
      headers: slackRequestHeaders(transport.signingSecret, body, contentType),
      body,
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: await response.text(),
    };
  } catch (error) {
    transport.workspace.record({ direction: 'slack→app', what: `${what} failed`, detail: (error as Error).message });
    return { status: 599, contentType: '', body: '' };
  }
}
