import type { ApprovalsApi } from '../approvals/types.js';
import type { Leases } from '../db/leases.js';
import type { Mrkdwn } from '../mrkdwn.js';
import type { PeopleService } from '../people/service.js';
import type { ServiceDeps } from '../service-deps.js';
import type { RequestsConfig, RequestType } from './config.js';
import type { RequestRow, RequestsRepo } from './repo.js';

/** Port: how people hear about requests. The Slack adapter (slack/notifier.ts) renders and posts. */
export interface RequestsNotifier {
  /** A DM to the requester describing the request's current state; `note` adds a line of our own mrkdwn. */
  tellRequester(request: RequestRow, type: RequestType, note?: Mrkdwn): Promise<void>;
  /** Posts the request to the platform team's queue channel with its buttons; returns where it landed. */
  postQueueCard(channel: string, request: RequestRow, type: RequestType): Promise<{ channel: string; ts: string }>;
  /** Re-renders the queue card in place (status, who claimed, SLA flag). */
  updateQueueCard(request: RequestRow, type: RequestType): Promise<void>;
  /** Says once in the queue channel that the request outlived its SLA. */
  announceSlaBreach(request: RequestRow, type: RequestType): Promise<void>;
  homeChanged(userIds: string[]): Promise<void>;
}

export interface RequestsServiceDeps extends ServiceDeps<RequestsRepo, RequestsNotifier> {
  config: RequestsConfig;
  timezone: string;
  people: Pick<PeopleService, 'hasRole'>;
  approvals: ApprovalsApi;
  fetch: typeof fetch;
  /** Base URL webhooks call back on (`<base>/hooks/requests/<id>`). */
  publicUrl: string;
  /** The lease on a request's webhook delivery while a try is under way, so no other replica's sweep sends it too. */
  leases: Pick<Leases, 'acquire'>;
}
