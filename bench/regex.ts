/**
 * `npm run bench:regex`: how long request-field patterns take on hostile answers. Each pattern the ReDoS check
 * (src/requests/regex-safety.ts) accepts is run on answers of PATTERN_ANSWER_MAX characters built to make a
 * backtracking engine work hard: long runs of one character, or of a short string, that the pattern can match,
 * ending in a character that makes the match fail at the last moment. The slowest answer counts; the goal is that
 * every accepted pattern stays under GOAL_MS. The refused shapes the tests name are run on short answers for
 * comparison, to show why they are refused. Not part of `npm test`: timings belong here, not in a test.
 */
import { catastrophicBacktracking } from '../src/requests/regex-safety.js';
import { PATTERN_ANSWER_MAX } from '../src/requests/validate.js';

const GOAL_MS = Number(process.env.BENCH_REGEX_GOAL_MS ?? 50);
/** Runs per answer for the accepted patterns (the fastest counts); the refused ones run once. */
const RUNS_ACCEPTED = Number(process.env.BENCH_REGEX_RUNS ?? 3);
let RUNS = RUNS_ACCEPTED;

const ACCEPTED = [
  '^[a-z][a-z0-9-]{2,30}$',
  '^secret/data/[a-z0-9/_-]+$',
  '^[a-z0-9]+(-[a-z0-9]+)*$',
  '^([a-z0-9]+-)*[a-z0-9]+$',
  '^(\\d{1,3}\\.){3}\\d{1,3}$',
  '^(foo|bar)+$',
  '^\\d+\\.\\d+$',
  '^[A-Z]{2,4}-?\\d{1,6}$',
  '^\\d+(\\.\\d+)*x$',
  '^\\w+\\s\\w+$',
  '^(?=.*\\d)[a-z\\d]{8,64}$',
  '(?=.*\\d)[a-z\\d]{8,64}$',
  '^(?=.*[A-Z])(?=.*\\d)[A-Za-z\\d!?]{8,64}$',
  '^(?!.*--)[a-z0-9-]{3,40}$',
  '^(?:ab|cd)*x$',
];

/** Refused shapes, with the answer length they are run on (kept short: they are slow). */
const REFUSED: [string, number][] = [
  ['(?:ab|ba)*(?:ab|ba)*(?:ab|ba)*$', 200],
  ['(?:a(?:b))*(?:a(?:b))*(?:a(?:b))*$', 400],
  ['\\d*(?!x)\\d*(?!x)\\d*x', 300],
  ['\\d*(?=\\d*x)\\d', 1000],
  ['^\\d*\\d*\\d*x$', 1000],
];

/** Units a hostile answer repeats: single characters and short strings of the kinds patterns are written for. */
const UNITS = ['a', 'A', '1', '-', '.', ' ', '_', '/', 'ab', 'ba', 'a1', 'a-', '1.', 'foo', 'bar', 'cd', 'a1A'];
const ENDINGS = ['!', '\u0000', '--', ''];

function answers(length: number): string[] {
  const out: string[] = [];
  for (const unit of UNITS) {
    for (const ending of ENDINGS) {
      const body = unit.repeat(Math.ceil(length / unit.length)).slice(0, length - ending.length);
      out.push(body + ending);
    }
  }
  return out;
}

function slowest(pattern: string, length: number): { ms: number; answer: string } {
  const re = new RegExp(pattern);
  let worst = { ms: 0, answer: '' };
  for (const answer of answers(length)) {
    // The fastest of a few runs: a pause of the machine (GC, other work) is not the pattern's cost.
    let ms = Infinity;
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      re.test(answer);
      ms = Math.min(ms, performance.now() - started);
    }
    if (ms > worst.ms) worst = { ms, answer };
  }
  return worst;
}

const show = (answer: string) =>
  JSON.stringify(answer.length > 12 ? `${answer.slice(0, 6)}…${answer.slice(-4)}` : answer);

let misses = 0;
console.log(`accepted patterns, answers of ${PATTERN_ANSWER_MAX} characters (goal: under ${GOAL_MS} ms each)`);
for (const pattern of ACCEPTED) {
  const refused = catastrophicBacktracking(pattern);
  if (refused) {
    console.log(`  REFUSED ${pattern}: ${refused}`);
    misses++;
    continue;
  }
  const { ms, answer } = slowest(pattern, PATTERN_ANSWER_MAX);
  const pass = ms < GOAL_MS;
  if (!pass) misses++;
  console.log(`  ${pass ? 'PASS' : 'MISS'} ${ms.toFixed(3).padStart(9)} ms  ${pattern}  (slowest: ${show(answer)})`);
}
console.log('refused shapes, for comparison');
RUNS = 1;
for (const [pattern, length] of REFUSED) {
  const refused = catastrophicBacktracking(pattern) !== null;
  const { ms, answer } = slowest(pattern, length);
  console.log(
    `  ${refused ? 'refused' : 'ACCEPTED'} ${ms.toFixed(0).padStart(7)} ms on ${length} characters  ${pattern}  (${show(answer)})`,
  );
  if (!refused) misses++;
}
process.exitCode = misses === 0 ? 0 : 1;
