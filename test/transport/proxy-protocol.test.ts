// PROXY protocol v1 / v2: the header parser, and live tcp and tls listeners with
// proxy_protocol on: the header's source address is what the authenticate hook sees, the
// header may share a segment with the first MQTT (or TLS) bytes, and a bad header closes
// that connection only.
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describe, test } from 'node:test';
import {
  FrameDecoder,
  PacketType,
  encodePacket,
  type ConnectPacket,
  type Packet,
} from '../../src/codec/index.js';
import type { ConnectContext } from '../../src/hooks/types.js';
import type { ListenerSpec } from '../../src/broker/options.js';
import { brokerListeners } from '../../src/server.js';
import { TransportError } from '../../src/transport/errors.js';
import { parseProxyHeader } from '../../src/transport/proxy-protocol.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { testCerts } from '../helpers/certs.js';
import { serverTls } from '../helpers/transports.js';
import { waitFor, within } from '../helpers/wait.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: PROXY (or LOCAL) command, STREAM over INET / INET6. */
function v2(
  command: 0 | 1,
  family: 1 | 2,
  src: number[],
  dst: number[],
  srcPort: number,
  dstPort: number,
  tlv: Buffer = Buffer.alloc(0),
): Buffer {
  const addr = Buffer.alloc(src.length * 2 + 4);
  Buffer.from(src).copy(addr, 0);
  Buffer.from(dst).copy(addr, src.length);
  addr.writeUInt16BE(srcPort, src.length * 2);
  addr.writeUInt16BE(dstPort, src.length * 2 + 2);
  const head = Buffer.alloc(4);
  head[0] = 0x20 | command;
  head[1] = (family << 4) | 1;
  head.writeUInt16BE(addr.length + tlv.length, 2);
  return Buffer.concat([SIG, head, addr, tlv]);
}

const V6_SRC = [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 0x07];
const V6_DST = [...Array<number>(15).fill(0), 1];

function parseError(buf: Buffer | string): string {
  try {
    parseProxyHeader(typeof buf === 'string' ? Buffer.from(buf, 'latin1') : buf);
  } catch (error) {
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'EMQ_ERR_PROXY_PROTOCOL');
    return error.message;
  }
  throw new Error('parsed, expected an error');
}

