// NanoMQ's legacy `key=value` format (nanomq_old.conf, `nanomq start --old_conf`, reference
// b.2), mapped onto the same raw tree as nanomq.conf so one schema validates both. Values
// are the rest of the line; blocks behind an `*.enable=false` switch are skipped.
import { ConfigError, formatOrigin, type Origin } from './errors.js';
import { readConfigFile } from './read-config-file.js';
import { parseListenerUrl } from './listener-url.js';
import { pathKey, setPath, type RawObject, type RawValue } from './raw.js';

export interface LegacyResult {
  value: RawObject;
  origins: Map<string, Origin>;
  warnings: string[];
}

interface Entry {
  key: string;
  value: string;
  /** Where the value starts (for value errors). */
  origin: Origin;
  /** Where the key starts (for key warnings). */
  at: string;
}

type Transform = (value: string) => RawValue;

/** `10240` (KB in the legacy format) → `10240KB`. */
const kilobytes: Transform = (v) => (/^\d+$/.test(v) ? `${v}KB` : v);
/** keepalive_backoff is x1000: 1250 → 1.25. */
const thousandths: Transform = (v) => (/^\d+$/.test(v) ? Number(v) / 1000 : v);

/** Legacy keys that map to one HOCON key, with their switch (`gate`) if any. Also used by the docs page. */
export const LEGACY_KEYS: readonly {
  key: string;
  path: readonly string[];
  gate?: string;
  transform?: Transform;
  /** How the value differs, for the docs page. */
  unit?: string;
}[] = [
  { key: 'daemon', path: ['system', 'daemon'] },
  { key: 'num_taskq_thread', path: ['system', 'num_taskq_thread'] },
  { key: 'max_taskq_thread', path: ['system', 'max_taskq_thread'] },
  { key: 'parallel', path: ['system', 'parallel'] },
  { key: 'property_size', path: ['mqtt', 'property_size'] },
  { key: 'max_packet_size', path: ['mqtt', 'max_packet_size'], transform: kilobytes, unit: 'KB' },
  { key: 'msq_len', path: ['mqtt', 'max_mqueue_len'] },
  { key: 'qos_duration', path: ['mqtt', 'retry_interval'] },
  {
    key: 'keepalive_backoff',
    path: ['mqtt', 'keepalive_multiplier'],
    transform: thousandths,
    unit: 'x1000',
  },
  { key: 'allow_anonymous', path: ['auth', 'allow_anonymous'] },
  { key: 'acl_nomatch', path: ['auth', 'no_match'], gate: 'acl_enable' },
  { key: 'acl_deny_action', path: ['auth', 'deny_action'], gate: 'acl_enable' },
  { key: 'acl_cache_max_size', path: ['auth', 'cache', 'max_size'], gate: 'enable_acl_cache' },
  { key: 'acl_cache_ttl', path: ['auth', 'cache', 'ttl'], gate: 'enable_acl_cache' },
  ...['disk_cache_size', 'flush_mem_threshold', 'resend_interval', 'mounted_file_path'].map(
    (k) => ({
      key: `sqlite.${k}`,
      path: ['sqlite', k],
      gate: 'sqlite.enable',
    }),
  ),
  ...[
    'keyfile',
    'certfile',
    'cacertfile',
    'key_password',
    'verify_peer',
    'fail_if_no_peer_cert',
  ].map((k) => ({
    key: `tls.${k}`,
    path: ['listeners', 'ssl', k],
    gate: 'tls.enable',
  })),
  ...['port', 'ip_addr', 'username', 'password', 'auth_type'].map((k) => ({
    key: `http_server.${k}`,
    path: ['http_server', k],
    gate: 'http_server.enable',
  })),
  { key: 'http_server.parallel', path: ['http_server', 'limit_conn'], gate: 'http_server.enable' },
  {
    key: 'http_server.jwt.public.keyfile',
    path: ['http_server', 'jwt', 'public', 'keyfile'],
    gate: 'http_server.enable',
  },
  ...['to', 'level', 'dir', 'file', 'rotation.size', 'rotation.count'].map((k) => ({
    key: `log.${k}`,
    path: ['log', ...k.split('.')],
  })),
  ...['timeout', 'connect_timeout', 'pool_size'].map((k) => ({
    key: `auth.http.${k}`,
    path: ['auth', 'http_auth', k],
    gate: 'auth.http.enable',
  })),
  { key: 'web.hook.url', path: ['webhook', 'url'], gate: 'web.hook.enable' },
  { key: 'web.hook.pool_size', path: ['webhook', 'pool_size'], gate: 'web.hook.enable' },
  {
    key: 'web.hook.body.encoding_of_payload_field',
    path: ['webhook', 'body', 'encoding'],
    gate: 'web.hook.enable',
  },
  ...['disk_cache_size', 'flush_mem_threshold', 'resend_interval', 'mounted_file_path'].map(
    (k) => ({
      key: `bridge.sqlite.${k}`,
      path: ['bridges', 'mqtt', 'cache', k],
      gate: 'bridge.sqlite.enable',
    }),
  ),
  { key: 'rule.sqlite.path', path: ['rules', 'sqlite', 'path'], gate: 'rule_option.sqlite' },
];

