// One message in the channel list or a thread: author, time, ephemeral marker, blocks, reactions, replies.

import { renderAttachments, renderBlocks } from './blocks.js';
import { emoji, escapeHtml, mrkdwn } from './mrkdwn.js';

function author(d, m) {
  if (m.system) return { name: 'Slackbot', initials: 'SB', cls: 'avatar-slackbot' };
  if (m.bot) return { name: d.bot.name, initials: 'gc', cls: 'avatar-bot', app: true };
  const person = d.people.find((p) => p.id === m.user);
  const name = person?.realName ?? m.user;
  return {
    name,
    initials: name
      .split(' ')
      .map((w) => w[0])
      .join('')
      .slice(0, 2),
    cls: `avatar-${m.user}`,
  };
}

function timeOf(d, ts) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: d.timezone, hour: '2-digit', minute: '2-digit' }).format(
    new Date(Number(ts) * 1000),
  );
}

/** Files shared with a message: images drawn, others as a link. */
function filesHtml(files) {
  if (!Array.isArray(files) || files.length === 0) return '';
  return files
    .map(
      (f) =>
        `<figure class="shared-file" data-file="${escapeHtml(f.id)}"><figcaption>${escapeHtml(f.title ?? f.name ?? '')}</figcaption>${
          /\.(png|jpe?g|gif)$/i.test(f.name ?? '')
            ? `<img src="${escapeHtml(f.url)}" alt="${escapeHtml(f.title ?? '')}">`
            : `<a href="${escapeHtml(f.url)}" target="_blank" rel="noopener">${escapeHtml(f.name ?? 'file')}</a>`
        }</figure>`,
    )
    .join('');
}

/** One message (with its reactions, reply count and hover actions) as HTML; `me` is who is looking. */
export function messageHtml(d, m, reg, inThread, ctx, me) {
  const who = author(d, m);
  const replies = inThread ? [] : d.messages.filter((r) => r.channel === m.channel && r.threadTs === m.ts);
  const blocks = m.blocks?.length ? renderBlocks(m.blocks, ctx, reg) : `<div class="text">${mrkdwn(m.text, ctx)}</div>`;
  const reactions = m.reactions
    .map(
      (r) =>
        `<button class="reaction${r.users.includes(me) ? ' mine' : ''}" data-react="${escapeHtml(r.name)}" title="${escapeHtml(r.users.map((u) => ctx.nameOf(u)).join(', '))}">${emoji(r.name)} ${r.users.length}</button>`,
    )
    .join('');
  return `<div class="message${m.visibleTo ? ' ephemeral' : ''}" data-channel="${m.channel}" data-ts="${m.ts}">
    <div class="avatar ${who.cls}">${escapeHtml(who.initials)}</div>
    <div class="message-body">
      <div class="meta"><b>${escapeHtml(who.name)}</b>${who.app ? ' <span class="app-badge">APP</span>' : ''} <span class="time">${timeOf(d, m.ts)}</span>${m.edited ? ' <span class="edited">(edited)</span>' : ''}</div>
      ${m.visibleTo ? '<div class="only-you">👁 Only visible to you</div>' : ''}
      ${m.broadcast && !inThread ? '<div class="only-you">replied to a thread</div>' : ''}
      ${blocks}${renderAttachments(m.attachments, ctx, reg)}${filesHtml(m.files)}
      <div class="reactions">${reactions}</div>
      ${replies.length ? `<button class="replies" data-open-thread="${m.ts}">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</button>` : ''}
    </div>
    <div class="hover-actions">
      <button class="add-reaction" title="Add reaction">☺︎+</button>
      ${inThread || m.visibleTo ? '' : `<button data-open-thread="${m.threadTs ?? m.ts}" title="Reply in thread">💬</button>`}
    </div>
  </div>`;
}
