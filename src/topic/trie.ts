// The subscription trie: which subscriptions match a topic.
//
// Design
// - One node per filter level. '+' and '#' children are fields of the node; literal children
//   are one inline (key, node) pair, promoted to a Map when a second literal child arrives
//   (most nodes have a single literal child, and a Map per node would dominate memory). A
//   match looks at no more than the '#', '+' and one literal child per level, so its cost
//   does not grow with the number of subscriptions that do not match.
// - A node stores the subscriptions whose filter ends there. Non-shared ones: one value per
//   (filter, key), key being the subscriber (client id, session object...); a lone subscriber
//   is inline in the node, more go to a MemberList (trie-node.ts).
//   Shared ones live in the same node, in a MemberList of SharedGroup keyed by ShareName:
//   a shared subscription is (ShareName, filter), so `$share/g/a/+` and `$share/g/a/b` are
//   two groups and each gets its own copy of a message on `a/b`. The router picks one member
//   per group it is handed; `$queue/` filters are the group '$queue' (see shared.ts).
// - match() walks the topic with indexOf('/') over an explicit stack kept on the trie (no
//   recursion, so a 30000-level topic cannot overflow the call stack; no per-match arrays).
//   Visitors are plain functions plus a caller-supplied context, so the router passes a
//   module-level function and a reused context instead of a closure per PUBLISH. Visitors
//   may call match() again (the stack is shared safely) but must not add or remove while a
//   match is running: defer those.
// - Filters and topics must already be valid (parseSubscriptionFilter / validateTopicName):
//   the trie does not check them again.
import { MemberList, SharedGroup } from './member-list.js';
import { TrieNode } from './trie-node.js';

/** Called once per matching non-shared subscription. The router dedupes per session. */
export type SubscriptionVisitor<K, T, C> = (value: T, key: K, filter: string, ctx: C) => void;
/** Called once per matching shared group; the router picks one member. */
export type GroupVisitor<K, T, C> = (group: SharedGroup<K, T>, ctx: C) => void;

const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

export class SubscriptionTrie<K, T> {
  private readonly root: TrieNode<K, T>;
  private count: number;
  private nodes: number;
  // The match stack: (node, offset of the topic level still to match) pairs above `sp`.
  private readonly stackNodes: TrieNode<K, T>[];
  private readonly stackStarts: number[];
  private sp: number;

  constructor() {
    this.root = new TrieNode();
    this.count = 0;
    this.nodes = 1;
    this.stackNodes = [];
    this.stackStarts = [];
    this.sp = 0;
  }

  /** Number of stored subscriptions, shared members included. */
  get size(): number {
    return this.count;
  }

  /** Number of trie nodes, root included (1 when empty: pruning works). */
  get nodeCount(): number {
    return this.nodes;
  }

  /**
   * Stores `value` for (filter, key), in shared group `group` when given. Replaces the value
   * when (group, filter, key) exists [MQTT-3.8.4-3]; returns true when the entry is new.
   */
  add(filter: string, key: K, value: T, group: string | null = null): boolean {
    let node = this.root;
    const n = filter.length;
    let start = 0;
    for (;;) {
      let end = filter.indexOf('/', start);
      if (end === -1) end = n;
      node = this.childFor(node, filter, start, end);
      if (end === n) break;
      start = end + 1;
    }
    let added: boolean;
    if (group === null) {
      added = node.setSub(key, value);
    } else {
      node.shared ??= new MemberList();
      let g = node.shared.get(group);
      if (g === undefined) {
        g = new SharedGroup(group, filter);
        node.shared.set(group, g);
      }
      added = g.set(key, value);
    }
    node.filter = filter;
    if (added) this.count++;
    return added;
  }

  /** Removes (group, filter, key) and prunes nodes left empty; false when it was absent. */
  remove(filter: string, key: K, group: string | null = null): boolean {
    const path: TrieNode<K, T>[] = [this.root];
    const levels: string[] = [];
    let node = this.root;
    const n = filter.length;
    let start = 0;
    for (;;) {
      let end = filter.indexOf('/', start);
      if (end === -1) end = n;
      const level = filter.slice(start, end);
      const next = findChild(node, level);
      if (next === null) return false;
      node = next;
      path.push(node);
      levels.push(level);
      if (end === n) break;
      start = end + 1;
    }
    if (!removeEntry(node, key, group)) return false;
    this.count--;
    for (let i = path.length - 1; i > 0; i--) {
      const child = path[i] as TrieNode<K, T>;
      if (!child.isEmpty()) break;
      unlinkChild(path[i - 1] as TrieNode<K, T>, levels[i - 1] as string);
      this.nodes--;
    }
    return true;
  }

  /** The value stored for (group, filter, key), if any. */
  get(filter: string, key: K, group: string | null = null): T | undefined {
    const node = this.findNode(filter);
    if (node === null) return undefined;
    if (group === null) return node.getSub(key);
    return node.shared?.get(group)?.get(key);
  }