/** Listener URL keys, their switch and the key they usually set (the URL's scheme decides). */
export const LEGACY_URL_KEYS: readonly { key: string; gate?: string; path: readonly string[] }[] = [
  { key: 'url', path: ['listeners', 'tcp', 'bind'] },
  { key: 'tls.url', gate: 'tls.enable', path: ['listeners', 'ssl', 'bind'] },
  { key: 'websocket.url', gate: 'websocket.enable', path: ['listeners', 'ws', 'bind'] },
  { key: 'websocket.tls_url', gate: 'websocket.enable', path: ['listeners', 'wss', 'bind'] },
];
const URL_KEYS = new Map(LEGACY_URL_KEYS.map((k) => [k.key, k.gate]));

/** Switches: consumed, never reported as unknown. */
const GATES = new Set([
  'auth_enable',
  'acl_enable',
  'enable_acl_cache',
  'sqlite.enable',
  'tls.enable',
  'websocket.enable',
  'http_server.enable',
  'auth.http.enable',
  'web.hook.enable',
  'bridge.sqlite.enable',
  'rule_option',
  'rule_option.sqlite',
  'rule_option.repub',
  'rule_option.mysql',
]);

/** Legacy keys with no HOCON equivalent in NanoMQ 0.25 either. */
const OBSOLETE: Readonly<Record<string, string>> = {
  enable_ipc_internal: 'no HOCON equivalent',
  'http_server.jwt.private.keyfile': 'no HOCON equivalent (the REST API only verifies tokens)',
};

const ON = new Set(['true', 'yes', 'on', 'enable', 'enabled', '1']);

/** Bridge keys renamed in the HOCON format. */
const BRIDGE_RENAMES: Readonly<Record<string, string>> = {
  address: 'server',
  parallel: 'max_parallel_processes',
};

class Builder {
  readonly value: RawObject = {};
  readonly origins = new Map<string, Origin>();
  readonly warnings: string[] = [];
  /** Indexed list items (`forwards.1.x`), turned into arrays in `finish`. */
  private readonly lists = new Map<
    string,
    { path: string[]; items: Map<number, RawObject>; origins: Map<number, Origin> }
  >();

  put(path: readonly string[], value: RawValue, origin: Origin): void {
    setPath(this.value, path, value);
    this.origins.set(pathKey(path), origin);
  }

  item(
    listPath: readonly string[],
    index: number,
    sub: readonly string[],
    value: RawValue,
    origin: Origin,
  ): void {
    const key = pathKey(listPath);
    let list = this.lists.get(key);
    if (list === undefined) {
      list = { path: [...listPath], items: new Map(), origins: new Map() };
      this.lists.set(key, list);
    }
    let obj = list.items.get(index);
    if (obj === undefined) {
      obj = {};
      list.items.set(index, obj);
      list.origins.set(index, origin);
    }
    if (sub.length === 0) {
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        Object.assign(obj, value);
    } else setPath(obj, sub, value);
  }

