import { createHmac } from 'node:crypto';
import type { CustomRoute } from '@slack/bolt';
import { sendJson } from '../slack/http.js';
import type { CommunitiesConfig } from './config.js';
import { ALL_FEEDS, buildCalendar, type FeedSeries, feedToken, feedTokenMatches } from './ics.js';
import type { OccurrenceOverride } from './recurrence.js';

/**
 * `GET /calendar/<token>/<community>.ics` (or `all.ics`): the calendar feed, RFC 5545, where the issue put it (a
 * feed is not a webhook callback). `/hooks/calendar/…`, where it was first served, answers the same, so URLs
 * already handed out keep working.
 */
export const FEED_PATHS = ['/calendar/:token/:file', '/hooks/calendar/:token/:file'] as const;

/**
 * The feeds' secret: derived from the signing secret (so nothing more to configure), under its own label so a feed
 * token says nothing about the signing secret. Rotating the signing secret replaces every feed URL.
 */
export function feedSecret(signingSecret: string): string {
  return createHmac('sha256', signingSecret).update('groundcrew.communities.feed-secret').digest('base64url');
}

export function feedPath(secret: string, scope: string): string {
  return `/calendar/${feedToken(secret, scope)}/${scope}.ics`;
}

export interface FeedSource {
  config: CommunitiesConfig;
  /** The configured series and the one-off events leads added. */
  series(): Promise<FeedSeries[]>;
  overrides(): Promise<OccurrenceOverride[]>;
  now(): Date;
}

const param = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * The feed at each of FEED_PATHS. A wrong token, an unknown community and a missing configuration all get the same
 * 404: nothing can be probed.
 */
export function feedRoutes(source: FeedSource | null, secret: string): CustomRoute[] {
  return FEED_PATHS.map((path) => ({
    path,
    method: ['GET'],
    handler: async (req, res) => {
      const notFound = () => sendJson(res, 404, { ok: false, error: 'not found' });
      if (!source) return notFound();
      const file = /^([a-z][a-z0-9-]{0,39})\.ics$/.exec(param(req.params?.file));
      const scope = file?.[1];
      const token = param(req.params?.token);
      if (!scope || !feedTokenMatches(secret, scope, token)) return notFound();
      const { config } = source;
      const community = config.communities.find((c) => c.id === scope);
      if (scope !== ALL_FEEDS && !community) return notFound();
      const series = (await source.series()).filter((s) => scope === ALL_FEEDS || s.community === scope);
      const text = buildCalendar({
        name: community ? community.name : 'All communities',
        series,
        holidays: config.holidays,
        overrides: await source.overrides(),
        now: source.now(),
      });
      res.writeHead(200, {
        'content-type': 'text/calendar; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'private, max-age=300',
      });
      res.end(text);
    },
  }));
}
