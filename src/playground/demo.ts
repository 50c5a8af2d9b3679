import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import { ConfigError, type TeamConfig, validateTeamConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { BOT, CHANNELS } from './ids.js';
import { sourceFile } from './page-assets.js';
import type { Workspace } from './workspace.js';

export const DEMO_SECRET = 'playground-demo-secret-0001';
const DEMO_FILE = sourceFile('demo.yml');
const placeholder = (name: string) => ['$', `{${name}}`].join('');
const OPTIONAL_SECTIONS = ['deploys', 'requests', 'communities', 'support', 'surveys'] as const;

/**
 * demo.yml as an object, with ${PLAYGROUND_URL} filled in, and ${FREEZE_FROM}/${FREEZE_UNTIL} set to a day-long
 * freeze that starts a day after `start` (on the hour, team time zone): production is never frozen when a newcomer
 * first tries a deploy, whatever the day, and "+1 day" walks into the freeze. ${EVENT_START} is the first community
 * event, two hours after that hour: "+1 day" passes its day-before reminder, not yet its 15-minute one.
 */
export function demoTeamObject(
  baseUrl: string,
  text = readFileSync(DEMO_FILE, 'utf8'),
  start: Date = new Date(),
): Record<string, unknown> {
  const zone = (parse(text) as { timezone?: unknown } | null)?.timezone;
  const from = DateTime.fromJSDate(start, { zone: typeof zone === 'string' ? zone : 'UTC' })
    .plus({ days: 1 })
    .startOf('hour');
  const local = (t: DateTime) => t.toFormat('yyyy-MM-dd HH:mm');
  const filled = text
    .replaceAll(placeholder('PLAYGROUND_URL'), baseUrl)
    .replaceAll(placeholder('FREEZE_FROM'), local(from))
    .replaceAll(placeholder('FREEZE_UNTIL'), local(from.plus({ days: 1 })))
    .replaceAll(placeholder('EVENT_START'), local(from.plus({ hours: 2 })));
  return parse(filled) as Record<string, unknown>;
}

/**
 * The demo team, validated by the product's own schema. If a capability's section no longer matches its schema
 * (the capability changed and demo.yml did not), the playground still starts without that section and says so.
 */
export function loadDemoTeam(baseUrl: string, logger: Logger, text?: string, start?: Date): TeamConfig {
  const raw = demoTeamObject(baseUrl, text, start);
  try {
    return validateTeamConfig(raw, 'demo.yml');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const broken = OPTIONAL_SECTIONS.filter((key) => error.problems.some((p) => p.startsWith(`demo.yml: ${key}`)));
    if (broken.length === 0) throw error;
    logger.warn(`playground: demo.yml does not match the current schema; leaving out ${broken.join(', ')}:`);
    for (const problem of error.problems) logger.warn(`  ${problem}`);
    const trimmed = { ...raw };
    for (const key of broken) delete trimmed[key];
    return validateTeamConfig(trimmed, 'demo.yml');
  }
}

/** A little history so the channels are not empty on first load (stand-in messages; the app never saw them). */
export function seedConversation(ws: Workspace): void {
  const help = CHANNELS[0]!.id;
  ws.post({
    channel: help,
    user: 'U0PLATFORM',
    bot: false,
    text:
      'Welcome to the *groundcrew playground* :wave: This is a pretend workspace on your machine — nothing here ' +
      'reaches Slack. Type `/platform help` below, or pick something from *Try this* on the right.',
  });
  ws.post({
    channel: CHANNELS[1]!.id,
    user: 'U0PLATFORM',
    bot: false,
    text: `Deploy status messages from <@${BOT.userId}> appear here and update in place.`,
  });
  ws.post({
    channel: CHANNELS[2]!.id,
    user: 'U0PLATFORM',
    bot: false,
    text: 'Requests that need a human land here for the platform team to claim.',
  });
}
