// A raw MQTT client on our codec, for byte-precise protocol tests: it sends exactly what a
// test asks (including garbage) and records every packet the broker sends back.
import { connect, type Socket } from 'node:net';
import {
  FrameDecoder,
  MalformedPacketError,
  PacketType,
  encodePacket,
  type Packet,
  type ProtocolVersion,
} from '../../src/codec/index.js';
import { within } from './wait.js';

export class RawClient {
  readonly socket: Socket;
  readonly packets: Packet[] = [];
  decodeError: MalformedPacketError | null = null;
  closed = false;
  private readonly decoder: FrameDecoder;
  private waiters: (() => void)[] = [];
  readonly version: ProtocolVersion;

  private constructor(socket: Socket, version: ProtocolVersion) {
    this.socket = socket;
    this.version = version;
    this.decoder = new FrameDecoder(
      {
        onPacket: (p) => {
          this.packets.push(p);
          this.wake();
        },
        onError: (e) => {
          this.decodeError = e;
          this.wake();
        },
      },
      { version },
    );
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(port: number, version: ProtocolVersion = 5): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      'TCP connect',
    );
    return new RawClient(socket, version);
  }

  send(packet: Packet): void {
    this.socket.write(encodePacket(packet, this.version));
  }

  sendRaw(bytes: Buffer | string): void {
    this.socket.write(
      typeof bytes === 'string' ? Buffer.from(bytes.replace(/\s+/g, ''), 'hex') : bytes,
    );
  }

  /** Sends CONNECT and waits for CONNACK. */
  async connect(
    fields: Partial<Extract<Packet, { type: 1 }>> = {},
  ): Promise<Extract<Packet, { type: 2 }>> {
    this.send({
      type: PacketType.CONNECT,
      protocolName: this.version === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: this.version,
      clean: true,
      keepalive: 60,
      clientId: `raw-${Math.random().toString(16).slice(2, 10)}`,
      username: null,
      password: null,
      will: null,
      properties: null,
      ...fields,
    });
    return this.next(PacketType.CONNACK);
  }

  /** The next received packet of `type` (consumed from the list), waiting up to `timeoutMs`. */
  async next<T extends Packet['type']>(
    type: T,
    timeoutMs = 3000,
  ): Promise<Extract<Packet, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.packets.findIndex((p) => p.type === type);
      if (i !== -1) return this.packets.splice(i, 1)[0] as Extract<Packet, { type: T }>;
      if (this.closed) throw new Error(`connection closed while waiting for packet type ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for packet type ${type}`);
      await within(
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        `packet type ${type}`,
        left,
      ).catch(() => undefined);
    }
  }

  /** Resolves when the broker closes the connection. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the broker to close the connection');
      await within(new Promise<void>((resolve) => this.waiters.push(resolve)), 'close', left).catch(
        () => undefined,
      );
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
