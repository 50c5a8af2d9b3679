import {
  type AllMiddlewareArgs,
  type AnyMiddlewareArgs,
  type App,
  type Middleware,
  MultipleListenerError,
  matchConstraints,
  matchEventType,
} from '@slack/bolt';

type Chain = Middleware<AnyMiddlewareArgs>[];
type Args = AnyMiddlewareArgs & AllMiddlewareArgs;

const ACTION_KEYS = new Set(['action_id', 'block_id', 'callback_id', 'type']);
const VIEW_KEYS = new Set(['callback_id', 'type']);
const VIEW_TYPES = new Set([undefined, 'view_submission', 'view_closed']);
const SHORTCUT_KEYS = new Set(['callback_id', 'type']);

export interface ListenerIndex {
  /**
   * Hand this to capabilities' register(): `command`/`action`/`view`/`shortcut`/`event` are filed by name, id or
   * type; the rest is the real App. `use` and `assistant` are refused: the global middleware is src/slack/app.ts's one.
   */
  app: App;
  /** Ends the filing: later registrations go straight to Bolt. */
  install(): void;
  /**
   * Runs what is filed for this request (the global middleware calls it in place of `next`), and Bolt's own
   * listeners beside them, if any; failures are reported as Bolt reports them.
   */
  dispatch(args: Args): Promise<void>;
}

/**
 * Bolt runs every registered listener's middleware chain on every request (a few promises each, bench/README.md),
 * so each capability's listeners would tax every ack, `/platform` included. This files `app.command(…)`,
 * `app.action(…)`, `app.view(…)` and `app.shortcut(…)` registrations whose name, action_id or callback_id is a plain
 * string under it, and `app.event(…)` registrations under their plain event type; `dispatch` runs only the entries
 * filed under the incoming request's — each still through Bolt's own matchConstraints or matchEventType, so what
 * matches is unchanged. Regex ids, unknown keys and every other method go to Bolt as they are, and Bolt runs them
 * when `dispatch` hands on to it (`next`).
 */
