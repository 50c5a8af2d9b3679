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
      return onlyRunOf(node.body);
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
      return nonEmptyRunOf(node.body);
    case 'repeat':
      return node.max === 0 ? 0n : nonEmptyRunOf(node.body);
  }
}

/** Characters c for which `node` can match runs of c's of widely varying length (how long is up to it). */
function stretchesOver(node: Node): bigint {
  switch (node.kind) {
    case 'atom':
    case 'empty':
      return 0n;
    case 'seq':
      return onlyRunOf(node) & node.items.reduce((bits, item) => bits | stretchesOver(item), 0n);
    case 'alt':
      return node.branches.reduce((bits, branch) => bits | stretchesOver(branch), 0n);
    case 'group':
      return stretchesOver(node.body);
    case 'repeat':
      return node.max - node.min >= WIDE
        ? nonEmptyRunOf(node.body) | stretchesOver(node.body)
        : stretchesOver(node.body);
  }
}

export function sequences(node: Node): Extract<Node, { kind: 'seq' }>[] {
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

/** Whether two parts of `seq` that stretch over a run of the same character meet (polynomial backtracking). */
export function stretchesMeet(seq: Extract<Node, { kind: 'seq' }>): boolean {
  // Characters a run of which some earlier part may still be stretching over at this point of the sequence.
  let open = 0n;
  for (const item of seq.items) {
    const stretch = stretchesOver(item);
    if ((open & stretch) !== 0n) return true;
    open = stretch | (open & onlyRunOf(item));
  }
  return false;
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
      return lengths(node.body);
    case 'repeat': {
      const [a, b] = lengths(node.body);
      return [a * node.min, node.max === 0 || b === 0 ? 0 : b * node.max];
    }
  }
}

/** How much more the longest branch of an alternation matches than the shortest (like (?:\d|) or (\d|\d\d)). */
function altRange(node: Extract<Node, { kind: 'alt' }>): number {
  const [min, max] = lengths(node);
  return Math.min(WIDE, max - min);
}

/** Characters c for which `node` can match runs of c's of more than one length (any variation, however small). */
function variesOver(node: Node): bigint {
  switch (node.kind) {
    case 'atom':
    case 'empty':
      return 0n;
    case 'seq':
      return onlyRunOf(node) & node.items.reduce((bits, item) => bits | variesOver(item), 0n);
    case 'alt':
      return node.branches.reduce(
        (bits, branch) => bits | variesOver(branch),
        altRange(node) > 0 ? nonEmptyRunOf(node) : 0n,
      );
    case 'group':
      return variesOver(node.body);
    case 'repeat':
      return node.max > node.min ? nonEmptyRunOf(node.body) | variesOver(node.body) : variesOver(node.body);
  }
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
      return slackOf(node.body);
    case 'repeat':
      return Math.min(WIDE, node.max - node.min) + slackOf(node.body);
  }
}

/**
 * Whether many narrow repeats in a row over the same characters add up (like \d?\d?\d?… or \d{0,7}\d{0,7}…):
 * each alone is harmless, but a run of n characters can be split between k of them in about n^k ways.
 */
export function narrowStretchesAddUp(seq: Extract<Node, { kind: 'seq' }>): boolean {
  let open = 0n;
  let slack = 0;
  let parts = 0;
  for (const item of seq.items) {
    const varies = variesOver(item);
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

/** `node` with each repeated fixed string (the body of a repeat made of atoms only) turned into one atom. */
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
      return { kind: 'group', body: repeatedStringsAsAtoms(node.body) };
    case 'repeat':
      return { ...node, body: stringAsAtom(node.body) };
  }
}

function stringAsAtom(node: Node): Node {
  if (node.kind === 'group') return { kind: 'group', body: stringAsAtom(node.body) };
  if (node.kind === 'seq' && node.items.length > 1 && node.items.every((item) => item.kind === 'atom')) {
    return {
      kind: 'atom',
      chars: node.items.reduce((bits, item) => bits | (item.kind === 'atom' ? item.chars : 0n), 0n),
    };
  }
  return repeatedStringsAsAtoms(node);
}
