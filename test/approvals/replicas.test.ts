import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalsNotifier } from '../../src/approvals/ports.js';
import { createApprovalsRepo } from '../../src/approvals/repo.js';
import type { ApprovalsService } from '../../src/approvals/service.js';
import { CARDS_LEASE_TTL_MS, createApprovalsService } from '../../src/approvals/service.js';
import { createAuditLog } from '../../src/audit/repo.js';
import { createManualClock, HOUR, type ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createLeases } from '../../src/db/leases.js';
import { createSilentLogger } from '../../src/logger.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';
import { eventually, gate } from '../support/wait.js';

const REQUESTER = 'U0REQUEST1';
const APPROVERS = ['U0APPROVE1', 'U0APPROVE2'];

interface Replica {
  db: Database;
  approvals: ApprovalsService;
  posted: string[];
  /** While set, card posts wait on it (Slack slow to answer). */
  hold?: Promise<void>;
}

/**
 * The approvals service of two replicas on one database: cards being posted by one are not posted again by the
 * other's resend sweep, and decisions made on either replica all count.
 */
for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`approvals across replicas on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    async function replicas(): Promise<{ clock: ManualClock; one: Replica; two: Replica }> {
      shared = await backend.create();
      const clock = createManualClock('2026-11-23T10:00:00Z');
      const make = async (holder: string): Promise<Replica> => {
        const db = await shared!.open();
        const replica: Replica = { db, posted: [], approvals: undefined as unknown as ApprovalsService };
        let ts = 0;
        const notifier: ApprovalsNotifier = {
          async postCard(target) {
            await replica.hold;
            replica.posted.push(target);
            return { channel: target.replace(/^U/, 'D'), ts: `${holder.length}.${++ts}` };
          },
          async updateCard() {},
          async tell() {},
          async homeChanged() {},
        };
        replica.approvals = createApprovalsService({
          repo: createApprovalsRepo(db),
          clock,
          people: { expand: async (p) => [...p.users] },
          audit: createAuditLog(db, clock),
          notifier,
          logger: createSilentLogger(),
          leases: createLeases({ db, clock, holder }),
        });
        replica.approvals.registerSubject({
          type: 'thing',
          describe: async (id) => ({ title: `thing ${id}`, lines: [] }),
          onApproved: async () => {},
          onRejected: async () => {},
          onExpired: async () => {},
        });
        return replica;
      };
      return { clock, one: await make('replica-1'), two: await make('replica-2') };
    }

    const request = (replica: Replica) =>
      replica.approvals.request({
        subjectType: 'thing',
        subjectId: '1',
        requester: REQUESTER,
        policy: { count: 2, approvers: { users: APPROVERS, usergroups: [] }, ttlMs: 2 * HOUR },
      });

    it("cards being posted on one replica are left alone by the other's resend sweep", async () => {
      const { one, two } = await replicas();
      const slack = gate();
      one.hold = slack.opened;
      const requested = request(one);
      await eventually(async () => (await two.approvals.pendingFor(APPROVERS[0]!)).length === 1, {
        what: 'the approval to be stored',
      });
      expect(await two.approvals.resendCards()).toBe(0);
      slack.open();
      await requested;
      expect(await two.approvals.resendCards()).toBe(0);
      expect(one.posted.sort()).toEqual(APPROVERS);
      expect(two.posted).toEqual([]);
    });

    it('the cards of a replica that died while posting them are sent by another once its claim expired', async () => {
      const { clock, one, two } = await replicas();
      one.hold = new Promise(() => {}); // Slack never answers, then the replica dies
      // Whatever it was still doing fails on its closed database: that is the death, not a test failure.
      request(one).catch(() => {});
      await eventually(async () => (await two.approvals.pendingFor(APPROVERS[0]!)).length === 1, {
        what: 'the approval to be stored',
      });
      await one.db.close();
      clock.advance(CARDS_LEASE_TTL_MS - 1);
      expect(await two.approvals.resendCards()).toBe(0);
      clock.advance(1);
      expect(await two.approvals.resendCards()).toBe(1);
      expect(two.posted.sort()).toEqual(APPROVERS);
      expect(await two.approvals.resendCards()).toBe(0);
    });

    it('an approval given on one replica and the second on the other both count', async () => {
      const { one, two } = await replicas();
      const approval = await request(one);
      const decide = (replica: Replica, approver: string) => replica.approvals.decide(approval.id, approver, 'approve');
      // At the same moment on PostgreSQL. Not on SQLite: a decision is a transaction, and two connections in one
      // process cannot overlap theirs (the second's BEGIN waits synchronously, blocking the first's event loop);
      // two processes on one file can.
      const [first, second] =
        backend.dialect === 'postgres'
          ? await Promise.all([decide(one, APPROVERS[0]!), decide(two, APPROVERS[1]!)])
          : [await decide(one, APPROVERS[0]!), await decide(two, APPROVERS[1]!)];
      expect([first.ok, second.ok]).toEqual([true, true]);
      const final = await one.approvals.get(approval.id);
      expect(final?.status).toBe('approved');
      expect(final?.decisions.map((d) => d.userId).sort()).toEqual(APPROVERS);
    });
  });
}
