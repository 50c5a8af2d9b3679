// The playground page: polls the stand-in's state, draws a Slack-like window, and sends what a person does.

import { actionFor, collectState } from './blocks.js';
import { renderActivity, renderMain, renderSidebar, renderThread, renderTop } from './draw.js';
import { renderModal } from './modal.js';
import { emoji, escapeHtml, mrkdwn } from './mrkdwn.js';
import { $, ctx, toast, ui } from './state.js';

const REACTIONS = ['+1', 'white_check_mark', 'eyes', 'tada', 'heart', 'rocket'];

// ---------- talking to the stand-in ----------

async function send(action, body) {
  let response;
  try {
    response = await fetch(`/playground/ui/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: ui.me, ...body }),
    });
  } catch {
    toast('groundcrew is not answering — is npm start still running?');
    return { ok: false, offline: true };
  }
  const result = await response.json().catch(() => ({}));
  if (result.error === 'playground_off') {
    playgroundOff(result.message);
    return { ok: false, offline: true };
  }
  if (!response.ok) toast(result.error ?? `failed (${response.status})`);
  return result;
}

async function pollLoop() {
  for (;;) {
    const controller = new AbortController();
    ui.poll = controller;
    try {
      const response = await fetch(`/playground/state?user=${ui.me}&since=${ui.version}&boot=${ui.boot ?? ''}`, {
        signal: controller.signal,
      });
      const data = await response.json();
      if (response.status === 410 || data.error === 'playground_off') return playgroundOff(data.message);
      setOffline(false);
      if (data.boot !== ui.boot && ui.boot) {
        // The process was restarted: a fresh pretend workspace (nothing persists), so forget what was drawn.
        ui.rendered = {};
        ui.thread = null;
        toast('groundcrew restarted: this is a fresh playground (nothing persists between runs).');
      }
      ui.boot = data.boot;
      if (data.me !== ui.me) continue;
      ui.data = data;
      ui.receivedAt = Date.now();
      ui.version = data.version;
      render();
    } catch (error) {
      if (error.name !== 'AbortError') {
        setOffline(true);
        ui.version = -1; // the next poll answers at once, so the page says it is back as soon as it is
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}

/**
 * groundcrew answers 410 `playground_off` when it runs for real (a tab left open from the playground): say so and
 * stop polling, instead of asking for the playground's state once a second forever.
 */
function playgroundOff(message) {
  const banner = $('#offline');
  banner.textContent = message || 'groundcrew is running for real now, not as the playground; this tab can be closed.';
  banner.hidden = false;
  document.body.classList.add('offline');
}

/** While the process is unreachable (stopped, restarting) the page says so, and keeps trying. */
function setOffline(offline) {
  const banner = $('#offline');
  if (banner.hidden !== offline) return;
  banner.hidden = !offline;
  document.body.classList.toggle('offline', offline);
}

function refreshNow() {
  ui.version = -1;
  ui.poll?.abort();
}

// ---------- rendering ----------

function render() {
  const d = ui.data;
  // Right after switching people the last state is still the previous person's: wait for theirs.
  if (!d || d.me !== ui.me) return;
  document.body.dataset.user = ui.me;
  renderTop(d);
  renderSidebar(d);
  renderMain(d);
  renderThread(d);
  renderActivity(d);
  const modalKey = JSON.stringify([d.modal?.id, d.modal?.hash, d.modal?.errors]);
  if (modalKey !== ui.rendered.modal) {
    ui.rendered.modal = modalKey;
    renderModal($('#modal-root'), d.modal, ctx(), { send, onAction: viewAction });
  }
}

// ---------- interaction ----------

function go(where) {
  ui.where = where;
  ui.thread = null;
  ui.rendered = { modal: ui.rendered.modal };
  localStorage.setItem('playground.where', where);
  if (where === 'home') void send('home', {});
  else if (where.startsWith('D')) void send('home', { tab: 'messages' });
  render();
}

function switchUser(userId) {
  ui.me = userId;
  ui.thread = null;
  ui.rendered = {};
  localStorage.setItem('playground.user', userId);
  refreshNow();
  if (ui.where === 'home') void send('home', {});
}

/** Slack mentions in what a person types: @groundcrew / @ada → <@U…>, #deploys → <#C…|deploys>, & < > escaped. */
function encodeTyped(text) {
  const d = ui.data;
  let out = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  out = out.replace(/@([a-z][\w.-]*)/gi, (all, name) => {
    const lower = name.toLowerCase();
    if (lower === d.bot.name) return `<@${d.bot.userId}>`;
    const person = d.people.find((p) => p.name === lower || p.realName.split(' ')[0].toLowerCase() === lower);
    return person ? `<@${person.id}>` : all;
  });
  return out.replace(/#([a-z][\w-]*)/g, (all, name) => {
    const channel = d.channels.find((c) => c.kind === 'channel' && c.name === name);
    return channel ? `<#${channel.id}|${name}>` : all;
  });
}

async function submitComposer(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  let result;
  if (text.startsWith('/') && !threadTs) {
    // The manifest has should_escape: false, so command text arrives as typed (no <@U…> conversion).
    result = await send('command', { channel: ui.where, text });
  } else if (text.startsWith('/')) {
    toast('Slash commands cannot be used in threads (like in Slack).');
    input.value = text;
  } else {
    result = await send('message', {
      channel: ui.where === 'home' ? ui.data.channels[0].id : ui.where,
      text: encodeTyped(text),
      ...(threadTs ? { threadTs } : {}),
    });
  }
  if (result?.offline && !input.value) input.value = text; // nothing was sent: keep what was typed
}

