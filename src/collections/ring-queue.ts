/**
 * A growable FIFO ring buffer: O(1) push and shift without Array.shift's O(n) moves.
 * Capacity doubles when full (session queues are bounded by max_mqueue_len elsewhere).
 */
export class RingQueue<T> {
  private items: (T | undefined)[];
  private head: number;
  private count: number;

  /** Storage is allocated on the first push: most sessions never queue anything. */
  constructor() {
    this.items = [];
    this.head = 0;
    this.count = 0;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.count = 0;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const out = this.toArray();
    this.clear();
    return out;
  }

  /** Items in FIFO order (a copy). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++)
      out.push(this.items[(this.head + i) % this.items.length] as T);
    return out;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.max(8, this.items.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
