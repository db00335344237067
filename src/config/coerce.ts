// Walks the schema alongside a raw config tree: converts values (units, "true", "4"), fills
// defaults, validates ranges and enums, and reports what edgemq ignores. Every rule comes
// from the schema (types, minimum/maximum, default, x- keywords); this file only reads them.
import { isDeepStrictEqual } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { type Origin, withOrigin } from './errors.js';
import { isRawObject, pathKey } from './raw.js';
import { KindGuard, OptionalKind } from './schema-builder.js';
import { kindOf, noteOf, statusOf, unitOf } from './schema-kinds.js';
import { formatSize, parseDuration, parseSize } from './units.js';

export interface CoerceResult {
  value: Record<string, unknown>;
  warnings: string[];
  /** Invalid values (start-up must stop). */
  errors: string[];
}

/** Returned for an invalid value (the value is left out). */
const DROP: unique symbol = Symbol('drop');

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);
const BIND = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]*):(\d{1,5})(\/\S*)?$/;

function isOptional(schema: TSchema): boolean {
  return schema[OptionalKind] === 'Optional';
}

function isSection(schema: TSchema): boolean {
  return KindGuard.IsObject(schema);
}

/** How a raw value reads in a message: strings quoted, compound values described. */
export function showValue(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw);
  if (Array.isArray(raw)) return 'a list';
  if (isRawObject(raw)) return 'a { ... } block';
  return String(raw);
}

function literalsOf(schema: TSchema): unknown[] {
  return KindGuard.IsUnion(schema) ? schema.anyOf.map((s) => (s as { const?: unknown }).const) : [];
}

function formatBound(schema: TSchema, n: number): string {
  const kind = kindOf(schema);
  if (kind === 'size') return formatSize(n);
  if (kind === 'duration') return `${n}${unitOf(schema) ?? ''}`;
  return String(n);
}

function rangeText(schema: TSchema): string {
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  const xmin = schema.exclusiveMinimum as number | undefined;
  if (min !== undefined && max !== undefined)
    return ` between ${formatBound(schema, min)} and ${formatBound(schema, max)}`;
  if (xmin !== undefined) return ` > ${formatBound(schema, xmin)}`;
  if (min !== undefined) return ` >= ${formatBound(schema, min)}`;
  if (max !== undefined) return ` <= ${formatBound(schema, max)}`;
  return '';
}