  finish(): LegacyResult {
    for (const list of this.lists.values()) {
      const indexes = [...list.items.keys()].sort((a, b) => a - b);
      setPath(
        this.value,
        list.path,
        indexes.map((i) => list.items.get(i) ?? {}),
      );
      indexes.forEach((i, n) => {
        const o = list.origins.get(i);
        if (o !== undefined) this.origins.set(pathKey([...list.path, n]), o);
      });
    }
    return { value: this.value, origins: this.origins, warnings: this.warnings };
  }
}

/** Parses the text of a legacy file into entries (later duplicates win). */
function readEntries(text: string, file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq < 0) {
      const column = line.length - line.trimStart().length + 1;
      throw new ConfigError(
        'EMQ_ERR_CONFIG_SYNTAX',
        `${file}:${i + 1}:${column}: expected key=value, found "${trimmed}"`,
      );
    }
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    const column = eq + 2 + (line.slice(eq + 1).length - line.slice(eq + 1).trimStart().length);
    const keyColumn = line.length - line.trimStart().length + 1;
    entries.set(key, {
      key,
      value,
      origin: { kind: 'file', file, line: i + 1, column },
      at: `${file}:${i + 1}:${keyColumn}`,
    });
  });
  return entries;
}

/** `clientid=%c,username=%u` → `{ clientid: "%c", username: "%u" }`. */
function pairs(text: string): RawObject {
  const out: RawObject = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function json(entry: Entry, b: Builder): RawValue | undefined {
  try {
    return JSON.parse(entry.value) as RawValue;
  } catch {
    b.warnings.push(`${entry.at}: ${entry.key}: not valid JSON (ignored)`);
    return undefined;
  }
}

function fmt(o: Origin): string {
  return formatOrigin(o);
}

/** Maps legacy entries to the HOCON layout. */
function build(entries: Map<string, Entry>): LegacyResult {
  const b = new Builder();
  const on = (gate: string | undefined): boolean =>
    gate === undefined || ON.has((entries.get(gate)?.value ?? '').trim().toLowerCase());
  const simple = new Map(LEGACY_KEYS.map((k) => [k.key, k]));
  const bridgesOn = new Map<string, boolean>();
  const bridgeOn = (prefix: string): boolean => {
    let v = bridgesOn.get(prefix);
    if (v === undefined) {
      v = on(`${prefix}.bridge_mode`);
      bridgesOn.set(prefix, v);
    }
    return v;
  };
  const rulesOn = on('rule_option');
  const users = new Map<string, { login?: string; password?: string; origin: Origin }>();
  const maxPacket: number[] = [];
  let hooks = 0;
  let m: RegExpExecArray | null;

  for (const e of entries.values()) {
    const { key, value, origin } = e;
    const mapped = simple.get(key);
    if (GATES.has(key)) continue;
    if (mapped !== undefined) {
      if (on(mapped.gate))
        b.put(mapped.path, mapped.transform ? mapped.transform(value) : value, origin);
      if (key === 'max_packet_size' && /^\d+$/.test(value)) maxPacket.push(Number(value));
    } else if (URL_KEYS.has(key)) {
      if (!on(URL_KEYS.get(key))) continue;
      // NanoMQ starts the wss listener only with TLS on too: it uses the tls.* key and certificate.
      if (key === 'websocket.tls_url' && !on('tls.enable')) continue;
      try {
        const url = parseListenerUrl(value, `${fmt(origin)}: ${key}=${value}`);
        b.put(['listeners', url.type, 'bind'], url.bind, origin);
      } catch (error) {
        throw new ConfigError('EMQ_ERR_CONFIG_INVALID', (error as Error).message);
      }
    } else if (key === 'client_max_packet_size') {
      if (/^\d+$/.test(value)) maxPacket.push(Number(value));
    } else if (OBSOLETE[key] !== undefined) {
      b.warnings.push(`${e.at}: ${key}: ${OBSOLETE[key]} (ignored)`);
    } else if ((m = /^auth\.(\d+)\.(login|password)$/.exec(key))) {
      if (!on('auth_enable')) continue;
      const u = users.get(m[1] ?? '') ?? { origin };
      if (m[2] === 'login') u.login = value;
      else u.password = value;
      users.set(m[1] ?? '', u);
    } else if ((m = /^acl\.rule\.(\d+)$/.exec(key))) {
      if (!on('acl_enable')) continue;
      const rule = json(e, b);
      if (rule !== undefined) b.item(['auth', 'acl', 'rules'], Number(m[1]), [], rule, origin);
    } else if ((m = /^auth\.http\.(auth_req|super_req|acl_req)\.(.+)$/.exec(key))) {
      if (!on('auth.http.enable')) continue;
      const [req, rest] = [m[1] ?? '', m[2] ?? ''];
      if (rest === 'params') b.put(['auth', 'http_auth', req, 'params'], pairs(value), origin);
      else if (rest.startsWith('headers.'))
        b.put(['auth', 'http_auth', req, 'headers', rest.slice(8)], value, origin);
      else b.put(['auth', 'http_auth', req, ...rest.split('.')], value, origin);
    } else if ((m = /^auth\.http\.ssl\.(.+)$/.exec(key))) {
      if (on('auth.http.enable')) b.put(['auth', 'http_auth', 'ssl', m[1] ?? ''], value, origin);
    } else if ((m = /^web\.hook\.headers\.(.+)$/.exec(key))) {
      if (on('web.hook.enable')) b.put(['webhook', 'headers', m[1] ?? ''], value, origin);
    } else if ((m = /^web\.hook\.rule\.(.+)\.(\d+)$/.exec(key))) {
      if (!on('web.hook.enable')) continue;
      const rule = json(e, b);
      if (typeof rule === 'object' && rule !== null && !Array.isArray(rule)) {
        const event: RawObject = { event: rule.action ?? null };
        if (rule.topic !== undefined) event.topic = rule.topic;
        b.item(['webhook', 'events'], hooks++, [], event, origin);
      }
    } else if (key.startsWith('web.hook.ssl.')) {
      if (on('web.hook.enable')) b.warnings.push(`${e.at}: ${key}: no HOCON equivalent (ignored)`);
    } else if ((m = /^(aws\.)?bridge\.mqtt\.([^.]+)\.(.+)$/.exec(key))) {
      const aws = m[1] !== undefined;
      const prefix = `${aws ? 'aws.' : ''}bridge.mqtt.${m[2] ?? ''}`;
      if (!bridgeOn(prefix) || m[3] === 'bridge_mode') continue;
      bridgeKey(
        b,
        aws ? ['bridges', 'aws', m[2] ?? ''] : ['bridges', 'mqtt', m[2] ?? ''],
        m[3] ?? '',
        e,
        entries,
        prefix,
      );
    } else if (key.startsWith('rule.')) {
      if (rulesOn) ruleKey(b, key, e, entries, on);
    } else {
      b.warnings.push(`${e.at}: ${key}: unknown key (ignored)`);
    }
  }

  for (const u of users.values()) {
    if (u.login !== undefined) b.put(['auth', 'password', u.login], u.password ?? '', u.origin);
  }
  const packetOrigin = (entries.get('max_packet_size') ?? entries.get('client_max_packet_size'))
    ?.origin;
  if (packetOrigin !== undefined && maxPacket.length > 1 && new Set(maxPacket).size > 1) {
    const kb = Math.min(...maxPacket);
    b.put(['mqtt', 'max_packet_size'], `${kb}KB`, packetOrigin);
    b.warnings.push(
      `max_packet_size and client_max_packet_size differ: edgemq has one limit for both directions and uses the smaller (${kb}KB)`,
    );
  } else if (
    packetOrigin !== undefined &&
    maxPacket.length === 1 &&
    !entries.has('max_packet_size')
  ) {
    b.put(['mqtt', 'max_packet_size'], `${maxPacket[0] ?? 0}KB`, packetOrigin);
  }
  return b.finish();
}

function bridgeKey(
  b: Builder,
  base: readonly string[],
  rest: string,
  e: Entry,
  entries: Map<string, Entry>,
  prefix: string,
): void {
  const { value, origin } = e;
  let m: RegExpExecArray | null;
  if ((m = /^(forwards|subscription)\.(\d+)\.(.+)$/.exec(rest))) {
    b.item([...base, m[1] ?? ''], Number(m[2]), [m[3] ?? ''], value, origin);
  } else if (rest === 'forwards') {
    // 0.13 style: forwards=topic1/#,topic2/#
    value
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '')
      .forEach((t, i) => {
        b.item([...base, 'forwards'], i, [], { local_topic: t, remote_topic: t }, origin);
      });
  } else if ((m = /^tls\.(.+)$/.exec(rest))) {
    if (
      m[1] === 'enable' ||
      !ON.has((entries.get(`${prefix}.tls.enable`)?.value ?? '').toLowerCase())
    )
      return;
    b.put([...base, 'ssl', m[1] ?? ''], value, origin);
  } else if (rest === 'host' || rest === 'port') {
    const host = entries.get(`${prefix}.host`)?.value ?? '';
    const port = entries.get(`${prefix}.port`)?.value ?? '';
    b.put([...base, 'server'], port === '' ? host : `${host}:${port}`, origin);
  } else if (/user_property$/.test(rest) && value.startsWith('{')) {
    const parsed = json(e, b);
    if (parsed !== undefined) b.put([...base, ...rest.split('.')], parsed, origin);
  } else {
    const parts = rest.split('.');
    const first = parts[0] ?? '';
    b.put([...base, BRIDGE_RENAMES[first] ?? first, ...parts.slice(1)], value, origin);
  }
}

