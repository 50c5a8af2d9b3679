import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../ops/support.js';
import { appHomeOpened, eventCallback, reactionAdded } from '../support/payloads.js';
import { NO_TEST_PG } from '../support/test-db.js';
import { createReplicaStand, type ReplicaStand, type StandBackend } from './support.js';

const YAML = 'timezone: Europe/Berlin\nadmins: [U0ADMIN01]\nplatformTeam: [U0PLAT001]\n';

const BACKENDS: { backend: StandBackend; skip: boolean; what: string }[] = [
  { backend: 'sqlite', skip: false, what: 'one SQLite file' },
  { backend: 'postgres', skip: NO_TEST_PG, what: 'one PostgreSQL database' },
];

/** The stand the replica tests run on: real processes sharing one database and one Slack stand-in. */
describe.each(BACKENDS)('two groundcrew processes on $what', { timeout: 120_000 }, ({ backend, skip }) => {
  let stand: ReplicaStand | undefined;
  afterEach(async () => {
    await stand?.dispose();
    stand = undefined;
  });

  it.skipIf(skip)('both come up, each handles what it is sent, and both write to the one database', async () => {
    stand = await createReplicaStand({ backend, yaml: YAML });
    const [one, two] = await Promise.all([stand.start('replica-1'), stand.start('replica-2')]);
    // Each publishes the Home tab it is asked for (app_home_opened is not recorded: src/slack/dedupe.ts) …
    expect(await one!.event(eventCallback(appHomeOpened('U0HOME0001'), { eventId: 'EvSTAND0001' }))).toBe(200);
    expect(await two!.event(eventCallback(appHomeOpened('U0HOME0002'), { eventId: 'EvSTAND0002' }))).toBe(200);
    // … and records the events it handled in the one database.
    expect(await one!.event(eventCallback(reactionAdded('U0HOME0001'), { eventId: 'EvSTAND0003' }))).toBe(200);
    expect(await two!.event(eventCallback(reactionAdded('U0HOME0002'), { eventId: 'EvSTAND0004' }))).toBe(200);
    await waitFor(
      async () => (await stand!.count('event_inbox where handled_at is not null')) === 2,
      'both events to be marked processed in the shared file',
    );
    await waitFor(
      async () => stand!.calls.filter((c) => c.method === 'views.publish').length === 2,
      'both Home tabs published',
    );
    const published = stand.calls.filter((c) => c.method === 'views.publish').map((c) => [c.replica, c.args.user_id]);
    expect(published.sort()).toEqual([
      ['replica-1', 'U0HOME0001'],
      ['replica-2', 'U0HOME0002'],
    ]);
  });
});
