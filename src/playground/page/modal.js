// The modal: the top view of the person's stack, with working inputs, field errors, submit and cancel.
// Typed values survive re-renders (views.update with the same block_id/action_id keeps them, as in Slack).

import { collectState, renderBlocks } from './blocks.js';
import { escapeHtml, textObject } from './mrkdwn.js';

function snapshot(root) {
  const kept = {};
  for (const node of root.querySelectorAll('[data-el]')) {
    const key = `${node.dataset.blockId}/${node.dataset.actionId}`;
    if (node.tagName === 'SELECT') kept[key] = [...node.selectedOptions].map((o) => o.value);
    else if (node.tagName === 'INPUT' || node.tagName === 'TEXTAREA') kept[key] = node.value;
    else if (node.classList.contains('choices'))
      kept[key] = [...node.querySelectorAll('input:checked')].map((i) => i.value);
  }
  return kept;
}

function restore(root, kept) {
  for (const node of root.querySelectorAll('[data-el]')) {
    const value = kept[`${node.dataset.blockId}/${node.dataset.actionId}`];
    if (value === undefined) continue;
    if (node.tagName === 'SELECT') for (const o of node.options) o.selected = value.includes(o.value);
    else if (node.tagName === 'INPUT' || node.tagName === 'TEXTAREA') node.value = value;
    else for (const i of node.querySelectorAll('input')) i.checked = value.includes(i.value);
  }
}

/** Draws (or removes) the modal. `handlers.send(action, body)` talks to the stand-in; `onAction` sends block_actions. */
export function renderModal(root, modal, ctx, handlers) {
  const previous = root.querySelector('.dialog');
  const kept = previous && previous.dataset.viewId === modal?.id ? snapshot(previous) : {};
  if (!modal) {
    root.innerHTML = '';
    return;
  }
  const view = modal.view;
  const reg = [];
  const general = modal.errors?.[''];
  root.innerHTML = `<div class="overlay"><form class="dialog modal" data-view-id="${escapeHtml(modal.id)}" novalidate>
    <div class="dialog-header"><span class="app-icon">gc</span><h3>${textObject(view.title, ctx)}</h3>
      <button type="button" class="close-x" title="Close" data-close="all">✕</button></div>
    <div class="dialog-body">
      ${general ? `<div class="field-error general" role="alert">${escapeHtml(general)}</div>` : ''}
      ${renderBlocks(view.blocks, ctx, reg, { inputs: true, errors: modal.errors })}
    </div>
    <div class="dialog-footer">
      ${modal.depth > 1 ? '<span class="stack-depth">◀ back closes this view</span>' : ''}
      <button type="button" class="btn" data-close="one">${escapeHtml(view.close?.text ?? 'Cancel')}</button>
      ${view.submit ? `<button type="submit" class="btn btn-primary" data-submit>${escapeHtml(view.submit.text)}</button>` : ''}
    </div>
  </form></div>`;
  const form = root.querySelector('form');
  restore(form, kept);
  const viewId = modal.id;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('[data-submit]');
    if (button) button.disabled = true;
    await handlers.send('submit', { viewId, values: collectState(form, reg) });
    if (button) button.disabled = false;
  });
  form.addEventListener('click', (event) => {
    const close = event.target.closest('[data-close]');
    if (close) {
      void handlers.send('close', { viewId, all: close.dataset.close === 'all' });
      return;
    }
    const el = event.target.closest('[data-el]');
    if (el?.dataset.type === 'button') {
      void handlers.onAction(viewId, el, reg[Number(el.dataset.el)], collectState(form, reg));
    }
  });
  form.addEventListener('change', (event) => {
    const el = event.target.closest('[data-el]');
    if (!el || el.dataset.type === 'button') return;
    const input = el.closest('.input-block');
    // Elements in input blocks only send block_actions with dispatch_action (SLACK_FACTS §2).
    if (input && !input.dataset.dispatch) return;
    void handlers.onAction(viewId, el, reg[Number(el.dataset.el)], collectState(form, reg));
  });
  const first = form.querySelector('.input-block [data-el]');
  if (first && !Object.keys(kept).length) first.focus();
}
