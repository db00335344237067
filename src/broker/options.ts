// Every broker knob in one typed object; the config layer (HOCON, legacy, env, flags)
// fills it. Names follow NanoMQ's `mqtt.*` keys where one exists.

/** TLS material and client-certificate policy (NanoMQ `listeners.ssl` / `listeners.wss`). */
export interface ListenerTlsSpec {
  /** `keyfile` */
  keyFile: string;
  /** `certfile` */
  certFile: string;
  /** `cacertfile`: the CA client certificates must chain to (required with verifyPeer). */
  caFile?: string;
  /** `key_password` */
  keyPassword?: string;
  /** `verify_peer`: ask for a client certificate; one that is sent must chain to caFile. */
  verifyPeer: boolean;
  /** `fail_if_no_peer_cert`: with verifyPeer, refuse clients that send no certificate. */
  failIfNoPeerCert: boolean;
}

interface ListenerSpecBase {
  host: string;
  port: number;
  /** Instance name (`listeners.ssl.devices` -> 'devices'); logs show `<kind>:<name>`. */
  name?: string;
}

/** `listeners.tcp` (`nmq-tcp://`). */
export interface TcpListenerSpec extends ListenerSpecBase {
  kind: 'tcp';
  /** Expect a PROXY protocol v1/v2 header (`proxy_protocol`). */
  proxyProtocol?: boolean;
}

/** `listeners.ssl` (`tls+nmq-tcp://`). */
export interface TlsListenerSpec extends ListenerSpecBase {
  kind: 'tls';
  tls: ListenerTlsSpec;
  proxyProtocol?: boolean;
  /** The verified client certificate's CN becomes the user name (`use_identity_as_username`). */
  useIdentityAsUsername?: boolean;
}

/** `listeners.ws` (`nmq-ws://host:port/path`). */
export interface WsListenerSpec extends ListenerSpecBase {
  kind: 'ws';
  /** The path that upgrades, from `bind`; default '/mqtt'. */
  path?: string;
}

/** `listeners.wss` (`nmq-wss://host:port/path`); works without a ws listener. */
export interface WssListenerSpec extends ListenerSpecBase {
  kind: 'wss';
  path?: string;
  tls: ListenerTlsSpec;
  useIdentityAsUsername?: boolean;
}

export type ListenerSpec = TcpListenerSpec | TlsListenerSpec | WsListenerSpec | WssListenerSpec;

/**
 * Persistence (durability.ts): persistent sessions, their queues and in-flight state,
 * wills and retained messages in SQLite (NanoMQ `sqlite.*`).
 */
export interface PersistenceOptions {
  /** Keep state in `<dataDir>/edgemq.db` (`--no-persistence` = false). */
  enabled: boolean;
  /** Directory of the database (`--data-dir`, `sqlite.mounted_file_path`). */
  dataDir: string;
  /** Most deliveries (queued + in flight) stored over all sessions; 0 = no limit (`sqlite.disk_cache_size`). */
  diskCacheSize: number;
  /** When full: refuse new QoS>0 deliveries to persistent sessions, or drop the oldest queued one. */
  fullPolicy: 'refuse' | 'drop_oldest';
  /**
   * Queued messages a persistent session keeps in memory; more wait in the database only
   * and are read back in pages of this size as it drains (`sqlite.flush_mem_threshold`).
   */
  flushMemThreshold: number;
  /** Seconds before a failed read of a session's stored backlog is retried (`sqlite.resend_interval`). */
  resendInterval: number;
  /** PRAGMA synchronous: 'full' survives power loss, 'normal' a crash of the process only. */
  synchronous: 'full' | 'normal' | 'off';
  /**
   * Ms a QoS 1 delivery already sent to its online subscriber waits for the PUBACK before it
   * is written; one acknowledged sooner never touches the disk. The publisher's ack waits
   * for either (at most this long plus a commit). 0 writes every delivery at once.
   */
  inflightGraceMs: number;
  /** Check the database file at start-up (PRAGMA quick_check). */
  integrityCheck: boolean;
  /** PRAGMA max_page_count (4 KiB pages): a hard cap on the file; 0 = none. */
  maxPageCount: number;
}

