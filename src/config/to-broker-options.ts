// The config keys the broker implements, as BrokerOptions; the log block and the daemon flag
// go to the CLI.
import type {
  BrokerOptions,
  ListenerSpec,
  ListenerTlsSpec,
  TcpListenerSpec,
  TlsListenerSpec,
  WsListenerSpec,
  WssListenerSpec,
  PersistenceOptions,
} from '../broker/options.js';
import { DEFAULT_PERSISTENCE_OPTIONS } from '../broker/options.js';
import { ConfigError } from './errors.js';
import type { EdgemqConfig, LogConfig } from './schema.js';

/** Largest packet MQTT can express: 1 + 4 length bytes + 268,435,455. */
const PROTOCOL_MAX_PACKET = 268_435_460;

const DEFAULT_WS_PATH = '/mqtt';
/** The schema default of `listeners.ssl.bind` (a block that keeps it holds named instances only). */
const DEFAULT_SSL_BIND = '0.0.0.0:8883';

function invalid(message: string): ConfigError {
  return new ConfigError('EMQ_ERR_CONFIG_INVALID', message);
}

interface Address {
  host: string;
  port: number;
  /** `/path` after the port, if any. */
  path?: string;
}

/** `0.0.0.0:1883` / `[::1]:1883` / `0.0.0.0:8083/mqtt` → host, port and path. */
function parseBind(bind: string, key: string, withPath: boolean): Address {
  const m = /^(\[([^\]]+)\]|([^:/[\]]*)):(\d+)(\/\S*)?$/.exec(bind.trim());
  if (m === null || (!withPath && m[5] !== undefined)) {
    throw invalid(
      `${key}: "${bind}" is not a valid address (expected ${withPath ? 'HOST:PORT/PATH' : 'HOST:PORT'})`,
    );
  }
  const host = m[2] ?? m[3] ?? '';
  const address: Address = { host: host === '' ? '0.0.0.0' : host, port: Number(m[4]) };
  if (m[5] !== undefined) address.path = m[5];
  return address;
}

/** One listener block of the config: the section's own keys or a named instance. */
interface Block<T> {
  /** Key path for messages: `listeners.ssl` or `listeners.ssl.devices`. */
  key: string;
  /** Instance name, absent for the section's own keys. */
  name?: string;
  value: T;
}

