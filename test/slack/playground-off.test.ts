import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger, type Logger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../support/harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** A silent logger that keeps every line, to check what a request left in the log. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (...parts: unknown[]) =>
      lines.push(`${level} ${parts.map(String).join(' ')}`);
  return {
    ...createSilentLogger(),
    debug: keep('debug'),
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
    lines,
  };
}

describe('a playground tab left open when groundcrew runs for real', () => {
  it('gets a quiet 410 with a body the page reads as "stop polling", and the log stays clean', async () => {
    const logger = recordingLogger();
    app = await startTestApp({ logger });
    for (let i = 0; i < 5; i++) {
      const state = await fetch(`${app.baseUrl}/playground/state?user=U0ENGINEER&since=3&boot=abc`);
      expect(state.status).toBe(410);
      expect(await state.json()).toEqual({
        ok: false,
        error: 'playground_off',
        message: 'groundcrew is running for real now, not as the playground; this tab can be closed.',
      });
    }
    const ui = await fetch(`${app.baseUrl}/playground/ui/send`, { method: 'POST', body: '{}' });
    expect(ui.status).toBe(410);
    const page = await fetch(`${app.baseUrl}/playground`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('running for real');
    // The Slack endpoint still works after them (the routes answered; nothing was left hanging).
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    expect(logger.lines.filter((l) => l.includes('/playground'))).toEqual([]);
  });
});
