// One level of the subscription trie (see trie.ts for the design).
//
// Memory and cache misses both matter at 100k+ subscriptions, so the common shapes are
// stored inline: a single literal child as a (key, node) pair instead of a Map, and a single
// non-shared subscriber as (soloKey, soloValue) instead of a MemberList. A match that ends
// on such a node touches no other object.
import { MemberList, type SharedGroup } from './member-list.js';

export class TrieNode<K, T> {
  childKey: string | null;
  child: TrieNode<K, T> | null;
  children: Map<string, TrieNode<K, T>> | null;
  plus: TrieNode<K, T> | null;
  hash: TrieNode<K, T> | null;
  /** The filter that ends at this node ('' while none does). */
  filter: string;
  /** Non-shared subscribers: 0, 1 (inline in solo*), or more (all in `subs`). */
  subCount: number;
  soloKey: K | undefined;
  soloValue: T | undefined;
  subs: MemberList<K, T> | null;
  shared: MemberList<string, SharedGroup<K, T>> | null;

  constructor() {
    this.childKey = null;
    this.child = null;
    this.children = null;
    this.plus = null;
    this.hash = null;
    this.filter = '';
    this.subCount = 0;
    this.soloKey = undefined;
    this.soloValue = undefined;
    this.subs = null;
    this.shared = null;
  }

  isEmpty(): boolean {
    return (
      this.subCount === 0 &&
      this.shared === null &&
      this.childKey === null &&
      this.children === null &&
      this.plus === null &&
      this.hash === null
    );
  }

  getSub(key: K): T | undefined {
    if (this.subCount === 1) return this.soloKey === key ? this.soloValue : undefined;
    return this.subs?.get(key);
  }

  /** Sets the subscriber's value; true when the key was new. */
  setSub(key: K, value: T): boolean {
    const n = this.subCount;
    if (n === 0) {
      this.soloKey = key;
      this.soloValue = value;
      this.subCount = 1;
      return true;
    }
    if (n === 1) {
      if (this.soloKey === key) {
        this.soloValue = value;
        return false;
      }
      // A second subscriber: move both into a list.
      const list = new MemberList<K, T>();
      list.set(this.soloKey as K, this.soloValue as T);
      list.set(key, value);
      this.subs = list;
      this.soloKey = undefined;
      this.soloValue = undefined;
      this.subCount = 2;
      return true;
    }
    const subs = this.subs as MemberList<K, T>;
    const added = subs.set(key, value);
    if (added) this.subCount++;
    return added;
  }

  /** Removes the subscriber; false when absent. */
  deleteSub(key: K): boolean {
    const n = this.subCount;
    if (n === 0) return false;
    if (n === 1) {
      if (this.soloKey !== key) return false;
      this.soloKey = undefined;
      this.soloValue = undefined;
      this.subCount = 0;
      return true;
    }
    const subs = this.subs as MemberList<K, T>;
    if (!subs.delete(key)) return false;
    if (n === 2) {
      // Back to inline.
      this.soloKey = subs.keyAt(0);
      this.soloValue = subs.valueAt(0);
      this.subs = null;
    }
    this.subCount = n - 1;
    return true;
  }
}
