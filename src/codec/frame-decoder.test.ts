// The streaming frame decoder: chunking, zero-copy views, the maximum packet size checked
// from the fixed header, one error then silence, pause / resume / destroy from onPacket,
// the version taken from CONNECT, and a seeded fuzz that only ever sees MalformedPacketError.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrameDecoder,
  MalformedPacketError,
  encodePacket,
  type ConnectPacket,
  type FrameDecoderOptions,
  type Packet,
  type ProtocolVersion,
  type PublishPacket,
} from './index.js';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s/g, ''), 'hex');

/** mulberry32: a small seeded PRNG, so every failure can be replayed. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
}

interface Recorder {
  decoder: FrameDecoder;
  packets: Packet[];
  errors: unknown[];
}
function recorder(
  options: FrameDecoderOptions,
  onPacket?: (p: Packet, r: Recorder) => void,
): Recorder {
  const r: Recorder = { decoder: undefined as unknown as FrameDecoder, packets: [], errors: [] };
  r.decoder = new FrameDecoder(
    {
      onPacket: (p) => {
        r.packets.push(p);
        onPacket?.(p, r);
      },
      onError: (e) => r.errors.push(e),
    },
    options,
  );
  return r;
}

/** An unpooled copy, so `.buffer` identifies this chunk alone. */
function own(bytes: Uint8Array): Buffer {
  const b = Buffer.alloc(bytes.length);
  b.set(bytes);
  return b;
}

const bytesOf = (n: number, seed: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};

const publish = (p: Partial<PublishPacket>): PublishPacket => ({
  type: 3,
  topic: 'a/b',
  payload: Buffer.alloc(0),
  qos: 0,
  retain: false,
  dup: false,
  packetId: 0,
  properties: null,
  ...p,
});

const connect = (protocolVersion: ProtocolVersion): ConnectPacket => ({
  type: 1,
  protocolName: protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
  protocolVersion,
  clean: true,
  keepalive: 30,
  clientId: 'fd',
  username: null,
  password: null,
  will: null,
  properties: protocolVersion === 5 ? { receiveMaximum: 10, userProperties: [['a', 'b']] } : null,
});

/** A v5 session, client and server packets mixed, starting with CONNECT. */
const session5: Packet[] = [
  connect(5),
  publish({
    payload: Buffer.from('hello'),
    properties: { contentType: 'text', subscriptionIdentifiers: [3, 4] },
  }),
  publish({ qos: 1, packetId: 1, payload: bytesOf(300, 1), retain: true }),
  { type: 4, packetId: 1, reasonCode: 0, properties: null },
  { type: 5, packetId: 2, reasonCode: 0x10, properties: { reasonString: 'none' } },
  { type: 6, packetId: 2, reasonCode: 0, properties: null },
  { type: 7, packetId: 2, reasonCode: 0x92, properties: null },
  {
    type: 8,
    packetId: 3,
    subscriptions: [
      { topicFilter: 'x/#', qos: 2, noLocal: true, retainAsPublished: false, retainHandling: 1 },
    ],
    properties: { subscriptionIdentifiers: [9] },
  },
  { type: 9, packetId: 3, reasonCodes: [2], properties: null },
  { type: 10, packetId: 4, topicFilters: ['x/#', 'y'], properties: null },
  { type: 11, packetId: 4, reasonCodes: [0, 0x11], properties: null },
  { type: 12 },
  { type: 13 },
  publish({ qos: 2, dup: true, packetId: 65_535, topic: 'big', payload: bytesOf(20_000, 2) }),
  {
    type: 15,
    reasonCode: 0x18,
    properties: { authenticationMethod: 'm', authenticationData: bytesOf(3, 3) },
  },
  publish({ topic: '', payload: Buffer.alloc(0), properties: { topicAlias: 1 } }),
  { type: 14, reasonCode: 0x04, properties: { reasonString: 'bye' } },
];
const stream5 = Buffer.concat(session5.map((p) => encodePacket(p, 5)));

function feed(r: Recorder, stream: Buffer, chunkSize: (remaining: number) => number): void {
  let offset = 0;
  while (offset < stream.length) {
    const n = Math.min(Math.max(1, chunkSize(stream.length - offset)), stream.length - offset);
    r.decoder.push(own(stream.subarray(offset, offset + n)));
    offset += n;
  }
}

