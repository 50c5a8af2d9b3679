import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chunkMarkdown,
  headingSlug,
  indexDocs,
  MAX_CHUNK_CHARS,
  readMarkdownFiles,
} from '../../src/support/docs-index.js';

const PAGE = `---
title: Ignored when there is an H1
---
# Deploying a service

Use \`/platform deploy\` for **every** service. See [the runbook](https://example.com/runbook).

## Rolling back

Run \`/platform rollback web-api\`.

\`\`\`sh
# not a heading: a shell comment
kubectl rollout undo deploy/web-api
\`\`\`

### Why did my deploy fail?

Check the _logs_ first. <!-- internal note -->
![diagram](img/flow.png)

## Rolling back

The second section with the same name.

## Empty section
`;

describe('chunkMarkdown', () => {
  const chunks = chunkMarkdown({ path: 'guides/deploying.md', text: PAGE }, 'https://docs.example.com/platform');

  it('one chunk per section, with the page title, the section heading and plain text', () => {
    expect(chunks.map((c) => [c.title, c.section])).toEqual([
      ['Deploying a service', null],
      ['Deploying a service', 'Rolling back'],
      ['Deploying a service', 'Why did my deploy fail?'],
      ['Deploying a service', 'Rolling back'],
    ]);
    expect(chunks[0]?.text).toBe('Use /platform deploy for every service. See the runbook.');
    expect(chunks[1]?.text).toBe(
      'Run /platform rollback web-api.\n\n# not a heading: a shell comment\nkubectl rollout undo deploy/web-api',
    );
    expect(chunks[2]?.text).toBe('Check the logs first.\ndiagram');
  });

  it('links to the page and the section anchor, GitHub style, repeats numbered', () => {
    expect(chunks.map((c) => c.url)).toEqual([
      'https://docs.example.com/platform/guides/deploying.md',
      'https://docs.example.com/platform/guides/deploying.md#rolling-back',
      'https://docs.example.com/platform/guides/deploying.md#why-did-my-deploy-fail',
      'https://docs.example.com/platform/guides/deploying.md#rolling-back-1',
    ]);
    expect(chunks.map((c) => c.id)).toEqual([
      'guides/deploying.md#',
      'guides/deploying.md#rolling-back',
      'guides/deploying.md#why-did-my-deploy-fail',
      'guides/deploying.md#rolling-back-1',
    ]);
    expect(chunkMarkdown({ path: 'a.md', text: 'text' })[0]?.url).toBeNull();
  });

  it('takes the title from front matter, else the file name', () => {
    expect(chunkMarkdown({ path: 'x.md', text: '---\ntitle: "Access requests"\n---\nHow to ask.' })[0]?.title).toBe(
      'Access requests',
    );
    expect(chunkMarkdown({ path: 'dir/on-call_handbook.md', text: 'Who is on call.' })[0]?.title).toBe(
      'On call handbook',
    );
  });

  it('splits a long section at paragraphs, each part under the limit', () => {
    const paragraph = `${'word '.repeat(120).trim()}.`;
    const long = `# Long\n\n## Part\n\n${Array.from({ length: 6 }, () => paragraph).join('\n\n')}\n\n${'x'.repeat(4000)}`;
    const parts = chunkMarkdown({ path: 'long.md', text: long });
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
    expect(parts.map((p) => p.id).slice(0, 3)).toEqual(['long.md#part', 'long.md#part~2', 'long.md#part~3']);
    expect(
      parts
        .map((p) => p.text)
        .join('')
        .replace(/\s/g, '').length,
    ).toBe((Array.from({ length: 6 }, () => paragraph).join('') + 'x'.repeat(4000)).replace(/\s/g, '').length);
  });

  it('slugs like GitHub', () => {
    const seen = new Map<string, number>();
    expect(headingSlug('What’s `new` in v2.0?', seen)).toBe('whats-new-in-v20');
    expect(headingSlug('Über Zugänge', seen)).toBe('über-zugänge');
  });
});

describe('indexDocs and readMarkdownFiles', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads Markdown files recursively in path order, skipping hidden folders, other files and symlinks', async () => {
    dir = mkdtempSync(join(tmpdir(), 'support-docs-'));
    mkdirSync(join(dir, 'guides'));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'index.md'), '# Platform\n\nStart here.');
    writeFileSync(join(dir, 'guides', 'access.markdown'), '# Access\n\n## VPN\n\nUse the VPN.');
    writeFileSync(join(dir, '.git', 'notes.md'), '# hidden');
    writeFileSync(join(dir, 'logo.png'), 'not markdown');
    symlinkSync(join(dir, 'index.md'), join(dir, 'link.md'));
    const files = await readMarkdownFiles(dir);
    expect(files.map((f) => f.path)).toEqual(['guides/access.markdown', 'index.md']);
    const chunks = indexDocs(files, 'https://docs.example.com/');
    expect(chunks.map((c) => [c.title, c.section, c.text, c.url])).toEqual([
      ['Access', 'VPN', 'Use the VPN.', 'https://docs.example.com/guides/access.markdown#vpn'],
      ['Platform', null, 'Start here.', 'https://docs.example.com/index.md'],
    ]);
  });
});
