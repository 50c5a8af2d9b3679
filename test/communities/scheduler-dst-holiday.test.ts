import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { IDS } from '../../src/communities/slack/ids.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import {
  answers,
  click,
  communitiesConfig,
  FRONTEND_CHANNEL,
  jump,
  jumpTo,
  posts,
  startCommunitiesApp,
} from './support.js';

/**
 * The `communities.announcements` job driven through the scheduler with a fixed clock, over the nights Berlin
 * changes its clocks and over a holiday: every reminder keeps its local wall-clock time (10:00 the day before,
 * 09:45 on the day), so its UTC instant moves by an hour across the change.
 */

const TITLE = 'Sunday sync';
const HOUR = 60 * MINUTE;

/** A weekly Sunday 10:00 Berlin series starting `start`, agenda asked two days before, with `holidays`. */
function sundayConfig(start: string, holidays: unknown[] = []): Record<string, unknown> {
  const base = communitiesConfig();
  return {
    ...base,
    series: [
      {
        id: 'sun-sync',
        community: 'frontend',
        title: TITLE,
        recurrence: 'FREQ=WEEKLY;BYDAY=SU',
        start,
        duration: '1h',
        agenda: { daysBefore: 2 },
      },
    ],
    holidays,
  };
}

const LABELS = {
  agenda: 'Agenda wanted',
  day: 'Coming up',
  soon: 'Starting in 15 minutes',
} as const;

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Jumps to a minute before `iso`: nothing yet; then to `iso`: one post in the channel (and one DM when `dm`). */
async function postsExactlyAt(a: TestApp, iso: string, label: keyof typeof LABELS, dm: boolean) {
  const before = posts(a, FRONTEND_CHANNEL, LABELS[label], TITLE).length;
  const beforeDm = posts(a, ENGINEER, LABELS[label], TITLE).length;
  await jumpTo(a, new Date(new Date(iso).getTime() - MINUTE).toISOString());
  expect(posts(a, FRONTEND_CHANNEL, LABELS[label], TITLE), `${label} not before ${iso}`).toHaveLength(before);
  const runs = await jump(a, MINUTE);
  expect(runs.map((r) => [r.job, r.outcome])).toContainEqual(['communities.announcements', 'ok']);
  expect(posts(a, FRONTEND_CHANNEL, LABELS[label], TITLE), `${label} at ${iso}`).toHaveLength(before + 1);
  if (dm) expect(posts(a, ENGINEER, LABELS[label], TITLE), `${label} DM at ${iso}`).toHaveLength(beforeDm + 1);
}

function countAll(a: TestApp) {
  return {
    agenda: posts(a, FRONTEND_CHANNEL, LABELS.agenda, TITLE).length,
    day: posts(a, FRONTEND_CHANNEL, LABELS.day, TITLE).length,
    soon: posts(a, FRONTEND_CHANNEL, LABELS.soon, TITLE).length,
    dms: posts(a, ENGINEER, TITLE).length,
  };
}

