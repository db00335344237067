// Encoders: exact allocation sizes (hand-computed), the split PUBLISH header used for shared
// payloads, the packet identifier offset inside it, v5-only fields dropped for 3.1.1 peers,
// and the fixed header flags the spec requires.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrameDecoder,
  Reader,
  encodePacket,
  encodePublish,
  encodePublishHeader,
  publishPacketIdOffset,
  type Packet,
  type ProtocolVersion,
  type PublishPacket,
} from './index.js';
import { Writer, varintSize } from './writer.js';

const hex = (h: string): Buffer => Buffer.from(h.replace(/[\s|]/g, ''), 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const publish = (p: Partial<PublishPacket>): PublishPacket => ({
  type: 3,
  topic: 't',
  payload: Buffer.alloc(0),
  qos: 0,
  retain: false,
  dup: false,
  packetId: 0,
  properties: null,
  ...p,
});
const fill = (n: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + 5) & 0xff;
  return b;
};

function decodeOne(bytes: Buffer, version: ProtocolVersion): Packet {
  const packets: Packet[] = [];
  const errors: unknown[] = [];
  const d = new FrameDecoder(
    { onPacket: (p) => packets.push(p), onError: (e) => errors.push(e) },
    { version: bytes[0] === 0x10 ? 0 : version },
  );
  d.push(bytes);
  assert.deepEqual(errors, []);
  assert.equal(packets.length, 1);
  return packets[0]!;
}

/** Remaining Length and the fixed header's size, read here without the codec. */
function fixedHeader(buf: Buffer): [remaining: number, headerSize: number] {
  let value = 0;
  let mul = 1;
  for (let i = 1; i <= 4; i++) {
    const byte = buf[i]!;
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [value, 1 + i];
    mul *= 128;
  }
  throw new Error('bad remaining length');
}

interface SizeCase {
  name: string;
  packet: Packet;
  version: ProtocolVersion;
  /** Whole packet size, summed by hand in the comment. */
  size: number;
}

