import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * The docs folder as searchable chunks: one per section (## and ### headings) of each Markdown file, long sections
 * split at paragraphs. `indexDocs` is pure; `readMarkdownFiles` is the one function that touches the disk.
 */

export interface DocFile {
  /** Path inside the docs folder, with `/` separators: `guides/deploys.md`. */
  path: string;
  text: string;
}

export interface DocChunk {
  /** Stable id: the path, the heading anchor, and a part number when a section was split. */
  id: string;
  /** The page title: the first `# ` heading, else front matter `title:`, else the file name. */
  title: string;
  /** The section heading; null for the text before the first section. */
  section: string | null;
  /** Plain text: Markdown links, images, HTML and emphasis marks removed; code kept. */
  text: string;
  /** baseUrl + path + `#anchor`; null without a base URL. */
  url: string | null;
}

/** Sections longer than this are split at paragraph breaks (a search hit should point near its words). */
export const MAX_CHUNK_CHARS = 1500;

interface Section {
  heading: string | null;
  lines: string[];
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes; repeats get -1, -2. */
export function headingSlug(heading: string, seen: Map<string, number>): string {
  const base = plain(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
  const count = seen.get(base) ?? 0;
  seen.set(base, count + 1);
  return count === 0 ? base : `${base}-${count}`;
}

/** Markdown to the words a person searches for. */
function plain(markdown: string): string {
  return markdown
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, ' ')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^\s*```.*$/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\n]+)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function frontMatter(text: string): { body: string; title: string | null } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) return { body: text, title: null };
  const title = /^title:\s*["']?(.+?)["']?\s*$/m.exec(match[1] ?? '')?.[1] ?? null;
  return { body: text.slice(match[0].length), title };
}

function fileTitle(path: string): string {
  const name = path.split('/').pop() ?? path;
  const words = name.replace(/\.(md|markdown)$/i, '').replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Splits a file into its title and sections; headings inside code fences are code, not headings. */
function sections(body: string): { h1: string | null; sections: Section[] } {
  let h1: string | null = null;
  const out: Section[] = [{ heading: null, lines: [] }];
  let fence: string | null = null;
  for (const line of body.split(/\r?\n/)) {
    const fenceMark = /^\s{0,3}(```|~~~)/.exec(line)?.[1];
    if (fenceMark && (fence === null || fence === fenceMark)) fence = fence === null ? fenceMark : null;
    const heading = fence === null && !fenceMark ? /^\s{0,3}(#{1,3})\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (heading?.[1] === '#' && h1 === null) h1 = heading[2] ?? null;
    else if (heading && heading[1] !== '#') out.push({ heading: heading[2] ?? '', lines: [] });
    else out[out.length - 1]!.lines.push(line);
  }
  return { h1, sections: out };
}

/** Paragraph-aligned parts of at most MAX_CHUNK_CHARS (a single longer paragraph is cut at a space). */
function parts(text: string): string[] {
  const result: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n\s*\n/)) {
    const next = current ? `${current}\n\n${paragraph}` : paragraph;
    if (next.length <= MAX_CHUNK_CHARS) {
      current = next;
      continue;
    }
    if (current) result.push(current);
    let rest = paragraph;
    while (rest.length > MAX_CHUNK_CHARS) {
      const cut = rest.lastIndexOf(' ', MAX_CHUNK_CHARS);
      const at = cut > MAX_CHUNK_CHARS / 2 ? cut : MAX_CHUNK_CHARS;
      result.push(rest.slice(0, at).trim());
      rest = rest.slice(at).trim();
    }
    current = rest;
  }
  if (current.trim()) result.push(current.trim());
  return result;
}

function urlFor(baseUrl: string | undefined, path: string, anchor: string | null): string | null {
  if (!baseUrl) return null;
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `${base}${encoded}${anchor ? `#${anchor}` : ''}`;
}

/** Chunks of one Markdown file. Sections with no text are left out. */
export function chunkMarkdown(file: DocFile, baseUrl?: string): DocChunk[] {
  const { body, title: metaTitle } = frontMatter(file.text);
  const { h1, sections: found } = sections(body);
  const title = plain(h1 ?? metaTitle ?? fileTitle(file.path));
  const seen = new Map<string, number>();
  const chunks: DocChunk[] = [];
  for (const section of found) {
    const anchor = section.heading === null ? null : headingSlug(section.heading, seen);
    const text = plain(section.lines.join('\n'));
    if (!text) continue;
    parts(text).forEach((part, i) => {
      const id = `${file.path}#${anchor ?? ''}${i > 0 ? `~${i + 1}` : ''}`;
      const heading = section.heading === null ? null : plain(section.heading);
      chunks.push({ id, title, section: heading, text: part, url: urlFor(baseUrl, file.path, anchor) });
    });
  }
  return chunks;
}

/** Every chunk of every file, files in path order. */
export function indexDocs(files: readonly DocFile[], baseUrl?: string): DocChunk[] {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .flatMap((f) => chunkMarkdown(f, baseUrl));
}

const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The Markdown files (`.md`, `.markdown`) under `folder`, recursively, skipping hidden folders, node_modules,
 * symbolic links and files over 1 MiB. Paths come back relative, with `/`.
 */
export async function readMarkdownFiles(folder: string): Promise<DocFile[]> {
  const files: DocFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && /\.(md|markdown)$/i.test(entry.name)) {
        if ((await stat(full)).size > MAX_FILE_BYTES) continue;
        files.push({ path: relative(folder, full).split(sep).join('/'), text: await readFile(full, 'utf8') });
      }
    }
  };
  await walk(folder);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