export function indexListeners(app: App): ListenerIndex {
  const commands = new Map<string, Chain[]>();
  const actions = new Map<string, Chain[]>();
  const views = new Map<string, Chain[]>();
  const shortcuts = new Map<string, Chain[]>();
  const events = new Map<string, Chain[]>();
  let installed = false;
  const file = (index: Map<string, Chain[]>, id: string, chain: Chain) => {
    const chains = index.get(id);
    if (chains) chains.push(chain);
    else index.set(id, [chain]);
  };
  const toBolt = (method: 'command' | 'action' | 'view' | 'shortcut' | 'event', args: unknown[]) =>
    (app[method] as (...a: unknown[]) => void)(...args);

  function command(name: unknown, ...listeners: Chain): void {
    // Bolt matches a string command name exactly; the index key is that match.
    if (installed || typeof name !== 'string' || listeners.length === 0) toBolt('command', [name, ...listeners]);
    else file(commands, name, listeners);
  }

  function action(constraint: unknown, ...listeners: Chain): void {
    const constraints = typeof constraint === 'string' ? { action_id: constraint } : constraint;
    const id = plainId(constraints, 'action_id', ACTION_KEYS);
    if (installed || id === undefined || listeners.length === 0) toBolt('action', [constraint, ...listeners]);
    else file(actions, id, [matching(constraints), ...listeners]);
  }

  function view(constraint: unknown, ...listeners: Chain): void {
    const constraints =
      typeof constraint === 'string' ? { callback_id: constraint, type: 'view_submission' } : constraint;
    const id = plainId(constraints, 'callback_id', VIEW_KEYS);
    const type = (constraints as { type?: string }).type;
    if (installed || id === undefined || listeners.length === 0 || !VIEW_TYPES.has(type)) {
      toBolt('view', [constraint, ...listeners]);
    } else file(views, id, [matching(constraints), ...listeners]);
  }

  function shortcut(constraint: unknown, ...listeners: Chain): void {
    const constraints = typeof constraint === 'string' ? { callback_id: constraint } : constraint;
    const id = plainId(constraints, 'callback_id', SHORTCUT_KEYS);
    if (installed || id === undefined || listeners.length === 0) toBolt('shortcut', [constraint, ...listeners]);
    else file(shortcuts, id, [matching(constraints), ...listeners]);
  }

  function event(type: unknown, ...listeners: Chain): void {
    // `message.channels` and the like are refused by Bolt itself (not an event type): left to it, it still says so.
    if (installed || typeof type !== 'string' || type.startsWith('message.') || listeners.length === 0) {
      toBolt('event', [type, ...listeners]);
    } else file(events, type, [matchEventType(type) as Chain[number], ...listeners]);
  }

  const facade = new Proxy(app, {
    get(target, property) {
      if (property === 'command') return command;
      if (property === 'action') return action;
      if (property === 'view') return view;
      if (property === 'shortcut') return shortcut;
      if (property === 'event') return event;
      if (property === 'use' || property === 'assistant') return refuseGlobalMiddleware;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  /** The chains filed for this request, by its kind (as Bolt tells kinds apart) and its name, id or type. */
  function filed(args: Args): Chain[] | undefined {
    const body = args.body as {
      type?: unknown;
      command?: unknown;
      callback_id?: unknown;
      event?: { type?: unknown };
      view?: { callback_id?: unknown };
    };
    const key = (index: Map<string, Chain[]>, id: unknown) => (typeof id === 'string' ? index.get(id) : undefined);
    switch (body.type) {
      case 'event_callback':
        return key(events, body.event?.type);
      case 'block_actions':
      case 'interactive_message':
        // No action at all (`actions: []`) leaves Bolt's payload undefined: nothing is filed for it, as under Bolt.
        return key(actions, (args.payload as { action_id?: unknown } | undefined)?.action_id);
      case 'view_submission':
      case 'view_closed':
        return key(views, body.view?.callback_id);
      case 'shortcut':
      case 'message_action':
        return key(shortcuts, body.callback_id);
      default:
        return body.type === undefined ? key(commands, body.command) : undefined;
    }
  }

  /** Bolt's own listeners (those not filed), which run when the global chain's `next` is called. */
  const boltListeners = () => (app as unknown as { listeners: unknown[] }).listeners.length;

  return {
    app: facade,
    install() {
      installed = true;
      // Filed listeners run inside the last global middleware, so none may come after it: Bolt would run such
      // middleware before its listeners, and here it would not run before the filed ones.
      Object.assign(app, { use: refuseGlobalMiddleware, assistant: refuseGlobalMiddleware });
    },
    async dispatch(args) {
      const chains = filed(args);
      if (!chains) return args.next();
      const runs = chains.map((chain) => run(chain, 0, args));
      if (boltListeners() > 0) runs.push(args.next());
      if (runs.length === 1) return runs[0];
      // Like Bolt: every listener runs; one failure is rethrown as is, several as one flat MultipleListenerError.
      const results = await Promise.allSettled(runs);
      const failures = results.flatMap((r) =>
        r.status !== 'rejected'
          ? []
          : r.reason instanceof MultipleListenerError
            ? r.reason.originals
            : [r.reason as Error],
      );
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new MultipleListenerError(failures);
    },
  };
}

function refuseGlobalMiddleware(): never {
  throw new Error(
    "no global middleware after groundcrew's (app.use, app.assistant): src/slack/app.ts has the one; add listeners (docs/architecture.md)",
  );
}

const matching = (constraints: unknown) =>
  matchConstraints(constraints as Parameters<typeof matchConstraints>[0]) as Chain[number];

/** The string id of a constraints object with only known keys, or undefined (then Bolt handles it as is). */
function plainId(constraints: unknown, key: string, known: ReadonlySet<string>): string | undefined {
  if (!constraints || typeof constraints !== 'object' || constraints instanceof RegExp) return undefined;
  if (!Object.keys(constraints).every((k) => known.has(k))) return undefined;
  const id = (constraints as Record<string, unknown>)[key];
  return typeof id === 'string' ? id : undefined;
}

/**
 * Runs a chain from `index` on, as Bolt runs a listener's: a listener that throws at once fails its run only, and a
 * middleware that calls `next()` twice is refused.
 */
function run(chain: Chain, index: number, args: Args): Promise<void> {
  const middleware = chain[index] as Chain[number];
  const last = index === chain.length - 1;
  let called = false;
  const next = () => {
    if (called) throw new Error('next() called multiple times');
    called = true;
    return run(chain, index + 1, args);
  };
  try {
    return Promise.resolve(middleware({ ...args, next: last ? noop : next }));
  } catch (error) {
    return Promise.reject(error);
  }
}

const noop = async () => {};
