/**
 * Ranking for the tier-1 reply: Okapi BM25 (k1 = 1.2, b = 0.75, the weights SQLite FTS5's bm25() uses) over the
 * docs chunks and the saved answers. Pure and in process, so both database backends rank the same way: the corpus
 * is a few thousand chunks at most, read once at start, plus the saved answers.
 */

export interface SearchDoc {
  id: string;
  kind: 'doc' | 'answer';
  title: string;
  text: string;
  url: string | null;
  /** For a saved answer: the start of the answer, shown under its link. */
  excerpt?: string;
}

export interface SearchHit {
  doc: SearchDoc;
  score: number;
}

const K1 = 1.2;
const B = 0.75;
/** Words too common to say anything about a question. */
const STOP = new Set(
  'a an and are as at be but by can do does for from how i if in is it its me my of on or our so that the this to was we what when where which who why will with you your'.split(
    ' ',
  ),
);

/** Lowercase words (letters and digits), stop words left out, a plural `s` dropped. */
export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (raw.length < 2 || STOP.has(raw)) continue;
    out.push(raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw);
  }
  return out;
}

interface Indexed {
  doc: SearchDoc;
  length: number;
  counts: Map<string, number>;
}

export interface SearchIndex {
  search(query: string, limit: number): SearchHit[];
  size: number;
}

/** An index over `docs`; the title counts like the text (a hit in a heading is a good sign). */
export function buildIndex(docs: readonly SearchDoc[]): SearchIndex {
  const indexed: Indexed[] = docs.map((doc) => {
    const words = tokens(`${doc.title} ${doc.text}`);
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    return { doc, length: words.length, counts };
  });
  const docFreq = new Map<string, number>();
  for (const item of indexed) for (const w of item.counts.keys()) docFreq.set(w, (docFreq.get(w) ?? 0) + 1);
  const n = indexed.length;
  const avg = n === 0 ? 0 : indexed.reduce((sum, i) => sum + i.length, 0) / n;
  return {
    size: n,
    search(query, limit) {
      const terms = [...new Set(tokens(query))];
      if (terms.length === 0 || n === 0) return [];
      const hits: SearchHit[] = [];
      for (const item of indexed) {
        let score = 0;
        for (const term of terms) {
          const tf = item.counts.get(term);
          if (!tf) continue;
          const df = docFreq.get(term) ?? 0;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * item.length) / (avg || 1)));
        }
        if (score > 0) hits.push({ doc: item.doc, score });
      }
      return hits.sort((a, b) => b.score - a.score || (a.doc.id < b.doc.id ? -1 : 1)).slice(0, limit);
    },
  };
}
