import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalDecisionsTable, approvalsTable } from '../../src/approvals/schema.js';
import { openPostgres, type PostgresDatabase } from '../../src/db/postgres.js';
import { auditLogTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { deployFreezeAnnouncementsTable, deploysTable } from '../../src/deploys/schema.js';
import { requestsTable } from '../../src/requests/schema.js';
import { createTestPostgres, NO_TEST_PG, type TestPostgres } from '../support/test-db.js';

/**
 * The twins on a real server give back exactly what was written, through the same drizzle calls repos make, and the
 * constraints the product relies on hold. Needs GROUNDCREW_TEST_PG (CI sets it).
 */
describe.skipIf(NO_TEST_PG)('PostgreSQL twins on a real server (GROUNDCREW_TEST_PG)', () => {
  let testDb: TestPostgres;
  let db: PostgresDatabase;
  beforeAll(async () => {
    testDb = await createTestPostgres();
    db = await openPostgres(testDb.url, { poolSize: 4 });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const deploy = (service: string, status: 'requested' | 'succeeded' = 'requested') => ({
    service,
    environment: 'prod',
    ref: 'main',
    requestedBy: 'U1',
    status,
    executor: 'github',
    requestedAt: new Date('2026-11-23T10:00:00.123Z'),
    updatedAt: new Date('2026-11-23T10:00:00.456Z'),
  });

  it('timestamps keep their milliseconds; integers past 2^31 and json come back as written', async () => {
    const deploys = twin(db, deploysTable);
    const [row] = await db.orm
      .insert(deploys)
      .values({ ...deploy('values'), pollAttempts: 2 ** 40, approvedBy: ['U9', 'U1'], cancelClaimedAt: null })
      .returning();
    expect(row!.requestedAt).toEqual(new Date('2026-11-23T10:00:00.123Z'));
    expect(row!.pollAttempts).toBe(2 ** 40);
    expect(row!.approvedBy).toEqual(['U9', 'U1']);
    const [read] = await db.orm.select().from(deploys).where(eq(deploys.id, row!.id)).limit(1);
    expect(read).toEqual(row);
    expect(typeof read!.id).toBe('number');
  });

  it('json keeps key order (what people see in the audit log) and strings that look like JSON', async () => {
    const audit = twin(db, auditLogTable);
    const inputs = { service: 'api', environment: 'prod', ref: 'main', z: 1, a: { y: 2, b: 3 } };
    const [row] = await db.orm
      .insert(audit)
      .values({ at: new Date(), actor: 'U1', action: 'deploy', inputs, outcome: 'ok' })
      .returning();
    const [read] = await db.orm.select().from(audit).where(eq(audit.id, row!.id));
    expect(JSON.stringify(read!.inputs)).toBe(JSON.stringify(inputs));
    const announcements = twin(db, deployFreezeAnnouncementsTable);
    for (const [key, environments] of [
      ['all', 'all'],
      ['digits', '123' as 'all'],
      ['none', [] as string[]],
    ] as const) {
      await db.orm
        .insert(announcements)
        .values({ key, reason: 'r', environments, until: new Date(), announcedAt: new Date() });
      const [back] = await db.orm.select().from(announcements).where(eq(announcements.key, key));
      expect(back!.environments, key).toEqual(environments);
    }
  });

  it('ids are never reused, even after the newest row is deleted', async () => {
    const requests = twin(db, requestsTable);
    const values = {
      typeId: 't',
      requester: 'U1',
      fields: { b: '1', a: '2' },
      status: 'submitted' as const,
      mode: 'webhook' as const,
      submittedAt: new Date(),
      updatedAt: new Date(),
    };
    const [first] = await db.orm.insert(requests).values(values).returning({ id: requests.id });
    await db.orm.delete(requests).where(eq(requests.id, first!.id));
    const [second] = await db.orm.insert(requests).values(values).returning({ id: requests.id });
    expect(second!.id).toBeGreaterThan(first!.id);
  });

  it('one deploy in flight per service and environment (the partial unique index); finished ones do not count', async () => {
    const deploys = twin(db, deploysTable);
    await db.orm.insert(deploys).values(deploy('one-in-flight', 'succeeded'));
    await db.orm.insert(deploys).values(deploy('one-in-flight', 'succeeded'));
    await db.orm.insert(deploys).values(deploy('one-in-flight'));
    const second = await db.orm
      .insert(deploys)
      .values(deploy('one-in-flight'))
      // pg's own error, not drizzle's wrapper around it (src/db/driver-errors.ts).
      .then(
        () => 'inserted',
        (error: { code?: string; constraint?: string }) => error,
      );
    expect(second).toMatchObject({ code: '23505', constraint: 'deploys_one_in_flight_idx' });
    // On conflict do nothing: the same "someone else got there first" the repos read from an empty returning().
    const none = await db.orm.insert(deploys).values(deploy('one-in-flight')).onConflictDoNothing().returning();
    expect(none).toEqual([]);
  });

  it('a decision is counted once per person, and deleted with its approval', async () => {
    const approvals = twin(db, approvalsTable);
    const decisions = twin(db, approvalDecisionsTable);
    const [approval] = await db.orm
      .insert(approvals)
      .values({
        subjectType: 'deploy',
        subjectId: '1',
        requester: 'U1',
        required: 2,
        approvers: ['U2', 'U3'],
        status: 'pending',
        createdAt: new Date(),
        expiresAt: new Date(),
      })
      .returning();
    const decide = (userId: string) =>
      db.orm
        .insert(decisions)
        .values({ approvalId: approval!.id, userId, decision: 'approve', at: new Date() })
        .onConflictDoNothing()
        .returning();
    expect(await decide('U2')).toHaveLength(1);
    expect(await decide('U2')).toHaveLength(0);
    await db.orm.delete(approvals).where(eq(approvals.id, approval!.id));
    expect(await db.orm.select().from(decisions).where(eq(decisions.approvalId, approval!.id))).toEqual([]);
  });

  it('transaction(): all or nothing', async () => {
    const audit = twin(db, auditLogTable);
    const entry = { at: new Date(), actor: 'U-tx', action: 'tx', outcome: 'ok' as const };
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(audit).values(entry);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await db.orm.select().from(audit).where(eq(audit.actor, 'U-tx'))).toEqual([]);
    await db.transaction(async (tx) => {
      await tx.insert(audit).values(entry);
      await tx.insert(audit).values(entry);
    });
    expect(await db.orm.select().from(audit).where(eq(audit.actor, 'U-tx'))).toHaveLength(2);
  });

  it('two approvals racing in two transactions both count: the one that read too early is run again', async () => {
    const approvals = twin(db, approvalsTable);
    const decisions = twin(db, approvalDecisionsTable);
    const [approval] = await db.orm
      .insert(approvals)
      .values({
        subjectType: 'deploy',
        subjectId: 'race',
        requester: 'U1',
        required: 2,
        approvers: ['U2', 'U3'],
        status: 'pending',
        createdAt: new Date(),
        expiresAt: new Date(),
      })
      .returning();
    // Both insert their decision, then both count, before either commits: each sees only its own decision. Under
    // READ COMMITTED both would count 1 and nobody would approve; serializable makes one of them run again.
    let inserted = 0;
    let release!: () => void;
    const bothInserted = new Promise<void>((done) => (release = done));
    const runs: string[] = [];
    const approve = (userId: string) =>
      db.transaction(async (tx) => {
        runs.push(userId);
        await tx.insert(decisions).values({ approvalId: approval!.id, userId, decision: 'approve', at: new Date() });
        if (++inserted === 2) release();
        if (inserted <= 2) await bothInserted;
        const [{ n }] = (await tx
          .select({ n: count() })
          .from(decisions)
          .where(and(eq(decisions.approvalId, approval!.id), eq(decisions.decision, 'approve')))) as [{ n: number }];
        return n;
      });
    const counts = await Promise.all([approve('U2'), approve('U3')]);
    expect(counts.sort()).toEqual([1, 2]);
    expect(runs.length).toBeGreaterThan(2);
  });
});
