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
