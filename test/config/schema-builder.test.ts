// src/config/schema-builder.ts builds the config schema without loading TypeBox at run time.
// Its objects must be exactly TypeBox's, so TypeBox's Value, TypeCompiler and Static<> keep
// working on ConfigSchema; and since loadConfig no longer runs Value.Check at start-up, these
// tests are where coerce()'s output is checked against the schema with TypeBox itself.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KindGuard as TypeBoxGuard, Type as TypeBox, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { loadConfig } from '../../src/config/load.js';
import { KindGuard, Kind, OptionalKind, Type } from '../../src/config/schema-builder.js';
import { schemaNodes } from '../../src/config/schema-paths.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { fixture, HOCON_FIXTURES } from './support.js';

const DOC = { description: 'd', 'x-status': 'planned', default: 1 };

describe('every builder gives what TypeBox gives', () => {
  const cases: [string, () => unknown, () => unknown][] = [
    ['Integer', () => Type.Integer(DOC), () => TypeBox.Integer(DOC)],
    ['Integer()', () => Type.Integer(), () => TypeBox.Integer()],
    ['Number', () => Type.Number({ minimum: 0 }), () => TypeBox.Number({ minimum: 0 })],
    ['Boolean', () => Type.Boolean({ default: true }), () => TypeBox.Boolean({ default: true })],
    ['String', () => Type.String(DOC), () => TypeBox.String(DOC)],
    ['Literal', () => Type.Literal('a'), () => TypeBox.Literal('a')],
    ['Literal number', () => Type.Literal(4, DOC), () => TypeBox.Literal(4, DOC)],
    [
      'Union',
      () => Type.Union([Type.Literal('a'), Type.Literal('b')], DOC),
      () => TypeBox.Union([TypeBox.Literal('a'), TypeBox.Literal('b')], DOC),
    ],
    ['Array', () => Type.Array(Type.String(), DOC), () => TypeBox.Array(TypeBox.String(), DOC)],
    [
      'Record',
      () => Type.Record(Type.String(), Type.Integer(), DOC),
      () => TypeBox.Record(TypeBox.String(), TypeBox.Integer(), DOC),
    ],
    [
      'Record()',
      () => Type.Record(Type.String(), Type.String()),
      () => TypeBox.Record(TypeBox.String(), TypeBox.String()),
    ],
    ['Unknown', () => Type.Unknown(DOC), () => TypeBox.Unknown(DOC)],
    [
      'Optional',
      () => Type.Optional(Type.String(DOC)),
      () => TypeBox.Optional(TypeBox.String(DOC)),
    ],
    [
      'Object with required and optional keys',
      () =>
        Type.Object(
          { a: Type.Integer(), b: Type.Optional(Type.String()) },
          { additionalProperties: false, description: 'd' },
        ),
      () =>
        TypeBox.Object(
          { a: TypeBox.Integer(), b: TypeBox.Optional(TypeBox.String()) },
          { additionalProperties: false, description: 'd' },
        ),
    ],
    [
      'Object with optional keys only, instances beside',
      () =>
        Type.Object({ b: Type.Optional(Type.String()) }, { additionalProperties: Type.Integer() }),
      () =>
        TypeBox.Object(
          { b: TypeBox.Optional(TypeBox.String()) },
          { additionalProperties: TypeBox.Integer() },
        ),
    ],
  ];
  for (const [name, ours, theirs] of cases) {
    test(name, () => {
      // deepStrictEqual compares symbol keys too (TypeBox's Kind and OptionalKind markers).
      assert.deepStrictEqual(ours(), theirs());
    });
  }

  test('the markers are TypeBox symbols', () => {
    assert.equal(Kind, Symbol.for('TypeBox.Kind'));
    assert.equal(OptionalKind, Symbol.for('TypeBox.Optional'));
  });
});

describe('ConfigSchema is a TypeBox schema', () => {
  test('our kind guards agree with TypeBox on every node', () => {
    const guards = [
      'IsObject',
      'IsRecord',
      'IsArray',
      'IsUnion',
      'IsLiteral',
      'IsInteger',
      'IsNumber',
      'IsBoolean',
      'IsString',
      'IsUnknown',
      'IsSchema',
    ] as const;
    const nodes: TSchema[] = [ConfigSchema, ...schemaNodes().map((n) => n.schema)];
    for (const node of nodes) {
      for (const g of guards) assert.equal(KindGuard[g](node), TypeBoxGuard[g](node), g);
    }
    assert.ok(nodes.length > 100);
  });

  test('TypeBox accepts its defaults and rejects a wrong type', () => {
    const { config } = loadConfig();
    assert.ok(Value.Check(ConfigSchema, config));
    assert.equal(Value.Check(ConfigSchema, { ...config, mqtt: { max_packet_size: 'x' } }), false);
  });

  test('what loadConfig returns for every NanoMQ fixture satisfies the schema', () => {
    const files = [
      ...HOCON_FIXTURES.map((name) => ({ conf: fixture(name) })),
      { oldConf: fixture('nanomq_old.conf') },
    ];
    for (const options of files) {
      const { config } = loadConfig(options);
      const first = Value.Errors(ConfigSchema, config).First();
      assert.equal(
        first,
        undefined,
        `${JSON.stringify(options)}: ${first?.path} ${first?.message}`,
      );
    }
  });
});
