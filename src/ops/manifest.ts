import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** manifest.yml at the repository (or image) root, two folders above this module in src/ and in dist/. */
export const MANIFEST_URL = new URL('../../manifest.yml', import.meta.url);

/** The bot scopes manifest.yml asks for; null when the file is missing or has none. */
export function readManifestScopes(url: URL = MANIFEST_URL): string[] | null {
  try {
    const manifest = parse(readFileSync(url, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } } | null;
    const bot = manifest?.oauth_config?.scopes?.bot;
    return Array.isArray(bot) && bot.every((s) => typeof s === 'string') ? bot : null;
  } catch {
    return null;
  }
}
