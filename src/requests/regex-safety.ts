/**
 * Refuses request-field patterns that JavaScript's backtracking engine can take exponential time on (ReDoS):
 * a 29-character answer to `^(a+)+$` blocks the process for seconds. Checked once, when the config is loaded.
 *
 * Two shapes cause exponential backtracking, and both are refused when they sit under a repetition (`*`, `+`,
 * `{2,}`, `{12}` — anything that may match its body more than once):
 * - a variable-length repetition inside it (`(a+)+`, `(\w+\s?)*`, `(.*a){12}`), unless the repeated body has a
 *   mandatory character the inner repetition cannot match, which fixes where each round ends
 *   (`(-[a-z0-9]+)*`, `(\d{1,3}\.){3}` are accepted);
 * - an alternation whose branches can start with the same character (`(a|a)*`, `(a|aa)+`).
 * Polynomial backtracking is refused too: two parts that repeat a wide number of times (`*`, `+`, `{2,}`, `{0,20}`)
 * one after the other (with nothing between them, or only parts that can match the same character) that can both
 * match a run of one character (`\d*\d*\d*x`, `\w+.*\w+`, `a+(b|a+)`): a run of that character can be split
 * between them in n², n³… ways, and `^\d*\d*\d*x$` takes ~9 s on 3000 digits. `\d+\.\d+` or `\d?\d` are fine.
 * So are many narrow repeats in a row over the same characters whose ranges add up to 8 or more (`\d?` 27 times
 * takes 2.9 s on 28 digits; `\d{0,7}` 10 times), see regex-runs.ts. A repeated fixed string, an alternation of
 * them or nested groups of them (`(?:ab|ba)*`, `(?:a(?:b))*`) is looked at as a run over its characters. A
 * lookaround matches nothing: it ends no run, and is refused only where it scans what a stretch before it matches
 * (`^\d*(?=\d*x)`, also nested in a later part: `\d*(?:\d(?=\d*x))`); at the start of a pattern (`^(?=.*\d)[a-z\d]{8,64}$`) it runs once and is accepted.
 * The check is conservative: it may refuse a pattern that is in fact safe (the message says how to rewrite it).
 * Answers to a field with a pattern are also capped (validate.ts), which bounds what any accepted pattern costs.
 */

import {
  ALL,
  charsWithin,
  type Node,
  narrowStretchesAddUp,
  OTHER,
  partsOf,
  repeatedStringsAsAtoms,
  SAMPLES,
  sequences,
  stretchesMeet,
} from './regex-runs.js';

/** The sample characters one atom (a literal, an escape, a class, `.`) matches, as a bit set. */
function charsOf(source: string): bigint {
  // No flags: the same dialect as the field's `new RegExp(pattern)`.
  const re = new RegExp(`^(?:${source})$`);
  let bits = 0n;
  SAMPLES.forEach((sample, index) => {
    if (re.test(sample)) bits |= 1n << BigInt(index);
  });
  // Matches no sample, or a non-ASCII one: it may match characters outside the samples too.
  return bits === 0n || bits >> 128n !== 0n ? bits | OTHER : bits;
}

function atom(source: string): Node {
  try {
    return { kind: 'atom', chars: charsOf(source) };
  } catch {
    return { kind: 'atom', chars: ALL };
  }
}

class Parser {
  private index = 0;
  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.index < this.source.length) throw new Error(`unexpected ${this.source[this.index]}`);
    return node;
  }

  private alternation(): Node {
    const branches = [this.sequence()];
    while (this.source[this.index] === '|') {
      this.index++;
      branches.push(this.sequence());
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.index < this.source.length && this.source[this.index] !== '|' && this.source[this.index] !== ')') {
      const term = this.term();
      items.push(this.quantified(term));
    }
    return items.length === 0 ? { kind: 'empty' } : items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  private quantified(node: Node): Node {
    const rest = this.source.slice(this.index);
    let min: number;
    let max: number;
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (rest[0] === '*') [min, max] = [0, Infinity];
    else if (rest[0] === '+') [min, max] = [1, Infinity];
    else if (rest[0] === '?') [min, max] = [0, 1];
    else if (braces) {
      min = Number(braces[1]);
      max = braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3]);
    } else return node;
    this.index += braces ? braces[0].length : 1;
    if (this.source[this.index] === '?') this.index++; // lazy: same matches, same backtracking
    return this.quantified({ kind: 'repeat', body: node, min, max });
  }

  private term(): Node {
    const source = this.source;
    const char = source[this.index]!;
    if (char === '^' || char === '$') {
      this.index++;
      return { kind: 'empty' };
    }
    if (char === '(') {
      this.index++;
      const prefix = /^\?(:|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(this.index));
      if (prefix) this.index += prefix[0].length;
      const lookaround = prefix !== null && /^\?(=|!|<=|<!)$/.test(prefix[0]);
      const body = this.alternation();
      if (source[this.index] !== ')') throw new Error('unclosed group');
      this.index++;
      return lookaround ? { kind: 'group', body, lookaround } : { kind: 'group', body };
    }
    if (char === '[') {
      const start = this.index;
      this.index++;
      if (source[this.index] === '^') this.index++;
      while (this.index < source.length && source[this.index] !== ']') {
        this.index += source[this.index] === '\\' ? 2 : 1;
      }
      this.index++;
      return atom(source.slice(start, this.index));
    }
    if (char === '\\') return this.escape();
    this.index++;
    if (char === '.') return atom('.');
    return atom(char.replace(/[{}]/, '\\$&'));
  }

  private escape(): Node {
    const rest = this.source.slice(this.index);
    if (/^\\[bB]/.test(rest)) {
      this.index += 2;
      return { kind: 'empty' };
    }
    // A back-reference can match anything its group matched.
    const backReference = /^\\([1-9]\d*|k<[^>]*>)/.exec(rest);
    if (backReference) {
      this.index += backReference[0].length;
      return { kind: 'atom', chars: ALL };
    }
    const sequence = /^\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|c[A-Za-z]|0|[\s\S])/.exec(rest)!;
    this.index += sequence[0].length;
    return atom(sequence[0]);
  }
}

