import type { DecisionHooks, HookMap, HookName, ObserverHooks, Verdict } from './types.js';

type Fn = (...args: never[]) => unknown;
const isThenable = (v: unknown): v is Promise<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Hooks by name. A name with no hook holds null, so the broker's hot path pays one
 * null check and nothing else for features nobody uses (the fastify idea).
 */
export class HookRegistry {
  private readonly lists = new Map<HookName, Fn[]>();
  /** Counts observer exceptions (a misbehaving plugin must not break the broker). */
  observerErrors = 0;
  onObserverError: (hook: string, error: unknown) => void = () => {};

  add<K extends HookName>(name: K, fn: HookMap[K]): () => void {
    const list = this.lists.get(name) ?? [];
    list.push(fn);
    this.lists.set(name, list);
    return () => {
      const i = list.indexOf(fn);
      if (i !== -1) list.splice(i, 1);
    };
  }

  /** The hooks registered under `name`, or null when there are none. */
  get<K extends HookName>(name: K): HookMap[K][] | null {
    const list = this.lists.get(name);
    return list === undefined || list.length === 0 ? null : (list as unknown as HookMap[K][]);
  }

  /**
   * Runs a decision hook chain: the first answer other than 'next' wins, 'next' from all
   * gives `fallback`. Stays synchronous until a hook really returns a promise.
   */
  decide<K extends 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>(
    name: K,
    args: Parameters<DecisionHooks[K]>,
    fallback: Verdict,
  ): Verdict | Promise<Verdict> {
    const list = this.get(name);
    if (list === null) return fallback;
    return runFrom(list as unknown as ((...a: unknown[]) => unknown)[], 0, args, fallback);
  }

  /** Calls every observer of `name`; exceptions are counted and reported, never thrown. */
  notify<K extends keyof ObserverHooks>(name: K, ...args: Parameters<ObserverHooks[K]>): void {
    const list = this.lists.get(name);
    if (list === undefined) return;
    for (const fn of list) {
      try {
        (fn as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.observerErrors++;
        this.onObserverError(name, error);
      }
    }
  }
}

function runFrom(
  list: ((...a: unknown[]) => unknown)[],
  start: number,
  args: unknown[],
  fallback: Verdict,
): Verdict | Promise<Verdict> {
  for (let i = start; i < list.length; i++) {
    const out = (list[i] as (...a: unknown[]) => unknown)(...args);
    if (isThenable(out)) {
      return out.then((v) =>
        v === 'next' ? runFrom(list, i + 1, args, fallback) : (v as Verdict),
      );
    }
    if (out !== 'next') return out as Verdict;
  }
  return fallback;
}
