// What a transport hands the broker: a byte pipe per client, nothing about MQTT.

export type TransportKind = 'tcp' | 'tls' | 'ws' | 'wss';

export interface ConnectionHandlers {
  onData(chunk: Buffer): void;
  /** The socket's buffer drained below its high-water mark after write() returned false. */
  onDrain(): void;
  onClose(hadError: boolean): void;
}

/** The identity in a verified client certificate (mutual TLS). */
export interface PeerCertificate {
  /** Subject fields (CN, O, OU, C, ...); a field that occurs twice is joined with ','. */
  readonly subject: Readonly<Record<string, string>>;
  /** The subject's Common Name, null when the certificate has none. */
  readonly cn: string | null;
}

/**
 * The listener a connection came in on: one shared object per listener. The transport only
 * carries `useIdentityAsUsername`; the broker gives it meaning.
 */
export interface ListenerInfo {
  readonly name: string;
  readonly kind: TransportKind;
  /** The verified client certificate's CN replaces the user name (Mosquitto's option). */
  readonly useIdentityAsUsername: boolean;
}

export interface Connection {
  readonly kind: TransportKind;
  readonly listener: ListenerInfo;
  /** The client's address: the socket peer's, or the PROXY protocol header's source. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The client certificate, only when one was presented and verified against the CA. */
  readonly peerCertificate: PeerCertificate | null;
  /** Bytes queued in user space, not yet handed to the kernel. */
  readonly writableLength: number;
  setHandlers(handlers: ConnectionHandlers): void;
  /** false = the caller should stop writing until onDrain. */
  write(data: Buffer): boolean;
  cork(): void;
  uncork(): void;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Closes at once, dropping unsent bytes. */
  destroy(): void;
}

/** Connections a listener refused before the broker saw them. */
export interface ListenerStats {
  /** TLS handshakes that failed (bad or missing client certificate included). */
  handshakeFailures: number;
  /**
   * Connections refused: client certificate missing or untrusted, malformed PROXY header,
   * WebSocket wrong path / plain HTTP / bad upgrade.
   */
  rejected: number;
}

/** Told about every refused connection; the owner of the logger logs it at debug. */
export type TransportErrorHandler = (error: Error, remoteAddress: string) => void;

export interface Listener {
  readonly kind: TransportKind;
  readonly info: ListenerInfo;
  readonly stats: ListenerStats;
  /** Resolves with the bound address once listening. */
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  /**
   * TLS kinds: re-reads the key, certificate and CA files for new handshakes; connected
   * clients keep their session. Throws (keeping the old certificates) when a file is bad.
   */
  reloadCertificates?(): void;
}

export type ConnectionAcceptor = (connection: Connection) => void;
