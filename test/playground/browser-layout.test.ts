import { describe, expect, it } from 'vitest';
import { BROWSER_TEST_TIMEOUT, browserForTests, runBrowser } from './browser-support.js';

describe.skipIf(!runBrowser)('the playground page at a small laptop width', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const browser = browserForTests();

  it('keeps the top bar on one line at 1024 px wide, with the longest clock text and the next-job hint', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.locator('#clock', { hasNotText: '…' }).waitFor();
    // The widest texts the bar can show: a long clock line and a next-job hint.
    await page.locator('#clock').evaluate((el) => {
      el.textContent = 'Wed 30 Dec 2026, 23:59 Europe/Berlin';
    });
    await page.locator('#jobs').evaluate((el) => {
      el.textContent = 'next job: requests.webhook-retries';
    });
    const boxes = await Promise.all(
      ['.brand', '.timebar', '.who'].map(async (selector) => (await page.locator(selector).boundingBox())!),
    );
    const bar = await page
      .locator('.topbar')
      .evaluate((el) => ({ height: el.clientHeight, scroll: el.scrollWidth, width: el.clientWidth }));
    const measured = {
      height: bar.height,
      tallest: Math.max(...boxes.map((b) => b.height)),
      padding: 12,
      tops: boxes.map((b) => b.y),
      scroll: bar.scroll,
      width: bar.width,
    };
    // One line: every child starts on the same row, and the bar is as tall as its tallest child plus padding.
    expect(Math.max(...measured.tops) - Math.min(...measured.tops)).toBeLessThan(measured.tallest / 2);
    expect(measured.height).toBeLessThanOrEqual(measured.tallest + measured.padding + 1);
    expect(measured.scroll).toBeLessThanOrEqual(measured.width);
  });
});

describe.skipIf(!runBrowser)(
  'a playground tab when groundcrew runs for real',
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    const browser = browserForTests();

    it('shows the 410 answer in its banner and stops polling', async () => {
      const second = await browser.page.context().newPage();
      let polls = 0;
      await second.route('**/playground/state*', (route) => {
        polls++;
        return route.fulfill({
          status: 410,
          contentType: 'application/json',
          body: JSON.stringify({ ok: false, error: 'playground_off', message: 'groundcrew is running for real now.' }),
        });
      });
      await second.goto(browser.playground.url);
      await second.waitForSelector('#offline:not([hidden])');
      expect(await second.locator('#offline').innerText()).toBe('groundcrew is running for real now.');
      const after = polls;
      // The old page retried once a second; give it well over that to show it has stopped.
      await second.waitForTimeout(2500);
      expect(polls).toBe(after);
      expect(after).toBe(1);
      await second.close();
    });
  },
);
