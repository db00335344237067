// The config keys the broker implements, as BrokerOptions; the log block and the daemon flag
// go to the CLI.
import type { BrokerOptions, ListenerSpec, TcpListenerSpec } from '../broker/options.js';
import { ConfigError } from './errors.js';
import type { EdgemqConfig, LogConfig } from './schema.js';

/** Largest packet MQTT can express: 1 + 4 length bytes + 268,435,455. */
const PROTOCOL_MAX_PACKET = 268_435_460;

/** `0.0.0.0:1883` / `[::1]:1883` → host and port. */
function parseBind(bind: string, key: string, name?: string): TcpListenerSpec {
  const m = /^(\[([^\]]+)\]|([^:/]*)):(\d+)$/.exec(bind);
  if (m === null) {
    throw new ConfigError(
      'EMQ_ERR_CONFIG_INVALID',
      `${key}: "${bind}" is not a valid address (expected HOST:PORT)`,
    );
  }
  const host = m[2] ?? m[3] ?? '';
  const spec: TcpListenerSpec = {
    kind: 'tcp',
    host: host === '' ? '0.0.0.0' : host,
    port: Number(m[4]),
  };
  if (name !== undefined) spec.name = name;
  return spec;
}

/** `listeners.tcp.bind` then every `listeners.tcp.<name>.bind`, in file order. */
export function tcpListeners(config: EdgemqConfig): ListenerSpec[] {
  const tcp = config.listeners.tcp;
  if (tcp === undefined) return [];
  const out = [parseBind(tcp.bind, 'listeners.tcp.bind')];
  for (const [name, value] of Object.entries(tcp as Record<string, unknown>)) {
    if (name === 'bind' || typeof value !== 'object' || value === null) continue;
    const bind = (value as { bind?: unknown }).bind;
    if (typeof bind === 'string') out.push(parseBind(bind, `listeners.tcp.${name}.bind`, name));
  }
  return out;
}

/** Broker options from the config (only keys the broker implements). */
export function toBrokerOptions(config: EdgemqConfig): Partial<BrokerOptions> {
  const listeners = tcpListeners(config);
  if (listeners.length === 0) {
    throw new ConfigError(
      'EMQ_ERR_CONFIG_INVALID',
      'listeners: no TCP listener is configured (expected listeners.tcp.bind or --url nmq-tcp://HOST:PORT; ssl, ws and wss are not implemented yet)',
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

/** What the CLI needs besides the broker options. */
export interface RuntimeOptions {
  broker: Partial<BrokerOptions>;
  log: LogConfig;
  daemon: boolean;
}

export function toRuntimeOptions(config: EdgemqConfig): RuntimeOptions {
  return { broker: toBrokerOptions(config), log: config.log, daemon: config.system.daemon };
}