  /** The shared group (ShareName, filter), if it has members. */
  getGroup(filter: string, group: string): SharedGroup<K, T> | undefined {
    return this.findNode(filter)?.shared?.get(group);
  }

  /** Visits every matching non-shared subscription; returns how many were visited. */
  match(topic: string, visit: (value: T, key: K, filter: string) => void): number;
  match<C>(topic: string, visit: SubscriptionVisitor<K, T, C>, ctx: C): number;
  match(topic: string, visit: SubscriptionVisitor<K, T, unknown>, ctx?: unknown): number {
    return this.walk(topic, visit, null, ctx);
  }

  /** Visits every matching shared group; returns how many were visited. */
  matchShared(topic: string, visit: (group: SharedGroup<K, T>) => void): number;
  matchShared<C>(topic: string, visit: GroupVisitor<K, T, C>, ctx: C): number;
  matchShared(topic: string, visit: GroupVisitor<K, T, unknown>, ctx?: unknown): number {
    return this.walk(topic, null, visit, ctx);
  }

  /** One walk for both kinds (what the router uses); returns the number of visits. */
  matchAll<C>(
    topic: string,
    visitSub: SubscriptionVisitor<K, T, C> | null,
    visitGroup: GroupVisitor<K, T, C> | null,
    ctx: C,
  ): number {
    return this.walk(
      topic,
      visitSub as SubscriptionVisitor<K, T, unknown> | null,
      visitGroup as GroupVisitor<K, T, unknown> | null,
      ctx,
    );
  }

  /** Calls `visit` for every stored entry (group is null for non-shared). Not for the hot path. */
  forEach(visit: (value: T, key: K, filter: string, group: string | null) => void): void {
    const stack: TrieNode<K, T>[] = [this.root];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      const subs = node.subs;
      if (node.subCount === 1) visit(node.soloValue as T, node.soloKey as K, node.filter, null);
      else if (subs !== null) {
        for (let i = 0; i < subs.size; i++)
          visit(subs.valueAt(i), subs.keyAt(i), node.filter, null);
      }
      const shared = node.shared;
      if (shared !== null) {
        for (let g = 0; g < shared.size; g++) {
          const group = shared.valueAt(g);
          for (let i = 0; i < group.size; i++) {
            visit(group.valueAt(i), group.keyAt(i), group.filter, group.name);
          }
        }
      }
      if (node.child !== null) stack.push(node.child);
      if (node.children !== null) for (const c of node.children.values()) stack.push(c);
      if (node.plus !== null) stack.push(node.plus);
      if (node.hash !== null) stack.push(node.hash);
    }
  }

  /** Removes everything. */
  clear(): void {
    const root = this.root;
    root.childKey = null;
    root.child = null;
    root.children = null;
    root.plus = null;
    root.hash = null;
    root.filter = '';
    root.subCount = 0;
    root.soloKey = undefined;
    root.soloValue = undefined;
    root.subs = null;
    root.shared = null;
    this.count = 0;
    this.nodes = 1;
  }

  private walk(
    topic: string,
    onSub: SubscriptionVisitor<K, T, unknown> | null,
    onGroup: GroupVisitor<K, T, unknown> | null,
    ctx: unknown,
  ): number {
    const nodes = this.stackNodes;
    const starts = this.stackStarts;
    const n = topic.length;
    // [MQTT-4.7.2-1]: '+' and '#' in the first level never match a $-topic.
    const dollar = topic.charCodeAt(0) === DOLLAR;
    const base = this.sp;
    let sp = base;
    let visits = 0;
    nodes[sp] = this.root;
    starts[sp] = 0;
    sp++;
    try {
      while (sp > base) {
        sp--;
        const node = nodes[sp] as TrieNode<K, T>;
        const start = starts[sp] as number;
        // A visitor that calls match() again builds its stack above ours.
        this.sp = sp;
        const wild = start !== 0 || !dollar;
        // '#' matches this level and everything after it.
        if (wild && node.hash !== null) visits += emit(node.hash, onSub, onGroup, ctx);
        let end = topic.indexOf('/', start);
        const last = end === -1;
        if (last) end = n;
        const plus = wild ? node.plus : null;
        const literal = literalChild(node, topic, start, end);
        if (last) {
          if (plus !== null) visits += emitEnd(plus, onSub, onGroup, ctx);
          if (literal !== null) visits += emitEnd(literal, onSub, onGroup, ctx);
        } else {
          if (plus !== null) {
            nodes[sp] = plus;
            starts[sp] = end + 1;
            sp++;
          }
          if (literal !== null) {
            nodes[sp] = literal;
            starts[sp] = end + 1;
            sp++;
          }
        }
      }
    } finally {
      this.sp = base;
    }
    return visits;
  }

  private findNode(filter: string): TrieNode<K, T> | null {
    let node: TrieNode<K, T> | null = this.root;
    const n = filter.length;
    let start = 0;
    for (;;) {
      let end = filter.indexOf('/', start);
      if (end === -1) end = n;
      node = findChild(node, filter.slice(start, end));
      if (node === null || end === n) return node;
      start = end + 1;
    }
  }

  private childFor(node: TrieNode<K, T>, filter: string, start: number, end: number) {
    if (end - start === 1) {
      const c = filter.charCodeAt(start);
      if (c === PLUS) return node.plus ?? (node.plus = this.newNode());
      if (c === HASH) return node.hash ?? (node.hash = this.newNode());
    }
    const level = filter.slice(start, end);
    const map = node.children;
    if (map !== null) {
      let child = map.get(level);
      if (child === undefined) {
        child = this.newNode();
        map.set(level, child);
      }
      return child;
    }
    if (node.childKey === level) return node.child as TrieNode<K, T>;
    const child = this.newNode();
    if (node.childKey === null) {
      node.childKey = level;
      node.child = child;
    } else {
      // A second literal child: promote the inline pair to a Map.
      node.children = new Map([
        [node.childKey, node.child as TrieNode<K, T>],
        [level, child],
      ]);
      node.childKey = null;
      node.child = null;
    }
    return child;
  }

  private newNode(): TrieNode<K, T> {
    this.nodes++;
    return new TrieNode();
  }
}

