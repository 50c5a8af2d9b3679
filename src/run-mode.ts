/** The Slack variables whose absence (all of them) means "no workspace yet: open the playground". */
export const SLACK_VARIABLES = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const;

/**
 * Playground mode: `--playground` on the command line, or none of the Slack variables set (blank counts as unset).
 * Some but not all set is a half-configured production install: that is NOT a playground; normal start-up then
 * fails naming what is missing.
 */
export function wantsPlayground(argv: readonly string[], env: Record<string, string | undefined>): boolean {
  if (argv.includes('--playground')) return true;
  return SLACK_VARIABLES.every((name) => (env[name] ?? '').trim() === '');
}
