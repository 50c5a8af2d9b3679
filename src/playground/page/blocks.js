// Block Kit → HTML for the playground page. Interactive elements are registered in `reg` (an array) and marked
// with data-el=<index>; app.js turns clicks and changes on them into block_actions.

import { escapeHtml, mrkdwn, textObject } from './mrkdwn.js';

const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'static_select',
  'multi_static_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'channels_select',
  'multi_channels_select',
  'multi_conversations_select',
  'number_input',
  'datepicker',
  'timepicker',
  'checkboxes',
  'radio_buttons',
  'email_text_input',
  'url_text_input',
]);

export function unsupported(kind, type) {
  return `<div class="unsupported" data-unsupported="${escapeHtml(type)}">Unsupported ${kind}: <code>${escapeHtml(type ?? 'unknown')}</code> — the playground does not draw this yet</div>`;
}

function attrs(reg, element, blockId, extra = '') {
  reg.push({ element, blockId });
  return `data-el="${reg.length - 1}" data-block-id="${escapeHtml(blockId ?? '')}" data-action-id="${escapeHtml(element.action_id ?? '')}" data-type="${escapeHtml(element.type)}" ${extra}`;
}

function optionList(element) {
  if (Array.isArray(element.option_groups)) return element.option_groups.flatMap((g) => g.options ?? []);
  return element.options ?? [];
}

function optionText(option) {
  return option?.text?.text ?? option?.value ?? '';
}

function selectOptions(element, ctx, selectedValues) {
  const type = element.type;
  let options;
  if (type.includes('users')) options = ctx.people.map((p) => ({ value: p.id, label: p.realName }));
  else if (type.includes('channels') || type.includes('conversations')) {
    options = ctx.channels.map((c) => ({ value: c.id, label: c.kind === 'dm' ? `@${c.name} (DM)` : `#${c.name}` }));
  } else options = optionList(element).map((o) => ({ value: o.value, label: optionText(o) }));
  return options
    .map(
      (o) =>
        `<option value="${escapeHtml(o.value)}"${selectedValues.includes(o.value) ? ' selected' : ''}>${escapeHtml(o.label)}</option>`,
    )
    .join('');
}

function initialValues(element) {
  const values = [];
  if (element.initial_option) values.push(element.initial_option.value);
  for (const o of element.initial_options ?? []) values.push(o.value);
  for (const key of ['initial_user', 'initial_channel', 'initial_conversation'])
    if (element[key]) values.push(element[key]);
  for (const key of ['initial_users', 'initial_channels', 'initial_conversations'])
    values.push(...(element[key] ?? []));
  return values;
}