const sizeCases: SizeCase[] = [
  // 1 + 1 + (2+3 topic + 2 payload)
  {
    name: 'PUBLISH 3.1.1 QoS 0',
    packet: publish({ topic: 'a/b', payload: Buffer.from('hi') }),
    version: 4,
    size: 9,
  },
  // 1 + 1 + (2+1 topic + 2 id + 1 prop len + 3 alias + 7 user prop + 10 payload)
  {
    name: 'PUBLISH 5.0 QoS 1 with properties',
    packet: publish({
      topic: 'a',
      qos: 1,
      packetId: 9,
      payload: fill(10),
      properties: { topicAlias: 1, userProperties: [['k', 'v']] },
    }),
    version: 5,
    size: 28,
  },
  // 1 + 1 + (2+5 bytes for "é/ü" + 1 payload): the byte length, not the string length, counts
  {
    name: 'PUBLISH multi-byte topic',
    packet: publish({ topic: 'é/ü', payload: fill(1) }),
    version: 4,
    size: 10,
  },
  // 1 + 2 + (3 + 200)
  { name: 'PUBLISH 200 B payload', packet: publish({ payload: fill(200) }), version: 4, size: 206 },
  // 1 + 1 + (3 + 124) = remaining 127, the last 1-byte length
  { name: 'PUBLISH remaining 127', packet: publish({ payload: fill(124) }), version: 4, size: 129 },
  // 1 + 2 + 128
  { name: 'PUBLISH remaining 128', packet: publish({ payload: fill(125) }), version: 4, size: 131 },
  // 1 + 2 + 16383
  {
    name: 'PUBLISH remaining 16383',
    packet: publish({ payload: fill(16_380) }),
    version: 4,
    size: 16_386,
  },
  // 1 + 3 + 16384
  {
    name: 'PUBLISH remaining 16384',
    packet: publish({ payload: fill(16_381) }),
    version: 4,
    size: 16_388,
  },
  // 1 + 1 + (6 name + 1 level + 1 flags + 2 keep alive + 5 client id)
  {
    name: 'CONNECT 3.1.1',
    packet: {
      type: 1,
      protocolName: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      clientId: 'abc',
      username: null,
      password: null,
      will: null,
      properties: null,
    },
    version: 4,
    size: 17,
  },
  // 1 + 1 + (10 + 1 prop len + 5 session expiry + 4 client id + 1 will prop len + 3 topic
  //   + 3 payload + 3 user name + 3 password)
  {
    name: 'CONNECT 5.0 with will',
    packet: {
      type: 1,
      protocolName: 'MQTT',
      protocolVersion: 5,
      clean: false,
      keepalive: 0,
      clientId: 'cd',
      username: 'u',
      password: Buffer.from('p'),
      will: { topic: 'w', payload: Buffer.from('x'), qos: 1, retain: false, properties: null },
      properties: { sessionExpiryInterval: 10 },
    },
    version: 5,
    size: 35,
  },
  // 1 + 1 + 2
  {
    name: 'CONNACK 3.1.1',
    packet: { type: 2, sessionPresent: true, reasonCode: 0, properties: null },
    version: 4,
    size: 4,
  },
  // 1 + 1 + (2 + 1 prop len + 3 receive maximum)
  {
    name: 'CONNACK 5.0',
    packet: { type: 2, sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 5 } },
    version: 5,
    size: 8,
  },
  {
    name: 'PUBACK 3.1.1',
    packet: { type: 4, packetId: 1, reasonCode: 0, properties: null },
    version: 4,
    size: 4,
  },
  {
    name: 'PUBREC 5.0 short',
    packet: { type: 5, packetId: 1, reasonCode: 0, properties: null },
    version: 5,
    size: 4,
  },
  {
    name: 'PUBREL 5.0 reason',
    packet: { type: 6, packetId: 1, reasonCode: 0x92, properties: null },
    version: 5,
    size: 5,
  },
  // 1 + 1 + (2 id + 1 reason + 1 prop len + 5 reason string)
  {
    name: 'PUBCOMP 5.0 with reason string',
    packet: { type: 7, packetId: 1, reasonCode: 0x92, properties: { reasonString: 'ab' } },
    version: 5,
    size: 11,
  },
  // 1 + 1 + (2 id + 3 filter + 1 options)
  {
    name: 'SUBSCRIBE 3.1.1',
    packet: {
      type: 8,
      packetId: 1,
      subscriptions: [
        { topicFilter: 'a', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
      properties: null,
    },
    version: 4,
    size: 8,
  },
  {
    name: 'SUBSCRIBE 5.0 with a 2-byte subscription identifier',
    packet: {
      type: 8,
      packetId: 1,
      subscriptions: [
        { topicFilter: 'a', qos: 0, noLocal: true, retainAsPublished: true, retainHandling: 2 },
      ],
      properties: { subscriptionIdentifiers: [300] },
    },
    version: 5,
    // 1 + 1 + (2 id + 1 prop len + 3 sub id (1 + 2 varint bytes for 300) + 3 filter + 1 options)
    size: 12,
  },
  // 1 + 1 + (2 id + 1 prop len + 2 codes)
  {
    name: 'SUBACK 5.0',
    packet: { type: 9, packetId: 2, reasonCodes: [0, 0x80], properties: null },
    version: 5,
    size: 7,
  },
  // 1 + 1 + (2 id + 3 "a" + 4 "bc")
  {
    name: 'UNSUBSCRIBE 3.1.1',
    packet: { type: 10, packetId: 3, topicFilters: ['a', 'bc'], properties: null },
    version: 4,
    size: 11,
  },
  {
    name: 'UNSUBACK 3.1.1',
    packet: { type: 11, packetId: 3, reasonCodes: [0, 0], properties: null },
    version: 4,
    size: 4,
  },
  // 1 + 1 + (2 id + 1 prop len + 3 codes)
  {
    name: 'UNSUBACK 5.0',
    packet: { type: 11, packetId: 3, reasonCodes: [0, 0x11, 0x87], properties: null },
    version: 5,
    size: 8,
  },
  { name: 'PINGREQ', packet: { type: 12 }, version: 4, size: 2 },
  { name: 'PINGRESP', packet: { type: 13 }, version: 5, size: 2 },
  {
    name: 'DISCONNECT 3.1.1',
    packet: { type: 14, reasonCode: 0, properties: null },
    version: 4,
    size: 2,
  },
  {
    name: 'DISCONNECT 5.0 normal',
    packet: { type: 14, reasonCode: 0, properties: null },
    version: 5,
    size: 2,
  },
  {
    name: 'DISCONNECT 5.0 reason',
    packet: { type: 14, reasonCode: 0x8e, properties: null },
    version: 5,
    size: 3,
  },
  // 1 + 1 + (1 reason + 1 prop len + 4 reason string)
  {
    name: 'DISCONNECT 5.0 with reason string',
    packet: { type: 14, reasonCode: 0, properties: { reasonString: 'x' } },
    version: 5,
    size: 8,
  },
  {
    name: 'AUTH success',
    packet: { type: 15, reasonCode: 0, properties: null },
    version: 5,
    size: 2,
  },
  // 1 + 1 + (1 reason + 1 prop len + 4 method)
  {
    name: 'AUTH continue with method',
    packet: { type: 15, reasonCode: 0x18, properties: { authenticationMethod: 'm' } },
    version: 5,
    size: 8,
  },
];

describe('[MQTT-2.1.4] encoders allocate exactly the packet size', () => {
  for (const c of sizeCases) {
    test(`[MQTT-2.1.4] ${c.name} (level ${c.version}) is ${c.size} bytes`, () => {
      const buf = encodePacket(c.packet, c.version);
      assert.equal(buf.length, c.size);
      const [remaining, headerSize] = fixedHeader(buf);
      assert.equal(
        headerSize + remaining,
        buf.length,
        'remaining length covers the buffer exactly',
      );
      assert.equal(headerSize, 1 + varintSize(remaining));
      const expected =
        c.version === 4 && c.packet.type === 11 ? { ...c.packet, reasonCodes: [] } : c.packet;
      assert.deepStrictEqual(decodeOne(buf, c.version), expected);
    });
  }
});

describe('[MQTT-3.3] split PUBLISH header for a shared payload', () => {
  const cases: [string, PublishPacket, ProtocolVersion][] = [
    ['QoS 0, empty payload', publish({}), 4],
    [
      'QoS 1, 1-byte remaining length',
      publish({ qos: 1, packetId: 0x0102, payload: fill(100) }),
      4,
    ],
    [
      'QoS 2, 2-byte remaining length',
      publish({ qos: 2, packetId: 0xabcd, payload: fill(125) }),
      4,
    ],
    ['QoS 1, 3-byte remaining length', publish({ qos: 1, packetId: 7, payload: fill(16_381) }), 4],
    [
      'QoS 1, multi-byte topic',
      publish({ topic: 'ü/€', qos: 1, packetId: 0x4242, payload: fill(3) }),
      4,
    ],
    [
      'QoS 2, v5 properties',
      publish({
        qos: 2,
        packetId: 0x0203,
        dup: true,
        retain: true,
        payload: fill(200),
        properties: {
          messageExpiryInterval: 9,
          subscriptionIdentifiers: [1, 70_000],
          userProperties: [['a', 'b']],
        },
      }),
      5,
    ],
  ];
  for (const [name, p, version] of cases) {
    test(`[MQTT-3.3.1] encodePublishHeader + payload equals encodePublish: ${name}`, () => {
      const whole = encodePublish(p, version);
      const header = encodePublishHeader(p, version);
      assert.equal(
        header.length,
        whole.length - p.payload.length,
        'header is sized without the payload',
      );
      assert.equal(toHex(Buffer.concat([header, p.payload])), toHex(whole));
      assert.equal(toHex(encodePacket(p, version)), toHex(whole));
    });
  }
  for (const [name, p, version] of cases.filter(([, c]) => c.qos > 0)) {
    test(`[MQTT-3.3.2.2] publishPacketIdOffset points at the packet identifier: ${name}`, () => {
      const header = encodePublishHeader(p, version);
      const at = publishPacketIdOffset(header, Buffer.byteLength(p.topic));
      assert.equal(header.readUInt16BE(at), p.packetId);
      // A retransmission to another session rewrites only those two bytes.
      const copy = Buffer.from(header);
      copy.writeUInt16BE(0x7e57, at);
      const decoded = decodeOne(Buffer.concat([copy, p.payload]), version);
      assert.deepStrictEqual(decoded, { ...p, packetId: 0x7e57 });
    });
  }
});

describe('[MQTT-3.3.2.3] v5-only fields are dropped for 3.1.1 peers', () => {
  const userProps = { userProperties: [['k', 'v']] as [string, string][] };
  test('[MQTT-3.3.2.3] a v5 PUBLISH with user properties encodes for 3.1.1 without them', () => {
    const p = publish({
      qos: 1,
      packetId: 5,
      payload: Buffer.from('x'),
      properties: { ...userProps, topicAlias: 2 },
    });
    assert.equal(toHex(encodePacket(p, 4)), toHex(hex('32 06 00 01 74 00 05 78')));
    assert.equal(toHex(encodePublishHeader(p, 4)), toHex(hex('32 06 00 01 74 00 05')));
    assert.equal(
      toHex(encodePacket(p, 5)),
      toHex(hex('32 11 00 01 74 00 05 0a 23 00 02 26 00 01 6b 00 01 76 78')),
    );
  });
  test('[MQTT-3.2.2.3] CONNACK properties are dropped for 3.1.1', () => {
    const p: Packet = {
      type: 2,
      sessionPresent: true,
      reasonCode: 0,
      properties: { receiveMaximum: 1, ...userProps },
    };
    assert.equal(toHex(encodePacket(p, 4)), '20020100');
  });
  test('[MQTT-3.4.2.1] ack reason codes and properties are dropped for 3.1.1', () => {
    for (const type of [4, 5, 6, 7] as const) {
      const p: Packet = { type, packetId: 0x0a0b, reasonCode: 0x80, properties: userProps };
      const first = type === 6 ? 0x62 : type << 4;
      assert.equal(toHex(encodePacket(p, 4)), `${first.toString(16)}020a0b`);
    }
  });
  test('[MQTT-3.8.3.1] SUBSCRIBE options beyond QoS and properties are dropped for 3.1.1', () => {
    const p: Packet = {
      type: 8,
      packetId: 1,
      subscriptions: [
        { topicFilter: 'a', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 },
      ],
      properties: { subscriptionIdentifiers: [3] },
    };
    assert.equal(toHex(encodePacket(p, 4)), toHex(hex('82 06 00 01 00 01 61 02')));
    assert.equal(toHex(encodePacket(p, 5)), toHex(hex('82 09 00 01 02 0b 03 00 01 61 2e')));
  });
  test('[MQTT-3.9.2.1] SUBACK, UNSUBSCRIBE and UNSUBACK drop properties (and UNSUBACK codes) for 3.1.1', () => {
    assert.equal(
      toHex(encodePacket({ type: 9, packetId: 1, reasonCodes: [1], properties: userProps }, 4)),
      '9003000101',
    );
    assert.equal(
      toHex(encodePacket({ type: 10, packetId: 1, topicFilters: ['a'], properties: userProps }, 4)),
      'a205000100' + '0161',
    );
    assert.equal(
      toHex(encodePacket({ type: 11, packetId: 1, reasonCodes: [0x11], properties: userProps }, 4)),
      'b0020001',
    );
  });
  test('[MQTT-3.14.2.1] DISCONNECT reason code and properties are dropped for 3.1.1', () => {
    assert.equal(
      toHex(encodePacket({ type: 14, reasonCode: 0x8e, properties: userProps }, 4)),
      'e000',
    );
  });
  test('[MQTT-3.1.2-2] CONNECT is encoded for its own protocol version, whatever is asked', () => {
    const p: Packet = {
      type: 1,
      protocolName: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 1,
      clientId: 'c',
      username: null,
      password: null,
      will: null,
      properties: { sessionExpiryInterval: 5 },
    };
    const expected = '100d00044d5154540402000100' + '0163';
    assert.equal(toHex(encodePacket(p, 5)), expected);
    assert.equal(toHex(encodePacket(p, 4)), expected);
  });
});

describe('[MQTT-2.1.3-1] fixed header flags on encode', () => {
  test('[MQTT-3.6.1-1] PUBREL carries flags 0b0010 in both forms and every version', () => {
    for (const version of [3, 4, 5] as const) {
      assert.equal(
        encodePacket({ type: 6, packetId: 1, reasonCode: 0, properties: null }, version)[0],
        0x62,
      );
    }
    assert.equal(
      encodePacket({ type: 6, packetId: 1, reasonCode: 0x92, properties: null }, 5)[0],
      0x62,
    );
    assert.equal(
      encodePacket(
        { type: 6, packetId: 1, reasonCode: 0, properties: { reasonString: 'r' } },
        5,
      )[0],
      0x62,
    );
  });
  test('[MQTT-3.8.1-1] [MQTT-3.10.1-1] SUBSCRIBE and UNSUBSCRIBE carry flags 0b0010', () => {
    const sub: Packet = {
      type: 8,
      packetId: 1,
      subscriptions: [
        { topicFilter: 'a', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
      properties: null,
    };
    assert.equal(encodePacket(sub, 4)[0], 0x82);
    assert.equal(
      encodePacket({ type: 10, packetId: 1, topicFilters: ['a'], properties: null }, 5)[0],
      0xa2,
    );
  });
  test('[MQTT-2.1.3-1] the other acknowledgements carry flags 0', () => {
    for (const type of [4, 5, 7] as const) {
      assert.equal(
        encodePacket({ type, packetId: 1, reasonCode: 0, properties: null }, 5)[0],
        type << 4,
      );
    }
  });
  test('[MQTT-3.3.1] PUBLISH flags: DUP 0x08, QoS << 1, RETAIN 0x01', () => {
    assert.equal(
      encodePacket(publish({ qos: 2, packetId: 1, dup: true, retain: true }), 4)[0],
      0x3d,
    );
    assert.equal(encodePacket(publish({ qos: 1, packetId: 1 }), 4)[0], 0x32);
    assert.equal(encodePacket(publish({ retain: true }), 4)[0], 0x31);
  });
  test('[MQTT-3.12] ping packets are the fixed two bytes', () => {
    assert.equal(toHex(encodePacket({ type: 12 }, 4)), 'c000');
    assert.equal(toHex(encodePacket({ type: 13 }, 5)), 'd000');
  });
});

describe('[MQTT-1.5.5] Variable Byte Integer writer and reader', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [127, '7f'],
    [128, '8001'],
    [16_383, 'ff7f'],
    [16_384, '808001'],
    [2_097_151, 'ffff7f'],
    [2_097_152, '80808001'],
    [268_435_455, 'ffffff7f'],
  ];
  for (const [value, bytes] of cases) {
    test(`[MQTT-1.5.5] ${value} is ${bytes} both ways`, () => {
      const w = new Writer(varintSize(value));
      w.varint(value);
      assert.equal(w.pos, bytes.length / 2);
      assert.equal(toHex(w.buf), bytes);
      const buf = Buffer.from(bytes, 'hex');
      const r = new Reader().reset(buf, 0, buf.length);
      assert.equal(r.varint(), value);
      assert.equal(r.remaining, 0);
    });
  }
  test('[MQTT-1.5.5] a value above 268,435,455 cannot be written', () => {
    assert.throws(() => {
      new Writer(5).varint(268_435_456);
    }, RangeError);
  });
});
