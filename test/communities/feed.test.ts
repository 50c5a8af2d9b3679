import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { toOverride } from '../../src/communities/occurrences.js';
import { expandAll } from '../../src/communities/recurrence.js';
import { createCommunitiesRepo } from '../../src/communities/repo.js';
import { IDS } from '../../src/communities/slack/ids.js';
import { ackBody, blockText, ENGINEER, type TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { click, LEAD, MEETUP_KEY, startCommunitiesApp } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  ICAL.TimezoneService.reset();
  await app?.stop();
  app = undefined;
});

/** The feed paths `/platform events feed` shows, by name. */
async function feedPaths(test: TestApp): Promise<Map<string, string>> {
  const reply = await ackBody(await test.command('events feed', { user_id: ENGINEER }));
  const lines = blockText(reply?.blocks).split('\n');
  const paths = new Map<string, string>();
  for (const line of lines) {
    const match = /^• (.+): (https?:\/\/\S+)$/.exec(line);
    if (match) paths.set(match[1]!, new URL(match[2]!).pathname);
  }
  return paths;
}

function expandFeed(text: string, uid: string, until: Date) {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const zone of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  const all = root.getAllSubcomponents('vevent').filter((e) => e.getFirstPropertyValue('uid') === uid);
  const master = all.find((e) => !e.hasProperty('recurrence-id'))!;
  const event = new ICAL.Event(master);
  for (const exception of all.filter((e) => e.hasProperty('recurrence-id'))) event.relateException(exception);
  const starts: { original: string; start: string }[] = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.toJSDate() < until; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    starts.push({
      original: details.recurrenceId.toJSDate().toISOString(),
      start: details.startDate.toJSDate().toISOString(),
    });
  }
  const exdates = master
    .getAllProperties('exdate')
    .flatMap((p) => p.getValues() as ICAL.Time[])
    .map((t) => t.toJSDate().toISOString());
  return { master, starts: starts.sort((a, b) => a.start.localeCompare(b.start)), exdates };
}

describe('communities: the calendar feed', () => {
  it('serves the series with EXDATE (holiday, cancelled) and a moved occurrence, as ical.js reads it back', async () => {
    app = await startCommunitiesApp();
    await click(app, LEAD, IDS.cancel, 'fe-meetup@2026-12-03T09:00:00Z');
    await ackBody(await app.command(`events move ${MEETUP_KEY} 2026-11-26 12:00`, { user_id: LEAD }));
    await settled(app); // the move runs after the ack

    const paths = await feedPaths(app);
    expect([...paths.keys()]).toEqual(['Frontend guild', 'Platform office hours', 'All communities']);
    const response = await app.request(paths.get('Frontend guild')!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/calendar');
    const text = await response.text();

    const until = new Date('2027-01-15T00:00:00Z');
    const feed = expandFeed(text, 'fe-meetup@groundcrew', until);
    expect(String(feed.master.getFirstPropertyValue('rrule'))).toBe('FREQ=WEEKLY;BYDAY=TH');
    expect(feed.master.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Berlin');
    expect(feed.master.getFirstPropertyValue('url')).toBe('https://meet.example.com/frontend');
    // The cancelled 3 December and Christmas Eve (a holiday) are EXDATEs.
    expect(feed.exdates).toEqual(['2026-12-03T09:00:00.000Z', '2026-12-24T09:00:00.000Z']);
    // The moved 26 November is a RECURRENCE-ID event at 12:00 Berlin.
    expect(feed.starts[0]).toEqual({ original: '2026-11-26T09:00:00.000Z', start: '2026-11-26T11:00:00.000Z' });

    // Exactly what groundcrew itself expands from the configuration and the stored overrides.
    const config = app.team.communities!;
    const overrides = (await createCommunitiesRepo(app.database).overrides()).map(toOverride);
    const ours = expandAll(
      config.series.filter((s) => s.id === 'fe-meetup'),
      { from: new Date('2026-11-01T00:00:00Z'), to: until },
      { holidays: config.holidays, overrides },
    ).occurrences.filter((o) => o.status !== 'cancelled');
    expect(feed.starts).toEqual(
      ours.map((o) => ({ original: o.originalStart.toISOString(), start: o.start.toISOString() })),
    );

    // Other series of the community are in it; the other community's are not.
    const uids = new ICAL.Component(ICAL.parse(text))
      .getAllSubcomponents('vevent')
      .map((e) => e.getFirstPropertyValue('uid'));
    expect(new Set(uids)).toEqual(new Set(['fe-meetup@groundcrew', 'fe-review@groundcrew', 'fe-forum@groundcrew']));
    const all = await (await app.request(paths.get('All communities')!)).text();
    expect(all).toContain('UID:office-hours@groundcrew');
  });

  it('refuses a wrong token, and one community’s token for another feed, with 404', async () => {
    app = await startCommunitiesApp();
    const paths = await feedPaths(app);
    const good = paths.get('Frontend guild')!;
    // The path, and the first one (URLs handed out before) answers the same calendar.
    expect(good).toMatch(/^\/calendar\/[\w-]{43}\/frontend\.ics$/);
    const [, , token] = good.split('/');
    const served = await app.request(good);
    expect(served.status).toBe(200);
    const old = await app.request(`/hooks${good}`);
    expect(old.status).toBe(200);
    expect(await old.text()).toBe(await served.text());
    const wrong = `${token!.slice(0, -1)}${token!.endsWith('A') ? 'B' : 'A'}`;
    for (const path of [
      `/calendar/${wrong}/frontend.ics`,
      `/calendar/${token}/platform.ics`,
      '/calendar/x/frontend.ics',
      `/hooks/calendar/${wrong}/frontend.ics`,
      `/hooks/calendar/${token}/platform.ics`,
      `/hooks/calendar/${token}/all.ics`,
      `/hooks/calendar/${token}/nobody.ics`,
      '/hooks/calendar/x/frontend.ics',
    ]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('VCALENDAR');
    }
  });
});
