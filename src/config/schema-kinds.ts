// Building blocks of the config schema: TypeBox types that also carry what the loader and
// the docs generator need (unit, status, a readable default). The metadata lives in
// `x-` keywords on the JSON Schema, so the schema stays one plain TypeBox object.
import type {
  TArray,
  TBoolean,
  TInteger,
  TLiteral,
  TNumber,
  TObject,
  TProperties,
  TRecord,
  TSchema,
  TString,
  TUnion,
  TUnknown,
} from '@sinclair/typebox';
import { Type } from './schema-builder.js';
import { formatSize, parseDuration, parseSize } from './units.js';

/**
 * What edgemq does with a key:
 * - `supported`: it takes effect.
 * - `planned`: accepted and reported at start-up as "not implemented yet" (whole subtree).
 * - `default-only`: only the default is meaningful in edgemq; another value is reported.
 */
export type Status = 'supported' | 'planned' | 'default-only';

/** The `x-` keywords of our schemas. */
export const META = {
  kind: 'x-kind',
  unit: 'x-unit',
  status: 'x-status',
  note: 'x-note',
  defaultText: 'x-default-text',
  instance: 'x-instance',
  extension: 'x-edgemq-only',
  hot: 'x-hot-update',
} as const;

export type ValueKind = 'size' | 'duration' | 'bind' | 'list';

export interface Doc {
  description: string;
  status?: Status;
  /** Why a key is planned / default-only, or anything else a reader needs. */
  note?: string;
  /** True for keys NanoMQ does not have. */
  extension?: boolean;
  /** `edgemq reload` applies a new value without restarting (NanoMQ's "hot updatable"). */
  hot?: boolean;
}

function meta(doc: Doc, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { description: doc.description, ...extra };
  if (doc.status !== undefined && doc.status !== 'supported') out[META.status] = doc.status;
  if (doc.note !== undefined) out[META.note] = doc.note;
  if (doc.extension === true) out[META.extension] = true;
  if (doc.hot === true) out[META.hot] = true;
  return out;
}

interface Range {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

function range(r: Range): Record<string, number> {
  const out: Record<string, number> = {};
  if (r.minimum !== undefined) out.minimum = r.minimum;
  if (r.maximum !== undefined) out.maximum = r.maximum;
  if (r.exclusiveMinimum !== undefined) out.exclusiveMinimum = r.exclusiveMinimum;
  return out;
}

function withDefault(value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { default: value };
}

export function Int(doc: Doc & Range & { default?: number }): TInteger {
  return Type.Integer({ ...meta(doc), ...range(doc), ...withDefault(doc.default) });
}

export function Num(doc: Doc & Range & { default?: number }): TNumber {
  return Type.Number({ ...meta(doc), ...range(doc), ...withDefault(doc.default) });
}

export function Bool(doc: Doc & { default?: boolean }): TBoolean {
  return Type.Boolean({ ...meta(doc), ...withDefault(doc.default) });
}

export function Str(doc: Doc & { default?: string }): TString {
  return Type.String({ ...meta(doc), ...withDefault(doc.default) });
}

/** `host:port` (IPv6 in brackets), optionally followed by a `/path` (WebSocket). */
export function Bind(doc: Doc & { default?: string }): TString {
  return Type.String({
    ...meta(doc, { [META.kind]: 'bind' }),
    ...withDefault(doc.default),
  });
}

/** One of fixed strings (case-insensitive on input). */
export function Enum<const T extends readonly string[]>(
  values: T,
  doc: Doc & { default?: T[number] },
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v: T[number]) => Type.Literal(v)),
    { ...meta(doc), ...withDefault(doc.default) },
  );
}

/** One of fixed numbers (MQTT protocol version, QoS). */
export function NumEnum<const T extends readonly number[]>(
  values: T,
  doc: Doc & { default?: T[number] },
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v: T[number]) => Type.Literal(v)),
    { ...meta(doc), ...withDefault(doc.default) },
  );
}

