/**
 * How parts of a request-field pattern match runs of one character, for the polynomial-backtracking half of
 * regex-safety.ts: which parts stretch over a run, and whether two (or many narrow ones) meet in a sequence.
 */
export type Node =
  | { kind: 'atom'; chars: bigint }
  | { kind: 'empty' }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; branches: Node[] }
  | { kind: 'group'; body: Node; lookaround?: boolean }
  | { kind: 'repeat'; body: Node; min: number; max: number };

type Seq = Extract<Node, { kind: 'seq' }>;
type Alt = Extract<Node, { kind: 'alt' }>;
type Repeat = Extract<Node, { kind: 'repeat' }>;

/** Characters a pattern is probed with: ASCII plus a few non-ASCII ones (an approximation of character sets). */
export const SAMPLES = [
  ...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)),
  '\u00a0',
  'é',
  'ß',
  'Ω',
  '\u2028',
  '中',
  '\ud83d',
];
/**
 * One more bit past the samples: every character no sample stands for (Ā, Cyrillic, …). An atom that matches no
 * sample, or any non-ASCII one, is taken to match those too, so `(Ā+)+` is seen like `(a+)+`.
 */
export const OTHER = 1n << BigInt(SAMPLES.length);
export const ALL = (OTHER << 1n) - 1n;

/** A repetition whose count can vary this much or more lets a run of characters be split many ways. */
const WIDE = 8;

/** `node` and every part inside it, however deep. */
export function partsOf(node: Node): Node[] {
  switch (node.kind) {
    case 'seq':
      return [node, ...node.items.flatMap(partsOf)];
    case 'alt':
      return [node, ...node.branches.flatMap(partsOf)];
    case 'group':
    case 'repeat':
      return [node, ...partsOf(node.body)];
    default:
      return [node];
  }
}

/** Every character any atom inside `node` can match. */
export function charsWithin(node: Node): bigint {
  return partsOf(node).reduce((bits, part) => (part.kind === 'atom' ? bits | part.chars : bits), 0n);
}

/** Characters c for which `node` can match a string of c's only (the empty string included). */
function onlyRunOf(node: Node): bigint {
  switch (node.kind) {
    case 'atom':
      return node.chars;
    case 'empty':
      return ALL;
    case 'seq':
      return node.items.reduce((bits, item) => bits & onlyRunOf(item), ALL);
    case 'alt':
      return node.branches.reduce((bits, branch) => bits | onlyRunOf(branch), 0n);
    case 'group':
      // A lookaround matches no character: a run goes on through it ((?!x) ends no run of digits).
      return node.lookaround ? ALL : onlyRunOf(node.body);
    case 'repeat':
      return node.min === 0 ? ALL : onlyRunOf(node.body);
  }
}

/** Characters c for which `node` can match a non-empty string of c's only. */
function nonEmptyRunOf(node: Node): bigint {
  switch (node.kind) {
    case 'atom':
      return node.chars;
    case 'empty':
      return 0n;
    case 'seq':
      return onlyRunOf(node) & node.items.reduce((bits, item) => bits | nonEmptyRunOf(item), 0n);
    case 'alt':
      return node.branches.reduce((bits, branch) => bits | nonEmptyRunOf(branch), 0n);
    case 'group':
      return node.lookaround ? 0n : nonEmptyRunOf(node.body);
    case 'repeat':
      return node.max === 0 ? 0n : nonEmptyRunOf(node.body);
  }
}

/** The shortest and longest match of `node`, in characters (Infinity when unbounded). */
function lengths(node: Node): [number, number] {
  switch (node.kind) {
    case 'atom':
      return [1, 1];
    case 'empty':
      return [0, 0];
    case 'seq':
      return node.items.map(lengths).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    case 'alt': {
      const all = node.branches.map(lengths);
      return [Math.min(...all.map(([a]) => a)), Math.max(...all.map(([, b]) => b))];
    }
    case 'group':
      return node.lookaround ? [0, 0] : lengths(node.body);
    case 'repeat': {
      const [a, b] = lengths(node.body);
      return [a * node.min, node.max === 0 || b === 0 ? 0 : b * node.max];
    }
  }
}

/** How much more the longest branch of an alternation matches than the shortest (like (?:\d|) or (\d|\d\d)). */
function altRange(node: Alt): number {
  const [min, max] = lengths(node);
  return Math.min(WIDE, max - min);
}

/**
 * Characters c for which `node` can match runs of c's of more than one length, counting the repeats and
 * alternations `varies` says vary enough: widely for the polynomial check, at all for the narrow one.
 */
