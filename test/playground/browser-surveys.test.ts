import { describe, expect, it } from 'vitest';
import { ADA, ALEX, BROWSER_TEST_TIMEOUT, browserForTests, GRACE, PAT, runBrowser } from './browser-support.js';

/**
 * The playground's NPS survey in a real browser: Alex starts a wave, Ada, Grace and Pat answer in the modal (from
 * the DM, and from the Home tab), Alex closes it: the results in #platform-requests with the PNG chart in their
 * thread, and the chart on Alex's Home tab.
 */
describe.skipIf(!runBrowser)('NPS survey in the playground', { timeout: 90_000 }, () => {
  const browser = browserForTests();
  const { as, go, type } = browser;
  const page = () => browser.page;
  const dm = (userId: string) => `D${userId.slice(1)}`;
  /** How wide the image drew (0 until it loaded; a broken image stays 0). */
  const drawnWidth = (el: unknown) => {
    const img = el as { complete: boolean; naturalWidth: number };
    return img.complete ? img.naturalWidth : 0;
  };

  /** Answers in the open modal: a score, a comment and an area, then Send; waits for the modal to close. */
  async function answerInModal(score: string, comment: string, area: string) {
    const modal = page().locator('form.modal');
    await modal.waitFor({ timeout: 10_000 });
    expect(await modal.innerText()).toContain('Anonymous');
    await modal.locator('select[data-action-id="surveys.score-input"]').selectOption(score);
    await modal.locator('textarea[data-action-id="surveys.comment-input"]').fill(comment);
    await modal.locator('select[data-action-id="surveys.area-input"]').selectOption(area);
    await modal.locator('[data-submit]').click();
    await modal.waitFor({ state: 'detached', timeout: 10_000 });
  }

  /** Opens the person's DM, waits for the wave's question and answers it from there. */
  async function answerFromDm(userId: string, score: string, comment: string, area: string) {
    await as(userId);
    await go(dm(userId));
    const question = page().locator('#messages .message', { hasText: 'How likely are you to recommend' }).last();
    await question.waitFor({ timeout: 15_000 });
    await question.locator('[data-action-id="surveys.answer"]').click();
    await answerInModal(score, comment, area);
    await expect.poll(() => question.innerText(), { timeout: 10_000 }).toContain('Thank you, your answer is in.');
  }

  it(
    'start as Alex, three people answer in the modal, close: results, the PNG chart, the chart on the Home tab',
    async () => {
      await as(ALEX);
      await go('C0REQUESTS');
      await type('/platform survey start platform-nps');
      const opened = page().locator('#messages .message.ephemeral', { hasText: 'Wave 1 of' });
      await expect.poll(() => opened.count(), { timeout: 10_000 }).toBe(1);
      expect(await opened.innerText()).toContain('4 people are being asked');

      await answerFromDm(ADA, '10', 'Deploys are quick now', 'deploys');
      await answerFromDm(GRACE, '9', 'The docs helped me', 'docs');

      // Pat answers from the Home tab's "Surveys for you".
      await as(PAT);
      await go('home');
      const owed = page().locator('.home .section', { hasText: 'How likely are you to recommend' });
      await owed.waitFor({ timeout: 15_000 });
      await owed.locator('[data-action-id="surveys.answer"]').click();
      await answerInModal('6', 'CI is slow', 'CI/CD');
      await expect.poll(() => owed.count(), { timeout: 10_000 }).toBe(0);

      // Nothing is shown while the wave is open.
      await as(ALEX);
      await go('C0REQUESTS');
      await type('/platform survey results platform-nps');
      const notYet = page().locator('#messages .message.ephemeral', { hasText: 'No wave of this survey has closed' });
      await expect.poll(() => notYet.count(), { timeout: 10_000 }).toBe(1);

      await type('/platform survey close platform-nps');
      const results = page().locator('#messages .message:not(.ephemeral)', { hasText: 'results of wave 1' });
      await results.waitFor({ timeout: 30_000 });
      const shown = await results.innerText();
      // 2 promoters, 1 detractor of 3: (2 − 1) / 3 = 33%.
      expect(shown).toContain('NPS 33');
      expect(shown).toContain('3 of 4 answered (75%)');
      // The post counts the comments; the comments themselves are in its thread.
      expect(shown).toContain('Comments: 3');

      // The chart and the comments are in the results thread, the chart as a PNG the page can draw.
      await expect
        .poll(
          () =>
            results
              .locator('.replies')
              .innerText()
              .catch(() => ''),
          { timeout: 30_000 },
        )
        .toBe('2 replies');
      await results.hover();
      await results.locator('.hover-actions [data-open-thread]').click();
      await page().locator('#thread-messages', { hasText: 'CI is slow' }).waitFor({ timeout: 10_000 });
      const chart = page().locator('#thread-messages .shared-file img');
      await chart.waitFor({ timeout: 10_000 });
      await expect.poll(() => chart.evaluate(drawnWidth), { timeout: 10_000 }).toBeGreaterThan(200);
      const src = await chart.getAttribute('src');
      const png = await page().evaluate(async (url) => {
        const response = await fetch(url as string);
        const bytes = new Uint8Array(await response.arrayBuffer());
        return { type: response.headers.get('content-type'), size: bytes.length, head: [...bytes.slice(0, 4)] };
      }, src);
      expect(png.type).toBe('image/png');
      expect(png.head).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(png.size).toBeGreaterThan(5_000);

      // Alex's Home tab: the latest score and the same chart.
      await go('home');
      const trends = page().locator('.home', { hasText: 'Survey trends' });
      await trends.waitFor({ timeout: 15_000 });
      expect(await trends.innerText()).toContain('NPS 33');
      const homeChart = trends.locator('.image img');
      await expect
        .poll(() => homeChart.evaluate(drawnWidth), {
          timeout: 10_000,
        })
        .toBeGreaterThan(200);
    },
    BROWSER_TEST_TIMEOUT * 2,
  );

  it('a deploy that succeeds asks its requester the micro-pulse question; one click counts', async () => {
    await as(ADA);
    await go('C0DEPLOYS');
    await type('/platform deploy api staging');
    await go(dm(ADA));
    const question = page().locator('#messages .message', { hasText: 'How easy was that deploy' }).last();
    await question.waitFor({ timeout: 20_000 });
    await question.locator('[data-action-id="surveys.micro-4"]').click();
    await expect.poll(() => question.innerText(), { timeout: 10_000 }).toContain('your answer is counted');
    expect(await question.locator('[data-action-id^="surveys.micro-"]').count()).toBe(0);
  });
});
