// Size and duration strings of nanomq.conf: `10MB`, `512KB`, `1GB`, `10s`, `500ms`, `5m`, `1h`.

const SIZE_FACTORS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

const DURATION_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const AMOUNT = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

/** Bytes in a size such as `1024`, `512KB`, `10MB`, `1GB` (binary units, case-insensitive); null if not a size. */
export function parseSize(text: string): number | null {
  const m = AMOUNT.exec(text);
  if (m === null) return null;
  const factor = SIZE_FACTORS[(m[2] ?? '').toLowerCase() || 'b'];
  if (factor === undefined) return null;
  return Math.round(Number(m[1]) * factor);
}

/**
 * A duration such as `10s`, `500ms`, `5m`, `1h`, `2d` in `unit`; a bare number is already in
 * `unit`. Null if not a duration.
 */
export function parseDuration(text: string, unit: 'ms' | 's'): number | null {
  const m = AMOUNT.exec(text);
  if (m === null) return null;
  const suffix = (m[2] ?? '').toLowerCase();
  const value = Number(m[1]);
  if (suffix === '') return value;
  const ms = DURATION_MS[suffix];
  if (ms === undefined) return null;
  return unit === 'ms' ? value * ms : (value * ms) / 1000;
}

/** `268435456` → `256MB`; exact multiples only, else bytes. */
export function formatSize(bytes: number): string {
  for (const [suffix, factor] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${suffix}`;
  }
  return `${bytes}B`;
}
