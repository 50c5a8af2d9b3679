// Slack mrkdwn → HTML for the playground page: links, mentions, dates, bold/italic/strike, code, quotes, emoji.

const EMOJI = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  rocket: '🚀',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  lock: '🔒',
  unlock: '🔓',
  key: '🔑',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  snowflake: '❄️',
  ice_cube: '🧊',
  wave: '👋',
  tada: '🎉',
  eyes: '👀',
  thumbsup: '👍',
  '+1': '👍',
  thumbsdown: '👎',
  '-1': '👎',
  heart: '❤️',
  bell: '🔔',
  memo: '📝',
  clipboard: '📋',
  inbox_tray: '📥',
  package: '📦',
  gear: '⚙️',
  stopwatch: '⏱️',
  alarm_clock: '⏰',
  rewind: '⏪',
  arrows_counterclockwise: '🔄',
  information_source: 'ℹ️',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  red_circle: '🔴',
  white_circle: '⚪',
  black_circle: '⚫',
  large_blue_circle: '🔵',
  construction: '🚧',
  fire: '🔥',
  sos: '🆘',
  raising_hand: '🙋',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  calendar: '📅',
  spiral_calendar_pad: '🗓️',
  mag: '🔍',
  link: '🔗',
  pushpin: '📌',
  question: '❓',
  exclamation: '❗',
  speech_balloon: '💬',
  star: '⭐',
  zap: '⚡',
  hammer_and_wrench: '🛠️',
  ship: '🚢',
  checkered_flag: '🏁',
  stop_sign: '🛑',
  no_bell: '🔕',
  arrow_right: '➡️',
  door: '🚪',
  bar_chart: '📊',
  chart_with_upwards_trend: '📈',
  robot_face: '🤖',
  raised_hand: '✋',
  rotating_light: '🚨',
  sunny: '☀️',
  hand: '✋',
  wrench: '🔧',
  hammer: '🔨',
  heavy_multiplication_x: '✖️',
  large_orange_circle: '🟠',
  new: '🆕',
  ok: '🆗',
  point_right: '👉',
  thinking_face: '🤔',
  sparkles: '✨',
  scroll: '📜',
  file_folder: '📁',
  card_index: '📇',
  person_in_lotus_position: '🧘',
  hourglass_done: '⌛',
  x_circle: '❌',
  bookmark_tabs: '📑',
  timer_clock: '⏲️',
  ticket: '🎫',
  incoming_envelope: '📨',
  outbox_tray: '📤',
  heavy_plus_sign: '➕',
  mailbox: '📫',
  trophy: '🏆',
  boom: '💥',
  skull: '💀',
  globe_with_meridians: '🌐',
  lock_with_ink_pen: '🔏',
  closed_lock_with_key: '🔐',
};

export function emoji(name) {
  return EMOJI[name] ?? `:${name}:`;
}

export function escapeHtml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

function parts(date, timezone) {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    weekday: 'long',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const out = {};
  for (const p of fmt.formatToParts(date)) out[p.type] = p.value;
  return out;
}

