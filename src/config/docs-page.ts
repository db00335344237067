// Renders docs/reference/configuration.md from the schema and the loaders' tables
// (`npm run docs:config`; test/config/docs-fresh.test.ts fails when the page is stale).
import type { TSchema } from '@sinclair/typebox';
import { NANOMQ_ENV, CONF_PATH_ENV } from './env.js';
import { CONFIG_ERROR_CODES } from './errors.js';
import { FLAG_KEYS, FLAG_NOTES } from './flags.js';
import { LEGACY_KEYS, LEGACY_URL_KEYS } from './legacy.js';
import { KindGuard } from './schema-builder.js';
import { ConfigSchema } from './schema.js';
import { isHotUpdatable, kindOf, META, noteOf, statusOf, unitOf } from './schema-kinds.js';
import { envNameOf, schemaNodes, type SchemaNode } from './schema-paths.js';
import { formatSize } from './units.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function literals(schema: TSchema): string[] {
  return KindGuard.IsUnion(schema)
    ? schema.anyOf.map((s) => String((s as { const?: unknown }).const))
    : [];
}

function range(schema: TSchema, show: (n: number) => string = String): string {
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  const xmin = schema.exclusiveMinimum as number | undefined;
  if (min !== undefined && max !== undefined) return `, ${show(min)}..${show(max)}`;
  if (xmin !== undefined) return `, > ${show(xmin)}`;
  if (min !== undefined) return `, >= ${show(min)}`;
  return '';
}

function typeText(node: SchemaNode): string {
  const s = node.schema;
  const kind = kindOf(s);
  if (node.path[node.path.length - 1] === '<name>') return 'named block';
  if (KindGuard.IsObject(s)) return s[META.instance] === true ? 'block (+ named blocks)' : 'block';
  if (KindGuard.IsRecord(s)) {
    const item = Object.values(s.patternProperties)[0];
    return item !== undefined && KindGuard.IsString(item)
      ? 'block of name = "value"'
      : 'named blocks';
  }
  if (KindGuard.IsArray(s)) {
    const items = literals(s.items);
    if (items.length > 0) return `list of ${items.join(' / ')}`;
    if (KindGuard.IsObject(s.items)) return 'list of blocks';
    return 'list';
  }
  if (KindGuard.IsUnion(s)) return `one of ${literals(s).join(' / ')}`;
  if (kind === 'size') return `size (bytes; B, KB, MB, GB${range(s, formatSize)})`;
  if (kind === 'duration') {
    const unit = unitOf(s) ?? 's';
    return `duration (${unit}; ms, s, m, h, d${range(s, (n) => `${n}${unit}`)})`;
  }
  if (KindGuard.IsInteger(s)) return `integer${range(s)}`;
  if (KindGuard.IsNumber(s)) return `number${range(s)}`;
  if (KindGuard.IsBoolean(s)) return 'boolean';
  if (kind === 'bind') return 'HOST:PORT';
  if (KindGuard.IsString(s)) return 'string';
  return 'any (not validated yet)';
}

function hoconValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(hoconValue).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k} = ${hoconValue(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

function defaultText(schema: TSchema): string {
  const text = schema[META.defaultText] as string | undefined;
  if (text !== undefined) return `\`${text}\``;
  if (schema.default === undefined) return '';
  return `\`${hoconValue(schema.default)}\``;
}

function equivalents(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (path: readonly string[], text: string): void => {
    const key = path.join('.');
    map.set(key, [...(map.get(key) ?? []), text]);
  };
  for (const k of LEGACY_KEYS)
    add(k.path, `legacy \`${k.key}\`${k.unit === undefined ? '' : ` (${k.unit})`}`);
  for (const k of LEGACY_URL_KEYS) add(k.path, `legacy \`${k.key}\` (URL)`);
  for (const v of NANOMQ_ENV) {
    if (v.path !== undefined) add(v.path, `\`${v.name}\`${v.url === true ? ' (URL)' : ''}`);
    if (v.enables !== undefined) add(v.enables, `\`${v.name}\` (on/off)`);
  }
  for (const f of FLAG_KEYS) add(f.path, `\`${f.flag}\``);
  return map;
}

function describe(node: SchemaNode, inPlanned: boolean): string {
  const s = node.schema;
  let text = s.description ?? '';
  const status = statusOf(s);
  const note = noteOf(s);
  if (status === 'planned' && !inPlanned) {
    text += ` **Not implemented yet**: accepted and reported at start-up${note === undefined ? '' : ` (${note})`}.`;
  } else if (status === 'default-only') {
    text += ` Only the default has an effect in edgemq (${note ?? 'other values are reported'}).`;
  }
  if (isHotUpdatable(s)) text += ' Hot updatable (`edgemq reload`).';
  if (s[META.extension] === true) text += ' edgemq only.';
  return text.trim();
}

function keysSection(): string[] {
  const lines: string[] = [];
  const eq = equivalents();
  const nodes = schemaNodes();
  const plannedRoots: string[] = [];
  const top = Object.keys(ConfigSchema.properties);
  for (const section of top) {
    const sectionNodes = nodes.filter((n) => n.path[0] === section);
    const root = sectionNodes[0];
    if (root === undefined) continue;
    const planned = statusOf(root.schema) === 'planned';
    lines.push(`### \`${section}\`${planned ? ' (not implemented yet)' : ''}`, '');
    lines.push(describe(root, false), '');
    const rows = sectionNodes.slice(1);
    if (rows.length === 0) continue;
    lines.push('| Key | Type | Default | Description | NanoMQ legacy, env, flag |');
    lines.push('| --- | --- | --- | --- | --- |');
    for (const node of rows) {
      const key = node.path.join('.').replace(/\.\[\]/g, '[]');
      const inPlanned = planned || plannedRoots.some((p) => key.startsWith(`${p}.`));
      if (statusOf(node.schema) === 'planned' && !inPlanned) plannedRoots.push(key);
      lines.push(
        `| \`${cell(key)}\` | ${cell(typeText(node))} | ${cell(defaultText(node.schema))} | ${cell(
          describe(node, inPlanned),
        )} | ${cell((eq.get(node.path.join('.')) ?? []).join(', '))} |`,
      );
    }
    lines.push('');
  }
  return lines;
}

/** The whole reference page (Markdown, before prettier). */
export function renderConfigReference(): string {
  const lines: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    "edgemq reads NanoMQ's configuration: a HOCON `nanomq.conf` (`edgemq start --conf FILE`), the",
    "legacy `key=value` `nanomq_old.conf` (`--old_conf FILE`), NanoMQ's Docker environment",
    'variables and the flags of `nanomq start`. Each key is set from, lowest first:',
    '',
    '1. the defaults below;',
    `2. the file (\`--conf\`, else \`${CONF_PATH_ENV}\`; or \`--old_conf\`);`,
    '3. environment variables: the `NANOMQ_*` ones listed below, then `EDGEMQ_<KEY>` for any key',
    '   outside named blocks: the key path in upper case with `_` for `.`',
    `   (\`mqtt.max_packet_size\` → \`${envNameOf(['mqtt', 'max_packet_size'])}\`; lists as \`a,b\`);`,
    '4. command-line flags.',
    '',
    'HOCON as NanoMQ uses it: nested blocks and dotted keys are the same (`log.dir = "/tmp"` is',
    '`log { dir = "/tmp" }`), a later key overrides an earlier one and blocks merge,',
    '`include "file"` reads a file relative to the including one (a missing file is reported and',
    'skipped; `include required("file")` makes it an error), `#` and `//` start comments, and',
    '`${path}` / `${?ENV_VAR}` substitute values. A block that is present is enabled; `key = null`',
    'turns an optional block off (`listeners.tcp = null`).',
    '',
    'Sizes take `B`, `KB`, `MB`, `GB` (1KB = 1024 bytes; a bare number is bytes). Durations take',
    '`ms`, `s`, `m`, `h`, `d`; a bare number is in the unit the key shows. Booleans accept',
    '`true`/`false`, `yes`/`no`, `on`/`off`.',
    '',
    'At start-up edgemq prints one warning per key it does not implement yet, per unknown key',
    '(with a suggestion when it looks like a typo) and per include it could not find. An invalid',
    'value stops start-up with exit code 2 and one line that names where the value came from,',
    'the key, the value and what was expected:',
    '',
    '```text',
    'edgemq: nanomq.conf:12:3: mqtt.keepalive_multiplier: "abc" is not a number (expected a number > 0.5)',
    '```',
    '',
    '## Error codes',
    '',
    '| Code | Meaning |',
    '| --- | --- |',
    ...Object.entries(CONFIG_ERROR_CODES).map(
      ([code, meaning]) => `| \`${code}\` | ${cell(meaning)} |`,
    ),
    '',
    '## Flags of `edgemq start`',
    '',
    '| Flag | Effect |',
    '| --- | --- |',
    ...FLAG_NOTES.map((f) => `| \`${cell(f.flag)}\` | ${cell(f.effect)} |`),
    ...FLAG_KEYS.map((f) => `| \`${cell(f.flag)}\` | sets \`${f.path.join('.')}\` |`),
    '',
    '## NanoMQ environment variables',
    '',
    '`*_ENABLE` variables turn a block on or off; while one is false, the variables of its block',
    'are ignored. URL variables take `nmq-tcp://`, `tls+nmq-tcp://`, `nmq-ws://` or `nmq-wss://`',
    'and set the `bind` of the listener of that type. `NANOMQ_LOG_TO` separates targets with `|`.',
    '',
    '| Variable | Sets |',
    '| --- | --- |',
    `| \`${CONF_PATH_ENV}\` | the config file when \`--conf\` / \`--old_conf\` are not given |`,
    ...NANOMQ_ENV.map((v) => {
      const target =
        v.enables !== undefined
          ? `\`${v.enables.join('.')}\` on / off`
          : v.url === true
            ? 'a listener `bind`, from a URL'
            : `\`${(v.path ?? []).join('.')}\``;
      return `| \`${v.name}\` | ${target} |`;
    }),
    '',
    '## Keys',
    '',
    'Named blocks (`<name>`) are written `listeners.tcp.my_listener { bind = ... }`; `[]` marks the',
    'blocks of a list. The last column gives the legacy key, the `NANOMQ_*` variable and the flag',
    'that set the same key.',
    '',
    ...keysSection(),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