/** One interactive element (button, select, input, …). */
export function renderElement(element, ctx, reg, blockId, inInput = false) {
  if (!element || typeof element !== 'object') return unsupported('element', String(element));
  const type = element.type;
  const placeholder = element.placeholder ? escapeHtml(element.placeholder.text ?? '') : '';
  switch (type) {
    case 'button': {
      const style = element.style === 'primary' || element.style === 'danger' ? ` btn-${element.style}` : '';
      return `<button type="button" class="btn${style}" ${attrs(reg, element, blockId)}>${textObject(element.text, ctx)}</button>`;
    }
    case 'image':
      return `<img class="accessory-image" src="${escapeHtml(element.image_url ?? '')}" alt="${escapeHtml(element.alt_text ?? '')}">`;
    case 'overflow':
      return `<select class="overflow" ${attrs(reg, element, blockId)}><option value="">⋯</option>${selectOptions(element, ctx, [])}</select>`;
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'channels_select':
    case 'conversations_select':
      return `<select ${attrs(reg, element, blockId)}><option value="">${placeholder || 'Select an item'}</option>${selectOptions(element, ctx, initialValues(element))}</select>`;
    case 'multi_static_select':
    case 'multi_users_select':
    case 'multi_channels_select':
    case 'multi_conversations_select':
      return `<select multiple size="4" ${attrs(reg, element, blockId)}>${selectOptions(element, ctx, initialValues(element))}</select>`;
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input': {
      const value = escapeHtml(element.initial_value ?? '');
      const max = element.max_length ? ` maxlength="${Number(element.max_length)}"` : '';
      if (element.multiline)
        return `<textarea rows="4" placeholder="${placeholder}"${max} ${attrs(reg, element, blockId)}>${value}</textarea>`;
      const kind = type === 'email_text_input' ? 'email' : type === 'url_text_input' ? 'url' : 'text';
      return `<input type="${kind}" value="${value}" placeholder="${placeholder}"${max} ${attrs(reg, element, blockId)}>`;
    }
    case 'number_input': {
      const step = element.is_decimal_allowed ? 'any' : '1';
      const min = element.min_value !== undefined ? ` min="${escapeHtml(element.min_value)}"` : '';
      const max = element.max_value !== undefined ? ` max="${escapeHtml(element.max_value)}"` : '';
      return `<input type="number" step="${step}"${min}${max} value="${escapeHtml(element.initial_value ?? '')}" placeholder="${placeholder}" ${attrs(reg, element, blockId)}>`;
    }
    case 'datepicker':
      return `<input type="date" value="${escapeHtml(element.initial_date ?? '')}" ${attrs(reg, element, blockId)}>`;
    case 'timepicker':
      return `<input type="time" value="${escapeHtml(element.initial_time ?? '')}" ${attrs(reg, element, blockId)}>`;
    case 'checkboxes':
    case 'radio_buttons': {
      const chosen = initialValues(element);
      const kind = type === 'checkboxes' ? 'checkbox' : 'radio';
      const name = `r${reg.length}-${Math.random().toString(36).slice(2, 7)}`;
      const boxes = (element.options ?? [])
        .map(
          (o) =>
            `<label class="choice"><input type="${kind}" name="${name}" value="${escapeHtml(o.value)}"${chosen.includes(o.value) ? ' checked' : ''}> ${textObject(o.text, ctx)}</label>`,
        )
        .join('');
      return `<div class="choices" ${attrs(reg, element, blockId)}>${boxes}</div>`;
    }
    default:
      return inInput || INPUT_ELEMENTS.has(type) ? unsupported('input element', type) : unsupported('element', type);
  }
}

function richText(block, ctx) {
  const inline = (el) => {
    if (el.type === 'text') {
      let html = escapeHtml(el.text ?? '').replace(/\n/g, '<br>');
      if (el.style?.code) html = `<code>${html}</code>`;
      if (el.style?.bold) html = `<b>${html}</b>`;
      if (el.style?.italic) html = `<i>${html}</i>`;
      if (el.style?.strike) html = `<s>${html}</s>`;
      return html;
    }
    if (el.type === 'link')
      return `<a href="${escapeHtml(el.url)}" target="_blank" rel="noopener">${escapeHtml(el.text ?? el.url)}</a>`;
    if (el.type === 'user') return mrkdwn(`<@${el.user_id}>`, ctx);
    if (el.type === 'channel') return mrkdwn(`<#${el.channel_id}>`, ctx);
    if (el.type === 'emoji') return mrkdwn(`:${el.name}:`, ctx);
    if (el.type === 'usergroup') return mrkdwn(`<!subteam^${el.usergroup_id}>`, ctx);
    if (el.type === 'broadcast') return mrkdwn(`<!${el.range}>`, ctx);
    if (el.type === 'date') {
      const format = el.format ?? '{date_short_pretty} {time}';
      return mrkdwn(`<!date^${Number(el.timestamp)}^${format}|${el.fallback ?? ''}>`, ctx);
    }
    return `<span class="unsupported unsupported-inline" data-unsupported="${escapeHtml(el.type)}">Unsupported rich text element: <code>${escapeHtml(el.type ?? 'unknown')}</code></span>`;
  };
  return (block.elements ?? [])
    .map((part) => {
      const inner = (part.elements ?? []).map((el) => (el.elements ? el.elements.map(inline).join('') : inline(el)));
      if (part.type === 'rich_text_section') return `<div>${inner.join('')}</div>`;
      if (part.type === 'rich_text_preformatted') return `<pre>${inner.join('')}</pre>`;
      if (part.type === 'rich_text_quote') return `<blockquote>${inner.join('')}</blockquote>`;
      if (part.type === 'rich_text_list') return `<ul>${inner.map((i) => `<li>${i}</li>`).join('')}</ul>`;
      return unsupported('rich text part', part.type);
    })
    .join('');
}

