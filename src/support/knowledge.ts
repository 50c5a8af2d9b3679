import type { Logger } from '../logger.js';
import type { SupportServiceDeps } from './ports.js';
import type { SupportRepo } from './repo.js';
import { buildIndex, type SearchDoc, type SearchHit, type SearchIndex } from './search.js';

/** The answer's first 140 characters on one line, cut at a word. */
export function excerptOf(answer: string, max = 140): string {
  const line = plainText(answer).replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  return `${cut.slice(0, cut.lastIndexOf(' ') > max / 2 ? cut.lastIndexOf(' ') : max)}…`;
}

/**
 * Slack message text as plain text, so the reply's blocks escape it once: `<@U…>` → `@U…`, `<#C…|name>` → `#name`,
 * `<!here>` → `@here`, `<url|label>` → `label`, `<url>` → `url`, then `&lt;` `&gt;` `&amp;` back to `<` `>` `&`.
 * A saved answer's mention is shown, not sent again (nobody is pinged by the tier-1 reply).
 */
export function plainText(slack: string): string {
  return slack
    .replace(
      /<([@#!])([^|>]+)(?:\|([^>]*))?>/g,
      (_m, sigil: string, id: string, label?: string) => `${sigil === '#' ? '#' : '@'}${label || id}`,
    )
    .replace(/<([^|>]+)(?:\|([^>]*))?>/g, (_m, url: string, label?: string) => label || url)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * The tier-1 search: the docs folder (read once, on first use) and the saved answers, ranked together with BM25
 * (search.ts). The index is rebuilt when the saved answers changed, on whichever replica saved them.
 */
export function createKnowledge(
  repo: Pick<SupportRepo, 'answers'>,
  loadDocs: SupportServiceDeps['loadDocs'],
  logger: Logger,
) {
  let docs: Promise<SearchDoc[]> | null = null;
  let index: { key: string; index: SearchIndex } | null = null;
  return {
    async search(text: string, limit: number): Promise<SearchHit[]> {
      docs ??= loadDocs().then(
        (chunks) => chunks.map((c) => ({ ...c, kind: 'doc' as const })),
        (error: unknown) => {
          logger.warn(`support: the docs folder could not be read: ${String(error)}`);
          return [];
        },
      );
      const answers = await repo.answers();
      const key = `${answers.length}:${answers[answers.length - 1]?.id ?? 0}`;
      if (index?.key !== key) {
        const saved: SearchDoc[] = answers.map((a) => ({
          id: `answer:${a.id}`,
          kind: 'answer',
          title: plainText(a.question).slice(0, 120),
          text: `${a.question}\n${a.answer}`,
          url: a.permalink,
          excerpt: excerptOf(a.answer),
        }));
        index = { key, index: buildIndex([...(await docs), ...saved]) };
      }
      return index.index.search(text, limit);
    },
  };
}
