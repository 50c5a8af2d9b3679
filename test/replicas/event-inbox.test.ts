import { afterEach, describe, expect, it } from 'vitest';
import { eventCallback } from '../support/payloads.js';
import { NO_TEST_PG } from '../support/test-db.js';
import { eventually } from '../support/wait.js';
import { createReplicaStand, type ReplicaCall, type ReplicaStand, type StandBackend } from './support.js';

/**
 * kill -9 of a real groundcrew process while it handles an event Bolt has already acknowledged (Slack will never send
 * it again), then two fresh replicas on the same database sweeping the event inbox at the same time: the event is
 * run again by exactly one of them, once. On SQLite (one file) and on PostgreSQL.
 */
const ADMIN = 'U0ADMIN01';
const ASKER = 'U0ASKER001';
const RESPONDER = 'U0RESP0001';
const RESPONDERS = 'S0RESPOND';
const HELP = 'C0HELPKILL';
const QUESTION_TS = '1767225600.000100';

const YAML = `timezone: Europe/Berlin
admins: [${ADMIN}]
platformTeam: [U0PLAT001]
support:
  channels: [${HELP}]
  triageChannel: C0TRIAGE01
  responders: [${RESPONDERS}]
  onDuty:
    rotation: { people: [U0PLAT001], handoff: { day: monday, time: "09:00" } }
`;

let stand: ReplicaStand | undefined;
afterEach(async () => {
  await stand?.dispose();
  stand = undefined;
});

const BACKENDS: { backend: StandBackend; skip: boolean }[] = [
  { backend: 'sqlite', skip: false },
  { backend: 'postgres', skip: NO_TEST_PG },
];

for (const { backend, skip } of BACKENDS) {
  describe.skipIf(skip)(`the event inbox after kill -9 on ${backend}`, { timeout: 240_000 }, () => {
    it('an event cut off mid-handler is handled once by the restarted replicas, two sweeping at once', async () => {
      // The responders' usergroup: unreadable while the question is handled (so nothing caches it), then held
      // unanswered while the reaction is handled (the process is killed there), then answered.
      let phase: 'question' | 'hold' | 'answer' = 'question';
      const lookups = (call: ReplicaCall) =>
        call.method === 'usergroups.users.list' && call.args.usergroup === RESPONDERS;
      stand = await createReplicaStand({
        backend,
        yaml: YAML,
        env: { GROUNDCREW_EVENT_REPLAY_AFTER: '1' },
        answer: (call) => {
          if (!lookups(call)) return undefined;
          if (phase === 'question') return { body: { ok: false, error: 'ratelimited' } };
          if (phase === 'hold') return null;
          return { body: { ok: true, users: [RESPONDER] } };
        },
      });
      const s = stand;
      const inbox = async () =>
        (
          await s.rows(
            "select handled_at, cast(attempts as integer) as attempts from event_inbox where event_id = 'Ev0KILLR001'",
          )
        )[0];
      const responded = () => s.count("audit_log where action = 'support.respond'");
      const one = await s.start('replica-1');

      // A question in the help channel: a ticket and its tier-1 reply.
      const question = {
        type: 'message',
        channel: HELP,
        channel_type: 'channel',
        user: ASKER,
        text: 'Where are logs?',
      };
      expect(
        await one.event(
          eventCallback({ ...question, ts: QUESTION_TS, event_ts: QUESTION_TS }, { eventId: 'Ev0KILLQ001' }),
        ),
      ).toBe(200);
      await eventually(
        async () =>
          s.calls.some(lookups) &&
          (await s.count("event_inbox where event_id = 'Ev0KILLQ001' and handled_at is not null")) === 1,
        {
          timeoutMs: 30_000,
          what: 'the question handled (its ticket, and the asker’s Home tried)',
          describe: s.output,
        },
      );

      // A responder's 👀 on it: acknowledged, then the process dies while it asks who the responders are.
      phase = 'hold';
      const reaction = {
        type: 'reaction_added',
        user: RESPONDER,
        reaction: 'eyes',
        item: { type: 'message', channel: HELP, ts: QUESTION_TS },
        event_ts: '1767225601.000200',
      };
      expect(await one.event(eventCallback(reaction, { eventId: 'Ev0KILLR001' }))).toBe(200);
      await eventually(() => s.calls.some((c) => c.replica === 'replica-1' && lookups(c) && phase === 'hold'), {
        timeoutMs: 30_000,
        what: 'the reaction’s handler waiting for Slack',
      });
      await one.kill9();
      expect(await inbox()).toMatchObject({ handled_at: null, attempts: 1 });
      expect(await responded()).toBe(0);

      phase = 'answer';
      const [two, three] = await Promise.all([s.start('replica-2'), s.start('replica-3')]);
      const before = s.calls.length;
      // Both sweep at once, once a second, until the event is handled: the dead replica's claim on it (30 s) has
      // to run out first.
      let swept = 0;
      await eventually(
        async () => {
          if (Date.now() - swept >= 1000) {
            swept = Date.now();
            const answers = await Promise.all([
              two.command('admin run core.replay-events', ADMIN),
              three.command('admin run core.replay-events', ADMIN),
            ]);
            expect(answers.map((a) => a.status)).toEqual([200, 200]);
          }
          return (await inbox())?.handled_at !== null;
        },
        { timeoutMs: 90_000, what: 'the event handled after the restart', describe: s.output },
      );
      // One more sweep on each finds nothing to do.
      await Promise.all([
        two.command('admin run core.replay-events', ADMIN),
        three.command('admin run core.replay-events', ADMIN),
      ]);
      await eventually(
        async () =>
          (await s.count("job_runs where job = 'core.replay-events' and finished_at is null")) === 0 || undefined,
        { timeoutMs: 30_000, what: 'every sweep finished' },
      );
      expect(await inbox()).toMatchObject({ attempts: 2 });
      expect(await responded()).toBe(1);
      // Run again by one replica only: the other never looked the responders up (nor logged a replay).
      const after = s.calls.slice(before).filter(lookups);
      expect(new Set(after.map((c) => c.replica)).size).toBe(1);
      expect(s.output().match(/event Ev0KILLR001 \(reaction_added\) not handled yet/g)).toHaveLength(1);
    });
  });
}