describe('PROXY protocol: header parser', () => {
  test('v1 TCP4 / TCP6 / UNKNOWN, with the bytes that follow left alone', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 4242 1883\r\n';
    assert.deepEqual(parseProxyHeader(Buffer.from(`${line}\x10\x00`, 'latin1')), {
      sourceAddress: '203.0.113.7',
      sourcePort: 4242,
      length: line.length,
    });
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 ::1 65535 8883\r\n')), {
      sourceAddress: '2001:db8::7',
      sourcePort: 65535,
      length: 39,
    });
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ::1 1 2\r\n')), {
      sourceAddress: null,
      sourcePort: 0,
      length: 31,
    });
  });

  test('v1 incomplete headers need more bytes', () => {
    for (const partial of ['P', 'PROX', 'PROXY TCP4 1.2.3.4', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r'])
      assert.equal(parseProxyHeader(Buffer.from(partial)), null, partial);
  });

  test('v1 malformed headers are refused', () => {
    assert.match(parseError('PROXI TCP4'), /does not start with "PROXY "/);
    assert.match(parseError('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), /unknown protocol/);
    assert.match(parseError('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), /4 fields/);
    assert.match(parseError('PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n'), /bad TCP4 address/);
    assert.match(parseError('PROXY TCP6 1.2.3.4 ::1 1 2\r\n'), /bad TCP6 address/);
    assert.match(parseError('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'), /bad port/);
    assert.match(parseError('PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n'), /bad port/);
    assert.match(parseError(`PROXY TCP4 ${'1'.repeat(120)}`), /longer than 107/);
  });

  test('v2 INET, INET6 and LOCAL; TLVs are skipped', () => {
    const inet = v2(1, 1, [198, 51, 100, 9], [10, 0, 0, 1], 5000, 1883, Buffer.from('0300', 'hex'));
    assert.deepEqual(parseProxyHeader(Buffer.concat([inet, Buffer.from([0x10])])), {
      sourceAddress: '198.51.100.9',
      sourcePort: 5000,
      length: inet.length,
    });
    const inet6 = v2(1, 2, V6_SRC, V6_DST, 6000, 8883);
    assert.deepEqual(parseProxyHeader(inet6), {
      sourceAddress: '2001:db8::7',
      sourcePort: 6000,
      length: 16 + 36,
    });
    const local = v2(0, 1, [1, 2, 3, 4], [5, 6, 7, 8], 1, 2);
    assert.deepEqual(parseProxyHeader(local), { sourceAddress: null, sourcePort: 0, length: 28 });
  });

  test('v2 incomplete headers need more bytes; malformed ones are refused', () => {
    const inet = v2(1, 1, [198, 51, 100, 9], [10, 0, 0, 1], 5000, 1883);
    for (const n of [1, 11, 12, 15, 16, inet.length - 1])
      assert.equal(parseProxyHeader(inet.subarray(0, n)), null, `${n} bytes`);
    const badSig = Buffer.from(inet);
    badSig[5] = 0xff;
    assert.match(parseError(badSig), /signature/);
    const v1ver = Buffer.from(inet);
    v1ver[12] = 0x11;
    assert.match(parseError(v1ver), /version 1/);
    const badCommand = Buffer.from(inet);
    badCommand[12] = 0x22;
    assert.match(parseError(badCommand), /command 2/);
    const badFamily = Buffer.from(inet);
    badFamily[13] = 0x41;
    assert.match(parseError(badFamily), /family 4/);
    const short = Buffer.from(inet.subarray(0, 16 + 4));
    short.writeUInt16BE(4, 14);
    assert.match(parseError(short), /too short/);
  });

  test('bytes that are no PROXY header at all (an MQTT CONNECT) are refused at once', () => {
    assert.match(
      parseError(Buffer.from([0x10, 0x0c, 0x00])),
      /no PROXY header \(first byte 0x10\)/,
    );
  });
});

// ---------------------------------------------------------------- live listeners

const certs = testCerts();

function connectPacket(clientId: string): Buffer {
  const p: ConnectPacket = {
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 30,
    clientId,
    username: null,
    password: null,
    will: null,
    properties: null,
  };
  return encodePacket(p, 5);
}

/** MQTT 5 over any socket (plain, or TLS on a proxied stream), decoded with our codec. */
class StreamClient {
  readonly packets: Packet[] = [];
  closed = false;
  readonly socket: Socket;
  constructor(socket: Socket) {
    this.socket = socket;
    const decoder = new FrameDecoder(
      { onPacket: (p) => this.packets.push(p), onError: () => {} },
      { version: 5 },
    );
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  async next<T extends Packet['type']>(type: T): Promise<Extract<Packet, { type: T }>> {
    await waitFor(() => this.packets.some((p) => p.type === type), `packet type ${type}`, 3000);
    const i = this.packets.findIndex((p) => p.type === type);
    return this.packets.splice(i, 1)[0] as Extract<Packet, { type: T }>;
  }

  async waitClosed(): Promise<void> {
    await waitFor(() => this.closed, 'connection closed', 3000);
  }
}

async function openTcp(port: number): Promise<Socket> {
  const socket = netConnect(port, '127.0.0.1');
  await within(
    new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }),
    'TCP connect',
  );
  return socket;
}

/**
 * TLS through a PROXY header: the header and the ClientHello go out in one write (the
 * listener must hand what follows the header to the TLS handshake).
 */
async function openProxiedTls(port: number, header: Buffer): Promise<TLSSocket> {
  const raw = await openTcp(port);
  let first = true;
  const carrier = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      raw.write(first ? Buffer.concat([header, chunk]) : chunk, callback);
      first = false;
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(error, callback) {
      raw.destroy();
      callback(error);
    },
  });
  raw.on('data', (chunk: Buffer) => carrier.push(chunk));
  raw.on('end', () => carrier.push(null));
  raw.on('error', (e) => carrier.destroy(e));
  const tls = tlsConnect({ socket: carrier, ca: certs.ca, servername: 'localhost' });
  await within(
    new Promise((resolve, reject) => {
      tls.once('secureConnect', resolve);
      tls.once('error', reject);
    }),
    'TLS handshake through PROXY',
  );
  return tls;
}

async function withProxyBroker(
  kind: 'tcp' | 'tls',
  fn: (running: RunningBroker, seen: ConnectContext[]) => Promise<void>,
): Promise<void> {
  const spec: ListenerSpec =
    kind === 'tcp'
      ? { kind, host: '127.0.0.1', port: 0, proxyProtocol: true }
      : { kind, host: '127.0.0.1', port: 0, proxyProtocol: true, tls: serverTls() };
  const running = await startBroker({}, [spec]);
  const seen: ConnectContext[] = [];
  running.broker.hooks.add('authenticate', (ctx) => {
    seen.push(ctx);
    return 'next';
  });
  try {
    await fn(running, seen);
  } finally {
    await within(running.close(), 'broker stop', 3000);
  }
}

const rejected = (running: RunningBroker): number =>
  brokerListeners(running.broker)[0]?.stats.rejected ?? -1;

describe('PROXY protocol: tcp listener', () => {
  test('v1 header and CONNECT in one segment: the hook sees the proxied address', async () => {
    await withProxyBroker('tcp', async (running, seen) => {
      const socket = await openTcp(running.port);
      const c = new StreamClient(socket);
      socket.write(
        Buffer.concat([
          Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 4242 1883\r\n'),
          connectPacket('p1'),
        ]),
      );
      assert.equal((await c.next(PacketType.CONNACK)).reasonCode, 0);
      assert.equal(seen[0]?.remoteAddress, '203.0.113.7');
      assert.equal(seen[0].remotePort, 4242);
      socket.destroy();
    });
  });

  test('v2 header (INET6) written apart from CONNECT; LOCAL keeps the socket address', async () => {
    await withProxyBroker('tcp', async (running, seen) => {
      const a = await openTcp(running.port);
      const ca = new StreamClient(a);
      a.write(v2(1, 2, V6_SRC, V6_DST, 6000, 1883));
      await new Promise((resolve) => setTimeout(resolve, 20));
      a.write(connectPacket('p2'));
      await ca.next(PacketType.CONNACK);
      const b = await openTcp(running.port);
      const cb = new StreamClient(b);
      b.write(Buffer.concat([v2(0, 1, [9, 9, 9, 9], [1, 1, 1, 1], 9, 9), connectPacket('p3')]));
      await cb.next(PacketType.CONNACK);
      assert.deepEqual(
        seen.map((s) => [s.remoteAddress, s.remotePort]),
        [
          ['2001:db8::7', 6000],
          ['127.0.0.1', b.localPort],
        ],
      );
      a.destroy();
      b.destroy();
    });
  });

  test('a garbage header, or none, closes that connection only and is counted', async () => {
    await withProxyBroker('tcp', async (running) => {
      const good = await openTcp(running.port);
      const gc = new StreamClient(good);
      good.write(Buffer.concat([Buffer.from('PROXY UNKNOWN\r\n'), connectPacket('good')]));
      await gc.next(PacketType.CONNACK);

      const garbage = new StreamClient(await openTcp(running.port));
      garbage.socket.write('PROXY TCP4 not-an-address 10.0.0.1 1 2\r\n');
      await garbage.waitClosed();
      const bare = new StreamClient(await openTcp(running.port));
      bare.socket.write(connectPacket('no-header'));
      await bare.waitClosed();
      assert.equal(rejected(running), 2);

      good.write(encodePacket({ type: PacketType.PINGREQ }, 5));
      await gc.next(PacketType.PINGRESP);
      assert.equal(running.broker.clients.size, 1);
      good.destroy();
    });
  });
});

describe('PROXY protocol: tls listener', () => {
  for (const [label, header, address, port] of [
    ['v1', Buffer.from('PROXY TCP4 192.0.2.44 10.0.0.1 31337 8883\r\n'), '192.0.2.44', 31337],
    ['v2', v2(1, 2, V6_SRC, V6_DST, 7000, 8883), '2001:db8::7', 7000],
  ] as const) {
    test(`${label} header before the TLS handshake sets the client address`, async () => {
      await withProxyBroker('tls', async (running, seen) => {
        const tls = await openProxiedTls(running.port, header);
        const c = new StreamClient(tls);
        tls.write(connectPacket(`tls-${label}`));
        assert.equal((await c.next(PacketType.CONNACK)).reasonCode, 0);
        assert.equal(seen[0]?.remoteAddress, address);
        assert.equal(seen[0].remotePort, port);
        assert.equal(seen[0].transport, 'tls');
        tls.destroy();
      });
    });
  }

  test('a TLS client without a PROXY header is closed and counted; others carry on', async () => {
    await withProxyBroker('tls', async (running) => {
      const good = await openProxiedTls(running.port, Buffer.from('PROXY UNKNOWN\r\n'));
      const gc = new StreamClient(good);
      good.write(connectPacket('good-tls'));
      await gc.next(PacketType.CONNACK);

      const direct = tlsConnect({ port: running.port, host: '127.0.0.1', ca: certs.ca });
      direct.on('error', () => {});
      await within(new Promise((resolve) => direct.once('close', resolve)), 'refused', 3000);
      assert.equal(rejected(running), 1);

      good.write(encodePacket({ type: PacketType.PINGREQ }, 5));
      await gc.next(PacketType.PINGRESP);
      good.destroy();
    });
  });
});
