/**
 * Import rules for src/ (docs/architecture.md, "Dependency rules"); test/architecture.test.ts runs them.
 * Run by hand: npx depcruise src --config .dependency-cruiser.cjs
 */
const INFRA = '(^|/)node_modules/(@slack|drizzle-orm|node-cron|better-sqlite3)/';
const SLACK_FOLDER = '(^|/)slack/';
/** Product code: src/, or its stand-in under test/architecture/planted/src/ where the playground rules are broken on purpose. */
const PRODUCT = '^(test/architecture/planted/)?src/';
/** The pure parts of a model too large for one model.ts (docs/architecture.md, "File roles"). */
const PURE_PARTS =
  '(^|/)(support/(business-time|escalation-rules|intake|figures|search|rows)|surveys/(pacing|trend-chart|working-time)|communities/(rule|time|recurrence|ics)|deploys/time|requests/(regex-safety|regex-runs))\\.ts$';

/**
 * The named parts of a large service (docs/architecture.md, "File roles", the `<part>.ts` next to service.ts row):
 * same rules as a service.ts.
 */
const SERVICE_PARTS =
  '(^|/)(deploys/(lifecycle|runs|guardrails|freezes|approval-steps)|approvals/resolution|requests/(fulfilment|validate|stats|form)|support/(escalation|knowledge|docs-index|opening|replies)|surveys/(sending|results|audience|micro-pulse)|communities/(occurrences|rsvps|leads|announcements|deliveries|next-office-hours))\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycle, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'model-is-pure',
      severity: 'error',
      comment: 'A model.ts holds types and pure rules: no Slack, drizzle, node-cron, better-sqlite3 or slack/ folder.',
      from: { path: '(^|/)model\\.ts$' },
      to: { path: [INFRA, SLACK_FOLDER] },
    },
    {
      name: 'pure-part-is-pure',
      severity: 'error',
      comment: 'A pure part of a model (business-time.ts, rule.ts, …) keeps the rules of a model.ts.',
      from: { path: PURE_PARTS },
      to: { path: [INFRA, SLACK_FOLDER] },
    },
    {
      name: 'service-knows-no-slack',
      severity: 'error',
      comment:
        'A service.ts, and each named part of one (leads.ts, lifecycle.ts, …), talks to people through a port (ports.ts), never to Slack directly.',
      from: { path: ['(^|/)service\\.ts$', SERVICE_PARTS] },
      to: { path: ['(^|/)node_modules/@slack/', SLACK_FOLDER] },
    },
    {
      name: 'playground-through-its-entry',
      severity: 'error',
      comment: 'The product reaches the playground only through main.ts importing src/playground/index.ts.',
      from: { path: PRODUCT, pathNot: [`${PRODUCT}playground/`, `${PRODUCT}main\\.ts$`] },
      to: { path: `${PRODUCT}playground/` },
    },
    {
      name: 'main-uses-the-playground-entry',
      severity: 'error',
      comment: 'main.ts imports only the playground entry (src/playground/index.ts).',
      from: { path: `${PRODUCT}main\\.ts$` },
      to: { path: `${PRODUCT}playground/`, pathNot: `${PRODUCT}playground/index\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/playground/page/' },
  },
};
