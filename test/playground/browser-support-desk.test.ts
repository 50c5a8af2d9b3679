import { describe, expect, it } from 'vitest';
import { ADA, BROWSER_TEST_TIMEOUT, browserForTests, PAT, runBrowser } from './browser-support.js';

/** Support in #platform-help, in a real browser: Ada asks, an hour passes and it escalates, Pat answers, the queue. */
describe.skipIf(!runBrowser)('support in the playground', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const browser = browserForTests();
  const { as, go, type } = browser;
  const messages = (where: string, text: string | RegExp) =>
    browser.page.locator(`${where} .message`, { hasText: text });

  it('ask as Ada, +1 h escalates, answer as Pat, /platform queue', async () => {
    await as(ADA);
    await go('C0HELP');
    await type('Deploys to staging fail with exit code 137 and this blocks my work');
    const question = messages('#messages', 'exit code 137').last();
    await question.waitFor({ timeout: 10_000 });
    // The tier-1 reply is in the question's thread: open it.
    await expect
      .poll(
        () =>
          question
            .locator('.replies')
            .innerText()
            .catch(() => ''),
        { timeout: 15_000 },
      )
      .toBe('1 reply');
    await question.hover();
    await question.locator('.hover-actions [data-open-thread]').click();
    const reply = messages('#thread-messages', 'Tracked as question #1').last();
    await reply.waitFor({ timeout: 10_000 });
    expect(await reply.innerText()).toContain("I'm blocked");
    expect(await reply.getByRole('button', { name: 'This solved it' }).count()).toBe(1);

    // An hour later nobody answered: the first-response target (1 h for "I'm blocked") is breached.
    await browser.page.click('[data-advance="3600000"]');
    await go('C0REQUESTS');
    const escalation = messages('#messages', 'breached its first-response target').last();
    await escalation.waitFor({ timeout: 15_000 });
    expect(await escalation.innerText()).toContain('Asked by');

    await as(PAT);
    await go('C0HELP');
    const asked = messages('#messages', 'exit code 137').last();
    await asked.hover();
    await asked.locator('.hover-actions [data-open-thread]').click();
    await browser.page.fill('#thread-input', 'Exit 137 is the OOM killer: raise the memory limit in deploy.yml');
    await browser.page.press('#thread-input', 'Enter');
    await expect
      .poll(() => messages('#thread-messages', 'Tracked as question #1').last().innerText(), { timeout: 15_000 })
      .toContain('The platform team is on it');

    await type('/platform queue');
    const queue = browser.page.locator('#messages .message.ephemeral', { hasText: 'Support queue' }).last();
    await queue.waitFor({ timeout: 15_000 });
    const shown = await queue.innerText();
    expect(shown).toContain('Support queue: 1 open');
    expect(shown).toMatch(/#1.*I'm blocked/);
    expect(shown).toContain('(resolution)');
  });
});
