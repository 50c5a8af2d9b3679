import nock from 'nock';
import { expect } from 'vitest';
import { approvalsCapability } from '../../src/approvals/capability.js';
import { coreCapability } from '../../src/core/capability.js';
import { twin } from '../../src/db/twin.js';
import { createDeploysCapability } from '../../src/deploys/capability.js';
import type { DeployRow } from '../../src/deploys/schema.js';
import { deploysTable } from '../../src/deploys/schema.js';
import type { ApiCall } from '../support/fake-slack.js';
import { ADMIN, ENGINEER, startTestApp, type TestApp, type TestAppOptions } from '../support/harness.js';
import { eventually, gate } from '../support/wait.js';

export const DEPLOYS_CHANNEL = 'C0DEPLOYS1';
export const ALICE = 'U0ALICE01';
export const BOB = 'U0BOB0001';
export const CAROL = 'U0CAROL01';
export const BILLING_OWNER = 'U0BILL001';
export const GITHUB = 'http://github.test';
export const WEBHOOK_SECRET = 'webhook-secret-0123456789';
export const RUNS = '/repos/acme/web/actions/runs';
export const DISPATCH = '/repos/acme/web/actions/workflows/deploy.yml/dispatches';
export { ADMIN, ENGINEER };

export function deploysSection(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channel: DEPLOYS_CHANNEL,
    environments: [
      { name: 'staging' },
      { name: 'production', approvals: { count: 2, approvers: [ALICE, BOB, CAROL] }, approvalTtl: '2h' },
    ],
    executors: {
      'web-actions': {
        type: 'github-actions',
        repo: 'acme/web',
        workflow: 'deploy.yml',
        inputs: { service: 'service', environment: 'environment', ref: 'ref' },
      },
      deployer: { type: 'webhook', url: 'http://deployer.test/hooks/groundcrew', secret: WEBHOOK_SECRET },
    },
    services: [
      { name: 'web', description: 'Storefront', environments: ['staging', 'production'], executor: 'web-actions' },
      { name: 'billing', owners: [BILLING_OWNER], environments: ['staging', 'production'], executor: 'web-actions' },
      { name: 'worker', environments: ['staging'], executor: 'deployer' },
    ],
    freezes: {
      recurring: [
        {
          reason: 'weekend freeze',
          from: { day: 'friday', time: '16:00' },
          until: { day: 'monday', time: '08:00' },
          environments: ['production'],
        },
      ],
      holidays: [{ date: '2026-12-25', name: 'Christmas Day' }],
    },
    ...overrides,
  };
}

export function startDeploysApp(
  options: TestAppOptions & { deploys?: Record<string, unknown>; httpTimeoutMs?: number } = {},
) {
  const { deploys, httpTimeoutMs, ...rest } = options;
  return startTestApp({
    ...rest,
    team: { deploys: deploys ?? deploysSection(), ...rest.team },
    capabilities: [
      coreCapability,
      approvalsCapability,
      createDeploysCapability(httpTimeoutMs ? { httpTimeoutMs } : {}),
    ],
  });
}

export async function deployRows(app: TestApp): Promise<DeployRow[]> {
  const { db } = app.groundcrew.services;
  const deploys = twin(db, deploysTable);
  return db.orm.select().from(deploys).orderBy(deploys.id);
}

export async function deployRow(app: TestApp, id: number): Promise<DeployRow> {
  const row = (await deployRows(app)).find((d) => d.id === id);
  if (!row) throw new Error(`no deploy #${id}`);
  return row;
}

/** GitHub answers a dispatch with run details (the 2026 `return_run_details` response). */
export function nockDispatch(runId: number, check?: (body: Record<string, unknown>) => boolean) {
  return nock(GITHUB)
    .matchHeader('authorization', 'Bearer ghp_test')
    .matchHeader('accept', 'application/vnd.github+json')
    .matchHeader('x-github-api-version', '2022-11-28')
    .post(DISPATCH, (body: Record<string, unknown>) => (check ? check(body) : true))
    .reply(200, {
      workflow_run_id: runId,
      run_url: `${GITHUB}${RUNS}/${runId}`,
      html_url: `https://github.com/acme/web/actions/runs/${runId}`,
    });
}

export function nockRun(runId: number, status: string, conclusion: string | null = null) {
  return nock(GITHUB)
    .get(`${RUNS}/${runId}`)
    .reply(200, { id: runId, status, conclusion, html_url: `https://github.com/acme/web/actions/runs/${runId}` });
}

/** Every version of the status message: the first post and each in-place update, in order. */
export function statusVersions(app: TestApp, ts: string): ApiCall[] {
  return app.slack.calls.filter(
    (c) =>
      (c.method === 'chat.postMessage' &&
        c.args.channel === DEPLOYS_CHANNEL &&
        !c.args.thread_ts &&
        String(c.args.text).startsWith('Deploy #')) ||
      (c.method === 'chat.update' && c.args.ts === ts),
  );
}

export function threadReplies(app: TestApp, ts: string): string[] {
  return app.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts === ts)
    .map((c) => String(c.args.text));
}

export function dmsTo(app: TestApp, userId: string): string[] {
  return app.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === userId)
    .map((c) => String(c.args.text));
}

export async function auditActions(app: TestApp): Promise<string[]> {
  return (await app.groundcrew.services.audit.latest(200)).map((r) => r.action).reverse();
}

export function expectNockDone(scope: nock.Scope) {
  expect(scope.pendingMocks()).toEqual([]);
}

const LABELS: Record<string, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  rejected: 'Rejected',
  expired: 'Expired',
  awaiting_approval: 'Awaiting approval',
};

/**
 * Waits until deploy `id` has `status` in the database *and* its status message shows it (and, once running,
 * the dispatch note is in the thread): the handler that moved it may still be talking to Slack.
 */
export async function settle(
  app: TestApp,
  id: number,
  status: keyof typeof LABELS & DeployRow['status'],
): Promise<DeployRow> {
  await eventually(
    async () => {
      const row = (await deployRows(app)).find((d) => d.id === id);
      if (row?.status !== status || !row.messageTs) return false;
      const last = statusVersions(app, row.messageTs).at(-1);
      if (!String(last?.args.text).endsWith(`: ${LABELS[status]}`)) return false;
      return status !== 'running' || threadReplies(app, row.messageTs).some((t) => t.startsWith(':rocket:'));
    },
    { what: `deploy #${id} ${status}` },
  );
  return await deployRow(app, id);
}

/**
 * A cold usergroup cache and a slow Slack: every usergroups.users.list waits until the test opens the gate, then
 * answers with `members` (usergroup → user IDs; none by default).
 */
export function holdUsergroups(test: TestApp, members: Record<string, string[]> = {}) {
  const held = gate();
  let asked = 0;
  test.slack.on('usergroups.users.list', async (args) => {
    asked++;
    await held.opened;
    return { ok: true, users: members[String(args.usergroup)] ?? [] };
  });
  return { open: held.open, opened: held.isOpen, asked: () => asked };
}