function ruleKey(
  b: Builder,
  key: string,
  e: Entry,
  entries: Map<string, Entry>,
  on: (gate: string) => boolean,
): void {
  const { value, origin } = e;
  let m: RegExpExecArray | null;
  if ((m = /^rule\.(sqlite|repub|mysql)\.event\.publish\.(\d+)\.sql$/.exec(key))) {
    const kind = m[1] ?? '';
    if (!on(`rule_option.${kind}`)) return;
    b.item(ruleList(kind, entries), Number(m[2]), ['sql'], value, origin);
  } else if ((m = /^rule\.(sqlite|mysql)\.(\d+)\.(table|host|username|password)$/.exec(key))) {
    const kind = m[1] ?? '';
    if (!on(`rule_option.${kind}`)) return;
    if (kind === 'mysql' && m[3] !== 'table') {
      b.put([...ruleList(kind, entries).slice(0, -1), 'conn', m[3] ?? ''], value, origin);
    } else b.item(ruleList(kind, entries), Number(m[2]), [m[3] ?? ''], value, origin);
  } else if ((m = /^rule\.repub\.(\d+)\.(.+)$/.exec(key))) {
    if (!on('rule_option.repub')) return;
    const field = m[2] === 'address' ? 'server' : (m[2] ?? '');
    b.item(ruleList('repub', entries), Number(m[1]), [field], value, origin);
  } else if (key === 'rule.mysql.name') {
    if (on('rule_option.mysql'))
      b.put([...ruleList('mysql', entries).slice(0, -1), 'conn', 'database'], value, origin);
  } else {
    b.warnings.push(`${e.at}: ${key}: unknown key (ignored)`);
  }
}

/** Where a legacy rule list goes: rules.sqlite.rules, rules.repub.rules, rules.mysql.<name>.rules. */
function ruleList(kind: string, entries: Map<string, Entry>): string[] {
  if (kind === 'mysql') {
    const name = (entries.get('rule.mysql.name')?.value ?? 'mysql').replace(/\W/g, '_');
    return ['rules', 'mysql', name, 'rules'];
  }
  return ['rules', kind, 'rules'];
}

/** Parses legacy `key=value` text; `file` names it in messages. */
export function parseLegacy(text: string, file: string): LegacyResult {
  return build(readEntries(text, file));
}

/** Reads and parses a legacy file; a missing file is EMQ_ERR_CONFIG_FILE. */
export function parseLegacyFile(file: string): LegacyResult {
  const text = readConfigFile(file);
  return parseLegacy(text, file);
}
