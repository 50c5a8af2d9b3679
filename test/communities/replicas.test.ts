import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/repo.js';
import { createManualClock } from '../../src/clock.js';
import { zCommunitiesConfig } from '../../src/communities/config.js';
import type { CommunitiesNotifier } from '../../src/communities/ports.js';
import { createCommunitiesRepo } from '../../src/communities/repo.js';
import { createCommunitiesService } from '../../src/communities/service.js';
import type { Database } from '../../src/db/database.js';
import { createSilentLogger } from '../../src/logger.js';
import { sqliteOf } from '../support/database.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';
import { eventually, gate } from '../support/wait.js';
import { communitiesConfig, MEETUP_KEY } from './support.js';

/** A notifier that only counts what it was asked to post. */
function countingNotifier(posted: string[]): CommunitiesNotifier {
  const none = async () => {};
  return {
    announce: async (kind, d) => {
      posted.push(`${kind} ${d.occurrence.key}`);
      return { channel: d.community.channel, ts: '1.1' };
    },
    remind: none,
    changed: none,
    changedNotice: none,
    changedDm: none,
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

/** The meetup with three places (raised from two in groundcrew.yml). */
const raised = zCommunitiesConfig.parse({
  ...communitiesConfig(),
  series: (communitiesConfig().series as { id: string }[])
    .filter((s) => s.id === 'fe-meetup')
    .map((s) => ({ ...s, capacity: 3 })),
});

function replica(db: Database, at: string, posted: string[], repo = createCommunitiesRepo(db), conf = config) {
  const clock = createManualClock(at);
  return createCommunitiesService({
    config: conf,
    repo,
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

    it('a promotion racing an RSVP on another replica never fills more places than the capacity', async () => {
      shared = await backend.create();
      // SQLite: both on one handle (two handles in one process would block each other's event loop); PostgreSQL:
      // two pools, as two replicas have.
      const first = await shared.open();
      const second = backend.dialect === 'sqlite' ? first : await shared.open();
      const at = '2026-11-23T07:30:00Z';
      const seed = createCommunitiesRepo(second);
      const t = (minute: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + minute * 60_000);
      // Two places were taken when the capacity was 2: A and B wait. The capacity is now 3.
      await seed.saveRsvp(MEETUP_KEY, 'U0XXXX001', 'going', t(0));
      await seed.saveRsvp(MEETUP_KEY, 'U0YYYY001', 'going', t(1));
      await seed.saveRsvp(MEETUP_KEY, 'U0AAAA001', 'waitlisted', t(2));
      await seed.saveRsvp(MEETUP_KEY, 'U0BBBB001', 'waitlisted', t(3));

      // Replica one's per-minute run reads the waitlist (one free place: A's) and is held right there.
      const held = gate();
      let reached = false;
      const base = createCommunitiesRepo(first);
      const slow = {
        ...base,
        rsvps: async (key: string) => {
          const rows = await base.rsvps(key);
          if (!reached) {
            reached = true;
            await held.opened;
          }
          return rows;
        },
      };
      const one = replica(first, at, [], slow, raised);
      const two = replica(second, at, [], createCommunitiesRepo(second), raised);
      const promotion = one.runDue(new Date(at));
      await eventually(() => reached, { what: 'replica one to read the waitlist' });

      // Meanwhile on replica two A leaves (B takes the free place) and answers Going again (the meetup is full: A
      // waits). Then replica one goes on.
      let answered = false;
      const answers = (async () => {
        await two.rsvp(MEETUP_KEY, 'U0AAAA001', false);
        await two.rsvp(MEETUP_KEY, 'U0AAAA001', true);
        answered = true;
      })();
      await eventually(
        () => answered || (backend.dialect === 'sqlite' && sqliteOf({ database: first }).waiting() > 0),
        { what: 'replica two to answer, or to wait for replica one' },
      );
      held.open();
      await Promise.all([promotion, answers]);

      const rows = await createCommunitiesRepo(second).rsvps(MEETUP_KEY);
      const going = rows.filter((r) => r.status === 'going').map((r) => r.userId);
      expect(going).toHaveLength(3);
      expect(going).toContain('U0BBBB001');
      expect(rows.filter((r) => r.status === 'waitlisted')).toHaveLength(1);
    });

    it('Going from six people on two replicas at once fills the two places and waitlists the rest', async () => {
      shared = await backend.create();
      const first = await shared.open();
      const second = backend.dialect === 'sqlite' ? first : await shared.open();
      const at = '2026-11-23T07:30:00Z';
      const [one, two] = [replica(first, at, []), replica(second, at, [])];
      const people = ['U0P00001', 'U0P00002', 'U0P00003', 'U0P00004', 'U0P00005', 'U0P00006'];
      await Promise.all(people.map((p, i) => (i % 2 ? one : two).rsvp(MEETUP_KEY, p, true)));
      const rows = await createCommunitiesRepo(second).rsvps(MEETUP_KEY);
      expect(rows.filter((r) => r.status === 'going')).toHaveLength(2);
      expect(rows.filter((r) => r.status === 'waitlisted')).toHaveLength(4);
    });
  });
}
