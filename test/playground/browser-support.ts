import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createSilentLogger } from '../../src/logger.js';
import { type Playground, type PlaygroundOptions, startPlayground } from '../../src/playground/index.js';

/**
 * The playground in a real browser (Debian's chromium, driven by playwright-core). Outside CI, a machine without
 * /usr/bin/chromium skips these with a message; in CI (CI set) they always run, and a missing browser fails them.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const runBrowser = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runBrowser) {
  console.warn(
    `playground browser tests SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); CI always runs them`,
  );
}

export const ADA = 'U0ENGINEER';
export const GRACE = 'U0APPROVER';
export const PAT = 'U0PLATFORM';
export const ALEX = 'U0ADMIN';

/** Per test: generous for a loaded 2-core CI machine, and bounded. */
export const BROWSER_TEST_TIMEOUT = 45_000;

export interface BrowserPlayground {
  playground: Playground;
  page: Page;
  /** Switch person with the "You are" selector and wait until the page shows their view. */
  as(userId: string): Promise<void>;
  /** Click a channel, the DM (D…) or `home` in the sidebar and wait until it is the open one. */
  go(where: string): Promise<void>;
  /** Type into the composer and press Enter. */
  type(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A playground on a free port (Monday 09:00 UTC, a clock that moves only when a test moves it, quick demo systems)
 * and a fresh headless chromium profile with its page open.
 */
export async function openInBrowser(options: Partial<PlaygroundOptions> = {}): Promise<BrowserPlayground> {
  const playground = await startPlayground({
    env: { PORT: '0' },
    logger: createSilentLogger(),
    startAt: '2026-11-23T09:00:00Z',
    demoDelays: { started: 300, finished: 900 },
    // The app's clock moves only when a test moves it: same times in every run, so screenshots are stable.
    flowing: false,
    ...options,
  });
  const profile = mkdtempSync(join(tmpdir(), 'groundcrew-chromium-'));
  // A fresh profile per run (launchPersistentContext is playwright's way to pass a user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(playground.url);
  await page.waitForSelector('#user option', { state: 'attached' });
  return {
    playground,
    page,
    async as(userId) {
      await page.selectOption('#user', userId);
      await page.waitForSelector(`body[data-user="${userId}"]`, { state: 'attached' });
    },
    async go(where) {
      await page.click(`[data-where="${where}"]`);
      await page.waitForSelector(`[data-where="${where}"].active`);
    },
    async type(text) {
      await page.fill('#composer-input', text);
      await page.press('#composer-input', 'Enter');
    },
    async close() {
      await context.close();
      await playground.stop(2000);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * For a describe block: opens the playground in the browser before its tests and closes both after. The returned
 * object reads through to the open one (`browser.page`, `browser.playground`, `browser.as(…)`).
 */
export function browserForTests(options: Partial<PlaygroundOptions> = {}): BrowserPlayground {
  let open: BrowserPlayground | undefined;
  beforeAll(async () => {
    open = await openInBrowser(options);
  }, 60_000);
  afterAll(async () => {
    await open?.close();
  });
  const get = () => {
    if (!open) throw new Error('the playground is not open in the browser yet (beforeAll failed?)');
    return open;
  };
  return {
    get playground() {
      return get().playground;
    },
    get page() {
      return get().page;
    },
    as: (userId) => get().as(userId),
    go: (where) => get().go(where),
    type: (text) => get().type(text),
    close: () => get().close(),
  };
}
