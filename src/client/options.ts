// Client options, their defaults, and the CONNECT packet they produce.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  PacketType,
  type ConnectPacket,
  type Properties,
  type ProtocolVersion,
  type QoS,
  type UserProperty,
} from '../codec/index.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { MemoryMessageStore, type MessageStore } from './store.js';
import { tcpTransport } from './tcp.js';
import { tlsTransport, type TlsClientOptions } from './tls.js';
import { wsTransport } from './ws.js';

/**
 * Opens a byte stream to the broker. The client writes CONNECT at once (a socket buffers
 * until it is connected) and learns of failure from 'error' / 'close'. Called once per
 * connection attempt, so a reconnect gets a fresh socket. tcpTransport, tlsTransport and
 * wsTransport make one; QUIC would plug in the same way.
 */
export type Transport = () => Duplex;

/** The CONNECT properties a client may set (MQTT 5 §3.1.2.11). */
export type ConnectProperties = Pick<
  Properties,
  | 'sessionExpiryInterval'
  | 'receiveMaximum'
  | 'maximumPacketSize'
  | 'topicAliasMaximum'
  | 'requestResponseInformation'
  | 'requestProblemInformation'
  | 'userProperties'
  | 'authenticationMethod'
  | 'authenticationData'
>;

/** The properties of a PUBLISH the application may set (the client manages Topic Alias). */
export type PublishProperties = Pick<
  Properties,
  | 'payloadFormatIndicator'
  | 'messageExpiryInterval'
  | 'contentType'
  | 'responseTopic'
  | 'correlationData'
  | 'userProperties'
>;

export interface WillOptions {
  topic: string;
  payload: Buffer | Uint8Array | string;
  qos?: QoS;
  retain?: boolean;
  /** v5 will properties: willDelayInterval plus the PUBLISH ones. */
  properties?: PublishProperties & Pick<Properties, 'willDelayInterval'>;
}

export interface ClientOptions {
  /**
   * Where the broker is, instead of host / port: `mqtt://HOST:PORT` (also tcp:), `mqtts://`
   * (also tls:, ssl:), `ws://HOST:PORT/PATH` or `wss://...`; picks the transport, with the
   * TLS settings of `tls`. Default ports: 1883, 8883, 80, 443.
   */
  url?: string;
  /** TLS settings (CA, client certificate, ...) for an mqtts:// or wss:// `url`. */
  tls?: TlsClientOptions;
  /** Used by the default TCP transport and in error messages. Default 'localhost'. */
  host?: string;
  /** Default 1883. */
  port?: number;
  /** Byte stream factory; default: net.connect(host, port) with Nagle off (or from `url`). */
  transport?: Transport;
  /** 3 (MQTT 3.1), 4 (3.1.1) or 5 (default). */
  protocolVersion?: ProtocolVersion;
  /** Default: a random `edgemq-<hex>`. '' lets a v5 broker assign one (kept for reconnects). */
  clientId?: string;
  /** Clean Session (3.1.1) / Clean Start (5). Default true. */
  clean?: boolean;
  /** Seconds; 0 disables PINGREQ. Default 60. A v5 Server Keep Alive overrides it. */
  keepalive?: number;
  /** Close the connection when PINGRESP takes longer than this (ms). Default: keepalive, at most 30 s. */
  pingTimeoutMs?: number;
  /** Give up on a connection attempt without CONNACK after this (ms). Default 30 s. */
  connectTimeoutMs?: number;
  username?: string;
  password?: Buffer | string;
  will?: WillOptions;
  /** v5 CONNECT properties; receiveMaximum, topicAliasMaximum, maximumPacketSize also bind us. */
  properties?: ConnectProperties;
  /** Our own cap on unacknowledged QoS 1/2 publishes; the broker's Receive Maximum also applies. */
  maxInflight?: number;
  /** Automatic reconnect after a lost connection; false disables it. */
  reconnect?: Partial<BackoffOptions> | false;
  /** Re-send the subscriptions after a reconnect whose CONNACK says no session is present. Default true. */
  resubscribe?: boolean;
  /** Outgoing QoS 1/2 messages until completed. Default: a MemoryMessageStore. */
  store?: MessageStore;
  /** Use Topic Aliases towards a v5 broker that allows them. Default true. */
  topicAliases?: boolean;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: Transport;
  readonly protocolVersion: ProtocolVersion;
  readonly clientId: string;
  readonly clean: boolean;
  readonly keepalive: number;
  readonly pingTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly username: string | null;
  readonly password: Buffer | null;
  readonly will: WillOptions | null;
  readonly properties: ConnectProperties | null;
  readonly maxInflight: number;
  readonly reconnect: Readonly<BackoffOptions> | null;
  readonly resubscribe: boolean;
  readonly store: MessageStore;
  readonly topicAliases: boolean;
}

