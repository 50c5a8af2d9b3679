import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** The capability folders: folders of src/ with a capability.ts. */
function capabilityFolders(): string[] {
  const src = join(ROOT, 'src');
  return readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(src, entry.name, 'capability.ts')))
    .map((entry) => entry.name)
    .sort();
}

/** The rows of the "File roles in a capability folder" table: [file cell, role cell]. */
function roleRows(doc: string): [string, string][] {
  const start = doc.indexOf('## File roles in a capability folder');
  const end = doc.indexOf('\n## ', start + 1);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| File |') && !line.startsWith('|---'))
    .map((line) => {
      const cells = line.split(' | ');
      return [cells[0]!.slice(2), cells[1] ?? ''];
    });
}

const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);

/**
 * docs/architecture.md names the role of every file (issue 9), per capability: a file in a capability folder either
 * has a role any capability may fill (the file column of the "File roles" table: `service.ts`, `slack/ids.ts`, …) or
 * is named in a role's text after its own capability's label (`deploys: `lifecycle.ts`, …`; `admin's …`). A file
 * another capability's label names does not count: communities' `time.ts` does not document deploys' `time.ts`.
 */
function unnamedCapabilityFiles(doc: string): string[] {
  const capabilities = capabilityFolders();
  const rows = roleRows(doc);
  const generic = new Set(rows.flatMap(([file]) => backticked(file)).filter((name) => !name.includes('<')));
  const label = new RegExp(`\\b(${capabilities.join('|')})(?::|'s)`, 'g');
  const named = new Map<string, Set<string>>(capabilities.map((capability) => [capability, new Set()]));
  for (const [, role] of rows) {
    const labels = [...role.matchAll(label)];
    labels.forEach((match, i) => {
      const segment = role.slice(match.index, labels[i + 1]?.index ?? role.length);
      for (const name of backticked(segment)) named.get(match[1]!)!.add(name);
    });
  }
  const unnamed: string[] = [];
  for (const capability of capabilities) {
    const files = readdirSync(join(ROOT, 'src', capability), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.split('\\').join('/'));
    for (const file of files) {
      if (generic.has(file) || named.get(capability)!.has(basename(file))) continue;
      unnamed.push(join('src', capability, file));
    }
  }
  return unnamed.sort();
}

describe('docs/architecture.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

  it('names the role of every file in a capability folder, for that capability', () => {
    expect(unnamedCapabilityFiles(doc)).toEqual([]);
  });

  it('would list a file the document does not name', () => {
    expect(unnamedCapabilityFiles(doc.replaceAll('`micro-pulse-port.ts`', 'the port file'))).toEqual([
      join('src', 'surveys', 'micro-pulse-port.ts'),
    ]);
  });

  it('does not count a file named for another capability (deploys and communities both have a time.ts)', () => {
    const withoutDeploysTime = doc.replace('deploys: `time.ts`', 'deploys: the time helpers');
    expect(withoutDeploysTime).not.toBe(doc);
    expect(withoutDeploysTime).toContain('`time.ts`');
    expect(unnamedCapabilityFiles(withoutDeploysTime)).toEqual([join('src', 'deploys', 'time.ts')]);
  });

  it('would list an unnamed file in any capability', () => {
    for (const capability of capabilityFolders()) {
      const real = readdirSync(join(ROOT, 'src', capability), { recursive: true, encoding: 'utf8' });
      const specific = real.find(
        (file) => file.endsWith('.ts') && !file.includes('/') && !doc.includes(`| \`${file}\` |`),
      );
      if (!specific) continue;
      const hidden = doc.replaceAll(`\`${specific}\``, 'a file');
      expect(unnamedCapabilityFiles(hidden), capability).toContain(join('src', capability, specific));
    }
  });
});

/**
 * The "Folder layout" entries (`  db/   …`, with their continuation lines), by the folder or file they start with.
 * An entry such as `people/service.ts` counts as naming that file.
 */
function layoutEntries(doc: string): Map<string, string> {
  const start = doc.indexOf('## Folder layout');
  const block = doc.slice(doc.indexOf('```', start) + 3, doc.indexOf('\n```', doc.indexOf('```', start) + 3));
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const line of block.split('\n')) {
    const entry = /^ {2}(\S+)\s{2,}(.*)$/.exec(line);
    if (entry) {
      current = entry[1]!;
      entries.set(current, `${current} ${entry[2]}`);
    } else if (current && /^ {3,}\S/.test(line)) {
      entries.set(current, `${entries.get(current)} ${line.trim()}`);
    }
  }
  return entries;
}

/** A file name as a word of the text: `schema.ts` is not named by `pg-schema.ts`. */
const names = (text: string, file: string) =>
  new RegExp(`(?<![\\w./-])${file.replaceAll('.', '\\.')}(?![\\w-])`).test(text);

/**
 * The src/ folders whose layout entry names some of their files but not all of them: an entry that lists files
 * lists every one (a file added later is named too, or the entry stops listing).
 */
function partlyNamedFolders(doc: string): { listed: string[]; unnamed: string[] } {
  const listed: string[] = [];
  const unnamed: string[] = [];
  for (const [path, text] of layoutEntries(doc)) {
    const dir = path.endsWith('/') ? path.slice(0, -1) : path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    if (!dir || !existsSync(join(ROOT, 'src', dir))) continue;
    const files = readdirSync(join(ROOT, 'src', dir)).filter((file) => file.endsWith('.ts'));
    const named = files.filter((file) => names(text, file));
    if (named.length === 0) continue;
    listed.push(dir);
    for (const file of files) if (!named.includes(file)) unnamed.push(join('src', dir, file));
  }
  return { listed: listed.sort(), unnamed: unnamed.sort() };
}

describe('docs/architecture.md folder layout', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

  it('an entry that names files of its folder names every one (db/ and scheduler/ among them)', () => {
    const { listed, unnamed } = partlyNamedFolders(doc);
    expect(listed).toEqual(expect.arrayContaining(['db', 'scheduler', 'webhooks', 'charts']));
    expect(unnamed).toEqual([]);
  });

  it('would list a file the entry leaves out (schema.ts is not named by pg-schema.ts)', () => {
    const withoutSchema = doc.replace('schema.ts (tables shared by the', 'the tables shared by the');
    expect(withoutSchema).not.toBe(doc);
    expect(partlyNamedFolders(withoutSchema).unnamed).toEqual([join('src', 'db', 'schema.ts')]);
    const withoutPrune = doc.replace('prune.ts (pruneJobRuns', 'pruneJobRuns (');
    expect(partlyNamedFolders(withoutPrune).unnamed).toEqual([join('src', 'scheduler', 'prune.ts')]);
  });
});
