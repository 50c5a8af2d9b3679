import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/repo.js';
import { createManualClock } from '../../src/clock.js';
import { zCommunitiesConfig } from '../../src/communities/config.js';
import type { CommunitiesNotifier } from '../../src/communities/ports.js';
import { createCommunitiesRepo } from '../../src/communities/repo.js';
import { createCommunitiesService } from '../../src/communities/service.js';
import type { Database } from '../../src/db/database.js';
import { createSilentLogger } from '../../src/logger.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';
import { communitiesConfig, MEETUP_KEY } from './support.js';

/** A notifier that only counts what it was asked to post. */
function countingNotifier(posted: string[]): CommunitiesNotifier {
  const none = async () => {};
  return {
    announce: async (kind, d) => {
      posted.push(`${kind} ${d.occurrence.key}`);
      return { channel: d.community.channel, ts: '1.1' };
    },
    remind: async () => true,
    changed: none,
    goingAsync: none,
    promoted: none,
    digest: async (channel) => {
      posted.push(`digest ${channel}`);
      return { ts: '1.2' };
    },
    welcome: none,
    nextOpened: none,
    added: async (d) => ({ channel: d.community.channel, ts: '1.3' }),
    agendaChanged: none,
    homeChanged: none,
  };
}

const config = zCommunitiesConfig.parse({
  ...communitiesConfig(),
  series: (communitiesConfig().series as { id: string }[]).filter((s) => s.id === 'fe-meetup'),
});

function replica(db: Database, at: string, posted: string[]) {
  const clock = createManualClock(at);
  return createCommunitiesService({
    config,
    repo: createCommunitiesRepo(db),
    clock,
    timezone: 'Europe/Berlin',
    people: { expand: async () => [], hasRole: async () => false },
    audit: createAuditLog(db, clock),
    logger: createSilentLogger(),
    notifier: countingNotifier(posted),
    channels: { invite: async () => ({ kind: 'invited' }) },
  });
}

for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`communities announcements with two replicas on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    it('posts each reminder and the digest once when both replicas run at the same moment', async () => {
      shared = await backend.create();
      const at = '2026-11-25T09:00:00Z'; // the day before the meetup, 10:00 Berlin
      const posted: string[] = [];
      const [one, two] = [replica(await shared.open(), at, posted), replica(await shared.open(), at, posted)];
      const now = new Date(at);
      const done = await Promise.all([one.runDue(now), two.runDue(now), one.runDue(now), two.runDue(now)]);
      expect(done.reduce((a, b) => a + b, 0)).toBe(1);
      expect(posted).toEqual([`reminder-day ${MEETUP_KEY}`]);

      const monday = new Date('2026-11-30T08:00:00Z'); // digest time, 09:00 Berlin
      posted.length = 0;
      await Promise.all([one.digest(monday), two.digest(monday)]);
      expect(posted).toEqual(['digest C0FRONT001']);
    });
  });
}
