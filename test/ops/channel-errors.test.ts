import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { DEPLOYS_CHANNEL, startDeploysApp } from '../deploys/support.js';
import type { TestApp } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('a well-formed but wrong deploys.channel', () => {
  it.each(['channel_not_found', 'not_in_channel', 'is_archived'])(
    '%s: one log line naming the key and the ID, no stack; the freeze announcement is retried until it is posted',
    async (slackError) => {
      const logger = recordingLogger();
      app = await startDeploysApp({ logger });
      let refuse = true;
      let ts = 0;
      app.slack.on('chat.postMessage', (args) =>
        refuse && args.channel === DEPLOYS_CHANNEL
          ? { ok: false, error: slackError }
          : { ok: true, channel: args.channel, ts: `1767225600.${String(++ts).padStart(6, '0')}` },
      );
      const posts = () => app!.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === DEPLOYS_CHANNEL);
      const run = () => app!.groundcrew.services.scheduler.runNow('deploys.freeze-announcements');

      app.clock.set('2026-11-27T15:00:00Z'); // Friday 16:00 Berlin: the weekend freeze starts
      await run();
      expect(posts()).toHaveLength(1);
      const failures = logger.lines.filter((l) => l.includes('failed'));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toContain(`deploys.channel ${DEPLOYS_CHANNEL}: ${slackError} — `);
      expect(failures[0]).not.toContain('\n');

      app.clock.advance(MINUTE);
      await run();
      expect(posts()).toHaveLength(2); // tried again, still refused

      refuse = false;
      app.clock.advance(MINUTE);
      await run();
      expect(posts()).toHaveLength(3);
      expect(String(posts()[2]!.args.text)).toContain(':snowflake: Freeze started on production');
      app.clock.advance(MINUTE);
      await run();
      expect(posts()).toHaveLength(3); // posted once it worked, and only once

      // The end is retried the same way.
      refuse = true;
      app.clock.set('2026-11-30T07:00:00Z'); // Monday 08:00 Berlin
      await run();
      expect(posts()).toHaveLength(4);
      refuse = false;
      app.clock.advance(MINUTE);
      await run();
      expect(posts()).toHaveLength(5);
      expect(String(posts()[4]!.args.text)).toContain(':sunny: Freeze ended on production');
      app.clock.advance(MINUTE);
      await run();
      expect(posts()).toHaveLength(5);
    },
  );
});