/** The section's own block then every named instance, in file order. */
function blocksOf<T extends { bind: string }>(
  section: T | undefined,
  type: 'tcp' | 'ssl' | 'ws' | 'wss',
): { own: Block<T> | null; named: Block<T>[] } {
  if (section === undefined) return { own: null, named: [] };
  const named: Block<T>[] = [];
  for (const [name, value] of Object.entries(section as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    named.push({ key: `listeners.${type}.${name}`, name, value: value as T });
  }
  return { own: { key: `listeners.${type}`, value: section }, named };
}

function withName<S extends ListenerSpec>(spec: S, block: Block<unknown>): S {
  if (block.name !== undefined) spec.name = block.name;
  return spec;
}

type SslBlock = NonNullable<EdgemqConfig['listeners']['ssl']>;
type WssBlock = NonNullable<EdgemqConfig['listeners']['wss']>;

/** The TLS keys ssl and wss blocks share (wss ones may be unset: inherited). */
interface TlsKeys {
  keyfile?: string;
  certfile?: string;
  cacertfile?: string;
  key_password?: string;
  verify_peer?: boolean;
  fail_if_no_peer_cert?: boolean;
}

function hasKeyMaterial(keys: TlsKeys): boolean {
  return keys.keyfile !== undefined || keys.certfile !== undefined;
}

/**
 * The TLS settings of `block`: its own keyfile / certfile, else those of the first fallback
 * that has them (a named ssl instance: listeners.ssl; wss: listeners.ssl). Settings the block
 * leaves unset come from where the key and certificate came from.
 */
function tlsSpecOf(block: Block<TlsKeys>, fallbacks: Block<TlsKeys>[]): ListenerTlsSpec {
  const source = [block, ...fallbacks].find((b) => hasKeyMaterial(b.value));
  if (source === undefined) {
    const where = [block, ...fallbacks].map((b) => b.key).join(' or ');
    throw invalid(
      `${block.key}: no TLS key and certificate (set keyfile and certfile in ${where})`,
    );
  }
  const from = source.value;
  for (const key of ['keyfile', 'certfile'] as const) {
    if (from[key] === undefined) {
      throw invalid(
        `${source.key}.${key} is missing (a TLS listener needs both keyfile and certfile)`,
      );
    }
  }
  const own = block.value;
  const spec: ListenerTlsSpec = {
    keyFile: from.keyfile as string,
    certFile: from.certfile as string,
    verifyPeer: own.verify_peer ?? from.verify_peer ?? false,
    failIfNoPeerCert: own.fail_if_no_peer_cert ?? from.fail_if_no_peer_cert ?? false,
  };
  const caFile = own.cacertfile ?? from.cacertfile;
  if (caFile !== undefined) spec.caFile = caFile;
  if (from.key_password !== undefined) spec.keyPassword = from.key_password;
  if (spec.verifyPeer && caFile === undefined) {
    throw invalid(
      `${block.key}.cacertfile is missing (verify_peer = true verifies client certificates against it)`,
    );
  }
  return spec;
}

/** `listeners.tcp.bind` then every `listeners.tcp.<name>.bind`, in file order. */
export function tcpListeners(config: EdgemqConfig): ListenerSpec[] {
  const { own, named } = blocksOf(config.listeners.tcp, 'tcp');
  if (own === null) return [];
  return [own, ...named].map((block) => {
    const { host, port } = parseBind(block.value.bind, `${block.key}.bind`, false);
    const spec: TcpListenerSpec = { kind: 'tcp', host, port };
    if (block.value.proxy_protocol === true) spec.proxyProtocol = true;
    return withName(spec, block);
  });
}

/** `listeners.ssl` and its named instances (which fall back on its key and certificate). */
function sslListeners(config: EdgemqConfig): TlsListenerSpec[] {
  const { own, named } = blocksOf<SslBlock>(config.listeners.ssl, 'ssl');
  if (own === null) return [];
  const onlyHoldsInstances =
    named.length > 0 && !hasKeyMaterial(own.value) && own.value.bind === DEFAULT_SSL_BIND;
  const blocks = onlyHoldsInstances ? named : [own, ...named];
  return blocks.map((block) => {
    const { host, port } = parseBind(block.value.bind, `${block.key}.bind`, false);
    const fallbacks = block === own || onlyHoldsInstances ? [] : [own];
    const spec: TlsListenerSpec = { kind: 'tls', host, port, tls: tlsSpecOf(block, fallbacks) };
    if (block.value.proxy_protocol === true) spec.proxyProtocol = true;
    if (block.value.use_identity_as_username === true) spec.useIdentityAsUsername = true;
    return withName(spec, block);
  });
}

function wsListeners(config: EdgemqConfig): WsListenerSpec[] {
  const { own, named } = blocksOf(config.listeners.ws, 'ws');
  if (own === null) return [];
  return [own, ...named].map((block) => {
    const { host, port, path } = parseBind(block.value.bind, `${block.key}.bind`, true);
    return withName<WsListenerSpec>(
      { kind: 'ws', host, port, path: path ?? DEFAULT_WS_PATH },
      block,
    );
  });
}

/**
 * `listeners.wss` and its named instances. As in NanoMQ, wss shares the TLS settings of
 * `listeners.ssl` unless it has a keyfile and certfile of its own; unlike NanoMQ, it needs no
 * ws listener.
 */
function wssListeners(config: EdgemqConfig): WssListenerSpec[] {
  const { own, named } = blocksOf<WssBlock>(config.listeners.wss, 'wss');
  if (own === null) return [];
  const ssl = config.listeners.ssl;
  const sslBlock: Block<TlsKeys>[] =
    ssl === undefined ? [] : [{ key: 'listeners.ssl', value: ssl }];
  return [own, ...named].map((block) => {
    const { host, port, path } = parseBind(block.value.bind, `${block.key}.bind`, true);
    const fallbacks = block === own ? sslBlock : [own, ...sslBlock];
    const spec: WssListenerSpec = {
      kind: 'wss',
      host,
      port,
      path: path ?? DEFAULT_WS_PATH,
      tls: tlsSpecOf(block, fallbacks),
    };
    if (block.value.use_identity_as_username === true) spec.useIdentityAsUsername = true;
    return withName(spec, block);
  });
}

/**
 * Every configured listener: tcp, ssl, ws, wss (each section's own block, then its named
 * instances). Throws ConfigError naming the key for a bad bind or missing TLS settings;
 * unreadable files are found when the listener starts.
 */
export function listenerSpecs(config: EdgemqConfig): ListenerSpec[] {
  return [
    ...tcpListeners(config),
    ...sslListeners(config),
    ...wsListeners(config),
    ...wssListeners(config),
  ];
}

/** Broker options from the config (only keys the broker implements). */
export function toBrokerOptions(config: EdgemqConfig): Partial<BrokerOptions> {
  const listeners = listenerSpecs(config);
  if (listeners.length === 0) {
    throw invalid(
      'listeners: no listener is configured (expected listeners.tcp, listeners.ssl, listeners.ws or listeners.wss, or --url nmq-tcp://HOST:PORT)',
    );
  }
  const { mqtt } = config;
  return {
    listeners,
    maxPacketSize: Math.min(mqtt.max_packet_size, PROTOCOL_MAX_PACKET),
    maxMqueueLen: mqtt.max_mqueue_len,
    retryInterval: mqtt.retry_interval,
    keepaliveMultiplier: mqtt.keepalive_multiplier,
    maxTopicAlias: mqtt.max_topic_alias,
    maxInflight: mqtt.max_inflight_window,
    allowAnonymous: config.auth.allow_anonymous,
  };
}

/**
 * SQLite persistence as `edgemq start` runs it: on unless `--no-persistence`, in
 * `--data-dir`, else `sqlite.mounted_file_path`, else ./data (issue 7's embedded default).
 */
export function persistenceOptions(
  config: EdgemqConfig,
  flags: { 'data-dir'?: string | undefined; 'no-persistence'?: boolean | undefined },
): PersistenceOptions {
  const sqlite = config.sqlite;
  return {
    ...DEFAULT_PERSISTENCE_OPTIONS,
    enabled: flags['no-persistence'] !== true,
    dataDir: flags['data-dir'] ?? sqlite?.mounted_file_path ?? DEFAULT_PERSISTENCE_OPTIONS.dataDir,
    diskCacheSize: sqlite?.disk_cache_size ?? DEFAULT_PERSISTENCE_OPTIONS.diskCacheSize,
    flushMemThreshold: sqlite?.flush_mem_threshold ?? DEFAULT_PERSISTENCE_OPTIONS.flushMemThreshold,
    resendInterval:
      sqlite === undefined
        ? DEFAULT_PERSISTENCE_OPTIONS.resendInterval
        : sqlite.resend_interval / 1000,
    fullPolicy: sqlite?.disk_cache_full_policy ?? DEFAULT_PERSISTENCE_OPTIONS.fullPolicy,
    synchronous: sqlite?.synchronous ?? DEFAULT_PERSISTENCE_OPTIONS.synchronous,
    inflightGraceMs: sqlite?.inflight_grace ?? DEFAULT_PERSISTENCE_OPTIONS.inflightGraceMs,
  };
}

/** What the CLI needs besides the broker options. */
export interface RuntimeOptions {
  broker: Partial<BrokerOptions>;
  log: LogConfig;
  daemon: boolean;
}

export function toRuntimeOptions(config: EdgemqConfig): RuntimeOptions {
  return { broker: toBrokerOptions(config), log: config.log, daemon: config.system.daemon };
}