function inputBlock(block, ctx, reg, errors) {
  const id = block.block_id ?? '';
  const error = errors?.[id];
  const optional = block.optional ? ' <span class="optional">(optional)</span>' : '';
  const element = renderElement(block.element, ctx, reg, id, true);
  const dispatch = block.dispatch_action ? ' data-dispatch="1"' : '';
  return `<div class="block input-block${error ? ' has-error' : ''}" data-block="${escapeHtml(id)}"${dispatch}>
    <label class="input-label">${textObject(block.label, ctx)}${optional}</label>
    ${element}
    ${block.hint ? `<div class="hint">${textObject(block.hint, ctx)}</div>` : ''}
    ${error ? `<div class="field-error" role="alert">${escapeHtml(error)}</div>` : ''}
  </div>`;
}

/** An image block's source: a public URL, a Slack file's URL, or a Slack file by id (served by the playground). */
function imageSource(block) {
  if (block.image_url) return block.image_url;
  if (block.slack_file?.url) return block.slack_file.url;
  if (block.slack_file?.id) return `/playground/files/${encodeURIComponent(block.slack_file.id)}`;
  return '';
}

/** Renders a list of blocks for a message, a modal or the Home tab. */
export function renderBlocks(blocks, ctx, reg, options = {}) {
  if (!Array.isArray(blocks)) return '';
  return blocks
    .map((block) => {
      const id = block.block_id ?? '';
      switch (block.type) {
        case 'section': {
          const text = block.text ? `<div class="section-text">${textObject(block.text, ctx)}</div>` : '';
          const fields = Array.isArray(block.fields)
            ? `<div class="fields">${block.fields.map((f) => `<div class="field">${textObject(f, ctx)}</div>`).join('')}</div>`
            : '';
          const accessory = block.accessory
            ? `<div class="accessory">${renderElement(block.accessory, ctx, reg, id)}</div>`
            : '';
          return `<div class="block section" data-block="${escapeHtml(id)}"><div class="section-body">${text}${fields}</div>${accessory}</div>`;
        }
        case 'header':
          return `<div class="block header">${textObject(block.text, ctx)}</div>`;
        case 'divider':
          return '<hr class="block divider">';
        case 'context':
          return `<div class="block context">${(block.elements ?? [])
            .map((el) =>
              el.type === 'image'
                ? `<img class="context-image" src="${escapeHtml(el.image_url ?? '')}" alt="${escapeHtml(el.alt_text ?? '')}">`
                : el.type === 'mrkdwn' || el.type === 'plain_text'
                  ? `<span>${textObject(el, ctx)}</span>`
                  : unsupported('context element', el.type),
            )
            .join('')}</div>`;
        case 'actions':
          return `<div class="block actions" data-block="${escapeHtml(id)}">${(block.elements ?? []).map((el) => renderElement(el, ctx, reg, id)).join('')}</div>`;
        case 'image':
          return `<figure class="block image">${block.title ? `<figcaption>${textObject(block.title, ctx)}</figcaption>` : ''}<img src="${escapeHtml(imageSource(block))}" alt="${escapeHtml(block.alt_text ?? '')}"></figure>`;
        case 'input':
          return options.inputs
            ? inputBlock(block, ctx, reg, options.errors)
            : unsupported('block in a message', 'input');
        case 'rich_text':
          return `<div class="block rich-text">${richText(block, ctx)}</div>`;
        case 'markdown':
          return `<div class="block section">${mrkdwn(block.text ?? '', ctx)}</div>`;
        default:
          return unsupported('block', block.type);
      }
    })
    .join('');
}

