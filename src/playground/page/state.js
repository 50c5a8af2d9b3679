// What the page knows: who is looking, where, the last state from the stand-in, and what is already drawn.

export const $ = (selector) => document.querySelector(selector);

export const ui = {
  me: localStorage.getItem('playground.user') || 'U0ENGINEER',
  where: localStorage.getItem('playground.where') || 'C0HELP',
  thread: null,
  data: null,
  version: -1,
  poll: null,
  rendered: {},
  seen: JSON.parse(localStorage.getItem('playground.seen') || '{}'),
};

export function ctx() {
  const d = ui.data;
  return {
    now: d?.now,
    timezone: d?.timezone,
    people: d?.people ?? [],
    channels: d?.channels ?? [],
    nameOf: (id) => (id === d?.bot.userId ? d.bot.name : (d?.people.find((p) => p.id === id)?.realName ?? id)),
    channelName: (id) => d?.channels.find((c) => c.id === id)?.name ?? id,
  };
}

/** A short notice at the bottom of the window. */
export function toast(text) {
  const el = $('#toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 4000);
}
