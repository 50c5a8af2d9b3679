import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  png: 'image/png',
};

/**
 * A file that lives next to the playground's sources (page/…, demo.yml). Under `npm start` (tsx) that is here;
 * a compiled dist/ has no copies, so it reads them from src/ beside it.
 */
export function sourceFile(relative: string): string {
  const here = fileURLToPath(new URL(relative, import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL(`../../src/playground/${relative.replace(/^\.\//, '')}`, import.meta.url));
}

function pageDir(): string {
  return sourceFile('./page/');
}

/** One static file of the page by its plain name (`app.js`); null for anything else. */
export function pageAsset(name: string): { body: Buffer; contentType: string } | null {
  const match = /^[a-z][a-z0-9-]*\.(html|css|js|png)$/.exec(name);
  if (!match) return null;
  const path = `${pageDir()}${name}`;
  if (!existsSync(path)) return null;
  return { body: readFileSync(path), contentType: TYPES[match[1]!]! };
}
