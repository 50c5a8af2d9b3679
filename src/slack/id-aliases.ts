/**
 * Old ids → current ids, per kind. A capability that renames an action_id, block_id or callback_id lists the old
 * one here (its slack/ids.ts exports the table, its capability.ts contributes it): messages and modals already in
 * Slack keep the old ids, and their clicks and submissions must still reach the same listener.
 */
export interface IdAliases {
  /** callback_id of views. */
  views?: Readonly<Record<string, string>>;
  /** action_id of buttons, selects and inputs. */
  actions?: Readonly<Record<string, string>>;
  /** block_id, exact. */
  blocks?: Readonly<Record<string, string>>;
  /** block_id prefixes (e.g. one input block per form field). */
  blockPrefixes?: Readonly<Record<string, string>>;
}

type Mutable = Record<string, unknown>;

/**
 * Merges every capability's aliases into one function that rewrites an interaction body in place (action ids,
 * block ids, the view's callback_id and its state's keys) before any listener sees it. Bodies without an old id
 * are left untouched; with no aliases at all this is a no-op.
 */
export interface IdTranslator {
  /** Rewrites an interaction body's old ids to current ones, in place. */
  (body: unknown): void;
  /**
   * The answer to a view submission as its modal needs it: Slack shows `errors` only under block ids the modal has,
   * and one opened before a rename has the old ones (its `view.blocks`, which the rewrite leaves alone). So each
   * error key that is the current id of one of those blocks goes back under the block's own id. Any other answer,
   * or one for a modal with current ids, is returned as it is.
   */
  answerFor(body: unknown, response: unknown): unknown;
}

export function createIdTranslator(tables: readonly IdAliases[]): IdTranslator {
  const views = new Map<string, string>();
  const actions = new Map<string, string>();
  const blocks = new Map<string, string>();
  const prefixes: [string, string][] = [];
  for (const table of tables) {
    for (const [from, to] of Object.entries(table.views ?? {})) views.set(from, to);
    for (const [from, to] of Object.entries(table.actions ?? {})) actions.set(from, to);
    for (const [from, to] of Object.entries(table.blocks ?? {})) blocks.set(from, to);
    prefixes.push(...Object.entries(table.blockPrefixes ?? {}));
  }
  if (views.size + actions.size + blocks.size + prefixes.length === 0) {
    return Object.assign(() => {}, { answerFor: (_body: unknown, response: unknown) => response });
  }

  const block = (id: string): string => {
    const exact = blocks.get(id);
    if (exact) return exact;
    for (const [from, to] of prefixes) if (id.startsWith(from)) return `${to}${id.slice(from.length)}`;
    return id;
  };
  const renameKeys = (record: Mutable, rename: (key: string) => string): Mutable => {
    const out: Mutable = {};
    for (const [key, value] of Object.entries(record)) out[rename(key)] = value;
    return out;
  };

  const translate = (body: unknown): void => {
    if (!body || typeof body !== 'object') return;
    const b = body as { type?: unknown; actions?: unknown; view?: unknown };
    if (b.type !== 'block_actions' && b.type !== 'view_submission' && b.type !== 'view_closed') return;
    if (Array.isArray(b.actions)) {
      for (const action of b.actions as Mutable[]) {
        if (typeof action.action_id === 'string') action.action_id = actions.get(action.action_id) ?? action.action_id;
        if (typeof action.block_id === 'string') action.block_id = block(action.block_id);
      }
    }
    const view = b.view as Mutable | undefined;
    if (!view || typeof view !== 'object') return;
    if (typeof view.callback_id === 'string') view.callback_id = views.get(view.callback_id) ?? view.callback_id;
    const state = view.state as { values?: Record<string, Mutable> } | undefined;
    if (state?.values && typeof state.values === 'object') {
      const renamed = renameKeys(state.values, block) as Record<string, Mutable>;
      for (const [key, inputs] of Object.entries(renamed)) {
        if (inputs && typeof inputs === 'object') renamed[key] = renameKeys(inputs, (a) => actions.get(a) ?? a);
      }
      state.values = renamed;
    }
  };

  const answerFor = (body: unknown, response: unknown): unknown => {
    const answer = response as { response_action?: unknown; errors?: unknown } | undefined;
    if (answer?.response_action !== 'errors' || !answer.errors || typeof answer.errors !== 'object') return response;
    const shown = (body as { view?: { blocks?: unknown } } | undefined)?.view?.blocks;
    if (!Array.isArray(shown)) return response;
    const oldIdOf = new Map<string, string>();
    for (const b of shown as { block_id?: unknown }[]) {
      if (typeof b?.block_id === 'string' && block(b.block_id) !== b.block_id)
        oldIdOf.set(block(b.block_id), b.block_id);
    }
    if (oldIdOf.size === 0) return response;
    return { ...answer, errors: renameKeys(answer.errors as Mutable, (key) => oldIdOf.get(key) ?? key) };
  };
  return Object.assign(translate, { answerFor });
}
