/**
 * Slack mrkdwn text with escaping as the default. Pure (no Slack client): services, models and the Slack
 * builders all use it; src/slack/mrkdwn.ts re-exports it next to the Block Kit helpers.
 */

declare const MRKDWN: unique symbol;
declare const TRUSTED: unique symbol;

/**
 * Text that is safe to show as Slack mrkdwn: built by the `mrkdwn` tag (which escapes what it interpolates), by
 * escapeMrkdwn(), or a mention of a well-formed id. A plain `string` is not one, so a Block Kit helper that takes
 * `Mrkdwn` (src/slack/mrkdwn.ts: section, context, …) refuses raw text at compile time. It is a string at run time.
 */
export type Mrkdwn = string & { readonly [MRKDWN]: true };

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): Mrkdwn {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') as Mrkdwn;
}

/** A piece of mrkdwn groundcrew wrote itself: the `mrkdwn` tag puts it in as it is. */
export class Trusted {
  /** Makes the type nominal (no run-time field): an object that merely has `text` is not Trusted. */
  declare readonly [TRUSTED]: true;
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Marks groundcrew's own mrkdwn (never people's or a remote system's text) for the `mrkdwn` tag. */
export const trusted = (text: string) => new Trusted(text);

const USER_ID = /^[UW][A-Z0-9]+$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]+$/;
const GROUP_ID = /^S[A-Z0-9]+$/;

/** `<sigil…>` for a well-formed id; anything else is shown as escaped text, so it cannot smuggle in other mrkdwn. */
function idMention(id: string, format: RegExp, open: string, plain: string): Mrkdwn {
  return format.test(id) ? (`<${open}${id}>` as Mrkdwn) : escapeMrkdwn(`${plain}${id}`);
}

export const userMention = (userId: string) => idMention(userId, USER_ID, '@', '@');
export const channelMention = (channelId: string) => idMention(channelId, CHANNEL_ID, '#', '#');
export const groupMention = (usergroupId: string) => idMention(usergroupId, GROUP_ID, '!subteam^', '@');
/** The same mentions as `Trusted`, for the `mrkdwn` tag. */
export const mention = (userId: string) => trusted(userMention(userId));
export const channelLink = (channelId: string) => trusted(channelMention(channelId));

/** An http(s) URL with nothing in it that could end Slack's `<url|label>` early or start another `<…>`. */
const LINKABLE = /^https?:\/\/[^\s<>|]+$/;

/**
 * `<url|label>` for a URL from anywhere (a webhook's answer, a remote run, config), with the label escaped. A URL
 * that is not plain http(s) or holds `<`, `>`, `|` or a space (`https://x><!channel>`) is shown as escaped text
 * instead, so it can neither ping anyone nor inject other mrkdwn.
 */
export function link(url: string, label: string = url): Trusted {
  if (LINKABLE.test(url)) return trusted(`<${url}|${escapeMrkdwn(label)}>`);
  return trusted(label === url ? escapeMrkdwn(url) : `${escapeMrkdwn(label)} (${escapeMrkdwn(url)})`);
}

/**
 * Builds mrkdwn with escaping as the default: every interpolated value is escaped (so `<!channel>`, `<@U…>`,
 * `<#C…>` and `<url|label>` in it show as text and ping nobody) unless it is `Trusted` — `mention(id)`,
 * `channelLink(id)`, `trusted(…)` for groundcrew's own markup. The literal parts are groundcrew's and stay as
 * written. Use it wherever a message takes text someone typed or a remote system sent.
 */
export function mrkdwn<const V extends unknown[]>(
  strings: TemplateStringsArray,
  ...values: { [K in keyof V]: Interpolated<V[K]> }
): Mrkdwn {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += value instanceof Trusted ? value.text : escapeMrkdwn(String(value ?? ''));
    out += strings[i + 1] ?? '';
  });
  return out as Mrkdwn;
}

/**
 * What the `mrkdwn` tag takes: anything, except text that is already mrkdwn — it would be escaped a second time
 * (mentions shown as `<@U…>` text, `&amp;lt;`). Put such text in with `trusted(…)`, a mention with `mention(id)`.
 */
type Interpolated<T> = T extends Mrkdwn ? Trusted : T;

/** Joins mrkdwn pieces (groundcrew's own separator) into one. */
export function joinMrkdwn(parts: readonly Mrkdwn[], separator = '\n'): Mrkdwn {
  return parts.join(separator) as Mrkdwn;
}
