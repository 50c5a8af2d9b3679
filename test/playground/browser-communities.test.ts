import { describe, expect, it } from 'vitest';
import { ADA, BROWSER_TEST_TIMEOUT, browserForTests, PAT, runBrowser } from './browser-support.js';

/** The playground's community: an event tomorrow, answered Going, reminded after the clock moves. */
describe.skipIf(!runBrowser)('community events in the playground', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const browser = browserForTests();
  const { as, go, type } = browser;
  const messages = (text: string) => browser.page.locator('#messages .message:not(.ephemeral)', { hasText: text });
  const count = (text: string) => () => messages(text).count();
  /** Presses a clock button and waits until the app's clock has moved by it. */
  async function advance(ms: number) {
    const before = browser.playground.clock.now().getTime();
    await browser.page.click(`[data-advance="${ms}"]`);
    await expect.poll(() => browser.playground.clock.now().getTime() - before, { timeout: 10_000 }).toBe(ms);
  }

  it('lists the event, takes Going, and shows the reminders when the clock moves', async () => {
    await as(ADA);
    await go('C0HELP');
    await type('/platform events');
    const list = browser.page.locator('#messages .message.ephemeral', { hasText: 'Platform guild meetup' });
    await expect.poll(() => list.count(), { timeout: 10_000 }).toBe(1);
    expect(await list.innerText()).toContain('0 of 3 going');
    await list.locator('[data-action-id="communities.rsvp-going"]').first().click();
    const answer = browser.page.locator('#messages .message.ephemeral', { hasText: 'You are going to' });
    await expect.poll(() => answer.count(), { timeout: 10_000 }).toBe(1);

    // +1 day: the day-before reminder in #platform-help, with one going, and a DM to Ada.
    expect(await messages('Coming up').count()).toBe(0);
    await advance(86_400_000);
    await expect.poll(count('Coming up: Platform guild meetup'), { timeout: 15_000 }).toBe(1);
    expect(await messages('Coming up: Platform guild meetup').innerText()).toContain('1 of 3 going');
    await go(`D${ADA.slice(1)}`);
    await expect.poll(count('you are going'), { timeout: 15_000 }).toBe(1);

    // 1 h 45 min more, a quarter of an hour before the start (12:00 Berlin): the 15-minute reminder, once.
    await go('C0HELP');
    await advance(3_600_000);
    for (let i = 0; i < 2; i++) await advance(900_000);
    await advance(900_000);
    await expect.poll(count('Starting in 15 minutes: Platform guild meetup'), { timeout: 15_000 }).toBe(1);
    expect(await messages('Coming up: Platform guild meetup').count()).toBe(1);
  });

  it('lets the lead add a one-off event from the form, announced with its buttons; Join answers', async () => {
    await as(PAT);
    await go('C0HELP');
    await type('/platform event add');
    const modal = browser.page.locator('.modal');
    await modal.waitFor({ timeout: 10_000 });
    // Three days from the playground's clock, 15:00 in the lead's zone (the form starts in it).
    const day = new Date(browser.playground.clock.now().getTime() + 3 * 86_400_000).toISOString().slice(0, 10);
    await modal.locator('[data-action-id="communities.event-title-input"]').fill('Playground workshop');
    await modal.locator('[data-action-id="communities.event-date-input"]').fill(day);
    await modal.locator('[data-action-id="communities.event-time-input"]').fill('15:00');
    expect(await modal.locator('[data-action-id="communities.event-zone-input"]').inputValue()).toBe('Europe/Berlin');
    await modal.locator('[data-submit]').click();
    await expect.poll(() => browser.page.locator('.modal').count(), { timeout: 10_000 }).toBe(0);
    const added = messages('New event');
    await expect.poll(() => added.count(), { timeout: 10_000 }).toBe(1);
    expect(await added.innerText()).toContain('Playground workshop');

    // Ada answers Going on the announcement.
    await as(ADA);
    await go('C0HELP');
    await messages('New event').locator('[data-action-id="communities.rsvp-going"]').first().click();
    const going = browser.page
      .locator('#messages .message.ephemeral', { hasText: 'You are going to' })
      .filter({ hasText: 'Playground workshop' });
    await expect.poll(() => going.count(), { timeout: 10_000 }).toBe(1);

    // Join on the list: everyone is in every playground channel, so Slack says so.
    await type('/platform communities');
    const list = browser.page.locator('#messages .message.ephemeral', { hasText: 'Communities of practice' });
    await expect.poll(() => list.count(), { timeout: 10_000 }).toBe(1);
    await list.locator('[data-action-id="communities.join"]').first().click();
    const already = browser.page.locator('#messages .message.ephemeral', { hasText: 'already in' });
    await expect.poll(() => already.count(), { timeout: 10_000 }).toBe(1);
  });
});
