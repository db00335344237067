// One network connection: the byte stream, the frame decoder, and the batched write path.
// Everything sent during one event-loop turn leaves in one socket write (acks included),
// as in the broker: the biggest single lever on throughput.
import type { Duplex } from 'node:stream';
import {
  FrameDecoder,
  type MalformedPacketError,
  type Packet,
  type PacketSink,
  type ProtocolVersion,
} from '../codec/index.js';
import { ClientErrorCode, MqttClientError } from './errors.js';

/** Batches up to this size are joined into one buffer; larger ones go through cork(). */
const COALESCE_LIMIT = 16 * 1024;

/** Time the broker gets to close the socket after our DISCONNECT before we drop it. */
const CLOSE_GRACE_MS = 2000;

export type WriteCallback = (error: Error | null) => void;

export interface ConnectionOwner {
  onPacket(packet: Packet, conn: Connection): void;
  onMalformed(error: MalformedPacketError, conn: Connection): void;
  /** Once per connection; `error` is the transport error that closed it, if any. */
  onClose(conn: Connection, error: Error | null): void;
}

export class Connection implements PacketSink {
  readonly decoder: FrameDecoder;
  /** Date.now() of the last batch handed to the socket: the keepalive clock. */
  lastWrite: number;
  closed: boolean;
  private readonly socket: Duplex;
  private readonly owner: ConnectionOwner;
  private out: Buffer[];
  private outBytes: number;
  private callbacks: WriteCallback[];
  private flushQueued: boolean;
  private error: Error | null;
  private readonly flushBound: () => void;

  constructor(
    socket: Duplex,
    owner: ConnectionOwner,
    version: ProtocolVersion,
    maxPacketSize: number,
  ) {
    this.socket = socket;
    this.owner = owner;
    this.decoder = new FrameDecoder(this, { version, maxPacketSize });
    this.lastWrite = Date.now();
    this.closed = false;
    this.out = [];
    this.outBytes = 0;
    this.callbacks = [];
    this.flushQueued = false;
    this.error = null;
    this.flushBound = () => {
      this.flush();
    };
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
    });
    // MQTT has no use for a half-open connection: the broker ending its side ends ours.
    socket.on('end', () => {
      socket.destroy();
    });
    socket.on('error', (error: Error) => {
      this.error ??= error;
    });
    socket.on('close', () => {
      this.onSocketClose();
    });
  }

  // PacketSink: the decoder reports here, and we forward to the client.
  onPacket(packet: Packet): void {
    this.owner.onPacket(packet, this);
  }

  onError(error: MalformedPacketError): void {
    this.owner.onMalformed(error, this);
  }

  /** Bytes not yet taken by the kernel: this turn's batch plus the socket's buffer. */
  get pendingBytes(): number {
    return this.outBytes + this.socket.writableLength;
  }

  /** Queues bytes for this turn's write; `cb` runs once they were handed to the kernel. */
  send(data: Buffer, cb?: WriteCallback): void {
    if (this.closed) {
      cb?.(new MqttClientError(ClientErrorCode.CONNECTION_LOST, 'the connection is closed'));
      return;
    }
    this.out.push(data);
    this.outBytes += data.length;
    if (cb !== undefined) this.callbacks.push(cb);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flushBound);
    }
  }

  /** Writes this turn's batch now. */
  flush(): void {
    this.flushQueued = false;
    const out = this.out;
    if (out.length === 0 || this.closed) return;
    const bytes = this.outBytes;
    const callbacks = this.callbacks;
    this.out = [];
    this.outBytes = 0;
    this.callbacks = [];
    this.lastWrite = Date.now();
    const done =
      callbacks.length === 0
        ? undefined
        : (error?: Error | null) => {
            const e =
              error === undefined || error === null
                ? null
                : new MqttClientError(ClientErrorCode.CONNECTION_LOST, error.message, null, {
                    cause: error,
                  });
            for (const cb of callbacks) cb(e);
          };
    if (out.length === 1) {
      this.socket.write(out[0], done);
    } else if (bytes <= COALESCE_LIMIT) {
      this.socket.write(Buffer.concat(out, bytes), done);
    } else {
      this.socket.cork();
      const last = out.length - 1;
      for (let i = 0; i < last; i++) this.socket.write(out[i]);
      this.socket.write(out[last], done);
      this.socket.uncork();
    }
  }

  /** Flushes and half-closes; drops the socket if the broker has not closed it in time. */
  closeSoon(): void {
    this.end();
    setTimeout(() => {
      this.destroy();
    }, CLOSE_GRACE_MS).unref();
  }

  /** Flushes, then half-closes: the broker closes its side after DISCONNECT. */
  end(): void {
    this.flush();
    this.socket.end();
  }

  /** Closes at once; unsent bytes are dropped. */
  destroy(error?: Error): void {
    if (error !== undefined) this.error ??= error;
    this.decoder.destroy();
    this.socket.destroy();
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.decoder.destroy();
    const callbacks = this.callbacks;
    this.out = [];
    this.outBytes = 0;
    this.callbacks = [];
    if (callbacks.length > 0) {
      const lost = new MqttClientError(
        ClientErrorCode.CONNECTION_LOST,
        'the connection closed before the message was written',
        null,
        this.error === null ? undefined : { cause: this.error },
      );
      for (const cb of callbacks) cb(lost);
    }
    this.owner.onClose(this, this.error);
  }
}
