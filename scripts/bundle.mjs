// Bundles an entry point and what it imports into one minified ES module (names kept) (plus a chunk per lazily imported part),
// the way `npm start` and the container run groundcrew. Why: V8 keeps every loaded module's source text and
// per-module objects for the life of the process; one tree-shaken, minified file in place of about 1,100 modules
// takes a third less live heap, and the old space grows to a multiple of that live heap under load (bench/README.md,
// "Memory").
//
//   node scripts/bundle.mjs [entry.ts] [outdir]      default: src/main.ts → dist/app/main.js
//
// The output must sit two folders below the repository root (dist/app/), as the sources do (src/db/, src/ops/), so
// the paths they compute from import.meta.url (migrations/, manifest.yml, src/playground/) still resolve.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
// esbuild is a dependency (package.json): `npm start` bundles before it runs, so `npm ci --omit=dev` must keep it.
const { build } = await import(require.resolve('esbuild'));

// Left to node's own resolution: native addons, pino (its transports start worker threads by file name), and the
// chart libraries, which only a drawn chart loads.
const external = [
  'better-sqlite3',
  'pg-native',
  '@resvg/resvg-js',
  'pino',
  'pino-pretty',
  'thread-stream',
  'vega',
  'vega-lite',
];

const plugins = [
  {
    // zod re-exports its 64 message locales as `z.locales`; groundcrew uses none of them (English is imported on its
    // own), but a namespace re-export cannot be tree-shaken. The namespace is left empty instead.
    name: 'zod-without-locales',
    setup(b) {
      b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
        args.importer.includes(`${join('node_modules', 'zod')}`) ? { path: 'zod-locales', namespace: 'empty' } : null,
      );
      b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
    },
  },
];

export async function bundle(entry, finalDir) {
  // Built beside the old bundle and moved in at the end, so a second `npm start` in the same checkout never leaves
  // the folder empty or half written while a build runs.
  const outdir = `${finalDir}.new-${process.pid}`;
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Whitespace and syntax minified, names kept: a stack trace in the log names the functions and classes it went
    // through (`at createSlackApp (…/main.js:1:23456)`), not one-letter names. Measured idle (bench/README.md,
    // "Memory"): live heap 19.6 → 20.7 MiB, RSS 112 → 105 MiB (malloc's share 18.5 → 9.8 MiB).
    minifyWhitespace: true,
    minifySyntax: true,
    external,
    plugins,
    // One luxon: cron-parser requires luxon's CommonJS build, groundcrew imports its ES build; both become the one.
    alias: { luxon: require.resolve('luxon') },
    // CommonJS dependencies bundled into an ES module still call require() for node's built-ins.
    banner: { js: "import{createRequire as __gcRequire}from'node:module';const require=__gcRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  // V8 stores a script's source as one byte per character only when every character fits in Latin-1; a single
  // '—' left in a template literal or a regular expression (esbuild escapes it everywhere else) doubles the whole
  // bundle's source in memory (2.9 MB of text, 5.8 MiB of heap). Escaping those characters keeps it one-byte.
  for (const file of readdirSync(outdir)) {
    if (extname(file) !== '.js') continue;
    const path = join(outdir, file);
    const text = readFileSync(path, 'utf8');
    const escaped = text.replace(/[\u0100-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (escaped !== text) writeFileSync(path, escaped);
  }
  // Chunk names carry a hash of their content, so a process still running the old bundle (another replica started
  // from this checkout) keeps finding the chunks it loads lazily (charts, the playground): new chunks are moved in
  // beside the old ones, and the entry file, the only name that does not change, is replaced last in one rename.
  mkdirSync(finalDir, { recursive: true });
  const main = `${basename(entry, extname(entry))}.js`;
  for (const file of readdirSync(outdir)) {
    if (file !== main) renameSync(join(outdir, file), join(finalDir, file));
  }
  renameSync(join(outdir, main), join(finalDir, main));
  rmSync(outdir, { recursive: true, force: true });
  return join(finalDir, main);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entry = resolve(root, process.argv[2] ?? 'src/main.ts');
  const outdir = resolve(root, process.argv[3] ?? 'dist/app');
  if (relative(root, outdir).split(/[\\/]/).length !== 2) {
    process.stderr.write(`bundle: ${outdir} must be two folders below ${root} (see the comment at the top)\n`);
    process.exit(2);
  }
  await bundle(entry, outdir);
}