function dayKey(date, timezone) {
  const p = parts(date, timezone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Slack's `<!date^seconds^format|fallback>` tokens, rendered in the team time zone against the playground clock. */
export function formatSlackDate(seconds, format, ctx) {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return null;
  const tz = ctx.timezone || 'UTC';
  const p = parts(date, tz);
  const monthShort = p.month.slice(0, 3);
  const dateLong = `${p.weekday}, ${p.month} ${ordinal(Number(p.day))}, ${p.year}`;
  const dateMedium = `${p.month} ${ordinal(Number(p.day))}, ${p.year}`;
  const dateShort = `${monthShort} ${Number(p.day)}, ${p.year}`;
  const now = ctx.now ? new Date(ctx.now) : new Date();
  const pretty = (fallback) => {
    const key = dayKey(date, tz);
    if (key === dayKey(now, tz)) return 'today';
    if (key === dayKey(new Date(now.getTime() - 86_400_000), tz)) return 'yesterday';
    if (key === dayKey(new Date(now.getTime() + 86_400_000), tz)) return 'tomorrow';
    return fallback;
  };
  const ago = () => {
    const diff = Math.round((now.getTime() - date.getTime()) / 60_000);
    const abs = Math.abs(diff);
    const text =
      abs < 1
        ? 'just now'
        : abs < 60
          ? `${abs} minute${abs === 1 ? '' : 's'}`
          : abs < 1440
            ? `${Math.round(abs / 60)} hours`
            : `${Math.round(abs / 1440)} days`;
    if (text === 'just now') return text;
    return diff >= 0 ? `${text} ago` : `in ${text}`;
  };
  const numericDate = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(date);
  const tokens = {
    date_num: numericDate,
    date: dateMedium,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: pretty(dateMedium),
    date_short_pretty: pretty(dateShort),
    date_long_pretty: pretty(dateLong),
    time: `${p.hour}:${p.minute}`,
    time_secs: `${p.hour}:${p.minute}:${p.second}`,
    day_divider_pretty: pretty(dateLong),
    ago: ago(),
  };
  return format.replace(/\{(\w+)\}/g, (all, name) => tokens[name] ?? all);
}

function angleToken(inner, ctx) {
  const [target, label] = splitOnce(inner, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention" data-user="${escapeHtml(id)}">@${escapeHtml(label || ctx.nameOf(id))}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention channel-link" data-channel="${escapeHtml(id)}">#${escapeHtml(label || ctx.channelName(id))}</span>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    return `<span class="mention">${escapeHtml(label || (id === 'S0PLATFORM' ? '@platform-team' : `@${id}`))}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, seconds, format, link] = target.split('^');
    const text = formatSlackDate(Number(seconds), format ?? '{date_short_pretty} {time}', ctx);
    const shown = escapeHtml(text ?? label ?? '');
    const title = escapeHtml(label ?? '');
    return link
      ? `<a href="${escapeHtml(link)}" target="_blank" rel="noopener" title="${title}">${shown}</a>`
      : `<time title="${title}">${shown}</time>`;
  }
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(label || target.slice(1))}</span>`;
  const href = /^(https?:|mailto:|\/)/.test(target) ? target : '#';
  return `<a href="${escapeHtml(unescapeSlack(href))}" target="_blank" rel="noopener">${escapeHtml(unescapeSlack(label || target))}</a>`;
}

function splitOnce(text, sep) {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}

/**
 * Renders Slack mrkdwn to HTML. `ctx` gives names for mentions (`nameOf`, `channelName`) and the clock
 * (`now`, `timezone`) for date tokens.
 */
export function mrkdwn(text, ctx) {
  const held = [];
  const hold = (html) => {
    held.push(html);
    return `\u0001${held.length - 1}\u0001`;
  };
  let s = String(text ?? '');
  s = s.replace(/```([\s\S]*?)```/g, (_all, code) =>
    hold(`<pre>${escapeHtml(unescapeSlack(code.replace(/^\n/, '')))}</pre>`),
  );
  s = s.replace(/`([^`\n]+)`/g, (_all, code) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_all, inner) => hold(angleToken(inner, ctx)));
  s = escapeHtml(unescapeSlack(s));
  const edge = '(^|[\\s(\\u0001>_~*])';
  const end = '(?=$|[\\s).,!?:;\\u0001<_~*\'"-])';
  s = s.replace(new RegExp(`${edge}\\*(\\S(?:[^*\\n]*?\\S)?)\\*${end}`, 'g'), '$1<b>$2</b>');
  s = s.replace(new RegExp(`${edge}_(\\S(?:[^_\\n]*?\\S)?)_${end}`, 'g'), '$1<i>$2</i>');
  s = s.replace(new RegExp(`${edge}~(\\S(?:[^~\\n]*?\\S)?)~${end}`, 'g'), '$1<s>$2</s>');
  s = s.replace(/:([a-z0-9_+-]+):/g, (all, name) => (EMOJI[name] ? EMOJI[name] : all));
  s = s
    .split('\n')
    .map((line) =>
      line.startsWith('&gt; ') || line === '&gt;' ? `<blockquote>${line.replace(/^&gt; ?/, '')}</blockquote>` : line,
    )
    .join('\n')
    .replace(/<\/blockquote>\n<blockquote>/g, '<br>')
    .replace(/\n/g, '<br>');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: \u0001 marks held-out fragments
  return s.replace(/\u0001(\d+)\u0001/g, (_all, i) => held[Number(i)]);
}

/** A text object (`plain_text` or `mrkdwn`) → HTML. */
export function textObject(obj, ctx) {
  if (!obj) return '';
  if (typeof obj === 'string') return mrkdwn(obj, ctx);
  if (obj.type === 'plain_text') {
    const plain = escapeHtml(obj.text ?? '');
    return obj.emoji === false
      ? plain
      : plain.replace(/:([a-z0-9_+-]+):/g, (all, name) => (EMOJI[name] ? EMOJI[name] : all));
  }
  return mrkdwn(obj.text ?? '', ctx);
}
