// Every key path of the schema, for the env-var table (EDGEMQ_<PATH>) and the docs page.
// Named instances appear as `<name>` and list items as `[]`.
import type { TSchema } from '@sinclair/typebox';
import { KindGuard, OptionalKind } from './schema-builder.js';
import { ConfigSchema } from './schema.js';
import { isHotUpdatable, META } from './schema-kinds.js';

export interface SchemaNode {
  /** Key path; `<name>` for a named instance, `[]` for the items of a list of blocks. */
  path: readonly string[];
  schema: TSchema;
  optional: boolean;
  /** True for a block (its keys follow as their own nodes). */
  block: boolean;
}

function isBlock(schema: TSchema): boolean {
  return KindGuard.IsObject(schema) || KindGuard.IsRecord(schema);
}

function visit(
  schema: TSchema,
  path: readonly string[],
  optional: boolean,
  out: SchemaNode[],
): void {
  out.push({
    path,
    schema,
    optional,
    block: isBlock(schema) || (KindGuard.IsArray(schema) && isBlock(schema.items)),
  });
  if (KindGuard.IsObject(schema)) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      visit(prop, [...path, name], prop[OptionalKind] === 'Optional', out);
    }
    const extra: unknown = schema.additionalProperties;
    if (KindGuard.IsSchema(extra) && schema[META.instance] === true)
      visit(extra, [...path, '<name>'], true, out);
  } else if (KindGuard.IsRecord(schema)) {
    const item = Object.values(schema.patternProperties)[0];
    if (item !== undefined && isBlock(item)) visit(item, [...path, '<name>'], true, out);
  } else if (KindGuard.IsArray(schema) && isBlock(schema.items)) {
    const items = schema.items;
    if (KindGuard.IsObject(items)) {
      for (const [name, prop] of Object.entries(items.properties)) {
        visit(prop, [...path, '[]', name], prop[OptionalKind] === 'Optional', out);
      }
    }
  }
}

/** Every node of the config schema in schema order (the root excluded). */
export function schemaNodes(schema: TSchema = ConfigSchema): SchemaNode[] {
  const out: SchemaNode[] = [];
  visit(schema, [], false, out);
  return out.slice(1);
}

/** `EDGEMQ_MQTT_MAX_PACKET_SIZE` for `mqtt.max_packet_size`. */
export function envNameOf(path: readonly string[]): string {
  return `EDGEMQ_${path.join('_').toUpperCase()}`;
}

/** Env var name → key path, for every scalar (or list of scalars) key outside named instances. */
export function edgemqEnvTable(): ReadonlyMap<string, readonly string[]> {
  const table = new Map<string, readonly string[]>();
  for (const node of schemaNodes()) {
    if (node.block || node.path.some((p) => p === '<name>' || p === '[]')) continue;
    if (KindGuard.IsUnknown(node.schema)) continue;
    table.set(envNameOf(node.path), node.path);
  }
  return table;
}

/** Key paths `edgemq reload` may apply without a restart (marked `hot` in the schema). */
export function hotUpdatablePaths(): string[] {
  return schemaNodes()
    .filter((n) => isHotUpdatable(n.schema))
    .map((n) => n.path.join('.'));
}
