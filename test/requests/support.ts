import { createHmac } from 'node:crypto';
import { twin } from '../../src/db/twin.js';
import { type RequestRow, requestsTable } from '../../src/requests/schema.js';
import { fieldBlockId, IDS } from '../../src/requests/slack/ids.js';
import {
  ENGINEER,
  PLATFORM_ENGINEER,
  PLATFORM_GROUP,
  startTestApp,
  type TestApp,
  type TestAppOptions,
} from '../support/harness.js';
import { messageButton, type ViewStateValue, viewSubmission } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually } from '../support/wait.js';

export const QUEUE = 'C0REQUESTS';
export const APPROVER = 'U0APPROVE1';
export const HOOKS = 'http://automation.test';
export const DB_SECRET = 'database-webhook-secret-0001';
export const ALERT_SECRET = 'alerts-webhook-secret-000001';

/** Three types: a webhook with approval (database), a manual one with an SLA (secrets), a webhook without approval (alert). */
export function requestsSection() {
  return {
    channel: QUEUE,
    types: [
      {
        id: 'database',
        title: 'Postgres database',
        description: 'A managed Postgres database for one service',
        fields: [
          {
            id: 'name',
            label: 'Database name',
            type: 'text',
            required: true,
            pattern: '^[a-z][a-z0-9_]{2,30}$',
            patternMessage: 'Use 3–31 lowercase letters, digits or underscores, starting with a letter.',
          },
          { id: 'purpose', label: 'What is it for?', type: 'textarea', required: true },
          {
            id: 'size',
            label: 'Size',
            type: 'select',
            required: true,
            options: ['small', 'medium', 'large'],
            default: 'small',
          },
          {
            id: 'envs',
            label: 'Environments',
            type: 'multiselect',
            required: true,
            options: [
              { value: 'staging', label: 'Staging' },
              { value: 'production', label: 'Production' },
            ],
          },
          { id: 'owner', label: 'Owner', type: 'user', required: true },
          { id: 'alerts', label: 'Alerts channel', type: 'channel' },
          { id: 'storage', label: 'Storage (GB)', type: 'number', min: 10, max: 500 },
          { id: 'needed', label: 'Needed by', type: 'date' },
        ],
        approval: { count: 1, approvers: [APPROVER], ttl: '1d' },
        fulfilment: { webhook: { url: `${HOOKS}/database`, secret: DB_SECRET, retries: 2 } },
        sla: '1d',
      },
      {
        id: 'secrets-access',
        title: 'Secrets access',
        description: 'Read access to a Vault path',
        fields: [
          { id: 'path', label: 'Vault path', type: 'text', required: true },
          { id: 'why', label: 'Why', type: 'textarea', required: true },
        ],
        fulfilment: 'manual',
        sla: '4h',
      },
      {
        id: 'alert',
        title: 'Monitoring alert',
        description: 'A new alert rule',
        fields: [{ id: 'query', label: 'Query', type: 'text', required: true }],
        fulfilment: { webhook: { url: `${HOOKS}/alert`, secret: ALERT_SECRET, retries: 2 } },
      },
    ],
  };
}

export async function startRequestsApp(options: Omit<TestAppOptions, 'team'> = {}): Promise<TestApp> {
  const app = await startTestApp({ ...options, team: { requests: requestsSection() } });
  app.slack.usergroups[PLATFORM_GROUP] = [PLATFORM_ENGINEER];
  return app;
}

export const text = (value: string): ViewStateValue => ({ type: 'plain_text_input', value });
export const option = (value: string): ViewStateValue => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text: value }, value },
});

/** view.state.values for a form: `{ fieldId: state }` → `{ 'requests.field.<id>': { 'requests.field-value': state } }`. */
export function formState(values: Record<string, ViewStateValue>) {
  return Object.fromEntries(
    Object.entries(values).map(([id, state]) => [fieldBlockId(id), { [IDS.fieldAction]: state }]),
  );
}

export function submitForm(app: TestApp, typeId: string, values: Record<string, ViewStateValue>, userId = ENGINEER) {
  return app.interact(
    viewSubmission({
      userId,
      callbackId: IDS.formView,
      privateMetadata: JSON.stringify({ typeId }),
      values: formState(values),
    }),
  );
}

/** The fields a submitted validDatabase() form is stored (and sent to the webhook) with. */
export const VALID_DATABASE_FIELDS = {
  name: 'billing_ledger',
  purpose: 'Ledger for the billing service',
  size: 'medium',
  envs: ['staging'],
  owner: 'U0OWNER001',
  alerts: 'C0ALERTS01',
  storage: 50,
  needed: '2026-11-30',
};

export const validDatabase = (): Record<string, ViewStateValue> => ({
  name: text('billing_ledger'),
  purpose: text('Ledger for the billing service'),
  size: option('medium'),
  envs: {
    type: 'multi_static_select',
    selected_options: [{ text: { type: 'plain_text', text: 'Staging' }, value: 'staging' }],
  },
  owner: { type: 'users_select', selected_user: 'U0OWNER001' },
  alerts: { type: 'channels_select', selected_channel: 'C0ALERTS01' },
  storage: { type: 'number_input', value: '50' },
  needed: { type: 'datepicker', selected_date: '2026-11-30' },
});

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs a status callback to the request's callback URL (`/hooks/requests/<reference>`; a string id is used as it is),
 * signed with `secret` unless a signature is given.
 */
export async function callback(
  app: TestApp,
  id: number | string,
  body: unknown,
  secret: string,
  signature?: string,
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const ref = typeof id === 'number' ? await refOf(app, 'requests', id) : id;
  return fetch(`${app.baseUrl}/hooks/requests/${ref}`, {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signature ?? sign(secret, raw) },
  });
}

/** Clicks a queue-card button as `userId`. */
export async function clickQueue(app: TestApp, userId: string, actionId: string, requestId: number, ts: string) {
  return app.interact(
    messageButton({
      userId,
      actionId,
      value: await refOf(app, 'requests', requestId),
      blockId: IDS.queueActionsBlock,
      channelId: QUEUE,
      messageTs: ts,
    }),
  );
}

/** DMs sent to a user (chat.postMessage with channel = the user ID), as text. */
/** Waits for a DM to `userId` whose text is `text` (a status change is stored before its DM goes out). */
export async function waitForDm(app: TestApp, userId: string, text: string): Promise<void> {
  await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === userId && c.args.text === text);
}

export function dmsTo(app: TestApp, userId: string): string[] {
  return app.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === userId)
    .map((c) => String(c.args.text));
}

/** The requests table straight from the database. */
export async function requestRows(app: TestApp): Promise<RequestRow[]> {
  const { db } = app.groundcrew.services;
  const requests = twin(db, requestsTable);
  return db.orm.select().from(requests).orderBy(requests.id);
}

/** Polls the requests table until `check` holds for the row with this id; returns the row. */
export async function waitForRow(app: TestApp, id: number, check: (row: RequestRow) => boolean): Promise<RequestRow> {
  return eventually(
    async () => {
      const row = (await requestRows(app)).find((r) => r.id === id);
      if (row && check(row)) return row;
      throw new Error(`request ${id} is now ${JSON.stringify(row)}`);
    },
    { what: `request ${id} to match ${check.toString()}` },
  );
}
