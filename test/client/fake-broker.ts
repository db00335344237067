// A scripted broker on our codec, for behaviour no real broker shows on demand: duplicate
// QoS 2 PUBLISHes before PUBREL, failure acks, silence, Server Keep Alive, bad aliases.
import { createServer, type Server, type Socket } from 'node:net';
import {
  FrameDecoder,
  PacketType,
  encodePacket,
  type Packet,
  type Properties,
  type ProtocolVersion,
} from '../../src/codec/index.js';
import { within } from '../helpers/wait.js';

export class FakeSession {
  readonly packets: Packet[] = [];
  closed = false;
  version: ProtocolVersion = 5;
  private waiters: (() => void)[] = [];
  private readonly decoder: FrameDecoder;
  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
    this.decoder = new FrameDecoder(
      {
        onPacket: (p) => {
          if (p.type === PacketType.CONNECT) this.version = p.protocolVersion;
          this.packets.push(p);
          this.wake();
        },
        onError: () => {
          socket.destroy();
        },
      },
      { version: 0 },
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

  send(packet: Packet): void {
    this.socket.write(encodePacket(packet, this.version));
  }

  /** Waits for the n-th (1-based) packet of `type` from the client. */
  async expect<T extends Packet>(type: number, n = 1, timeoutMs = 3000): Promise<T> {
    const find = () => this.packets.filter((p) => p.type === type)[n - 1] as T | undefined;
    await within(
      new Promise<void>((resolve) => {
        const check = () => {
          if (find() !== undefined || this.closed) resolve();
          else this.waiters.push(check);
        };
        check();
      }),
      `packet type ${type} #${n}`,
      timeoutMs,
    );
    const p = find();
    if (p === undefined) throw new Error(`connection closed before packet type ${type} #${n}`);
    return p;
  }

  count(type: number): number {
    return this.packets.filter((p) => p.type === type).length;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export class FakeBroker {
  readonly sessions: FakeSession[] = [];
  readonly port: number;
  private waiters: (() => void)[] = [];
  private readonly server: Server;

  private constructor(server: Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static async start(): Promise<FakeBroker> {
    let broker: FakeBroker | null = null;
    const pending: Socket[] = [];
    const server = createServer((socket) => {
      if (broker === null) pending.push(socket);
      else broker.adopt(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    broker = new FakeBroker(server, address.port);
    for (const s of pending) broker.adopt(s);
    return broker;
  }

  /** The n-th (1-based) connection, once its CONNECT arrived. */
  async session(n = 1, timeoutMs = 3000): Promise<FakeSession> {
    await within(
      new Promise<void>((resolve) => {
        const check = () => {
          if (this.sessions.length >= n) resolve();
          else this.waiters.push(check);
        };
        check();
      }),
      `connection #${n}`,
      timeoutMs,
    );
    const s = this.sessions[n - 1] as FakeSession;
    await s.expect(PacketType.CONNECT);
    return s;
  }

  /** Accepts the n-th connection (1-based) with a CONNACK carrying these properties. */
  async accept(n: number, properties: Properties | null = null): Promise<FakeSession> {
    const s = await this.session(n);
    s.send({ type: PacketType.CONNACK, sessionPresent: false, reasonCode: 0, properties });
    return s;
  }

  private adopt(socket: Socket): void {
    this.sessions.push(new FakeSession(socket));
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