describe('communities: reminders keep local time across a DST night (scheduler, fixed clock)', () => {
  it('clocks go back (25 Oct 2026): day-before at 10:00 CEST = 08:00 UTC, 15-minute at 09:45 CET = 08:45 UTC', async () => {
    app = await startCommunitiesApp({ clock: '2026-10-22T06:00:00Z', config: sundayConfig('2026-10-18 10:00') });
    // Sunday 25 October 10:00 CET (the clocks went back at 03:00 CEST that night) = 09:00 UTC.
    await click(app, ENGINEER, IDS.going, 'sun-sync@2026-10-25T09:00:00Z');
    await postsExactlyAt(app, '2026-10-23T08:00:00Z', 'agenda', false); // Friday 10:00 CEST
    await postsExactlyAt(app, '2026-10-24T08:00:00Z', 'day', true); // Saturday 10:00 CEST, not 09:00 UTC
    // Through the night: the repeated hour (02:00–03:00 local twice) posts nothing again.
    await jumpTo(app, '2026-10-25T00:30:00Z');
    for (let step = 0; step < 4; step++) await jump(app, 30 * MINUTE);
    await postsExactlyAt(app, '2026-10-25T08:45:00Z', 'soon', true); // Sunday 09:45 CET, not 07:45 UTC
    await jump(app, 2 * HOUR);
    expect(countAll(app)).toEqual({ agenda: 1, day: 1, soon: 1, dms: 2 });
  });

  it('clocks go forward (29 Mar 2026): day-before at 10:00 CET = 09:00 UTC, 15-minute at 09:45 CEST = 07:45 UTC', async () => {
    app = await startCommunitiesApp({ clock: '2026-03-26T06:00:00Z', config: sundayConfig('2026-03-22 10:00') });
    // Sunday 29 March 10:00 CEST (the clocks went forward at 02:00 CET that night) = 08:00 UTC.
    await click(app, ENGINEER, IDS.going, 'sun-sync@2026-03-29T08:00:00Z');
    await postsExactlyAt(app, '2026-03-27T09:00:00Z', 'agenda', false); // Friday 10:00 CET
    await postsExactlyAt(app, '2026-03-28T09:00:00Z', 'day', true); // Saturday 10:00 CET, not 08:00 UTC
    await jumpTo(app, '2026-03-29T00:30:00Z');
    for (let step = 0; step < 4; step++) await jump(app, 30 * MINUTE);
    await postsExactlyAt(app, '2026-03-29T07:45:00Z', 'soon', true); // Sunday 09:45 CEST, not 08:45 UTC
    await jump(app, 2 * HOUR);
    expect(countAll(app)).toEqual({ agenda: 1, day: 1, soon: 1, dms: 2 });
  });
});

describe('communities: an occurrence on a holiday is skipped by the scheduler', () => {
  it('no agenda request, reminders or DMs for Sunday 8 November; the 15 November occurrence gets them all', async () => {
    const holiday = { date: '2026-11-08', name: 'Company day off' };
    app = await startCommunitiesApp({
      clock: '2026-11-04T06:00:00Z',
      config: sundayConfig('2026-11-01 10:00', [holiday]),
    });
    // The holiday's occurrence cannot be joined; the next one can.
    await click(app, ENGINEER, IDS.going, 'sun-sync@2026-11-08T09:00:00Z');
    expect(answers(app)).toEqual([expect.stringContaining('not on the calendar')]);
    await click(app, ENGINEER, IDS.going, 'sun-sync@2026-11-15T09:00:00Z');

    // Each instant the holiday's occurrence would have had something: the job ran, and posted nothing about it.
    for (const iso of ['2026-11-06T09:00:00Z', '2026-11-07T09:00:00Z', '2026-11-08T08:45:00Z']) {
      await jumpTo(app, new Date(new Date(iso).getTime() - MINUTE).toISOString());
      const runs = await jump(app, MINUTE);
      expect(runs.map((r) => [r.job, r.outcome])).toContainEqual(['communities.announcements', 'ok']);
      expect(countAll(app), `nothing at ${iso}`).toEqual({ agenda: 0, day: 0, soon: 0, dms: 0 });
    }
    await jumpTo(app, '2026-11-08T12:00:00Z');
    expect(countAll(app)).toEqual({ agenda: 0, day: 0, soon: 0, dms: 0 });
    expect(
      app.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text ?? '').includes('2026-11-08')),
    ).toEqual([]);

    // The next Sunday (15 November 10:00 CET = 09:00 UTC) gets its agenda request, both reminders and the DMs.
    await postsExactlyAt(app, '2026-11-13T09:00:00Z', 'agenda', false);
    await postsExactlyAt(app, '2026-11-14T09:00:00Z', 'day', true);
    await postsExactlyAt(app, '2026-11-15T08:45:00Z', 'soon', true);
    await jump(app, HOUR);
    expect(countAll(app)).toEqual({ agenda: 1, day: 1, soon: 1, dms: 2 });
  });
});