async function confirmIfNeeded(element) {
  if (!element.confirm) return true;
  return new Promise((resolve) => {
    const root = $('#confirm-root');
    const c = element.confirm;
    root.innerHTML = `<div class="overlay"><div class="dialog confirm"><h3>${escapeHtml(c.title?.text ?? 'Are you sure?')}</h3><p>${mrkdwn(c.text?.text ?? '', ctx())}</p>
      <div class="dialog-footer"><button class="btn" data-confirm="no">${escapeHtml(c.deny?.text ?? 'Cancel')}</button><button class="btn btn-${c.style === 'danger' ? 'danger' : 'primary'}" data-confirm="yes">${escapeHtml(c.confirm?.text ?? 'Yes')}</button></div></div></div>`;
    root.onclick = (event) => {
      const answer = event.target.closest('[data-confirm]')?.dataset.confirm;
      if (!answer) return;
      root.innerHTML = '';
      resolve(answer === 'yes');
    };
  });
}

/** An element in a message (or the Home tab) was clicked or changed: send block_actions from there. */
async function messageAction(node) {
  const reg = node.closest('#messages, #thread-messages')?.registry;
  const entry = reg?.[Number(node.dataset.el)];
  if (!entry) return;
  if (!(await confirmIfNeeded(entry.element))) return;
  if (entry.element.url) window.open(entry.element.url, '_blank', 'noopener');
  const action = actionFor(node, entry.element, entry.blockId);
  const home = node.closest('[data-view-id="home"]');
  if (home) {
    await send('action', { viewId: ui.data.homeId, action, values: collectState(home, reg) });
    return;
  }
  const message = node.closest('.message');
  await send('action', {
    channel: message.dataset.channel,
    ts: message.dataset.ts,
    action,
    values: collectState(message, reg),
  });
}

async function viewAction(viewId, node, entry, values) {
  if (!(await confirmIfNeeded(entry.element))) return;
  await send('action', { viewId, action: actionFor(node, entry.element, entry.blockId), values });
}

function wire() {
  $('#user').addEventListener('change', (e) => switchUser(e.target.value));
  $('#nav').addEventListener('click', (e) => {
    const target = e.target.closest('[data-where]');
    if (target) go(target.dataset.where);
  });
  for (const button of document.querySelectorAll('[data-advance]')) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      const result = await send('time', { ms: Number(button.dataset.advance) });
      button.disabled = false;
      if (result.summary) toast(result.summary);
    });
  }
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    void submitComposer($('#composer-input'));
  });
  $('#thread-composer').addEventListener('submit', (e) => {
    e.preventDefault();
    if (ui.thread) void submitComposer($('#thread-input'), ui.thread.ts);
  });
  $('#thread-close').addEventListener('click', () => {
    ui.thread = null;
    render();
  });
  const onMessageArea = (e) => {
    const open = e.target.closest('[data-open-thread]');
    const message = e.target.closest('.message');
    if (open && message) {
      ui.thread = { channel: message.dataset.channel, ts: open.dataset.openThread };
      ui.rendered.thread = null;
      render();
      return;
    }
    const reaction = e.target.closest('[data-react]');
    if (reaction && message) {
      void send('react', { channel: message.dataset.channel, ts: message.dataset.ts, name: reaction.dataset.react });
      $('#reaction-picker').hidden = true;
      return;
    }
    if (e.target.closest('.add-reaction') && message) {
      const picker = $('#reaction-picker');
      picker.innerHTML = REACTIONS.map((r) => `<button data-react="${r}">${emoji(r)}</button>`).join('');
      picker.dataset.channel = message.dataset.channel;
      picker.dataset.ts = message.dataset.ts;
      const rect = e.target.getBoundingClientRect();
      picker.style.top = `${rect.bottom + 4}px`;
      picker.style.left = `${Math.max(8, rect.right - 220)}px`;
      picker.hidden = false;
      return;
    }
    const channelLink = e.target.closest('[data-channel].channel-link');
    if (channelLink) return go(channelLink.dataset.channel);
    const el = e.target.closest('[data-el]');
    if (el && el.dataset.type === 'button') void messageAction(el);
  };
  $('#messages').addEventListener('click', onMessageArea);
  $('#thread-messages').addEventListener('click', onMessageArea);
  const onChange = (e) => {
    const el = e.target.closest('[data-el]');
    const input = el?.closest('.input-block');
    if (input && !input.dataset.dispatch) return; // input blocks only dispatch with dispatch_action
    if (el && el.dataset.type !== 'button') void messageAction(el);
  };
  $('#messages').addEventListener('change', onChange);
  $('#thread-messages').addEventListener('change', onChange);
  document.addEventListener('click', (e) => {
    if (!e.target.closest('#reaction-picker, .add-reaction')) $('#reaction-picker').hidden = true;
  });
  $('#reaction-picker').addEventListener('click', (e) => {
    const button = e.target.closest('[data-react]');
    const picker = $('#reaction-picker');
    if (button)
      void send('react', { channel: picker.dataset.channel, ts: picker.dataset.ts, name: button.dataset.react });
    picker.hidden = true;
  });
  $('#try').addEventListener('click', (e) => {
    const step = e.target.closest('[data-try]');
    if (!step) return;
    if (step.dataset.as && step.dataset.as !== ui.me) switchUser(step.dataset.as);
    if (step.dataset.go) go(step.dataset.go);
    if (step.dataset.type) {
      const input = $('#composer-input');
      input.value = step.dataset.type;
      input.focus();
    }
  });
}

wire();
void pollLoop();
setInterval(() => ui.data && renderTop(ui.data), 10_000);