/** What a schema accepts, for "(expected ...)". */
export function expectedText(schema: TSchema): string {
  const kind = kindOf(schema);
  if (KindGuard.IsObject(schema) || KindGuard.IsRecord(schema)) return 'a { ... } block';
  if (KindGuard.IsArray(schema)) {
    const items = literalsOf(schema.items);
    return items.length > 0 ? `a list of ${items.join(', ')}` : 'a list [ ... ]';
  }
  if (KindGuard.IsUnion(schema)) return `one of ${literalsOf(schema).join(', ')}`;
  if (kind === 'size') return `a size such as 1024, 64KB, 10MB or 1GB${rangeText(schema)}`;
  if (kind === 'duration') {
    const unit = unitOf(schema) === 'ms' ? 'milliseconds' : 'seconds';
    return `a duration such as 500ms, 10s, 5m or 1h (a bare number is ${unit})${rangeText(schema)}`;
  }
  if (KindGuard.IsInteger(schema)) return `an integer${rangeText(schema)}`;
  if (KindGuard.IsNumber(schema)) return `a number${rangeText(schema)}`;
  if (KindGuard.IsBoolean(schema)) return 'true or false';
  if (kind === 'bind') return 'HOST:PORT such as "0.0.0.0:1883"';
  return 'a string';
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

class Walker {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  private readonly origins: ReadonlyMap<string, Origin>;

  constructor(origins: ReadonlyMap<string, Origin>) {
    this.origins = origins;
  }

  /** The origin of `path` or of its nearest ancestor that has one. */
  private originOf(path: readonly string[]): Origin | undefined {
    for (let n = path.length; n > 0; n--) {
      const o = this.origins.get(pathKey(path.slice(0, n)));
      if (o !== undefined) return o;
    }
    return undefined;
  }

  /** The first origin (by position) of anything under `path`. */
  private firstOriginUnder(path: readonly string[]): Origin | undefined {
    const prefix = `${pathKey(path)}.`;
    let best: Origin | undefined;
    for (const [key, o] of this.origins) {
      if (!key.startsWith(prefix) || o.kind !== 'file') continue;
      if (best?.kind !== 'file' || o.line < best.line) best = o;
    }
    return best;
  }

  private warn(path: readonly string[], message: string): void {
    const origin = this.originOf(path) ?? this.firstOriginUnder(path);
    this.warnings.push(withOrigin(origin, `${pathKey(path)}: ${message}`));
  }

  private problem(
    schema: TSchema,
    raw: unknown,
    path: readonly string[],
    what: string,
    lenient: boolean,
  ): typeof DROP {
    if (!lenient) {
      const message = `${pathKey(path)}: ${showValue(raw)} ${what} (expected ${expectedText(schema)})`;
      this.errors.push(withOrigin(this.originOf(path), message));
    }
    return DROP;
  }

  walk(schema: TSchema, raw: unknown, path: readonly string[], lenient: boolean): unknown {
    if (KindGuard.IsObject(schema)) return this.object(schema, raw, path, lenient);
    if (KindGuard.IsRecord(schema)) return this.record(schema, raw, path, lenient);
    if (KindGuard.IsArray(schema)) return this.array(schema, raw, path, lenient);
    if (KindGuard.IsUnion(schema)) return this.oneOf(schema, raw, path, lenient);
    if (KindGuard.IsInteger(schema) || KindGuard.IsNumber(schema))
      return this.number(schema, raw, path, lenient);
    if (KindGuard.IsBoolean(schema)) return this.boolean(schema, raw, path, lenient);
    if (KindGuard.IsString(schema)) return this.string(schema, raw, path, lenient);
    if (KindGuard.IsUnknown(schema)) return raw;
    throw new Error(`config schema: unsupported type at ${pathKey(path)}`);
  }

  private object(
    schema: TSchema & { properties: Record<string, TSchema>; additionalProperties?: unknown },
    raw: unknown,
    path: readonly string[],
    lenient: boolean,
  ): unknown {
    if (!isRawObject(raw)) return this.problem(schema, raw, path, 'is not a block', lenient);
    const out: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries(schema.properties)) {
      const childPath = [...path, name];
      let value: unknown = Object.hasOwn(raw, name) ? raw[name] : undefined;
      if (value === null) {
        if (isOptional(prop)) continue; // `key = null` turns an optional block off
        value = undefined;
      }
      const def: unknown = prop.default;
      if (value === undefined) {
        if (def !== undefined)
          this.put(out, name, this.walk(prop, structuredClone(def), childPath, lenient));
        else if (isSection(prop) && !isOptional(prop))
          this.put(out, name, this.walk(prop, {}, childPath, lenient));
        continue;
      }
      const status = statusOf(prop);
      let childLenient = lenient;
      if (!lenient && status === 'planned') {
        const note = noteOf(prop);
        this.warn(
          childPath,
          `not implemented yet (ignored${note === undefined ? '' : `; ${note}`})`,
        );
        childLenient = true;
      }
      const result = this.walk(prop, value, childPath, childLenient);
      if (result === DROP) {
        if (def !== undefined)
          this.put(out, name, this.walk(prop, structuredClone(def), childPath, true));
        continue;
      }
      if (!lenient && status === 'default-only' && !isDeepStrictEqual(result, def)) {
        this.warn(
          childPath,
          `${showValue(result)} has no effect (${noteOf(prop) ?? 'only the default is supported'})`,
        );
      }
      out[name] = result;
    }
    const extra = schema.additionalProperties;
    for (const [key, value] of Object.entries(raw)) {
      if (Object.hasOwn(schema.properties, key)) continue;
      if (KindGuard.IsSchema(extra)) {
        this.put(out, key, this.walk(extra, value, [...path, key], lenient));
      } else if (extra !== false) {
        out[key] = value;
      } else if (!lenient) {
        const near = Object.keys(schema.properties)
          .map((k) => ({ k, d: distance(k, key) }))
          .filter((c) => c.d <= Math.max(1, Math.floor(key.length / 4)))
          .sort((a, b) => a.d - b.d)[0];
        const hint = near === undefined ? '' : `; did you mean ${pathKey([...path, near.k])}?`;
        this.warn([...path, key], `unknown key (ignored${hint})`);
      }
    }
    return out;
  }

  private put(out: Record<string, unknown>, name: string, value: unknown): void {
    if (value !== DROP) out[name] = value;
  }

  private record(
    schema: TSchema & { patternProperties: Record<string, TSchema> },
    raw: unknown,
    path: readonly string[],
    lenient: boolean,
  ): unknown {
    if (!isRawObject(raw)) return this.problem(schema, raw, path, 'is not a block', lenient);
    const item = Object.values(schema.patternProperties)[0];
    if (item === undefined) return { ...raw };
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw))
      this.put(out, key, this.walk(item, value, [...path, key], lenient));
    return out;
  }

  private array(
    schema: TSchema & { items: TSchema },
    raw: unknown,
    path: readonly string[],
    lenient: boolean,
  ): unknown {
    const scalarItems = !KindGuard.IsObject(schema.items) && !KindGuard.IsRecord(schema.items);
    let list: unknown[];
    if (Array.isArray(raw)) list = raw;
    else if (typeof raw === 'string' && scalarItems) {
      list = raw
        .split(/[,|]/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
    } else if ((typeof raw === 'number' || typeof raw === 'boolean') && scalarItems) list = [raw];
    else return this.problem(schema, raw, path, 'is not a list', lenient);
    const out: unknown[] = [];
    let failed = false;
    for (const [i, item] of list.entries()) {
      const r = this.walk(schema.items, item, [...path, String(i)], lenient);
      if (r === DROP) failed = true;
      else out.push(r);
    }
    return failed && !lenient ? DROP : out;
  }

  private oneOf(schema: TSchema, raw: unknown, path: readonly string[], lenient: boolean): unknown {
    const literals = literalsOf(schema);
    for (const lit of literals) {
      if (lit === raw) return lit;
      if (typeof raw === 'string') {
        const text = raw.trim();
        if (typeof lit === 'string' && lit.toLowerCase() === text.toLowerCase()) return lit;
        if (typeof lit === 'number' && NUMBER.test(text) && Number(text) === lit) return lit;
      }
    }
    return this.problem(schema, raw, path, 'is not a valid choice', lenient);
  }

  private number(
    schema: TSchema,
    raw: unknown,
    path: readonly string[],
    lenient: boolean,
  ): unknown {
    const kind = kindOf(schema);
    let n: number | null = null;
    if (typeof raw === 'number') n = raw;
    else if (typeof raw === 'string') {
      if (kind === 'size') n = parseSize(raw);
      else if (kind === 'duration') n = parseDuration(raw, unitOf(schema) === 'ms' ? 'ms' : 's');
      else if (NUMBER.test(raw.trim())) n = Number(raw.trim());
    }
    if (n === null || !Number.isFinite(n)) {
      const what =
        kind === 'size'
          ? 'is not a size'
          : kind === 'duration'
            ? 'is not a duration'
            : 'is not a number';
      return this.problem(schema, raw, path, what, lenient);
    }
    if (KindGuard.IsInteger(schema) && !Number.isInteger(n)) {
      return this.problem(schema, raw, path, 'is not a whole number', lenient);
    }
    const min = schema.minimum as number | undefined;
    const max = schema.maximum as number | undefined;
    const xmin = schema.exclusiveMinimum as number | undefined;
    if (
      (min !== undefined && n < min) ||
      (max !== undefined && n > max) ||
      (xmin !== undefined && n <= xmin)
    ) {
      return this.problem(schema, raw, path, 'is out of range', lenient);
    }
    return n;
  }

  private boolean(
    schema: TSchema,
    raw: unknown,
    path: readonly string[],
    lenient: boolean,
  ): unknown {
    if (typeof raw === 'boolean') return raw;
    const text = String(raw).trim().toLowerCase();
    if ((typeof raw === 'string' || typeof raw === 'number') && TRUE.has(text)) return true;
    if ((typeof raw === 'string' || typeof raw === 'number') && FALSE.has(text)) return false;
    return this.problem(schema, raw, path, 'is not a boolean', lenient);
  }

  private string(
    schema: TSchema,
    raw: unknown,
    path: readonly string[],
    lenient: boolean,
  ): unknown {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      return this.problem(schema, raw, path, 'is not a string', lenient);
    }
    const text = String(raw);
    if (kindOf(schema) === 'bind') {
      const m = BIND.exec(text.trim());
      if (m === null || Number(m[2]) > 65535)
        return this.problem(schema, raw, path, 'is not a valid address', lenient);
      return text.trim();
    }
    return text;
  }
}

/** Converts and validates `raw` against `schema`; never throws for bad input (see errors). */
export function coerce(
  schema: TSchema,
  raw: Record<string, unknown>,
  origins: ReadonlyMap<string, Origin>,
): CoerceResult {
  const walker = new Walker(origins);
  const value = walker.walk(schema, raw, [], false);
  return {
    value: isRawObject(value) ? value : {},
    warnings: walker.warnings,
    errors: walker.errors,
  };
}
