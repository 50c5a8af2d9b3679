import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/clock.js';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';
import { ackBody, blockText, type TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { eventually, settled } from '../support/wait.js';
import {
  ADMIN,
  ALICE,
  auditActions,
  BOB,
  DEPLOYS_CHANNEL,
  deployRow,
  dmsTo,
  ENGINEER,
  expectNockDone,
  nockDispatch,
  settle,
  startDeploysApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const announcements = (test: TestApp) =>
  test.slack
    .callsTo('chat.postMessage')
    .filter(
      (c) => c.args.channel === DEPLOYS_CHANNEL && !c.args.thread_ts && !String(c.args.text).startsWith('Deploy #'),
    )
    .map((c) => String(c.args.text));

describe('locks', () => {
  it('blocks others with the holder and reason; "notify me when free" DMs on unlock', async () => {
    app = await startDeploysApp();
    const locked = await ackBody(
      await app.command('lock staging --reason "db migration" --for 2h', { user_id: ALICE }),
    );
    expect(locked?.text).toBe(
      ':lock: You hold staging until Mon 13:00 Europe/Berlin. `/platform unlock staging` releases it.',
    );
    const blocked = await ackBody(await app.command('deploy web staging', { user_id: BOB }));
    expect(blocked?.text).toBe(
      [
        ':no_entry: Cannot deploy web → staging (`main`):',
        `• staging is locked by <@${ALICE}> — "db migration" (until Mon 13:00 Europe/Berlin); ask them to unlock, or use Notify me when free in \`/platform locks\`.`,
      ].join('\n'),
    );

    // The refusal offers the button right there.
    const buttons: Record<string, unknown>[] = [];
    JSON.stringify(blocked?.blocks, (_k, v: unknown) => {
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'button')
        buttons.push(v as Record<string, unknown>);
      return v;
    });
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatchObject({ action_id: DEPLOY_IDS.notifyWhenFree, text: { text: 'Notify me when free' } });

    const list = await ackBody(await app.command('locks', { user_id: BOB }));
    const text = blockText(list?.blocks);
    expect(text).toContain(`:lock: *staging* — <@${ALICE}>: "db migration"`);
    expect(text).toContain('held 0s, expires Mon 13:00 Europe/Berlin');
    const lockRef = String(buttons[0]!.value);
    expect(lockRef).toMatch(/^1\.[\w-]{12}$/);
    expect(`lock:${lockRef.split('.')[0]}`).toBe(
      (await app.groundcrew.services.audit.latest(10)).find((r) => r.action === 'deploys.lock')!.target,
    );

    await app.interact(
      messageButton({
        userId: BOB,
        actionId: DEPLOY_IDS.notifyWhenFree,
        value: lockRef,
        channelId: 'C05ABCD6EFG',
        messageTs: '1767225600.000050',
      }),
    );
    const [ok] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes("I'll DM you"));
    expect(ok!.args.text).toBe(":bell: I'll DM you when staging is free.");

    const unlocked = await ackBody(await app.command('unlock staging', { user_id: ALICE }));
    expect(unlocked?.text).toBe(':unlock: staging is unlocked.');
    await eventually(() => dmsTo(app!, BOB).length > 0, { what: 'watcher DM' });
    expect(dmsTo(app, BOB)).toEqual([`:unlock: staging is free: <@${ALICE}>'s lock ("db migration") was released.`]);

    const dispatch = nockDispatch(42);
    await app.command('deploy web staging', { user_id: BOB });
    await settle(app!, 1, 'running');
    expectNockDone(dispatch);
  });

  it('locking again what you hold renews that lock, so one unlock frees it; watchers hear when it expires', async () => {
    app = await startDeploysApp();
    await app.command('lock staging --reason "migration" --for 1h', { user_id: ALICE });
    const renewed = await ackBody(
      await app.command('lock staging --reason "migration, part 2" --for 3h', { user_id: ALICE }),
    );
    expect(renewed?.text).toContain('You hold staging until Mon 14:00 Europe/Berlin.');
    const locks = blockText((await ackBody(await app.command('locks', { user_id: BOB })))?.blocks);
    expect(locks.match(/:lock:/g)).toHaveLength(1);
    expect(locks).toContain('"migration, part 2"');
    expect(await auditActions(app)).toEqual(expect.arrayContaining(['deploys.lock', 'deploys.lock-renewed']));

    const listed = (await ackBody(await app.command('locks', { user_id: BOB })))?.blocks as {
      accessory?: { action_id?: string; value?: string };
    }[];
    const lockRef = listed.find((b) => b.accessory?.action_id === DEPLOY_IDS.notifyWhenFree)!.accessory!.value!;
    await app.interact(
      messageButton({
        userId: BOB,
        actionId: DEPLOY_IDS.notifyWhenFree,
        value: lockRef,
        channelId: 'C05ABCD6EFG',
        messageTs: '1767225600.000051',
      }),
    );
    await app.slack.waitFor('response_url', (c) => String(c.args.text).includes("I'll DM you"));
    app.clock.advance(2 * HOUR);
    await app.groundcrew.services.scheduler.runNow('deploys.expire-locks');
    await settled(app);
    expect(dmsTo(app, BOB)).toEqual([]); // renewed to 3h: not expired yet
    app.clock.advance(HOUR);
    await app.groundcrew.services.scheduler.runNow('deploys.expire-locks');
    await eventually(() => dmsTo(app!, BOB).length > 0, { what: 'watcher DM on expiry' });
    expect(dmsTo(app, BOB)).toEqual([
      `:unlock: staging is free: <@${ALICE}>'s lock ("migration, part 2") was released.`,
    ]);
    const free = await ackBody(await app.command('locks', { user_id: BOB }));
    expect(blockText(free?.blocks)).toContain('No environment is locked.');
  });

  it('expires locks and lets an admin break one, telling the holder', async () => {
    app = await startDeploysApp();
    await app.command('lock production web --reason "load test" --for 30m', { user_id: ALICE });
    await app.command('lock staging --reason "demo"', { user_id: BOB });
    app.clock.advance(31 * MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.expire-locks');
    await eventually(() => dmsTo(app!, ALICE).length > 0, { what: 'expiry DM' });
    expect(dmsTo(app, ALICE)).toEqual([':hourglass: Your lock on web in production ("load test") expired after 31m.']);

    const refused = await ackBody(await app.command('unlock staging', { user_id: ALICE }));
    expect(refused?.text).toBe(`:warning: staging is locked by <@${BOB}>; only they or an admin can unlock it.`);
    const broken = await ackBody(await app.command('unlock staging', { user_id: ADMIN }));
    expect(broken?.text).toBe(`:unlock: You broke <@${BOB}>'s lock on staging; they have been told.`);
    await eventually(() => dmsTo(app!, BOB).length > 0, { what: 'holder DM' });
    expect(dmsTo(app, BOB)).toEqual([`:warning: <@${ADMIN}> (admin) broke your lock on staging ("demo").`]);
    expect(await auditActions(app)).toEqual(
      expect.arrayContaining(['deploys.lock', 'deploys.lock-expired', 'deploys.break-lock']),
    );
  });
});

describe('freezes', () => {
  it('an admin freeze blocks with its reason and end, is announced at start and end', async () => {
    app = await startDeploysApp();
    const member = await ackBody(
      await app.command('freeze staging --until 2h --reason "incident"', { user_id: ENGINEER }),
    );
    expect(member?.text).toContain('is for groundcrew admins');

    await app.command('freeze all --until 18:00 --reason "incident 4711"', { user_id: ADMIN });
    await eventually(() => announcements(app!).length === 1, { what: 'start announcement' });
    expect(announcements(app)[0]).toBe(
      `:snowflake: Freeze started by <@${ADMIN}> on all environments until Mon 18:00 Europe/Berlin — incident 4711. Deploys there are blocked; admins can break glass.`,
    );
    const blocked = await ackBody(await app.command('deploy web staging', { user_id: ENGINEER }));
    expect(blocked?.text).toBe(
      [
        ':no_entry: Cannot deploy web → staging (`main`):',
        '• staging is frozen until Mon 18:00 Europe/Berlin — incident 4711; ask an admin to break glass.',
      ].join('\n'),
    );
    const wrong = await ackBody(await app.command('unfreeze staging', { user_id: ADMIN }));
    expect(wrong?.text).toContain(
      'There is no /platform freeze on staging itself; the ones in force are on all — `/platform unfreeze all`.',
    );
    await app.command('unfreeze all', { user_id: ADMIN });
    await eventually(() => announcements(app!).length === 2, { what: 'end announcement' });
    expect(announcements(app)[1]).toBe(
      `:sunny: Freeze ended early by <@${ADMIN}> on all environments — incident 4711. Deploys are open again.`,
    );
    expect(await auditActions(app)).toEqual(expect.arrayContaining(['deploys.freeze', 'deploys.unfreeze']));
  });

  it('--until: "Mon 08:00" and a date are read in the freezes\' zone; a mistake is explained and nothing is frozen', async () => {
    app = await startDeploysApp();
    const reply = async (text: string) => (await ackBody(await app!.command(text, { user_id: ADMIN })))?.text;
    expect(await reply('freeze production --until "25:00" --reason "x"')).toContain(
      '"25:00" is not a time of day; use 00:00 to 23:59.',
    );
    expect(await reply('freeze production --until "next week" --reason "x"')).toContain(
      '"next week" is not a time I can read; try 2h, 90m, 1d (from now)',
    );
    expect(await reply('freeze production --until 2020-01-01 --reason "x"')).toContain('is not in the future');
    expect(await reply('freeze production --until 2026-02-30 --reason "x"')).toContain(
      '2026-02-30 is not a date on the calendar.',
    );
    expect(await reply('freeze production --reason "x"')).toContain('--until takes 2h, 90m, 1d (from now)');
    await settled(app);
    expect(announcements(app)).toEqual([]);
    expect((await app.groundcrew.services.audit.latest(50)).some((r) => r.action === 'deploys.freeze')).toBe(false);

    await app.command('freeze production --until "Mon 08:00" --reason "release train"', { user_id: ADMIN });
    await eventually(() => announcements(app!).length === 1, { what: 'start announcement' });
    expect(announcements(app)[0]).toContain('until Mon 30 Nov 08:00 Europe/Berlin — release train');
    await app.command('freeze staging --until 2026-12-01 --reason "audit"', { user_id: ADMIN });
    await eventually(() => announcements(app!).length === 2, { what: 'second announcement' });
    expect(announcements(app)[1]).toContain('on staging until Tue 1 Dec 00:00 Europe/Berlin — audit');
  });

  it('announces the configured weekend window when it starts and ends', async () => {
    app = await startDeploysApp();
    app.clock.set('2026-11-27T14:59:00Z'); // Friday 15:59 Berlin
    await app.groundcrew.services.scheduler.runNow('deploys.freeze-announcements');
    await settled(app);
    expect(announcements(app)).toEqual([]);
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.freeze-announcements');
    await app.groundcrew.services.scheduler.runNow('deploys.freeze-announcements');
    expect(announcements(app)).toEqual([
      ':snowflake: Freeze started on production until Mon 08:00 Europe/Berlin — weekend freeze. Deploys there are blocked; admins can break glass.',
    ]);
    app.clock.set('2026-11-30T07:00:00Z'); // Monday 08:00
    await app.groundcrew.services.scheduler.runNow('deploys.freeze-announcements');
    expect(announcements(app)[1]).toBe(':sunny: Freeze ended on production — weekend freeze. Deploys are open again.');
  });

  it('break glass: an admin deploys through a freeze with a reason; audited and announced', async () => {
    app = await startDeploysApp();
    app.clock.set('2026-12-25T09:00:00Z'); // Christmas Day (holiday, all environments)
    const noReason = await ackBody(await app.command('deploy web staging --break-glass', { user_id: ADMIN }));
    expect(noReason?.text).toContain('breaking glass needs a reason: add --reason "…".');
    const notAllowed = await ackBody(
      await app.command('deploy web staging --break-glass --reason "hotfix"', { user_id: ENGINEER }),
    );
    expect(notAllowed?.text).toContain('only admins and the people listed under breakGlass can deploy through it');

    const dispatch = nockDispatch(1225);
    await app.command('deploy web staging hotfix-1 --break-glass --reason "payment outage"', { user_id: ADMIN });
    await settle(app!, 1, 'running');
    expectNockDone(dispatch);
    expect((await deployRow(app, 1)).breakGlassReason).toBe('payment outage');
    // Announced once the deploy started (nothing but the dispatch runs before it).
    await eventually(() => announcements(app!).some((t) => t.startsWith(':rotating_light:')));
    expect(announcements(app)).toContain(
      `:rotating_light: <@${ADMIN}> broke glass: deploying #1 web → staging (\`hotfix-1\`) through the freeze (holiday freeze (Christmas Day)). Reason: payment outage`,
    );
    const entry = (await app.groundcrew.services.audit.latest(50)).find((r) => r.action === 'deploys.break-glass');
    expect(entry).toMatchObject({ actor: ADMIN, target: 'deploy:1', detail: 'payment outage' });
    expect(entry?.inputs).toEqual({ environment: 'staging', freeze: 'holiday freeze (Christmas Day)' });
  });
});