function runsOver(node: Node, varies: (part: Repeat | Alt) => boolean): bigint {
  switch (node.kind) {
    case 'atom':
    case 'empty':
      return 0n;
    case 'seq':
      return onlyRunOf(node) & node.items.reduce((bits, item) => bits | runsOver(item, varies), 0n);
    case 'alt':
      return node.branches.reduce(
        (bits, branch) => bits | runsOver(branch, varies),
        varies(node) ? nonEmptyRunOf(node) : 0n,
      );
    case 'group':
      // A lookaround matches no character; what its body costs is looked at where it stands (stretchesMeet).
      return node.lookaround ? 0n : runsOver(node.body, varies);
    case 'repeat':
      return (varies(node) ? nonEmptyRunOf(node.body) : 0n) | runsOver(node.body, varies);
  }
}

/** A repeat whose count can vary by WIDE or more: how long it is, is up to it. */
function wide(part: Repeat | Alt): boolean {
  return part.kind === 'repeat' && part.max - part.min >= WIDE;
}

/** A repeat or an alternation that can match more than one length, however few. */
function varying(part: Repeat | Alt): boolean {
  return part.kind === 'repeat' ? part.max > part.min : altRange(part) > 0;
}

/**
 * Characters c for which a wide stretch over a run of c's can sit at the start of `node` (or, `fromEnd`, at its
 * end) with only c's before it (after it) within `node`: what meets a stretch just before `node` (just after it).
 * `\d*(?:\d*x)` is `\d*\d*x` with a group around its tail, and `(?:x\d*)\d*` is `x\d*\d*`.
 */
function edgeStretch(node: Node, fromEnd: boolean): bigint {
  switch (node.kind) {
    case 'atom':
    case 'empty':
      return 0n;
    case 'seq': {
      let edge = 0n;
      let reach = ALL; // characters c for which the items passed so far can match c's only
      for (const item of fromEnd ? [...node.items].reverse() : node.items) {
        edge |= reach & edgeStretch(item, fromEnd);
        reach &= onlyRunOf(item);
        if (reach === 0n) break;
      }
      return edge;
    }
    case 'alt':
      return node.branches.reduce((bits, branch) => bits | edgeStretch(branch, fromEnd), 0n);
    case 'group':
      return node.lookaround ? 0n : edgeStretch(node.body, fromEnd);
    case 'repeat':
      if (node.max === 0) return 0n;
      return (wide(node) ? nonEmptyRunOf(node.body) : 0n) | edgeStretch(node.body, fromEnd);
  }
}

/** The characters the wide repeats anywhere inside `node` go over (what a lookaround's body may scan). */
function scannedBy(node: Node): bigint {
  return partsOf(node).reduce(
    (bits, part) => (part.kind === 'repeat' && wide(part) ? bits | charsWithin(part.body) : bits),
    0n,
  );
}

/** What the lookarounds anywhere in `node` (itself included, however nested) may scan each time they run. */
function lookaroundScans(node: Node): bigint {
  return partsOf(node).reduce(
    (bits, part) => (part.kind === 'group' && part.lookaround ? bits | scannedBy(part.body) : bits),
    0n,
  );
}

export function sequences(node: Node): Seq[] {
  switch (node.kind) {
    case 'seq':
      return [node, ...node.items.flatMap(sequences)];
    case 'alt':
      return node.branches.flatMap(sequences);
    case 'group':
    case 'repeat':
      return sequences(node.body);
    default:
      return [];
  }
}

/**
 * Whether two parts of `seq` that stretch over a run of the same character meet (polynomial backtracking).
 * A lookaround matches nothing and, once it has matched, is never gone back into, so it stretches nothing for
 * what follows; but it runs again at every place an earlier stretch can end, so its scan meets that stretch —
 * also when it sits inside a later part (`\d*(?:(?=\d*x)a)`, `\d*(?:\d(?=\d*x))`: counted wherever it is in the
 * part, which may refuse a safe pattern but misses none). With nothing stretching before it (at the start of a
 * pattern, `^(?=.*\d)[a-z\d]{8,64}$`) it runs once.
 */
export function stretchesMeet(seq: Seq): boolean {
  // Characters a run of which some earlier part may still be stretching over at this point of the sequence.
  let open = 0n;
  for (const item of seq.items) {
    if ((open & lookaroundScans(item)) !== 0n) return true;
    if (item.kind === 'group' && item.lookaround) continue;
    if ((open & edgeStretch(item, false)) !== 0n) return true;
    open = edgeStretch(item, true) | (open & onlyRunOf(item));
  }
  return false;
}

