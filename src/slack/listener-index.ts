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

export interface ListenerIndex {
  /** Hand this to capabilities' register(): `action`/`view`/`event` are filed by id or type, the rest is the real App. */
  app: App;
  /** Registers the one Bolt action, view and event listener that serve the filed entries. */
  install(): void;
}

/**
 * Bolt runs every registered listener's middleware chain on every request (~5 µs each, bench/README.md), so
 * each capability's button and modal listeners would tax every ack, `/platform` included. This files
 * `app.action(…)` and `app.view(…)` registrations whose action_id / callback_id is a plain string under that id and
 * serves them from one Bolt action listener and one Bolt view listener, which run only the entries filed under the
 * incoming id — each through Bolt's own matchConstraints, so what matches is unchanged. `app.event(…)` registrations
 * of a plain event type are filed the same way under that type (Bolt's own matchEventType kept in each entry) and
 * served by one Bolt event listener. Regex ids, unknown keys and every other method go to Bolt as they are.
 */
export function indexListeners(app: App): ListenerIndex {
  const actions = new Map<string, Chain[]>();
  const views = new Map<string, Chain[]>();
  const events = new Map<string, Chain[]>();
  let installed = false;
  const file = (index: Map<string, Chain[]>, id: string, chain: Chain) => {
    const chains = index.get(id);
    if (chains) chains.push(chain);
    else index.set(id, [chain]);
  };

  function action(constraint: unknown, ...listeners: Chain): void {
    const constraints = typeof constraint === 'string' ? { action_id: constraint } : constraint;
    const id = plainId(constraints, 'action_id', ACTION_KEYS);
    if (installed || id === undefined || listeners.length === 0) {
      (app.action as (...args: unknown[]) => void)(constraint, ...listeners);
      return;
    }
    file(actions, id, [
      matchConstraints(constraints as Parameters<typeof matchConstraints>[0]) as Chain[number],
      ...listeners,
    ]);
  }

  function view(constraint: unknown, ...listeners: Chain): void {
    const constraints =
      typeof constraint === 'string' ? { callback_id: constraint, type: 'view_submission' } : constraint;
    const id = plainId(constraints, 'callback_id', VIEW_KEYS);
    const type = (constraints as { type?: string }).type;
    if (installed || id === undefined || listeners.length === 0 || !VIEW_TYPES.has(type)) {
      (app.view as (...args: unknown[]) => void)(constraint, ...listeners);
      return;
    }
    file(views, id, [
      matchConstraints(constraints as Parameters<typeof matchConstraints>[0]) as Chain[number],
      ...listeners,
    ]);
  }

  function event(type: unknown, ...listeners: Chain): void {
    // `message.channels` and the like are refused by Bolt itself (not an event type): left to it, it still says so.
    if (installed || typeof type !== 'string' || type.startsWith('message.') || listeners.length === 0) {
      (app.event as (...args: unknown[]) => void)(type, ...listeners);
      return;
    }
    file(events, type, [matchEventType(type) as Chain[number], ...listeners]);
  }

  const facade = new Proxy(app, {
    get(target, property) {
      if (property === 'action') return action;
      if (property === 'view') return view;
      if (property === 'event') return event;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  return {
    app: facade,
    install() {
      installed = true; // later registrations go straight to Bolt
      if (actions.size > 0) {
        app.action({}, async (args) => {
          const id = (args.payload as { action_id?: unknown }).action_id;
          const chains = typeof id === 'string' ? actions.get(id) : undefined;
          if (chains) await runAll(chains, args as Args);
        });
      }
      if (views.size > 0) {
        app.view({}, async (args) => {
          const chains = views.get(args.body.view.callback_id);
          if (chains) await runAll(chains, args as Args);
        });
      }
      if (events.size > 0) {
        app.event(/^/, async (args) => {
          const type: unknown = args.event.type;
          const chains = typeof type === 'string' ? events.get(type) : undefined;
          if (chains) await runAll(chains, args as Args);
        });
      }
    },
  };
}

/** The string id of a constraints object with only known keys, or undefined (then Bolt handles it as is). */
function plainId(constraints: unknown, key: string, known: ReadonlySet<string>): string | undefined {
  if (!constraints || typeof constraints !== 'object' || constraints instanceof RegExp) return undefined;
  if (!Object.keys(constraints).every((k) => known.has(k))) return undefined;
  const id = (constraints as Record<string, unknown>)[key];
  return typeof id === 'string' ? id : undefined;
}

/** Like Bolt: every chain runs; one failure is rethrown as is, several as a MultipleListenerError. */
async function runAll(chains: readonly Chain[], args: Args): Promise<void> {
  const results = await Promise.allSettled(chains.map((chain) => run(chain, 0, args)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new MultipleListenerError(failures);
}

async function run(chain: Chain, index: number, args: Args): Promise<void> {
  const middleware = chain[index];
  if (!middleware) return;
  const last = index === chain.length - 1;
  await middleware({ ...args, next: last ? async () => {} : () => run(chain, index + 1, args) });
}