/** A list; on input also `a,b` or `a|b` in one string (legacy files, env vars). */
export function List<T extends TSchema>(items: T, doc: Doc & { default?: unknown[] }): TArray<T> {
  return Type.Array(items, { ...meta(doc, { [META.kind]: 'list' }), ...withDefault(doc.default) });
}

/** A size in bytes; input `1024`, `64KB`, `10MB`, `1GB` (binary units). */
export function Size(doc: Doc & { default?: string; min?: string; max?: string }): TInteger {
  const bytes = (text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = parseSize(text);
    if (n === null) throw new Error(`schema: bad size ${text}`);
    return n;
  };
  const r: Range = {};
  const min = bytes(doc.min);
  const max = bytes(doc.max);
  if (min !== undefined) r.minimum = min;
  if (max !== undefined) r.maximum = max;
  const def = bytes(doc.default);
  return Type.Integer({
    ...meta(doc, { [META.kind]: 'size', [META.unit]: 'B' }),
    ...range(r),
    ...withDefault(def),
    ...(def === undefined ? {} : { [META.defaultText]: formatSize(def) }),
  });
}

/** A duration in `unit`; input `500ms`, `10s`, `5m`, `1h`, `1d`, or a bare number in `unit`. */
export function Duration(unit: 'ms' | 's', doc: Doc & Range & { default?: string }): TNumber {
  let def: number | undefined;
  if (doc.default !== undefined) {
    const n = parseDuration(doc.default, unit);
    if (n === null) throw new Error(`schema: bad duration ${doc.default}`);
    def = n;
  }
  return Type.Number({
    ...meta(doc, { [META.kind]: 'duration', [META.unit]: unit }),
    ...range(doc),
    ...withDefault(def),
    ...(doc.default === undefined ? {} : { [META.defaultText]: doc.default }),
  });
}

/** A block of known keys (unknown keys are reported). */
export function Section<T extends TProperties>(
  properties: T,
  doc: Doc & { default?: unknown },
): TObject<T> {
  return Type.Object(properties, {
    ...meta(doc),
    additionalProperties: false,
    ...withDefault(doc.default),
  });
}

/**
 * A block of known keys plus any number of named instances of `instance` beside them, as in
 * `listeners.tcp { bind = ... }` with `listeners.tcp.<name> { bind = ... }`.
 */
export function WithInstances<T extends TProperties>(
  properties: T,
  instance: TSchema,
  doc: Doc & { default?: unknown },
): TObject<T> {
  return Type.Object(properties, {
    ...meta(doc, { [META.instance]: true }),
    additionalProperties: instance,
    ...withDefault(doc.default),
  });
}

/** Named instances only: `bridges.aws.<name> { ... }`. */
export function Instances<T extends TSchema>(instance: T, doc: Doc): TRecord<TString, T> {
  return Type.Record(Type.String(), instance, meta(doc, { [META.instance]: true }));
}

/** Free-form `{ name = "value" }` pairs (HTTP headers, user properties, passwords). */
export function StrMap(doc: Doc): TRecord<TString, TString> {
  return Type.Record(Type.String(), Type.String(), meta(doc));
}

/** Accepted as is, not validated (sections edgemq neither implements nor documents yet). */
export function Loose(doc: Doc): TUnknown {
  return Type.Unknown(meta(doc));
}

// ---- reading the metadata back ----

export function kindOf(schema: TSchema): ValueKind | undefined {
  return schema[META.kind] as ValueKind | undefined;
}

export function statusOf(schema: TSchema): Status {
  return (schema[META.status] as Status | undefined) ?? 'supported';
}

export function noteOf(schema: TSchema): string | undefined {
  return schema[META.note] as string | undefined;
}

/** True for keys `edgemq reload` may change without a restart. */
export function isHotUpdatable(schema: TSchema): boolean {
  return schema[META.hot] === true;
}

export function unitOf(schema: TSchema): 'ms' | 's' | 'B' | undefined {
  return schema[META.unit] as 'ms' | 's' | 'B' | undefined;
}
