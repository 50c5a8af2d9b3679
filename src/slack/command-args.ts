/**
 * Argument parsing for `/platform …` text: shell-like quoting ("…", '…', and the curly quotes Slack clients
 * substitute), `--flag value`, `--flag=value` and bare `--flag` booleans. Pure: no Slack types.
 */
export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

export class ArgsError extends Error {}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '’': '’' };

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let closing: string | null = null;
  for (const char of text) {
    if (closing) {
      if (char === closing || (closing === '”' && char === '“') || (closing === '"' && char === '”')) {
        closing = null;
      } else {
        current += char;
      }
      continue;
    }
    if (char in QUOTES) {
      closing = QUOTES[char] ?? null;
      inToken = true;
      continue;
    }
    if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
      continue;
    }
    current += char;
    inToken = true;
  }
  if (closing) throw new ArgsError('a quote is not closed — close it, e.g. --reason "db migration"');
  if (inToken) tokens.push(current);
  return tokens;
}

/** `booleanFlags` never take a value (`--dry-run api staging` keeps `api` positional). */
export function parseArgs(text: string, booleanFlags: readonly string[] = []): ParsedArgs {
  const tokens = tokenize(text);
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    // Slack's clients turn `--` into an em dash; accept it.
    const normalized = token.replace(/^[—–]/, '--');
    if (!normalized.startsWith('--') || normalized === '--') {
      positional.push(token);
      continue;
    }
    const body = normalized.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags[body.slice(0, eq).toLowerCase()] = body.slice(eq + 1);
      continue;
    }
    const name = body.toLowerCase();
    const next = tokens[i + 1];
    if (!booleanFlags.includes(name) && next !== undefined && !/^(--|[—–])/.test(next)) {
      flags[name] = next;
      i++;
    } else {
      flags[name] = true;
    }
  }
  return { positional, flags };
}

/** The value of a flag that needs one, or an explanation if it was given bare. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw new ArgsError(`--${name} needs a value, e.g. --${name} "…"`);
  return value;
}

/**
 * Refuses flags a command does not know, naming the nearest, so a typo (`--dryrun`) can never turn a dry run
 * into the real thing.
 */
export function onlyFlags(args: ParsedArgs, known: readonly string[]): void {
  for (const flag of Object.keys(args.flags)) {
    if (known.includes(flag)) continue;
    const near = closestMatch(flag, known);
    const offer = known.length ? ` It takes ${known.map((k) => `--${k}`).join(', ')}.` : ' It takes no flags.';
    throw new ArgsError(`Unknown flag --${flag}${near ? ` — did you mean --${near}?` : '.'}${offer} Nothing was done.`);
  }
}

/** Damerau-free Levenshtein distance; small inputs only (command names). */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The candidate nearest to `input`, if it is close enough to be a plausible typo. */
export function closestMatch(input: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(input) && input.length >= 2 ? 0.5 : editDistance(input, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor((best?.length ?? 0) / 3));
  return best !== null && bestDistance <= limit ? best : null;
}
