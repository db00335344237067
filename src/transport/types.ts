// What a transport hands the broker: a byte pipe per client, nothing about MQTT.

export type TransportKind = 'tcp' | 'tls' | 'ws' | 'wss';

export interface ConnectionHandlers {
  onData(chunk: Buffer): void;
  /** The socket's buffer drained below its high-water mark after write() returned false. */
  onDrain(): void;
  onClose(hadError: boolean): void;
}

export interface Connection {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  readonly remotePort: number;
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

export interface Listener {
  readonly kind: TransportKind;
  /** Resolves with the bound address once listening. */
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

export type ConnectionAcceptor = (connection: Connection) => void;
