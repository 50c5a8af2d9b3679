import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * docs/architecture.md names every file role (issue 9): each file in a capability folder (a folder of src/ with a
 * capability.ts) is named in the document, in backticks, by its file name or as `slack/<name>`. A new file either
 * takes a role the "File roles" table already names or the table names it.
 */
function unnamedCapabilityFiles(doc: string): string[] {
  const src = join(ROOT, 'src');
  const capabilities = readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(src, entry.name, 'capability.ts')))
    .map((entry) => entry.name);
  const files = capabilities.flatMap((capability) =>
    readdirSync(join(src, capability), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join('src', capability, file)),
  );
  return files
    .filter((file) => {
      const name = basename(file);
      return !doc.includes(`\`${name}\``) && !doc.includes(`\`slack/${name}\``);
    })
    .sort();
}

describe('docs/architecture.md', () => {
  it('names the role of every file in a capability folder', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    expect(unnamedCapabilityFiles(doc)).toEqual([]);
  });

  it('would list a file the document does not name', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    expect(unnamedCapabilityFiles(doc.replaceAll('`micro-pulse-port.ts`', 'the port file'))).toEqual([
      join('src', 'surveys', 'micro-pulse-port.ts'),
    ]);
  });
});