/** The literal child for topic[start, end). */
function literalChild<K, T>(
  node: TrieNode<K, T>,
  topic: string,
  start: number,
  end: number,
): TrieNode<K, T> | null {
  const map = node.children;
  if (map !== null) return map.get(topic.slice(start, end)) ?? null;
  const key = node.childKey;
  // slice + === measured ~2x faster than startsWith(key, start); the length test skips most misses.
  if (key !== null && key.length === end - start && topic.slice(start, end) === key) {
    return node.child;
  }
  return null;
}

function findChild<K, T>(node: TrieNode<K, T>, level: string): TrieNode<K, T> | null {
  if (level.length === 1) {
    const c = level.charCodeAt(0);
    if (c === PLUS) return node.plus;
    if (c === HASH) return node.hash;
  }
  if (node.children !== null) return node.children.get(level) ?? null;
  return node.childKey === level ? node.child : null;
}

function unlinkChild<K, T>(node: TrieNode<K, T>, level: string): void {
  if (level === '+') {
    node.plus = null;
  } else if (level === '#') {
    node.hash = null;
  } else if (node.children !== null) {
    const map = node.children;
    map.delete(level);
    if (map.size === 1) {
      // Back to the inline form to give the Map's memory back.
      for (const [k, v] of map) {
        node.childKey = k;
        node.child = v;
      }
      node.children = null;
    }
  } else if (node.childKey === level) {
    node.childKey = null;
    node.child = null;
  }
}

function removeEntry<K, T>(node: TrieNode<K, T>, key: K, group: string | null): boolean {
  if (group === null) {
    if (!node.deleteSub(key)) return false;
  } else {
    const shared = node.shared;
    if (shared === null) return false;
    const g = shared.get(group);
    if (g === undefined || !g.delete(key)) return false;
    if (g.size === 0) shared.delete(group);
    if (shared.size === 0) node.shared = null;
  }
  if (node.subCount === 0 && node.shared === null) node.filter = '';
  return true;
}

/** Visits the entries of a node whose filter ends exactly at the topic's end. */
function emitEnd<K, T>(
  node: TrieNode<K, T>,
  onSub: SubscriptionVisitor<K, T, unknown> | null,
  onGroup: GroupVisitor<K, T, unknown> | null,
  ctx: unknown,
): number {
  let visits = emit(node, onSub, onGroup, ctx);
  // 'a/#' also matches 'a' [MQTT-4.7.1-2].
  if (node.hash !== null) visits += emit(node.hash, onSub, onGroup, ctx);
  return visits;
}

function emit<K, T>(
  node: TrieNode<K, T>,
  onSub: SubscriptionVisitor<K, T, unknown> | null,
  onGroup: GroupVisitor<K, T, unknown> | null,
  ctx: unknown,
): number {
  let visits = 0;
  const count = node.subCount;
  if (onSub !== null && count !== 0) {
    if (count === 1) {
      onSub(node.soloValue as T, node.soloKey as K, node.filter, ctx);
    } else {
      const subs = node.subs as MemberList<K, T>;
      const filter = node.filter;
      for (let i = 0; i < count; i++) onSub(subs.valueAt(i), subs.keyAt(i), filter, ctx);
    }
    visits += count;
  }
  if (onGroup !== null) {
    const shared = node.shared;
    if (shared !== null) {
      const size = shared.size;
      for (let i = 0; i < size; i++) onGroup(shared.valueAt(i), ctx);
      visits += size;
    }
  }
  return visits;
}
