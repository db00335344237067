// A transport for our client that records every packet in both directions (decoded with
// our codec), and can cut the connection or swallow what the broker sends: a man in the
// middle inside the test process, so tests observe the wire rather than the client's word.
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { FrameDecoder, PacketType, type Packet } from '../../src/codec/index.js';
import type { Transport } from '../../src/client/index.js';

export interface WireEntry {
  readonly dir: 'out' | 'in';
  readonly packet: Packet;
  /** Which connection (1, 2, ...) carried it. */
  readonly connection: number;
}

const ignore = (): void => {};

export class WireTap {
  readonly log: WireEntry[] = [];
  /** Connections opened through this tap. */
  connections = 0;
  /** While true, bytes from the broker are dropped (the client hears nothing). */
  dropIncoming = false;
  /** Starts dropping incoming bytes after the chunk that carries a packet of this type. */
  dropAfter: number | null = null;
  private readonly sockets = new Set<Socket>();
  readonly transport: Transport;

  constructor(port: number, host = '127.0.0.1') {
    this.transport = () => this.open(host, port);
  }

  sent(type?: number): Packet[] {
    return this.log
      .filter((e) => e.dir === 'out' && (type === undefined || e.packet.type === type))
      .map((e) => e.packet);
  }

  received(type?: number): Packet[] {
    return this.log
      .filter((e) => e.dir === 'in' && (type === undefined || e.packet.type === type))
      .map((e) => e.packet);
  }

  /** Destroys every open socket: to the broker the client just vanished (no DISCONNECT). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  /**
   * Most QoS 1/2 PUBLISHes sent and not yet completed at any moment, per connection
   * (PUBACK, PUBCOMP, or a failure PUBREC ends one).
   */
  maxOutstanding(): number {
    let max = 0;
    const open = new Map<number, Set<number>>();
    for (const e of this.log) {
      let ids = open.get(e.connection);
      if (ids === undefined) open.set(e.connection, (ids = new Set()));
      const p = e.packet;
      if (e.dir === 'out' && p.type === PacketType.PUBLISH && p.qos > 0) ids.add(p.packetId);
      if (e.dir === 'in' && (p.type === PacketType.PUBACK || p.type === PacketType.PUBCOMP))
        ids.delete(p.packetId);
      if (e.dir === 'in' && p.type === PacketType.PUBREC && p.reasonCode >= 0x80)
        ids.delete(p.packetId);
      max = Math.max(max, ids.size);
    }
    return max;
  }

  private open(host: string, port: number): Duplex {
    const n = ++this.connections;
    const socket = connect({ host, port });
    this.sockets.add(socket);
    const record = (dir: 'out' | 'in') => (packet: Packet) => {
      this.log.push({ dir, packet, connection: n });
    };
    const incoming = new FrameDecoder({ onPacket: record('in'), onError: ignore }, { version: 5 });
    const outgoing = new FrameDecoder(
      {
        onPacket: (p) => {
          if (p.type === PacketType.CONNECT) incoming.version = p.protocolVersion;
          record('out')(p);
        },
        onError: ignore,
      },
      { version: 0 },
    );
    const duplex = new Duplex({
      read: ignore,
      write(chunk: Buffer, _encoding, cb) {
        outgoing.push(Buffer.from(chunk)); // a copy: the client may reuse nothing, but be safe
        socket.write(chunk, cb);
      },
      final(cb) {
        socket.end();
        cb();
      },
      destroy(error, cb) {
        socket.destroy();
        cb(error);
      },
    });
    socket.on('data', (chunk: Buffer) => {
      const drop = this.dropIncoming;
      const before = this.log.length;
      incoming.push(chunk);
      if (
        this.dropAfter !== null &&
        this.log.slice(before).some((e) => e.packet.type === this.dropAfter)
      ) {
        this.dropIncoming = true;
      }
      if (!drop) duplex.push(chunk);
    });
    socket.on('error', (error) => {
      duplex.destroy(error);
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      duplex.destroy();
    });
    return duplex;
  }
}
