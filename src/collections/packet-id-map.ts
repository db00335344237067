// A map from MQTT packet identifiers (1..65535) to values, for a session's in-flight
// messages: a set and a delete per QoS 1 message. A JS Map rehashes into a new table every
// few set/delete cycles when it holds one or two entries (~4% of the bytes the broker
// allocated per message in the latency benchmark, docs/benchmarks.md); this table is open
// addressing with linear probing and backward-shift deletion, so it allocates only when it
// grows. Iteration is in insertion order (resend order [MQTT-4.6.0-1]) and is the slow,
// rare path: it sorts a snapshot.

const EMPTY = 0;
const MIN_CAPACITY = 16;

export class PacketIdMap<V> {
  /** Packet id per slot; 0 = empty (0 is not a packet id [MQTT-2.2.1-3]). */
  private keys: Uint16Array;
  private vals: (V | undefined)[];
  /** Insertion sequence per slot, for iteration in insertion order. */
  private order: Float64Array;
  private mask: number;
  private count: number;
  private nextOrder: number;

  constructor() {
    this.keys = new Uint16Array(MIN_CAPACITY);
    this.vals = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.order = new Float64Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
    this.nextOrder = 0;
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.slotOf(id) !== -1;
  }

  get(id: number): V | undefined {
    const slot = this.slotOf(id);
    return slot === -1 ? undefined : this.vals[slot];
  }

  /** Adds or replaces (a replaced entry keeps its place in the order). */
  set(id: number, value: V): this {
    if (id < 1 || id > 65_535) throw new RangeError(`packet id ${id} is not in 1..65535`);
    let slot = id & this.mask;
    for (;;) {
      const k = this.keys[slot] as number;
      if (k === id) {
        this.vals[slot] = value;
        return this;
      }
      if (k === EMPTY) break;
      slot = (slot + 1) & this.mask;
    }
    this.keys[slot] = id;
    this.vals[slot] = value;
    this.order[slot] = this.nextOrder++;
    this.count++;
    if (this.count * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
    return this;
  }

  delete(id: number): boolean {
    let slot = this.slotOf(id);
    if (slot === -1) return false;
    this.count--;
    // Backward shift: move later entries of the probe run into the hole, so no tombstones.
    const mask = this.mask;
    let next = (slot + 1) & mask;
    for (;;) {
      const k = this.keys[next] as number;
      if (k === EMPTY) break;
      const home = k & mask;
      // The entry at `next` may fill the hole if its home is not within (slot, next].
      if (((next - home) & mask) >= ((next - slot) & mask)) {
        this.keys[slot] = k;
        this.vals[slot] = this.vals[next];
        this.order[slot] = this.order[next] as number;
        slot = next;
      }
      next = (next + 1) & mask;
    }
    this.keys[slot] = EMPTY;
    this.vals[slot] = undefined;
    return true;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.vals.fill(undefined);
    this.count = 0;
  }

  /** The values in insertion order (a snapshot: the map may change while it is used). */
  values(): V[] {
    const slots: number[] = [];
    for (let i = 0; i <= this.mask; i++) if (this.keys[i] !== EMPTY) slots.push(i);
    slots.sort((a, b) => (this.order[a] as number) - (this.order[b] as number));
    return slots.map((i) => this.vals[i] as V);
  }

  private slotOf(id: number): number {
    let slot = id & this.mask;
    for (;;) {
      const k = this.keys[slot] as number;
      if (k === id) return slot;
      if (k === EMPTY) return -1;
      slot = (slot + 1) & this.mask;
    }
  }

  private resize(capacity: number): void {
    const keys = this.keys;
    const vals = this.vals;
    const order = this.order;
    this.keys = new Uint16Array(capacity);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.order = new Float64Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k === EMPTY) continue;
      let slot = k & this.mask;
      while (this.keys[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.keys[slot] = k;
      this.vals[slot] = vals[i];
      this.order[slot] = order[i] as number;
    }
  }
}
