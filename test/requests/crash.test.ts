import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { WEBHOOK_TIMEOUT_MS } from '../../src/requests/fulfilment.js';
import type { TestApp } from '../support/harness.js';
import { persistentDb } from '../support/persistent-db.js';
import { eventually } from '../support/wait.js';
import { HOOKS, QUEUE, requestRows, startRequestsApp, submitForm, text, waitForRow } from './support.js';

let apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
});

interface Post {
  url: string;
  key: string | null;
  attempt: string | null;
}

/**
 * A fulfilment endpoint: records every POST and answers each with the next of `answers` ('hang' never answers,
 * which is how a crash mid-request looks from the app's side once the process is gone).
 */
function receiver(posts: Post[], answers: (number | 'hang')[]): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    posts.push({
      url: String(input),
      key: headers.get('idempotency-key'),
      attempt: headers.get('x-groundcrew-delivery-attempt'),
    });
    const answer = answers.shift() ?? 500;
    if (answer === 'hang') return new Promise<Response>(() => {});
    return new Response(answer < 300 ? 'accepted' : 'boom', { status: answer });
  };
}

describe('a fulfilment webhook in flight when the process dies', () => {
  it('is retried once after the timeout with the same idempotency key, and handed over after the last try', async () => {
    const database = await persistentDb();
    const clock = createManualClock('2026-11-23T10:00:00Z');
    const posts: Post[] = [];

    // 1st process: the POST of try 1 never answers, then the process is gone.
    const first = await startRequestsApp({ database, clock, fetch: receiver(posts, ['hang']) });
    apps.push(first);
    await submitForm(first, 'alert', { query: text('up == 0') });
    await eventually(() => posts.length === 1, { what: 'try 1 to be sent' });
    await first.stop();

    // 2nd process on the same file: nothing is retried before the timeout; then try 2 (fails) and try 3 (hangs).
    const second = await startRequestsApp({ database, clock, fetch: receiver(posts, [500, 'hang']) });
    apps.push(second);
    const scheduler = second.groundcrew.services.scheduler;
    await scheduler.runNow('requests.retry-webhooks');
    expect(posts).toHaveLength(1);
    clock.advance(WEBHOOK_TIMEOUT_MS + 1);
    await scheduler.runNow('requests.retry-webhooks');
    await waitForRow(second, 1, (r) => r.webhookAttempts === 2 && r.lastError !== null);
    expect(posts).toHaveLength(2);
    await scheduler.runNow('requests.retry-webhooks'); // the back-off has not passed: nothing
    expect(posts).toHaveLength(2);
    clock.advance(2 * 60_000);
    void scheduler.runNow('requests.retry-webhooks'); // waits on try 3 for as long as this process lives
    await eventually(() => posts.length === 3, { what: 'try 3 to be sent' });
    await second.stop();

    // 3rd process: the last try never answered, so after the timeout the request goes to the platform team.
    const third = await startRequestsApp({ database, clock, fetch: receiver(posts, [202]) });
    apps.push(third);
    clock.advance(WEBHOOK_TIMEOUT_MS + 1);
    await third.groundcrew.services.scheduler.runNow('requests.retry-webhooks');
    const row = await waitForRow(third, 1, (r) => r.status === 'queued' && r.mode === 'manual');
    expect(row.lastError).toMatch(/no answer/);
    await third.slack.waitFor('chat.postMessage', (c) => c.args.channel === QUEUE);
    await third.groundcrew.services.scheduler.runNow('requests.retry-webhooks');
    expect(posts).toEqual([1, 2, 3].map((n) => ({ url: `${HOOKS}/alert`, key: 'request-1', attempt: String(n) })));
    expect(await requestRows(third)).toHaveLength(1);
  });
});