/** Legacy attachments: a coloured bar with their blocks, text and fields. */
export function renderAttachments(attachments, ctx, reg) {
  if (!Array.isArray(attachments)) return '';
  return attachments
    .map((a) => {
      const color = /^#?[0-9a-f]{6}$/i.test(a.color ?? '')
        ? a.color.startsWith('#')
          ? a.color
          : `#${a.color}`
        : ({ good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' }[a.color] ?? '#ddd');
      const inner = [
        a.pretext ? `<div>${mrkdwn(a.pretext, ctx)}</div>` : '',
        a.title ? `<div class="att-title">${escapeHtml(a.title)}</div>` : '',
        a.text ? `<div>${mrkdwn(a.text, ctx)}</div>` : '',
        Array.isArray(a.fields)
          ? `<div class="fields">${a.fields.map((f) => `<div class="field"><b>${escapeHtml(f.title ?? '')}</b><br>${mrkdwn(f.value ?? '', ctx)}</div>`).join('')}</div>`
          : '',
        renderBlocks(a.blocks, ctx, reg),
        a.footer ? `<div class="block context"><span>${mrkdwn(a.footer, ctx)}</span></div>` : '',
      ].join('');
      return `<div class="attachment" style="border-left-color:${color}">${inner}</div>`;
    })
    .join('');
}

/** The current values of a surface's inputs, shaped like Slack's `view.state.values`. */
export function collectState(root, reg) {
  const values = {};
  for (const node of root.querySelectorAll('[data-el]')) {
    const entry = reg[Number(node.dataset.el)];
    if (!entry) continue;
    const { element, blockId } = entry;
    const value = elementValue(node, element);
    if (value === undefined || !element.action_id) continue;
    values[blockId] ??= {};
    values[blockId][element.action_id] = value;
  }
  return values;
}

/** One element's state value (SLACK_FACTS §2 shapes); undefined for buttons. */
export function elementValue(node, element) {
  const type = element.type;
  const options = optionList(element);
  const asOption = (value) => {
    const o = options.find((x) => x.value === value);
    return o ? { text: { type: 'plain_text', text: optionText(o), emoji: true }, value: o.value } : null;
  };
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return { type, value: node.value === '' ? null : node.value };
    case 'static_select':
    case 'external_select':
      return { type, selected_option: node.value ? asOption(node.value) : null };
    case 'multi_static_select':
      return { type, selected_options: [...node.selectedOptions].map((o) => asOption(o.value)).filter(Boolean) };
    case 'users_select':
      return { type, selected_user: node.value || null };
    case 'multi_users_select':
      return { type, selected_users: [...node.selectedOptions].map((o) => o.value) };
    case 'channels_select':
      return { type, selected_channel: node.value || null };
    case 'conversations_select':
      return { type, selected_conversation: node.value || null };
    case 'multi_channels_select':
      return { type, selected_channels: [...node.selectedOptions].map((o) => o.value) };
    case 'multi_conversations_select':
      return { type, selected_conversations: [...node.selectedOptions].map((o) => o.value) };
    case 'datepicker':
      return { type, selected_date: node.value || null };
    case 'timepicker':
      return { type, selected_time: node.value || null };
    case 'checkboxes':
      return {
        type,
        selected_options: [...node.querySelectorAll('input:checked')].map((i) => asOption(i.value)).filter(Boolean),
      };
    case 'radio_buttons': {
      const checked = node.querySelector('input:checked');
      return { type, selected_option: checked ? asOption(checked.value) : null };
    }
    default:
      return undefined;
  }
}

/** The `actions[0]` of a block_actions payload for an element that was clicked or changed. */
export function actionFor(node, element, blockId) {
  const base = { action_id: element.action_id ?? '', block_id: blockId ?? '', type: element.type };
  if (element.type === 'button') {
    return {
      ...base,
      text: element.text,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style ? { style: element.style } : {}),
    };
  }
  if (element.type === 'overflow') {
    const o = optionList(element).find((x) => x.value === node.value);
    return { ...base, selected_option: o ? { text: o.text, value: o.value } : null };
  }
  const { type: _t, ...value } = elementValue(node, element) ?? {};
  return { ...base, ...value };
}
