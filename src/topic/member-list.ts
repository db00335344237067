// Key/value lists for trie nodes and shared groups.
//
// Matching iterates these on every PUBLISH, so entries live in one dense array (no iterator
// objects, no [k, v] pair arrays). Removal swaps the last entry into the hole, so it is O(1) and
// order is not kept. Lookup by key is a linear scan while the list is short (most filters
// have one or two subscribers, and a Map per node would dominate memory); past INDEX_AT
// entries a Map from key to slot keeps add/remove O(1). Keys compare with ===.

const INDEX_AT = 16;

export class MemberList<K, V> {
  // [k0, v0, k1, v1, ...]: one array instead of two saves ~48 bytes per list.
  private entries: (K | V)[];
  private index: Map<K, number> | null;

  constructor() {
    this.entries = [];
    this.index = null;
  }

  get size(): number {
    return this.entries.length >> 1;
  }

  /** Key in slot `i` (0 <= i < size). Slots move on delete. */
  keyAt(i: number): K {
    return this.entries[i << 1] as K;
  }

  /** Value in slot `i` (0 <= i < size). */
  valueAt(i: number): V {
    return this.entries[(i << 1) + 1] as V;
  }

  /** Slot of `key`, or -1. */
  indexOf(key: K): number {
    if (this.index !== null) return this.index.get(key) ?? -1;
    const e = this.entries;
    for (let j = 0; j < e.length; j += 2) if (e[j] === key) return j >> 1;
    return -1;
  }

  has(key: K): boolean {
    return this.indexOf(key) !== -1;
  }

  get(key: K): V | undefined {
    const i = this.indexOf(key);
    return i === -1 ? undefined : (this.entries[(i << 1) + 1] as V);
  }

  /** Sets the value for `key`; true when the key was new, false when its value was replaced. */
  set(key: K, value: V): boolean {
    const i = this.indexOf(key);
    if (i !== -1) {
      this.entries[(i << 1) + 1] = value;
      return false;
    }
    const slot = this.size;
    if (slot === 0) {
      // Exact size: a first push() would reserve 17 elements, and most lists keep one entry.
      this.entries = [key, value];
    } else {
      this.entries.push(key, value);
    }
    if (this.index !== null) this.index.set(key, slot);
    else if (slot + 1 > INDEX_AT) this.buildIndex();
    return true;
  }

  /** Removes `key`; false when it was absent. */
  delete(key: K): boolean {
    const i = this.indexOf(key);
    if (i === -1) return false;
    const e = this.entries;
    const last = e.length - 2;
    const j = i << 1;
    if (j !== last) {
      const movedKey = e[last] as K;
      e[j] = movedKey;
      e[j + 1] = e[last + 1] as V;
      if (this.index !== null) this.index.set(movedKey, i);
    }
    e.length = last;
    if (this.index !== null) {
      this.index.delete(key);
      // Drop the index once the list is short again (with hysteresis against flapping).
      if (last >> 1 <= INDEX_AT / 2) this.index = null;
    }
    return true;
  }

  private buildIndex(): void {
    const index = new Map<K, number>();
    const e = this.entries;
    for (let j = 0; j < e.length; j += 2) index.set(e[j] as K, j >> 1);
    this.index = index;
  }
}

/**
 * The members of one shared subscription (ShareName + filter) [MQTT-4.8.2]: the router picks
 * one member per group for each message. Members are in dense slots so a pick by index is
 * O(1); `cursor` is free for the router's round-robin state.
 */
export class SharedGroup<K, T> extends MemberList<K, T> {
  readonly name: string;
  readonly filter: string;
  cursor: number;

  constructor(name: string, filter: string) {
    super();
    this.name = name;
    this.filter = filter;
    this.cursor = 0;
  }
}
