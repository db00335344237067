// The TypeBox builders and kind guards the config schema uses, without loading TypeBox at run
// time. `@sinclair/typebox` is ~250 ES modules; importing it (plus `/value` for Value.Check)
// added ~10 MB to the idle RSS of `edgemq start` (docs/benchmarks.md, "Idle RSS"), while the
// schema only needs a dozen one-line constructors.
//
// The objects built here are TypeBox's own: the same keys, the same `Symbol.for('TypeBox.Kind')`
// and `Symbol.for('TypeBox.Optional')` markers, so TypeBox's Value, TypeCompiler and Static<>
// work on ConfigSchema unchanged (the tests and the docs generator use them).
// test/config/schema-builder.test.ts compares every builder with TypeBox's for the options the
// schema uses. Only types are imported from TypeBox here; they are erased by the compiler.
import type {
  ArrayOptions,
  IntegerOptions,
  Kind as TypeBoxKind,
  NumberOptions,
  ObjectOptions,
  OptionalKind as TypeBoxOptionalKind,
  SchemaOptions,
  StringOptions,
  TArray,
  TBoolean,
  TInteger,
  TLiteral,
  TLiteralValue,
  TNumber,
  TObject,
  TOptionalWithFlag,
  TProperties,
  TRecord,
  TSchema,
  TString,
  TUnion,
  TUnknown,
} from '@sinclair/typebox';

/** TypeBox's `Kind` symbol (a registered symbol, so the same value TypeBox uses). */
export const Kind: typeof TypeBoxKind = Symbol.for('TypeBox.Kind') as typeof TypeBoxKind;
/** TypeBox's `OptionalKind` symbol. */
export const OptionalKind: typeof TypeBoxOptionalKind = Symbol.for(
  'TypeBox.Optional',
) as typeof TypeBoxOptionalKind;

/** TypeBox's PatternStringExact: the key pattern of `Record(String(), ...)`. */
const ANY_KEY = '^(.*)$';

type Node = Record<string | symbol, unknown>;

/** TypeBox's CreateType with the default instance mode: options first, the schema over them. */
function create(schema: Node, options: object | undefined): Node {
  return options === undefined ? schema : { ...options, ...schema };
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null;
}

function isKindOf(value: unknown, kind: string): boolean {
  return isNode(value) && value[Kind] === kind;
}

/** The subset of TypeBox's `Type` (JsonTypeBuilder) that the config schema is written with. */
export interface SchemaBuilder {
  Object<T extends TProperties>(properties: T, options?: ObjectOptions): TObject<T>;
  Integer(options?: IntegerOptions): TInteger;
  Number(options?: NumberOptions): TNumber;
  Boolean(options?: SchemaOptions): TBoolean;
  String(options?: StringOptions): TString;
  Literal<V extends TLiteralValue>(value: V, options?: SchemaOptions): TLiteral<V>;
  /** Two or more members (TypeBox turns fewer into Never or the member itself). */
  Union<T extends TSchema[]>(types: [...T], options?: SchemaOptions): TUnion<T>;
  Array<T extends TSchema>(items: T, options?: ArrayOptions): TArray<T>;
  /** String keys only (`Type.Record(Type.String(), value)`). */
  Record<V extends TSchema>(key: TString, value: V, options?: ObjectOptions): TRecord<TString, V>;
  Unknown(options?: SchemaOptions): TUnknown;
  Optional<T extends TSchema>(schema: T): TOptionalWithFlag<T, true>;
}

const builders = {
  Object(properties: Record<string, unknown>, options?: object): Node {
    const required = Object.keys(properties).filter((key) => !isKindOptional(properties[key]));
    const schema: Node =
      required.length > 0
        ? { [Kind]: 'Object', type: 'object', required, properties }
        : { [Kind]: 'Object', type: 'object', properties };
    return create(schema, options);
  },
  Integer: (options?: object): Node => create({ [Kind]: 'Integer', type: 'integer' }, options),
  Number: (options?: object): Node => create({ [Kind]: 'Number', type: 'number' }, options),
  Boolean: (options?: object): Node => create({ [Kind]: 'Boolean', type: 'boolean' }, options),
  String: (options?: object): Node => create({ [Kind]: 'String', type: 'string' }, options),
  Literal: (value: TLiteralValue, options?: object): Node =>
    create({ [Kind]: 'Literal', const: value, type: typeof value }, options),
  Union(types: unknown[], options?: object): Node {
    if (types.length < 2) throw new Error('config schema: a union needs two or more members');
    return create({ [Kind]: 'Union', anyOf: types }, options);
  },
  Array: (items: unknown, options?: object): Node =>
    create({ [Kind]: 'Array', type: 'array', items }, options),
  Record(key: Node, value: unknown, options: object = {}): Node {
    if (!isKindOf(key, 'String') || key.pattern !== undefined)
      throw new Error('config schema: only Record(String(), ...) is supported');
    return create(
      { [Kind]: 'Record', type: 'object', patternProperties: { [ANY_KEY]: value } },
      options,
    );
  },
  Unknown: (options?: object): Node => create({ [Kind]: 'Unknown' }, options),
  Optional: (schema: Node): Node => ({ ...schema, [OptionalKind]: 'Optional' }),
};

function isKindOptional(value: unknown): boolean {
  return isNode(value) && value[OptionalKind] === 'Optional';
}

/** Builds schemas exactly as TypeBox's `Type` does (for the builders listed). */
export const Type = builders as unknown as SchemaBuilder;

/** TypeBox's KindGuard, for the kinds the schema uses: checks the `Kind` marker only. */
export const KindGuard = {
  IsObject: (value: unknown): value is TObject => isKindOf(value, 'Object'),
  IsRecord: (value: unknown): value is TRecord => isKindOf(value, 'Record'),
  IsArray: (value: unknown): value is TArray => isKindOf(value, 'Array'),
  IsUnion: (value: unknown): value is TUnion => isKindOf(value, 'Union'),
  IsLiteral: (value: unknown): value is TLiteral => isKindOf(value, 'Literal'),
  IsInteger: (value: unknown): value is TInteger => isKindOf(value, 'Integer'),
  IsNumber: (value: unknown): value is TNumber => isKindOf(value, 'Number'),
  IsBoolean: (value: unknown): value is TBoolean => isKindOf(value, 'Boolean'),
  IsString: (value: unknown): value is TString => isKindOf(value, 'String'),
  IsUnknown: (value: unknown): value is TUnknown => isKindOf(value, 'Unknown'),
  /** Any TypeBox schema: an object whose `Kind` is a string (TypeBox's IsKind). */
  IsSchema: (value: unknown): value is TSchema => isNode(value) && typeof value[Kind] === 'string',
};