/** How many lengths `node` can take, roughly: the sum of its repeats' ranges (each counted up to WIDE). */
function slackOf(node: Node): number {
  switch (node.kind) {
    case 'atom':
    case 'empty':
      return 0;
    case 'seq':
      return node.items.reduce((sum, item) => sum + slackOf(item), 0);
    case 'alt':
      return Math.max(0, ...node.branches.map(slackOf)) + altRange(node);
    case 'group':
      return node.lookaround ? 0 : slackOf(node.body);
    case 'repeat':
      return Math.min(WIDE, node.max - node.min) + slackOf(node.body);
  }
}

/**
 * Whether many narrow repeats in a row over the same characters add up (like \d?\d?\d?… or \d{0,7}\d{0,7}…):
 * each alone is harmless, but a run of n characters can be split between k of them in about n^k ways.
 */
export function narrowStretchesAddUp(seq: Seq): boolean {
  let open = 0n;
  let slack = 0;
  let parts = 0;
  for (const item of seq.items) {
    const varies = runsOver(item, varying);
    if ((open & varies) !== 0n) {
      slack += slackOf(item);
      parts++;
      if (parts >= 2 && slack >= WIDE) return true;
      open &= onlyRunOf(item);
    } else if (varies !== 0n) {
      open = varies;
      slack = slackOf(item);
      parts = 1;
    } else {
      open &= onlyRunOf(item);
      if (open === 0n) {
        slack = 0;
        parts = 0;
      }
    }
  }
  return false;
}

/**
 * The fixed strings `node` stands for, as the characters in them and their shortest and longest length; null when
 * it is not made of fixed strings only. Fixed strings are atoms in a row, alternations of them (`ab|ba`), groups
 * of them however nested (`a(?:b)`) and fixed counts of them (`(?:ab){2}`); a lookaround or a variable count is not.
 */
function fixedStrings(node: Node): { chars: bigint; min: number; max: number } | null {
  switch (node.kind) {
    case 'atom':
      return { chars: node.chars, min: 1, max: 1 };
    case 'empty':
      return { chars: 0n, min: 0, max: 0 };
    case 'group':
      return node.lookaround ? null : fixedStrings(node.body);
    case 'repeat': {
      const body = node.min === node.max ? fixedStrings(node.body) : null;
      return body && { chars: body.chars, min: body.min * node.min, max: body.max * node.max };
    }
    case 'seq':
    case 'alt': {
      const parts = (node.kind === 'seq' ? node.items : node.branches).map(fixedStrings);
      if (parts.some((part) => part === null)) return null;
      const all = parts as { chars: bigint; min: number; max: number }[];
      const chars = all.reduce((bits, part) => bits | part.chars, 0n);
      return node.kind === 'seq'
        ? { chars, min: all.reduce((sum, p) => sum + p.min, 0), max: all.reduce((sum, p) => sum + p.max, 0) }
        : { chars, min: Math.min(...all.map((p) => p.min)), max: Math.max(...all.map((p) => p.max)) };
    }
  }
}

/**
 * A set of fixed strings seen as runs of one "character" (any of theirs): `ab` as one atom over {a, b} two long;
 * strings of different lengths (`ab|b`) as an alternation of the shortest and the longest, like `(\d\d|\d)`.
 */
function stringsAsRun(strings: { chars: bigint; min: number; max: number }): Node {
  const ofLength = (length: number): Node =>
    length === 0
      ? { kind: 'empty' }
      : length === 1
        ? { kind: 'atom', chars: strings.chars }
        : { kind: 'repeat', body: { kind: 'atom', chars: strings.chars }, min: length, max: length };
  return strings.min === strings.max
    ? ofLength(strings.min)
    : { kind: 'alt', branches: [ofLength(strings.min), ofLength(strings.max)] };
}

/**
 * `node` with the body of each repeat that is made of fixed strings only ((?:ab)*, (?:ab|ba)*, (?:a(?:b))*) turned
 * into a run over their characters, so (?:ab|ba)*(?:ab|ba)* is seen like [ab]*[ab]*.
 */
export function repeatedStringsAsAtoms(node: Node): Node {
  switch (node.kind) {
    case 'atom':
    case 'empty':
      return node;
    case 'seq':
      return { kind: 'seq', items: node.items.map(repeatedStringsAsAtoms) };
    case 'alt':
      return { kind: 'alt', branches: node.branches.map(repeatedStringsAsAtoms) };
    case 'group':
      return { ...node, body: repeatedStringsAsAtoms(node.body) };
    case 'repeat': {
      const strings = fixedStrings(node.body);
      return { ...node, body: strings ? stringsAsRun(strings) : repeatedStringsAsAtoms(node.body) };
    }
  }
}
