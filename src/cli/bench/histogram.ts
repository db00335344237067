// A latency histogram for the bench tools: microsecond values in log-linear buckets (exact
// below 64 µs, then 32 buckets per power of two: about 3% resolution), fixed memory, and
// O(1) per sample, so recording costs nothing next to receiving the message.

const LINEAR = 64;
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
/** Octaves 6..31 above the linear part: values up to 2^32 - 1 µs (71 minutes). */
const BUCKETS = LINEAR + (32 - 6) * SUB;
const MAX_VALUE = 0xffff_ffff;

function bucketOf(us: number): number {
  const v = us >= MAX_VALUE ? MAX_VALUE : us <= 0 ? 0 : Math.floor(us);
  if (v < LINEAR) return v;
  const e = 31 - Math.clz32(v); // >= 6
  return LINEAR + (e - 6) * SUB + ((v >>> (e - SUB_BITS)) & (SUB - 1));
}

/** The smallest value of a bucket and its width. */
function bucketRange(index: number): [number, number] {
  if (index < LINEAR) return [index, 1];
  const k = index - LINEAR;
  const e = 6 + Math.floor(k / SUB);
  const width = 2 ** (e - SUB_BITS);
  return [(SUB + (k % SUB)) * width, width];
}

export class LatencyHistogram {
  private readonly counts: Float64Array;
  count: number;
  min: number;
  max: number;
  private sum: number;

  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.count = 0;
    this.min = Infinity;
    this.max = 0;
    this.sum = 0;
  }

  /** One sample in microseconds (negative values count as 0). */
  record(us: number): void {
    const v = us > 0 ? us : 0;
    (this.counts[bucketOf(v)] as number)++;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.min = Infinity;
    this.max = 0;
    this.sum = 0;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The value at quantile `q` (0..1) in µs: its bucket's middle, within [min, max]; 0 when empty. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (rank >= this.count) return this.max;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) {
        const [low, width] = bucketRange(i);
        const mid = width === 1 ? low : low + width / 2;
        return Math.min(Math.max(mid, this.min), this.max);
      }
    }
    return this.max;
  }
}
