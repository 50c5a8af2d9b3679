// Drawing the window from the state: top bar, sidebar, the open channel (or Home tab), thread pane, activity log.

import { renderBlocks } from './blocks.js';
import { messageHtml } from './messages.js';
import { escapeHtml } from './mrkdwn.js';
import { $, ctx, ui } from './state.js';

export function renderTop(d) {
  // The app's clock flows with real time between jumps: extrapolate from when this state arrived.
  const now = new Date(new Date(d.now).getTime() + (Date.now() - ui.receivedAt));
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone: d.timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(now);
  $('#clock').textContent = `${clock} (${d.timezone})`;
  const select = $('#user');
  if (!select.options.length) {
    select.innerHTML = d.people
      .map((p) => `<option value="${p.id}">${escapeHtml(p.realName)} — ${escapeHtml(p.role)}</option>`)
      .join('');
  }
  select.value = ui.me;
  const nextJob = d.jobs.filter((j) => j.nextRun).sort((a, b) => a.nextRun.localeCompare(b.nextRun))[0];
  $('#jobs').textContent = nextJob ? `next job: ${nextJob.name}` : '';
}

export function visibleIn(d, channel) {
  return d.messages.filter((m) => m.channel === channel);
}

export function renderSidebar(d) {
  const item = (id, label, kind) => {
    const latest = visibleIn(d, id).at(-1)?.ts ?? '0';
    const unread = id !== ui.where && latest > (ui.seen[`${ui.me}:${id}`] ?? '0');
    return `<li><button class="nav${ui.where === id ? ' active' : ''}${unread ? ' unread' : ''}" data-where="${id}" data-kind="${kind}">${label}</button></li>`;
  };
  const channels = d.channels.filter((c) => c.kind === 'channel');
  const dm = d.channels.find((c) => c.kind === 'dm');
  const html = `
    <h2>Channels</h2><ul>${channels.map((c) => item(c.id, `# ${escapeHtml(c.name)}`, 'channel')).join('')}</ul>
    <h2>Direct messages</h2><ul>${item(dm.id, `<span class="dot"></span> ${escapeHtml(d.bot.name)}`, 'dm')}</ul>
    <h2>Apps</h2><ul>${item('home', '🏠 groundcrew — Home', 'home')}</ul>`;
  if (html !== ui.rendered.sidebar) {
    ui.rendered.sidebar = html;
    $('#nav').innerHTML = html;
  }
}

export function renderMain(d) {
  const root = $('#messages');
  const header = $('#channel-header');
  const composer = $('#composer');
  if (ui.where === 'home') {
    header.innerHTML = '<b>🏠 groundcrew</b> <span class="topic">Home tab — published with views.publish</span>';
    composer.hidden = true;
    const key = JSON.stringify(['home', d.home]);
    if (key === ui.rendered.main) return;
    ui.rendered.main = key;
    const reg = [];
    root.innerHTML = d.home
      ? `<div class="home" data-view-id="home">${renderBlocks(d.home.blocks, ctx(), reg, { inputs: true })}</div>`
      : '<div class="empty">Opening the Home tab… (the app publishes it when it receives app_home_opened)</div>';
    root.registry = reg;
    return;
  }
  composer.hidden = false;
  // Another person's DM id (after switching people) means this person's own DM with groundcrew.
  const channel =
    d.channels.find((c) => c.id === ui.where) ??
    (ui.where.startsWith('D') ? d.channels.find((c) => c.kind === 'dm') : undefined) ??
    d.channels[0];
  ui.where = channel.id;
  header.innerHTML = `<b>${channel.kind === 'dm' ? '@' : '#'} ${escapeHtml(channel.name)}</b> <span class="topic">${escapeHtml(channel.topic)}</span>`;
  $('#composer-input').placeholder =
    channel.kind === 'dm' ? `Message ${channel.name}` : `Message #${channel.name} — or type /platform help`;
  const list = visibleIn(d, channel.id).filter((m) => !m.threadTs || m.broadcast);
  ui.seen[`${ui.me}:${channel.id}`] = visibleIn(d, channel.id).at(-1)?.ts ?? '0';
  localStorage.setItem('playground.seen', JSON.stringify(ui.seen));
  const key = JSON.stringify([
    channel.id,
    list,
    d.messages.filter((m) => m.channel === channel.id && m.threadTs).length,
  ]);
  if (key === ui.rendered.main) return;
  ui.rendered.main = key;
  const reg = [];
  const atBottom = root.scrollHeight - root.scrollTop - root.clientHeight < 80;
  const day = (m) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: d.timezone, weekday: 'long', day: 'numeric', month: 'long' }).format(
      new Date(Number(m.ts) * 1000),
    );
  // A divider where the day changes (after +1 day), as Slack does; none above the first message.
  root.innerHTML =
    list
      .map((m, i) => {
        const divider =
          i > 0 && day(m) !== day(list[i - 1])
            ? `<div class="day-divider"><span class="day">${day(m)}</span></div>`
            : '';
        return divider + messageHtml(d, m, reg, false, ctx(), ui.me);
      })
      .join('') || '<div class="empty">No messages yet.</div>';
  root.registry = reg;
  if (atBottom || !ui.rendered.scrolled) root.scrollTop = root.scrollHeight;
  ui.rendered.scrolled = true;
}

export function renderThread(d) {
  const pane = $('#thread');
  const parent = ui.thread && d.messages.find((m) => m.channel === ui.thread.channel && m.ts === ui.thread.ts);
  pane.hidden = !parent;
  if (!parent) return;
  const replies = d.messages.filter((m) => m.channel === parent.channel && m.threadTs === parent.ts);
  const key = JSON.stringify([parent, replies]);
  if (key === ui.rendered.thread) return;
  ui.rendered.thread = key;
  const reg = [];
  const body = $('#thread-messages');
  body.innerHTML = `${messageHtml(d, parent, reg, true, ctx(), ui.me)}<div class="thread-divider">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div>${replies.map((m) => messageHtml(d, m, reg, true, ctx(), ui.me)).join('')}`;
  body.registry = reg;
}

export function renderActivity(d) {
  const html = d.log
    .slice(-40)
    .reverse()
    .map(
      (e) =>
        `<li class="${e.direction === 'slack→app' || e.direction === 'demo→app' ? 'in' : 'out'}" title="${escapeHtml(e.detail ?? '')}"><span>${e.direction}</span> ${escapeHtml(e.what)}</li>`,
    )
    .join('');
  if (html !== ui.rendered.log) {
    ui.rendered.log = html;
    $('#activity').innerHTML = html;
  }
}