describe('[MQTT-2.1] framing a byte stream', () => {
  test('[MQTT-2.1.4] a mixed v5 stream in one chunk decodes to the packets that made it', () => {
    const r = recorder({});
    r.decoder.push(own(stream5));
    assert.deepEqual(r.errors, []);
    assert.deepStrictEqual(r.packets, session5);
    assert.equal(r.decoder.version, 5);
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  test('[MQTT-2.1.4] the same stream fed one byte at a time decodes identically', () => {
    const r = recorder({});
    let delivered = 0;
    for (let i = 0; i < stream5.length; i++) {
      r.decoder.push(own(stream5.subarray(i, i + 1)));
      assert.ok(r.packets.length >= delivered);
      delivered = r.packets.length;
    }
    assert.deepEqual(r.errors, []);
    assert.deepStrictEqual(r.packets, session5);
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  for (const seed of [1, 7, 42, 1234, 99_991]) {
    test(`[MQTT-2.1.4] random chunk sizes (seed ${seed}) decode identically`, () => {
      const rand = prng(seed);
      const r = recorder({});
      // Mostly small chunks, sometimes large ones, so frames split at every kind of boundary.
      feed(r, stream5, () => (rand(4) === 0 ? 1 + rand(4096) : 1 + rand(12)));
      assert.deepEqual(r.errors, []);
      assert.deepStrictEqual(r.packets, session5);
      assert.equal(r.decoder.bufferedBytes, 0);
    });
  }

  test('[MQTT-2.1.4] hundreds of packets in one chunk decode in order', () => {
    const rand = prng(5);
    const packets: Packet[] = [];
    for (let i = 0; i < 600; i++) {
      const kind = rand(4);
      if (kind === 0)
        packets.push({ type: 4, packetId: 1 + rand(65_535), reasonCode: 0, properties: null });
      else if (kind === 1) packets.push({ type: 12 });
      else {
        const qos = rand(3) as 0 | 1 | 2;
        packets.push(
          publish({
            topic: `t/${i}`,
            qos,
            packetId: qos === 0 ? 0 : 1 + rand(65_535),
            retain: rand(2) === 1,
            payload: bytesOf(rand(kind === 2 ? 40 : 400), i),
          }),
        );
      }
    }
    const r = recorder({ version: 4 });
    r.decoder.push(own(Buffer.concat(packets.map((p) => encodePacket(p, 4)))));
    assert.deepEqual(r.errors, []);
    assert.equal(r.packets.length, 600);
    assert.deepStrictEqual(r.packets, packets);
    // And split into random chunks, the same again.
    const again = recorder({ version: 4 });
    const rand2 = prng(6);
    feed(again, Buffer.concat(packets.map((p) => encodePacket(p, 4))), () => 1 + rand2(700));
    assert.deepStrictEqual(again.packets, packets);
  });

  test('[MQTT-2.1.4] an incomplete frame is held, not reported', () => {
    const r = recorder({ version: 4 });
    r.decoder.push(hex('30 05 00 01 74'));
    assert.equal(r.packets.length, 0);
    assert.equal(r.errors.length, 0);
    assert.equal(r.decoder.bufferedBytes, 5);
    r.decoder.push(Buffer.alloc(0));
    assert.equal(r.decoder.bufferedBytes, 5);
    r.decoder.push(hex('68 69 c0'));
    assert.deepStrictEqual(r.packets, [publish({ topic: 't', payload: Buffer.from('hi') })]);
    assert.equal(r.decoder.bufferedBytes, 1);
    r.decoder.push(hex('00'));
    assert.deepStrictEqual(r.packets[1], { type: 12 });
    assert.equal(r.decoder.bufferedBytes, 0);
  });
});

describe('zero-copy payloads', () => {
  /** A v4 stream of PUBLISH packets; returns it and each payload's offset in it. */
  function publishes(sizes: number[]): [Buffer, PublishPacket[], number[]] {
    const packets = sizes.map((n, i) => publish({ topic: `p${i}`, payload: bytesOf(n, i) }));
    const encoded = packets.map((p) => encodePacket(p, 4));
    const offsets: number[] = [];
    let end = 0;
    for (const [i, e] of encoded.entries()) {
      end += e.length;
      offsets.push(end - sizes[i]!);
    }
    return [Buffer.concat(encoded), packets, offsets];
  }

  test('payloads decoded inside one chunk are views sharing its ArrayBuffer', () => {
    const [stream, packets, offsets] = publishes([10, 200, 0, 5000]);
    const chunk = own(stream);
    const r = recorder({ version: 4 });
    r.decoder.push(chunk);
    assert.deepStrictEqual(r.packets, packets);
    for (const [i, p] of r.packets.entries()) {
      assert.equal(p.payload.buffer, chunk.buffer, `payload ${i} shares the chunk's memory`);
      assert.equal(p.payload.byteOffset, chunk.byteOffset + offsets[i]!);
    }
  });

  test('a packet spanning chunks is correct, and packets after it are views again', () => {
    const [stream, packets, offsets] = publishes([50, 3000, 40, 60]);
    // Cut in the middle of the second payload, then again inside it.
    const cut1 = offsets[1]! + 1000;
    const cut2 = offsets[1]! + 2000;
    const a = own(stream.subarray(0, cut1));
    const b = own(stream.subarray(cut1, cut2));
    const c = own(stream.subarray(cut2));
    const r = recorder({ version: 4 });
    r.decoder.push(a);
    assert.equal(r.packets.length, 1);
    r.decoder.push(b);
    assert.equal(r.packets.length, 1);
    r.decoder.push(c);
    assert.deepStrictEqual(r.packets, packets);
    const got = r.packets;
    assert.equal(got[0]!.payload.buffer, a.buffer);
    for (const chunk of [a, b, c]) assert.notEqual(got[1]!.payload.buffer, chunk.buffer);
    assert.equal(got[2]!.payload.buffer, c.buffer);
    assert.equal(got[2]!.payload.byteOffset, offsets[2]! - cut2);
    assert.equal(got[3]!.payload.buffer, c.buffer);
    assert.equal(got[3]!.payload.byteOffset, offsets[3]! - cut2);
  });
});

describe('[MQTT-3.1.2-24] maximum packet size', () => {
  // PUBLISH "t" with 200 payload bytes: 1 + 2 + 203 = 206 bytes.
  const header206 = hex('30 cb 01 00 01');
  const whole206 = Buffer.concat([header206, hex('74'), bytesOf(200, 0)]);

  test('[MQTT-3.1.2-24] a too-large packet is rejected with 0x95 from its first 5 bytes', () => {
    const r = recorder({ version: 4, maxPacketSize: 100 });
    r.decoder.push(header206);
    assert.equal(r.errors.length, 1);
    const e = r.errors[0];
    assert.ok(e instanceof MalformedPacketError);
    assert.equal(e.reasonCode, 0x95);
    assert.equal(e.specRef, '[MQTT-3.1.2-24]');
    assert.equal(r.packets.length, 0);
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  test('[MQTT-3.1.2-24] a 4-byte remaining length is judged without the body', () => {
    const r = recorder({ version: 4, maxPacketSize: 1_048_576 });
    r.decoder.push(hex('30 80 80 80 01')); // 2 MB announced, no body sent
    assert.equal((r.errors[0] as MalformedPacketError).reasonCode, 0x95);
  });

  test('[MQTT-3.1.2-24] the check fires on the byte that completes the fixed header', () => {
    const r = recorder({ version: 4, maxPacketSize: 205 });
    r.decoder.push(hex('30'));
    r.decoder.push(hex('cb'));
    assert.equal(r.errors.length, 0, 'remaining length not complete yet');
    r.decoder.push(hex('01'));
    assert.equal(r.errors.length, 1);
    assert.equal((r.errors[0] as MalformedPacketError).reasonCode, 0x95);
  });

  test('[MQTT-3.1.2-24] a packet of exactly the maximum size is accepted, one byte more is not', () => {
    const ok = recorder({ version: 4, maxPacketSize: 206 });
    ok.decoder.push(whole206);
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.packets.length, 1);
    assert.equal((ok.packets[0] as PublishPacket).payload.length, 200);
    const tooBig = recorder({ version: 4, maxPacketSize: 205 });
    tooBig.decoder.push(whole206);
    assert.equal((tooBig.errors[0] as MalformedPacketError).reasonCode, 0x95);
    assert.equal(tooBig.packets.length, 0);
  });

  test('[MQTT-3.1.2-24] the limit may be lowered after CONNECT and applies to later frames', () => {
    const r = recorder({}, (p, rec) => {
      if (p.type === 1) rec.decoder.maxPacketSize = 100;
    });
    r.decoder.push(Buffer.concat([encodePacket(connect(4), 4), whole206]));
    assert.equal(r.packets.length, 1);
    assert.equal((r.errors[0] as MalformedPacketError).reasonCode, 0x95);
  });
});

describe('errors stop the decoder', () => {
  test('[MQTT-4.13.1-1] after an error, further input is ignored and only one error is reported', () => {
    const r = recorder({ version: 4 });
    // PINGREQ, then a PUBLISH with QoS 3, then two valid packets in the same chunk.
    r.decoder.push(hex('c0 00  36 05 00 01 74 00 01  c0 00  d0 00'));
    assert.deepStrictEqual(r.packets, [{ type: 12 }]);
    assert.equal(r.errors.length, 1);
    assert.equal((r.errors[0] as MalformedPacketError).specRef, '[MQTT-3.3.1-4]');
    assert.equal(r.decoder.bufferedBytes, 0);
    r.decoder.push(hex('c0 00'));
    r.decoder.push(hex('00 00 ff ff ff ff ff'));
    assert.equal(r.packets.length, 1);
    assert.equal(r.errors.length, 1);
  });

  test('[MQTT-4.13.1-1] an error in a frame spanning chunks is reported once', () => {
    const r = recorder({ version: 4 });
    for (const byte of hex('c0 00 62 02 00 01 40 02 00 00 c0 00'))
      r.decoder.push(Buffer.from([byte]));
    // PUBREL is fine, PUBACK with packet id 0 is a protocol error.
    assert.deepStrictEqual(
      r.packets.map((p) => p.type),
      [12, 6],
    );
    assert.equal(r.errors.length, 1);
    assert.equal((r.errors[0] as MalformedPacketError).reasonCode, 0x82);
  });
});

describe('flow control from onPacket', () => {
  const three = hex('c0 00 d0 00 40 02 00 07');

  test('pause() inside onPacket holds back later packets until resume()', () => {
    const r = recorder({ version: 4 }, (p, rec) => {
      if (rec.packets.length === 1) rec.decoder.pause();
    });
    r.decoder.push(three);
    assert.deepStrictEqual(r.packets, [{ type: 12 }]);
    assert.equal(r.decoder.bufferedBytes, 6);
    r.decoder.push(hex('e0 00'));
    assert.equal(r.packets.length, 1, 'still paused');
    assert.equal(r.decoder.bufferedBytes, 8);
    r.decoder.resume();
    assert.deepStrictEqual(r.packets, [
      { type: 12 },
      { type: 13 },
      { type: 4, packetId: 7, reasonCode: 0, properties: null },
      { type: 14, reasonCode: 0, properties: null },
    ]);
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  test('pause() on every packet yields one packet per resume(), also from one-byte chunks', () => {
    const r = recorder({ version: 4 }, (_p, rec) => {
      rec.decoder.pause();
    });
    for (const byte of three) r.decoder.push(Buffer.from([byte]));
    assert.equal(r.packets.length, 1);
    r.decoder.resume();
    assert.equal(r.packets.length, 2);
    r.decoder.resume();
    assert.equal(r.packets.length, 3);
    assert.equal(r.decoder.bufferedBytes, 0);
    r.decoder.resume();
    assert.equal(r.packets.length, 3);
  });

  test('an error held back by pause() is reported only after resume()', () => {
    const r = recorder({ version: 4 }, (p, rec) => {
      if (p.type === 12) rec.decoder.pause();
    });
    r.decoder.push(hex('c0 00 c1 00'));
    assert.equal(r.errors.length, 0);
    r.decoder.resume();
    assert.equal(r.errors.length, 1);
    assert.equal((r.errors[0] as MalformedPacketError).specRef, '[MQTT-2.1.3-1]');
  });

  test('destroy() inside onPacket stops decoding and drops the rest', () => {
    const r = recorder({ version: 4 }, (p, rec) => {
      if (p.type === 13) rec.decoder.destroy();
    });
    r.decoder.push(Buffer.concat([three, hex('ff ff')]));
    assert.deepStrictEqual(
      r.packets.map((p) => p.type),
      [12, 13],
    );
    assert.deepEqual(r.errors, [], 'garbage after destroy is never parsed');
    assert.equal(r.decoder.bufferedBytes, 0);
    r.decoder.push(hex('c0 00'));
    r.decoder.resume();
    assert.equal(r.packets.length, 2);
  });

  test('destroy() inside onPacket of a frame that spanned chunks stops too', () => {
    const r = recorder({ version: 4 }, (_p, rec) => {
      rec.decoder.destroy();
    });
    r.decoder.push(hex('40 02 00'));
    r.decoder.push(hex('07 c0 00 d0 00'));
    assert.equal(r.packets.length, 1);
    assert.equal(r.decoder.bufferedBytes, 0);
  });
});

describe('[MQTT-3.1.2-2] version from CONNECT', () => {
  test('[MQTT-3.1.2-2] a v5 CONNECT sets version 5 for the PUBLISH after it in the same chunk', () => {
    const pub5 = publish({
      qos: 1,
      packetId: 2,
      payload: Buffer.from('x'),
      properties: { topicAlias: 4 },
    });
    const r = recorder({});
    assert.equal(r.decoder.version, 0);
    r.decoder.push(own(Buffer.concat([encodePacket(connect(5), 5), encodePacket(pub5, 5)])));
    assert.deepEqual(r.errors, []);
    assert.equal(r.decoder.version, 5);
    assert.deepStrictEqual(r.packets, [connect(5), pub5]);
  });

  test('[MQTT-3.1.2-2] after a 3.1.1 CONNECT the same bytes are read without properties', () => {
    // Topic "t", then 03 23 00 04 78: properties in v5, all payload in 3.1.1.
    const body = hex('30 08 00 01 74 03 23 00 04 78');
    const r = recorder({});
    r.decoder.push(Buffer.concat([encodePacket(connect(4), 4), body]));
    assert.equal(r.decoder.version, 4);
    assert.deepStrictEqual(r.packets[1], publish({ topic: 't', payload: hex('03 23 00 04 78') }));
    const r5 = recorder({});
    r5.decoder.push(Buffer.concat([encodePacket(connect(5), 5), body]));
    assert.deepStrictEqual(
      r5.packets[1],
      publish({ topic: 't', payload: hex('78'), properties: { topicAlias: 4 } }),
    );
  });

  test('[MQTT-3.1.2-2] a 3.1 CONNECT sets version 3', () => {
    const r = recorder({});
    r.decoder.push(encodePacket(connect(3), 3));
    assert.equal(r.decoder.version, 3);
    assert.deepStrictEqual(r.packets, [connect(3)]);
  });
});

describe('seeded fuzz: only MalformedPacketError is ever reported', () => {
  // Without the 20 kB PUBLISH, so that most mutations land in headers and properties.
  const small5 = session5.filter((p) => p.type !== 3 || p.payload.length < 1000);
  const fuzz5 = Buffer.concat(small5.map((p) => encodePacket(p, 5)));
  const fuzz4 = Buffer.concat(
    [connect(4), ...small5.filter((p) => p.type !== 1 && p.type !== 15)].map((p) =>
      encodePacket(p, 4),
    ),
  );
  const allowed = new Set([0x81, 0x82, 0x84, 0x94, 0x95]);

  for (const [seed, stream] of [
    [11, fuzz5],
    [12, fuzz4],
    [13, fuzz5],
  ] as const) {
    test(`[MQTT-4.13.1-1] mutated streams never throw nor report anything else (seed ${seed})`, () => {
      const rand = prng(seed);
      for (let round = 0; round < 400; round++) {
        const bytes = Buffer.from(stream);
        const mutations = 1 + rand(4);
        for (let m = 0; m < mutations; m++) {
          const at = rand(bytes.length);
          const how = rand(3);
          if (how === 0) bytes[at] = rand(256);
          else if (how === 1) bytes[at] = (bytes[at] ?? 0) ^ (1 << rand(8));
          else bytes[at] = [0x00, 0x7f, 0x80, 0xff][rand(4)]!;
        }
        const cut = rand(4) === 0 ? rand(bytes.length) : bytes.length;
        const r = recorder(rand(8) === 0 ? { maxPacketSize: 200 } : {});
        feed(r, bytes.subarray(0, cut), () => 1 + rand(64));
        assert.ok(r.errors.length <= 1, `round ${round}: at most one error`);
        for (const e of r.errors) {
          assert.ok(e instanceof MalformedPacketError, `round ${round}: ${String(e)}`);
          assert.ok(
            allowed.has(e.reasonCode),
            `round ${round}: reason 0x${e.reasonCode.toString(16)}`,
          );
          assert.match(e.specRef, /^\[MQTT-[0-9.-]+\]$/);
        }
      }
    });
  }
});
