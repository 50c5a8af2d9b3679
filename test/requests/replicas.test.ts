import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { createLeases } from '../../src/db/leases.js';
import { twin } from '../../src/db/twin.js';
import { WEBHOOK_LEASE_TTL_MS, WEBHOOK_TIMEOUT_MS, webhookLeaseKey } from '../../src/requests/fulfilment.js';
import { requestsTable } from '../../src/requests/schema.js';
import { START_LEASE_TTL_MS, startLeaseKey } from '../../src/requests/service.js';
import type { TestApp } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { requestRows, startRequestsApp, submitForm, text, waitForRow } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/**
 * The retry sweep and a delivery another replica is making: a try under way there (its lease held in the shared
 * database) is not sent again here, even once the database says it timed out; once that replica's claim has
 * expired (it died), this replica counts the try as failed and sends the next one, once.
 */
describe('webhook retries across replicas', () => {
  it("leaves another replica's try alone until its claim expires, then sends the next try once", async () => {
    const clock = createManualClock('2026-11-23T10:00:00Z');
    const posts: string[] = [];
    let answer: 'hang' | 202 = 'hang';
    app = await startRequestsApp({
      clock,
      fetch: async (_input, init) => {
        posts.push(new Headers(init?.headers).get('x-groundcrew-delivery-attempt') ?? '?');
        return answer === 'hang' ? new Promise<Response>(() => {}) : new Response('accepted', { status: 202 });
      },
    });
    // Stand-in for the other replica: it took the delivery of request 1 before this one could.
    const other = createLeases({ db: app.database, clock, holder: 'replica-2' });
    expect(await other.claim(webhookLeaseKey(1), WEBHOOK_LEASE_TTL_MS)).toBe(true);
    await submitForm(app, 'alert', { query: text('up == 0') });
    await waitForRow(app, 1, (r) => r.status === 'submitted');
    // 'submitted' holds from the insert on; the submission (its messages, then the first try) runs on after it.
    // Wait for it to finish: a first try still under way when replica-2's claim runs out below would take the
    // delivery lease then, and the sweep would rightly leave the request to it (that was a flaky timeout here).
    await settled(app);
    // The form's own first try found the delivery claimed: replica-2 sends it, not this one.
    expect(posts).toEqual([]);

    // replica-2's try, recorded as it would be, then nothing more from it.
    const requests = twin(app.database, requestsTable);
    await app.database.orm
      .update(requests)
      .set({
        webhookAttempts: 1,
        webhookAttemptStartedAt: clock.now(),
        nextAttemptAt: new Date(clock.now().getTime() + WEBHOOK_TIMEOUT_MS),
      })
      .where(eq(requests.id, 1));
    const { scheduler } = app.groundcrew.services;
    // Past the try's timeout, but replica-2 renewed its claim a moment ago: still its delivery.
    clock.advance(WEBHOOK_TIMEOUT_MS + 1);
    expect(await other.renew(webhookLeaseKey(1), WEBHOOK_LEASE_TTL_MS)).toBe(true);
    await scheduler.runNow('requests.retry-webhooks');
    expect(posts).toEqual([]);

    // replica-2 died: its claim runs out, and this replica's sweep takes over with try 2.
    clock.advance(WEBHOOK_LEASE_TTL_MS);
    answer = 202;
    await scheduler.runNow('requests.retry-webhooks');
    await eventually(async () => (await requestRows(app!))[0]?.status === 'queued', { what: 'the request delivered' });
    await scheduler.runNow('requests.retry-webhooks');
    expect(posts).toEqual(['2']);
  });

  it('a new request another replica is taking to its first step is left to it, and resumed once it died', async () => {
    const clock = createManualClock('2026-11-23T10:00:00Z');
    const posts: string[] = [];
    app = await startRequestsApp({
      clock,
      fetch: async (_input, init) => {
        posts.push(new Headers(init?.headers).get('x-groundcrew-delivery-attempt') ?? '?');
        return new Response('accepted', { status: 202 });
      },
    });
    // Stand-in for another replica's resume sweep, which found request 1 the moment it was stored.
    const other = createLeases({ db: app.database, clock, holder: 'replica-2' });
    expect(await other.claim(startLeaseKey(1), START_LEASE_TTL_MS)).toBe(true);
    await submitForm(app, 'alert', { query: text('up == 0') });
    await waitForRow(app, 1, (r) => r.status === 'submitted');
    // The submission is done (it found the start claimed) before the clock moves past replica-2's claim.
    await settled(app);
    expect(posts).toEqual([]);
    const { scheduler } = app.groundcrew.services;
    await scheduler.runNow('requests.resume');
    expect(posts).toEqual([]);

    // replica-2 died before taking the step: once its claim ran out, this replica's sweep takes it, once.
    clock.advance(START_LEASE_TTL_MS);
    await scheduler.runNow('requests.resume');
    await eventually(async () => (await requestRows(app!))[0]?.status === 'queued', { what: 'the request delivered' });
    await scheduler.runNow('requests.resume');
    expect(posts).toEqual(['1']);
  });
});