/** Atoms every match of `node` passes through (not those inside an alternation or an optional part). */
function mandatoryAtoms(node: Node): bigint[] {
  switch (node.kind) {
    case 'atom':
      return [node.chars];
    case 'seq':
      return node.items.flatMap(mandatoryAtoms);
    case 'group':
      // A lookaround matches no character, so it fixes no boundary: (a+(?!b))+ backtracks like (a+)+.
      return node.lookaround ? [] : mandatoryAtoms(node.body);
    case 'repeat':
      return node.min >= 1 ? mandatoryAtoms(node.body) : [];
    default:
      return [];
  }
}

/** The characters a match of `node` can start with (over-approximated), and whether it can match nothing. */
function firstChars(node: Node): { chars: bigint; nullable: boolean } {
  switch (node.kind) {
    case 'atom':
      return { chars: node.chars, nullable: false };
    case 'empty':
      return { chars: 0n, nullable: true };
    case 'group':
      return firstChars(node.body);
    case 'repeat': {
      const inner = firstChars(node.body);
      return { chars: inner.chars, nullable: inner.nullable || node.min === 0 };
    }
    case 'alt': {
      const all = node.branches.map(firstChars);
      return { chars: all.reduce((b, f) => b | f.chars, 0n), nullable: all.some((f) => f.nullable) };
    }
    case 'seq': {
      let chars = 0n;
      for (const item of node.items) {
        const first = firstChars(item);
        chars |= first.chars;
        if (!first.nullable) return { chars, nullable: false };
      }
      return { chars, nullable: true };
    }
  }
}

type Repeat = Extract<Node, { kind: 'repeat' }>;
type Alt = Extract<Node, { kind: 'alt' }>;

const repeats = (node: Node) => partsOf(node).filter((part): part is Repeat => part.kind === 'repeat');
const variableRepeats = (node: Node) => repeats(node).filter((part) => part.min !== part.max);
const alternations = (node: Node) => partsOf(node).filter((part): part is Alt => part.kind === 'alt');

function overlappingBranches(alt: Alt): boolean {
  const firsts = alt.branches.map(firstChars);
  if (firsts.filter((f) => f.nullable).length > 0) return true;
  return firsts.some((a, i) => firsts.some((b, j) => j > i && (a.chars & b.chars) !== 0n));
}

/**
 * Why `pattern` can backtrack catastrophically, or null when it cannot (as far as this check sees).
 * `pattern` must already compile with `new RegExp(pattern)`.
 */
export function catastrophicBacktracking(pattern: string): string | null {
  let tree: Node;
  try {
    tree = new Parser(pattern).parse();
  } catch {
    return 'it could not be analysed for catastrophic backtracking';
  }
  for (const outer of repeats(tree)) {
    if (outer.max <= 1) continue;
    const fences = mandatoryAtoms(outer.body);
    const unfenced = (chars: bigint) => !fences.some((fence) => (fence & chars) === 0n);
    for (const inner of variableRepeats(outer.body)) {
      if (unfenced(charsWithin(inner))) {
        return 'it repeats a group that itself repeats a variable number of times (like (a+)+ or (\\w+\\s?)*)';
      }
    }
    if (alternations(outer.body).some((alt) => overlappingBranches(alt) && unfenced(charsWithin(alt)))) {
      return 'it repeats an alternation whose branches can start alike (like (a|aa)+)';
    }
  }
  // The run analysis follows runs of one character; a repeated fixed string ((?:ab)*, (?:ab|ba)*, (?:a(?:b))?) is
  // looked at as a run over its characters, so (?:ab|ba)*(?:ab|ba)* is seen like [ab]*[ab]*.
  const strings = repeatedStringsAsAtoms(tree);
  const alone: Extract<Node, { kind: 'seq' }> = { kind: 'seq', items: [strings] };
  // A repeated group also meets itself: the end of one round is followed by the start of the next, so
  // (\s*,\s*)* is looked at as \s*,\s*\s*,\s* too (its last \s* and the next round's first one meet).
  const rounds = repeats(strings)
    .filter((part) => part.max > 1)
    .map((part): Extract<Node, { kind: 'seq' }> => ({ kind: 'seq', items: [part.body, part.body] }));
  const seqs = [alone, ...sequences(strings), ...rounds];
  if (seqs.some(stretchesMeet) || seqs.some(narrowStretchesAddUp)) {
    return 'it has repeated parts one after the other that can match the same text (like \\d*\\d* or \\w+.*), so a long answer can be split between them in very many ways';
  }
  return null;
}
