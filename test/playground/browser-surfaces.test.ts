import { describe, expect, it } from 'vitest';
import { ADA, BROWSER_TEST_TIMEOUT, browserForTests, GRACE, runBrowser } from './browser-support.js';

/** What the page draws and sends, in a real browser: Block Kit, threads, reactions, the Home tab, a lost connection. */
describe.skipIf(!runBrowser)('the playground page in a browser', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const browser = browserForTests();
  const { as, go, type } = browser;

  it('draws mrkdwn and Block Kit, with a labelled placeholder for what it cannot draw', async () => {
    await browser.playground.groundcrew.slack.client.chat.postMessage({
      channel: 'C0REQUESTS',
      text: 'render check',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Render check' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*bold* _italic_ `code` <https://example.com|a link> <@U0APPROVER> <!date^1795420800^{date_num}|fallback>',
          },
          fields: [
            { type: 'mrkdwn', text: '*Service*\napi' },
            { type: 'mrkdwn', text: '*Env*\nstaging' },
          ],
        },
        { type: 'video', title: { type: 'plain_text', text: 'x' } } as never,
      ],
    });
    await as(ADA);
    await go('C0REQUESTS');
    const message = browser.page.locator('#messages .message', { hasText: 'Render check' });
    await message.waitFor();
    expect(await message.locator('b', { hasText: 'bold' }).count()).toBe(1);
    expect(await message.locator('i', { hasText: 'italic' }).count()).toBe(1);
    expect(await message.locator('a[href="https://example.com"]').innerText()).toBe('a link');
    expect(await message.locator('.mention').first().innerText()).toBe('@Grace Approver');
    expect(await message.locator('time').innerText()).toBe('2026-11-23');
    expect(await message.locator('.fields .field').count()).toBe(2);
    expect(await message.locator('.unsupported').innerText()).toContain('video');
  });

  it('wraps a very long word inside the message and labels rich text it cannot draw', async () => {
    const word = 'x'.repeat(600);
    await browser.playground.groundcrew.slack.client.chat.postMessage({
      channel: 'C0REQUESTS',
      text: `Long one: ${word}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `Long one: ${word}` } },
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'date', timestamp: 1795420800, format: '{date_num}', fallback: 'then' },
                { type: 'text', text: ' and ' },
                { type: 'sparkle', text: 'x' },
              ],
            },
          ],
        } as never,
      ],
    });
    await as(ADA);
    await go('C0REQUESTS');
    const message = browser.page.locator('#messages .message', { hasText: 'Long one' });
    await message.waitFor();
    const box = await message
      .locator('.message-body')
      .evaluate((el) => ({ wide: el.scrollWidth, shown: el.clientWidth }));
    expect(box.wide).toBeLessThanOrEqual(box.shown + 1);
    expect(await message.locator('.rich-text time').innerText()).toBe('2026-11-23');
    expect(await message.locator('.rich-text .unsupported').innerText()).toContain('sparkle');
  });

  it('says when groundcrew stops answering, and recovers by itself', async () => {
    await as(ADA);
    await browser.page.route('**/playground/state*', (route) => route.abort());
    browser.playground.workspace.changed(); // wakes the page's long-poll; its next poll is the one that fails
    await browser.page.locator('#offline').waitFor({ state: 'visible', timeout: 15_000 });
    await browser.page.unroute('**/playground/state*');
    await browser.page.locator('#offline').waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it('draws context, images and selects; a select and a button send block_actions with what was chosen', async () => {
    const actions: Record<string, unknown>[] = [];
    browser.playground.groundcrew.slack.app.action(/^pg_(pick|go)$/, async ({ ack, action }) => {
      await ack();
      actions.push(action as unknown as Record<string, unknown>);
    });
    const pixel = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    await browser.playground.groundcrew.slack.client.chat.postMessage({
      channel: 'C0HELP',
      text: 'surface check',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Surface check' } },
        {
          type: 'context',
          elements: [
            { type: 'image', image_url: pixel, alt_text: 'tiny' },
            { type: 'mrkdwn', text: 'in *context*' },
          ],
        },
        { type: 'image', image_url: pixel, alt_text: 'a picture', title: { type: 'plain_text', text: 'Picture' } },
        {
          type: 'actions',
          block_id: 'pick_block',
          elements: [
            {
              type: 'static_select',
              action_id: 'pg_pick',
              placeholder: { type: 'plain_text', text: 'Pick one' },
              options: ['red', 'green'].map((v) => ({ text: { type: 'plain_text', text: v }, value: v })),
            },
            { type: 'button', action_id: 'pg_go', text: { type: 'plain_text', text: 'Go' }, value: 'go-value' },
          ],
        },
      ],
    });
    await as(ADA);
    await go('C0HELP');
    const message = browser.page.locator('#messages .message', { hasText: 'Surface check' });
    await message.waitFor();
    expect(await message.locator('.context').innerText()).toContain('in context');
    expect(await message.locator('.context img[alt="tiny"]').count()).toBe(1);
    expect(await message.locator('figure.image figcaption').innerText()).toBe('Picture');
    await message.locator('select[data-action-id="pg_pick"]').selectOption('green');
    await expect.poll(() => actions.length, { timeout: 10_000 }).toBe(1);
    expect(actions[0]).toMatchObject({ action_id: 'pg_pick', selected_option: { value: 'green' } });
    await message.getByRole('button', { name: 'Go' }).click();
    await expect.poll(() => actions.length, { timeout: 10_000 }).toBe(2);
    expect(actions[1]).toMatchObject({ action_id: 'pg_go', value: 'go-value' });
  });

  it('sends reactions and thread replies to the app, and shows them to everyone', async () => {
    const events: string[] = [];
    browser.playground.groundcrew.slack.app.event('reaction_added', async ({ event }) => {
      events.push(`${event.user} :${event.reaction}:`);
    });
    await as(ADA);
    await go('C0DEPLOYS');
    await type('thread and reaction check');
    const message = browser.page.locator('#messages .message', { hasText: 'thread and reaction check' }).last();
    await message.waitFor({ timeout: 10_000 });
    await message.hover();
    await message.locator('.add-reaction').click();
    await browser.page.locator('#reaction-picker [data-react="rocket"]').click();
    await expect.poll(() => events, { timeout: 10_000 }).toContain(`${ADA} :rocket:`);
    await message.hover();
    await message.locator('.hover-actions [data-open-thread]').click();
    await browser.page.fill('#thread-input', 'a reply in the thread');
    await browser.page.press('#thread-input', 'Enter');
    await browser.page
      .locator('#thread-messages .message', { hasText: 'a reply in the thread' })
      .waitFor({ timeout: 10_000 });
    await as(GRACE);
    await go('C0DEPLOYS');
    const seen = browser.page.locator('#messages .message', { hasText: 'thread and reaction check' }).last();
    await expect.poll(() => seen.locator('.reaction').innerText(), { timeout: 10_000 }).toContain('1');
    expect(await seen.locator('.replies').innerText()).toBe('1 reply');
  });

  it('opens the Home tab: app_home_opened reaches the app, and its views.publish is drawn', async () => {
    await as(ADA);
    await go('home');
    const home = browser.page.locator('#messages .home');
    await home.waitFor({ timeout: 10_000 });
    expect(await home.innerText()).toContain('/platform');
  });
});