export function toBuffer(data: Buffer | Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

const URL_SCHEMES: Readonly<Record<string, { kind: 'tcp' | 'tls' | 'ws'; port: number }>> = {
  'mqtt:': { kind: 'tcp', port: 1883 },
  'tcp:': { kind: 'tcp', port: 1883 },
  'mqtts:': { kind: 'tls', port: 8883 },
  'tls:': { kind: 'tls', port: 8883 },
  'ssl:': { kind: 'tls', port: 8883 },
  'ws:': { kind: 'ws', port: 80 },
  'wss:': { kind: 'ws', port: 443 },
};

/** Host, port and transport from a broker URL (the `url` option). */
function fromUrl(
  url: string,
  tls: TlsClientOptions,
): { host: string; port: number; transport: Transport } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`invalid broker URL "${url}" (expected mqtt://HOST:PORT)`);
  }
  const scheme = URL_SCHEMES[parsed.protocol];
  if (scheme === undefined) {
    throw new TypeError(
      `invalid broker URL "${url}": scheme ${parsed.protocol} (expected mqtt:, mqtts:, ws: or wss:)`,
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = parsed.port === '' ? scheme.port : Number(parsed.port);
  const transport =
    scheme.kind === 'tcp'
      ? tcpTransport(host, port)
      : scheme.kind === 'tls'
        ? tlsTransport({ ...tls, host, port })
        : wsTransport({ ...tls, url });
  return { host, port, transport };
}

export function resolveOptions(o: ClientOptions): ResolvedOptions {
  const target = o.url === undefined ? null : fromUrl(o.url, o.tls ?? {});
  const host = target?.host ?? o.host ?? 'localhost';
  const port = checkInt('port', target?.port ?? o.port ?? 1883, 0, 65535);
  const version: number = o.protocolVersion ?? 5; // checked at run time for JavaScript callers
  if (version !== 3 && version !== 4 && version !== 5) {
    throw new RangeError(`protocolVersion must be 3, 4 or 5, got ${version}`);
  }
  const keepalive = checkInt('keepalive', o.keepalive ?? 60, 0, 65535);
  return {
    host,
    port,
    transport: o.transport ?? target?.transport ?? tcpTransport(host, port),
    protocolVersion: version,
    clientId: o.clientId ?? `edgemq-${randomBytes(6).toString('hex')}`,
    clean: o.clean ?? true,
    keepalive,
    pingTimeoutMs: o.pingTimeoutMs ?? Math.min(Math.max(keepalive, 1) * 1000, 30_000),
    connectTimeoutMs: o.connectTimeoutMs ?? 30_000,
    username: o.username ?? null,
    password: o.password === undefined ? null : toBuffer(o.password),
    will: o.will ?? null,
    properties: o.properties ?? null,
    maxInflight: checkInt('maxInflight', o.maxInflight ?? 65535, 1, 65535),
    reconnect: o.reconnect === false ? null : { ...DEFAULT_BACKOFF, ...o.reconnect },
    resubscribe: o.resubscribe ?? true,
    store: o.store ?? new MemoryMessageStore(),
    topicAliases: o.topicAliases ?? true,
  };
}

/** The CONNECT for these options; `clientId` may differ from the options (assigned by the broker). */
export function buildConnect(o: ResolvedOptions, clientId: string): ConnectPacket {
  const v5 = o.protocolVersion === 5;
  const w = o.will;
  return {
    type: PacketType.CONNECT,
    protocolName: o.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: o.protocolVersion,
    clean: o.clean,
    keepalive: o.keepalive,
    clientId,
    username: o.username,
    password: o.password,
    will:
      w === null
        ? null
        : {
            topic: w.topic,
            payload: toBuffer(w.payload),
            qos: w.qos ?? 0,
            retain: w.retain ?? false,
            properties: v5 ? (w.properties ?? null) : null,
          },
    properties: v5 ? o.properties : null,
  };
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  properties?: PublishProperties;
}

export interface UnsubscribeOptions {
  userProperties?: UserProperty[];
}

export interface EndOptions {
  /** v5 DISCONNECT reason code, e.g. 0x04 to have the broker publish the will. Default 0. */
  reasonCode?: number;
  properties?: Pick<Properties, 'sessionExpiryInterval' | 'reasonString' | 'userProperties'>;
}
