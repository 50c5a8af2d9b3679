/**
 * Text that came from outside (a remote's error body, a network error, an executor's report) is shown in Slack and
 * stored. A remote may echo what groundcrew sent it: its token in an "invalid credentials" message, the shared
 * secret in a debugging answer. Every place that relays such text passes it through redactSecrets first; so does
 * the logger, for every message and field it writes.
 */

export const REDACTED = '[redacted]';

/** Shorter values are not treated as secrets (they would match ordinary words). */
const MIN_SECRET_LENGTH = 6;

/** Credentials recognisable by their shape, whoever they belong to: Slack and GitHub tokens, bearer headers. */
const TOKEN_SHAPES = [
  /\bxox[abposre]-[A-Za-z0-9-]{6,}/g,
  /\bxapp-[A-Za-z0-9-]{6,}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{6,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{6,}/g,
  /\b(Bearer|token)\s+[A-Za-z0-9._~+/=-]{12,}/gi,
];

/** `text` with every known secret and every token-shaped string replaced by [redacted]. */
export function redactSecrets(text: string, secrets: Iterable<string | null | undefined> = []): string {
  const known = [...secrets]
    .filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of known) out = out.split(secret).join(REDACTED);
  for (const shape of TOKEN_SHAPES) {
    out = out.replace(shape, (_match, scheme: unknown) =>
      typeof scheme === 'string' ? `${scheme} ${REDACTED}` : REDACTED,
    );
  }
  return out;
}

/** Environment variables whose values are secrets: the Slack and GitHub credentials, and any *_TOKEN / *_SECRET. */
export function secretValues(env: Record<string, string | undefined>, team?: unknown): string[] {
  const values = Object.entries(env)
    .filter(([key]) => /(^|_)(TOKEN|SECRET|PASSWORD)$/.test(key))
    .map(([, value]) => value?.trim() ?? '');
  // groundcrew.yml carries webhook secrets (deploys.executors.*.secret, requests … webhook.secret).
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string' && /secret|token/i.test(key)) values.push(value);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(team, '');
  // Short values would blank out ordinary words; real tokens and secrets are long.
  return [...new Set(values.filter((value) => value.length >= 8))];
}
