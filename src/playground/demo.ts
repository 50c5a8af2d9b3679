import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, type TeamConfig, validateTeamConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { BOT, CHANNELS } from './ids.js';
import { sourceFile } from './page-assets.js';
import type { Workspace } from './workspace.js';

export const DEMO_SECRET = 'playground-demo-secret-0001';
const DEMO_FILE = sourceFile('demo.yml');
const PLACEHOLDER = ['$', '{PLAYGROUND_URL}'].join('');
const OPTIONAL_SECTIONS = ['deploys', 'requests'] as const;

/** demo.yml as an object, with ${PLAYGROUND_URL} filled in. */
export function demoTeamObject(baseUrl: string, text = readFileSync(DEMO_FILE, 'utf8')): Record<string, unknown> {
  return parse(text.replaceAll(PLACEHOLDER, baseUrl)) as Record<string, unknown>;
}

/**
 * The demo team, validated by the product's own schema. If a capability's section no longer matches its schema
 * (the capability changed and demo.yml did not), the playground still starts without that section and says so.
 */
export function loadDemoTeam(baseUrl: string, logger: Logger, text?: string): TeamConfig {
  const raw = demoTeamObject(baseUrl, text);
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