export const DEFAULT_PERSISTENCE_OPTIONS: Readonly<PersistenceOptions> = Object.freeze({
  enabled: false,
  dataDir: './data',
  diskCacheSize: 102_400,
  fullPolicy: 'refuse',
  flushMemThreshold: 100,
  resendInterval: 5,
  synchronous: 'full',
  inflightGraceMs: 5,
  integrityCheck: true,
  maxPageCount: 0,
});

export interface BrokerOptions {
  listeners: ListenerSpec[];
  /** Largest packet accepted from or sent to a client (`mqtt.max_packet_size`). */
  maxPacketSize: number;
  /** Per-session bound on queued + in-flight outbound messages (`mqtt.max_mqueue_len`). */
  maxMqueueLen: number;
  /** Seconds before an unacknowledged QoS 1/2 message is resent (`mqtt.retry_interval`). */
  retryInterval: number;
  /** Disconnect after keepalive x this of silence (`mqtt.keepalive_multiplier`). */
  keepaliveMultiplier: number;
  /** Largest keep alive the broker accepts; larger requests get Server Keep Alive (v5). 0 = no cap. */
  maxKeepalive: number;
  /** Seconds a socket may stay open without sending CONNECT. */
  connectTimeout: number;
  /** Topic aliases accepted from a client (Topic Alias Maximum in CONNACK; `mqtt.max_topic_alias`). */
  maxTopicAlias: number;
  /** Aliases the broker may assign towards a client, up to the client's own maximum. 0 = never. */
  outboundTopicAlias: number;
  /** QoS 1/2 messages a client may have unacknowledged towards us (our Receive Maximum). */
  receiveMaximum: number;
  /** Cap on QoS 1/2 messages in flight towards one client (also bounded by its Receive Maximum). */
  maxInflight: number;
  /** Largest session expiry interval granted, in seconds. */
  maxSessionExpiry: number;
  /** Highest QoS the broker supports (Maximum QoS in CONNACK). */
  maxQos: 0 | 1 | 2;
  retainAvailable: boolean;
  wildcardSubscriptionAvailable: boolean;
  subscriptionIdentifierAvailable: boolean;
  sharedSubscriptionAvailable: boolean;
  /** How one member of a shared group is picked per message. */
  sharedSubscriptionStrategy: 'round_robin' | 'random';
  /** Anonymous (no user name) clients are accepted when no auth hook decides. */
  allowAnonymous: boolean;
  /** Seconds between `$SYS/broker/...` statistics; 0 disables them. */
  sysInterval: number;
  /** Publish NanoMQ's `$SYS/brokers/connected|disconnected` events. */
  sysEvents: boolean;
  /** Bytes queued on a socket above which it counts as congested (QoS 0 dropped, QoS>0 queued). */
  socketHighWaterMark: number;
  /** Seconds a congested client may take to drain before it is disconnected. */
  drainTimeout: number;
  /** SQLite persistence; off by default here (the CLI turns it on). */
  persistence: PersistenceOptions;
}

const DEFAULTS: BrokerOptions = {
  listeners: [{ kind: 'tcp', host: '0.0.0.0', port: 1883 }],
  maxPacketSize: 268_435_460,
  maxMqueueLen: 2048,
  retryInterval: 10,
  keepaliveMultiplier: 1.25,
  maxKeepalive: 65_535,
  connectTimeout: 30,
  maxTopicAlias: 1024,
  outboundTopicAlias: 0,
  receiveMaximum: 65_535,
  maxInflight: 1024,
  maxSessionExpiry: 0xffffffff,
  maxQos: 2,
  retainAvailable: true,
  wildcardSubscriptionAvailable: true,
  subscriptionIdentifierAvailable: true,
  sharedSubscriptionAvailable: true,
  sharedSubscriptionStrategy: 'round_robin',
  allowAnonymous: true,
  sysInterval: 10,
  sysEvents: true,
  socketHighWaterMark: 4 * 1024 * 1024,
  drainTimeout: 60,
  persistence: DEFAULT_PERSISTENCE_OPTIONS,
};
export const DEFAULT_BROKER_OPTIONS: Readonly<BrokerOptions> = Object.freeze(DEFAULTS);

export function resolveOptions(partial: Partial<BrokerOptions> = {}): BrokerOptions {
  const persistence = { ...DEFAULT_PERSISTENCE_OPTIONS, ...partial.persistence };
  return { ...DEFAULT_BROKER_OPTIONS, ...partial, persistence };
}
