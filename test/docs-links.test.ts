import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every relative link and anchor in the Markdown docs resolves: the file (or folder) exists inside the repository,
 * and `#anchor` / `file.md#anchor` names a heading of that file, slugged the way GitHub does it.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README_MAX_BYTES = 12_000; // issue 9: "at most 12 KB", read as 12,000 bytes

/** GitHub's heading anchor (github-slugger): lowercase, punctuation dropped, each space → `-`. */
function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The text GitHub renders for a heading's Markdown: links and images by their text, no emphasis markers. */
function headingText(markdown: string): string {
  const withoutLinks = markdown.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
  // Code spans keep their content as written (underscores included); emphasis markers go elsewhere.
  return withoutLinks
    .split(/(`[^`]*`)/)
    .map((part) =>
      part.startsWith('`')
        ? part.slice(1, -1)
        : part.replace(/(^|[^\p{L}\p{N}])(\*{1,3}|_{1,3})(?=\S)|(?<=\S)(\*{1,3}|_{1,3})(?=$|[^\p{L}\p{N}])/gu, '$1'),
    )
    .join('')
    .trim();
}

interface Line {
  number: number;
  text: string;
}

/** The lines outside fenced code blocks. */
function proseLines(markdown: string): Line[] {
  const lines: Line[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((text, index) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      return;
    }
    if (marker) {
      fence = marker;
      return;
    }
    lines.push({ number: index + 1, text });
  });
  return lines;
}

/** Every anchor a Markdown file offers: heading slugs (with GitHub's -1, -2 … for repeats) and HTML ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text)?.[1];
    if (heading !== undefined) {
      const base = githubSlug(headingText(heading));
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of text.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

interface Link {
  line: number;
  target: string;
}

/** Relative link targets: inline links and images, reference definitions, HTML href/src. Code is skipped. */
function relativeLinks(markdown: string): Link[] {
  const links: Link[] = [];
  for (const { number, text } of proseLines(markdown)) {
    const prose = text.replace(/(`+)[\s\S]*?\1/g, 'code');
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      links.push({ line: number, target });
    }
  }
  return links;
}

/** Problems with the relative links of `files` (paths relative to `root`), one line each. */
function brokenLinks(root: string, files: readonly string[]): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsIn = (path: string) => {
    let anchors = anchorCache.get(path);
    if (!anchors) {
      anchors = anchorsOf(readFileSync(path, 'utf8'));
      anchorCache.set(path, anchors);
    }
    return anchors;
  };
  for (const file of files) {
    const source = join(root, file);
    for (const { line, target } of relativeLinks(readFileSync(source, 'utf8'))) {
      const where = `${file}:${line}: ${target}`;
      const hashAt = target.indexOf('#');
      const pathPart = decodeURIComponent(hashAt === -1 ? target : target.slice(0, hashAt));
      const anchor = hashAt === -1 ? null : decodeURIComponent(target.slice(hashAt + 1));
      const resolved =
        pathPart === '' ? source : pathPart.startsWith('/') ? join(root, pathPart) : resolve(dirname(source), pathPart);
      const inside = relative(root, resolved);
      if (inside.startsWith('..') || inside.startsWith(sep)) {
        problems.push(`${where} — points outside the repository`);
        continue;
      }
      if (!existsSync(resolved)) {
        problems.push(`${where} — no such file or folder`);
        continue;
      }
      if (anchor === null) continue;
      if (statSync(resolved).isDirectory() || extname(resolved).toLowerCase() !== '.md') {
        problems.push(`${where} — an anchor into something that is not a Markdown file`);
      } else if (!anchorsIn(resolved).has(anchor)) {
        problems.push(`${where} — no heading with the anchor #${anchor} in ${relative(root, resolved) || file}`);
      }
    }
  }
  return problems;
}

function markdownUnder(root: string, folder: string): string[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/** The documents whose links are checked. */
function documents(root: string): string[] {
  const top = ['README.md', 'CHANGELOG.md', 'bench/README.md'].filter((f) => existsSync(join(root, f)));
  return [...top, ...markdownUnder(root, 'docs')];
}

describe('documentation links', () => {
  it('README.md is a front door: at most 12 KB', () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('checks the README, the changelog, the benchmark notes and every file under docs/', () => {
    const files = documents(ROOT);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'bench/README.md']));
    expect(files.filter((f) => f.startsWith(`docs${sep}`)).length).toBeGreaterThanOrEqual(6);
    // The README links into docs/ with anchors, so the check below has real work to do.
    const readmeLinks = relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(readmeLinks.filter((l) => l.target.startsWith('docs/')).length).toBeGreaterThanOrEqual(6);
    expect(readmeLinks.some((l) => l.target.includes('#'))).toBe(true);
  });

  it('every relative link and anchor resolves', () => {
    expect(brokenLinks(ROOT, documents(ROOT))).toEqual([]);
  });
});

describe('the link checker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('slugs headings the way GitHub does', () => {
    const anchors = anchorsOf(
      [
        '# groundcrew',
        '## Configuration: groundcrew.yml',
        '## The `deploys:` section',
        '### Connect it to a Slack workspace',
        '## What a person can do — commands',
        '## **Bold** and [linked](x.md) and `snake_case`',
        '## Repeat',
        '## Repeat',
        '```',
        '## Not a heading (inside a code block)',
        '```',
      ].join('\n'),
    );
    expect([...anchors]).toEqual([
      'groundcrew',
      'configuration-groundcrewyml',
      'the-deploys-section',
      'connect-it-to-a-slack-workspace',
      'what-a-person-can-do--commands',
      'bold-and-linked-and-snake_case',
      'repeat',
      'repeat-1',
    ]);
  });

  it('reports a missing file, a missing anchor and a missing anchor in another file; code is not read', () => {
    mkdirSync(join(dir, 'docs'), { recursive: true });
    writeFileSync(join(dir, 'docs', 'deploys.md'), '# Deploys\n\n## Executors\n');
    writeFileSync(
      join(dir, 'README.md'),
      [
        '# Title',
        'Fine: [deploys](docs/deploys.md), [executors](docs/deploys.md#executors), [top](#title),',
        '[web](https://example.com/x.md), `[code](missing.md)`.',
        '```md',
        '[also code](missing.md)',
        '```',
        'Broken: [gone](docs/gone.md), [bad anchor](docs/deploys.md#runners), [here](#nowhere), ![img](docs/x.png)',
      ].join('\n'),
    );
    expect(brokenLinks(dir, ['README.md'])).toEqual([
      'README.md:7: docs/gone.md — no such file or folder',
      'README.md:7: docs/deploys.md#runners — no heading with the anchor #runners in docs/deploys.md',
      'README.md:7: #nowhere — no heading with the anchor #nowhere in README.md',
      'README.md:7: docs/x.png — no such file or folder',
    ]);
  });
});
