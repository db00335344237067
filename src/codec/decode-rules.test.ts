// Decode rules: each malformed or forbidden input is rejected with the MQTT 5 reason code
// the receiver answers with (0x81 malformed, 0x82 protocol error, 0x84 unsupported protocol
// version, 0x94 topic alias invalid) and the spec clause it breaks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrameDecoder,
  MalformedPacketError,
  type Packet,
  type ProtocolVersion,
  type PublishPacket,
} from './index.js';

const MALFORMED = 0x81;
const PROTOCOL = 0x82;
const UNSUPPORTED = 0x84;
const ALIAS = 0x94;

const clean = (h: string): string => h.replace(/[\s|]/g, '');
const hex = (h: string): Buffer => Buffer.from(clean(h), 'hex');

/** Variable Byte Integer, written here independently of the codec's writer. */
function vbi(n: number): string {
  let out = '';
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out += b.toString(16).padStart(2, '0');
  } while (n > 0);
  return out;
}
/** A whole packet: first byte, computed Remaining Length, body. */
const frame = (first: number, body: string): Buffer =>
  hex(first.toString(16).padStart(2, '0') + vbi(clean(body).length / 2) + clean(body));
/** Two byte length prefix for raw (possibly invalid) UTF-8 bytes. */
const lp = (bytesHex: string): string =>
  (clean(bytesHex).length / 2).toString(16).padStart(4, '0') + clean(bytesHex);
/** A UTF-8 string field. */
const s = (text: string): string => lp(Buffer.from(text, 'utf8').toString('hex'));
/** A property list with its length prefix. */
const props = (h: string): string => vbi(clean(h).length / 2) + clean(h);
const b = (n: number): string => n.toString(16).padStart(2, '0');

const connect4 = (flags: number, payload: string, level = 4, name = 'MQTT'): Buffer =>
  frame(0x10, s(name) + b(level) + b(flags) + '003c' + payload);
const connect5 = (flags: number, properties: string, payload: string): Buffer =>
  frame(0x10, s('MQTT') + '05' + b(flags) + '003c' + props(properties) + payload);

interface Outcome {
  packets: Packet[];
  errors: unknown[];
}
function run(bytes: Buffer, version: 0 | ProtocolVersion): Outcome {
  const out: Outcome = { packets: [], errors: [] };
  const decoder = new FrameDecoder(
    { onPacket: (p) => out.packets.push(p), onError: (e) => out.errors.push(e) },
    { version },
  );
  decoder.push(bytes);
  return out;
}
function decodeOne(bytes: Buffer, version: 0 | ProtocolVersion): Packet {
  const { packets, errors } = run(bytes, version);
  assert.deepEqual(errors, []);
  assert.equal(packets.length, 1);
  return packets[0]!;
}
function rejects(
  bytes: Buffer,
  version: 0 | ProtocolVersion,
  reasonCode: number,
  specRef: string,
): void {
  const { packets, errors } = run(bytes, version);
  assert.equal(packets.length, 0, 'no packet is delivered');
  assert.equal(errors.length, 1, 'exactly one error');
  const e = errors[0];
  assert.ok(e instanceof MalformedPacketError, 'a MalformedPacketError');
  assert.deepEqual(
    { reasonCode: e.reasonCode, specRef: e.specRef },
    { reasonCode, specRef },
    `got: ${e.message}`,
  );
}

/** One valid body per packet type, for the fixed-header flag rule. */
const FLAG_CASES: [
  type: number,
  name: string,
  required: number,
  body: string,
  version: 0 | ProtocolVersion,
][] = [
  [1, 'CONNECT', 0, s('MQTT') + '04 02 00 3c' + s('c'), 0],
  [2, 'CONNACK', 0, '00 00', 4],
  [4, 'PUBACK', 0, '00 01', 4],
  [5, 'PUBREC', 0, '00 01', 4],
  [6, 'PUBREL', 2, '00 01', 4],
  [7, 'PUBCOMP', 0, '00 01', 4],
  [8, 'SUBSCRIBE', 2, '00 01' + s('a') + '00', 4],
  [9, 'SUBACK', 0, '00 01 00', 4],
  [10, 'UNSUBSCRIBE', 2, '00 01' + s('a'), 4],
  [11, 'UNSUBACK', 0, '00 01', 4],
  [12, 'PINGREQ', 0, '', 4],
  [13, 'PINGRESP', 0, '', 4],
  [14, 'DISCONNECT', 0, '', 4],
  [15, 'AUTH', 0, '', 5],
];

describe('[MQTT-2.1.3-1] fixed header flags', () => {
  for (const [type, name, required, body, version] of FLAG_CASES) {
    test(`[MQTT-2.1.3-1] ${name} accepts only flags 0b${required.toString(2).padStart(4, '0')}`, () => {
      assert.equal(decodeOne(frame((type << 4) | required, body), version).type, type);
      for (let flags = 0; flags < 16; flags++) {
        if (flags === required) continue;
        rejects(frame((type << 4) | flags, body), version, MALFORMED, '[MQTT-2.1.3-1]');
      }
    });
  }
  test('[MQTT-2.1.2] packet type 0 is reserved', () => {
    rejects(hex('00 00'), 4, MALFORMED, '[MQTT-2.1.2]');
    rejects(hex('00 00'), 0, MALFORMED, '[MQTT-2.1.2]');
  });
  test('[MQTT-2.1.2] AUTH (type 15) is reserved in 3.1 and 3.1.1', () => {
    rejects(hex('f0 00'), 4, MALFORMED, '[MQTT-2.1.2]');
    rejects(hex('f0 00'), 3, MALFORMED, '[MQTT-2.1.2]');
  });
  test('[MQTT-3.1.0-1] the first packet must be CONNECT', () => {
    rejects(hex('c0 00'), 0, PROTOCOL, '[MQTT-3.1.0-1]');
    rejects(frame(0x30, s('t')), 0, PROTOCOL, '[MQTT-3.1.0-1]');
    rejects(hex('20 02 00 00'), 0, PROTOCOL, '[MQTT-3.1.0-1]');
  });
});

describe('[MQTT-1.5.5] Remaining Length and length fields', () => {
  test('[MQTT-2.1.4] a remaining length of 5 bytes is malformed (seen from the first 5 bytes)', () => {
    rejects(hex('30 80 80 80 80'), 4, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('30 ff ff ff ff 01'), 4, MALFORMED, '[MQTT-2.1.4]');
  });
  test('[MQTT-1.5.5-1] a non-minimal remaining length is malformed', () => {
    rejects(hex('c0 80 00'), 4, MALFORMED, '[MQTT-1.5.5-1]');
    rejects(hex('30 83 80 00'), 4, MALFORMED, '[MQTT-1.5.5-1]');
  });
  test('[MQTT-1.5.5-1] a non-minimal property length is malformed', () => {
    rejects(frame(0x30, s('t') + '80 00'), 5, MALFORMED, '[MQTT-1.5.5-1]');
  });
  test('[MQTT-2.1.4] trailing bytes after a complete packet are malformed', () => {
    rejects(hex('c0 01 00'), 4, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('d0 01 00'), 4, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('e0 01 00'), 4, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('40 03 00 01 00'), 4, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('b0 03 00 01 00'), 4, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('20 03 00 00 00'), 4, MALFORMED, '[MQTT-2.1.4]');
    rejects(connect4(0x02, s('c') + '00'), 0, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('40 05 00 01 00 00 ff'), 5, MALFORMED, '[MQTT-2.1.4]');
    rejects(hex('20 04 00 00 00 ff'), 5, MALFORMED, '[MQTT-2.1.4]');
  });
  test('[MQTT-1.5] fields that run past the end of the packet are malformed', () => {
    rejects(connect4(0x02, '00 05 61 62'), 0, MALFORMED, '[MQTT-1.5]'); // client id
    rejects(frame(0x10, s('MQTT') + '04 02 00'), 0, MALFORMED, '[MQTT-1.5]'); // keep alive
    rejects(frame(0x30, '00 05 61'), 4, MALFORMED, '[MQTT-1.5]'); // topic
    rejects(frame(0x32, s('t')), 4, MALFORMED, '[MQTT-1.5]'); // packet id
    rejects(frame(0x82, '00 01' + s('a')), 4, MALFORMED, '[MQTT-1.5]'); // subscription options
    rejects(frame(0x40, '00'), 4, MALFORMED, '[MQTT-1.5]'); // packet id
    rejects(frame(0x20, '00 00'), 5, MALFORMED, '[MQTT-1.5]'); // v5 CONNACK property length
    rejects(connect4(0x06, s('c') + s('w') + '00 04 61'), 0, MALFORMED, '[MQTT-1.5]'); // will payload
  });
});

describe('[MQTT-1.5.4] UTF-8 Encoded Strings', () => {
  const topic = (raw: string): Buffer => frame(0x30, lp(raw));
  test('[MQTT-1.5.4-1] an invalid byte (0xff) in a topic is malformed', () => {
    rejects(topic('61 ff'), 4, MALFORMED, '[MQTT-1.5.4-1]');
  });
  test('[MQTT-1.5.4-1] a truncated multi-byte sequence is malformed', () => {
    rejects(topic('61 c3'), 4, MALFORMED, '[MQTT-1.5.4-1]');
    rejects(topic('e2 82 61'), 4, MALFORMED, '[MQTT-1.5.4-1]');
  });
  test('[MQTT-1.5.4-1] an overlong encoding is malformed', () => {
    rejects(topic('c0 af'), 4, MALFORMED, '[MQTT-1.5.4-1]'); // "/" in two bytes
    rejects(topic('e0 80 af'), 4, MALFORMED, '[MQTT-1.5.4-1]'); // "/" in three bytes
    rejects(topic('c0 80'), 4, MALFORMED, '[MQTT-1.5.4-1]'); // U+0000 in two bytes
  });
  test('[MQTT-1.5.4-1] a UTF-16 surrogate (ED A0 80) is malformed', () => {
    rejects(topic('61 ed a0 80'), 4, MALFORMED, '[MQTT-1.5.4-1]');
    rejects(topic('ed bf bf'), 5, MALFORMED, '[MQTT-1.5.4-1]');
  });
  test('[MQTT-1.5.4-1] a code point above U+10FFFF is malformed', () => {
    rejects(topic('f4 90 80 80'), 4, MALFORMED, '[MQTT-1.5.4-1]');
  });
  test('[MQTT-1.5.4-2] U+0000 in a topic is malformed (ASCII and after non-ASCII)', () => {
    rejects(topic('61 00 62'), 4, MALFORMED, '[MQTT-1.5.4-2]');
    rejects(topic('c3 a9 00'), 4, MALFORMED, '[MQTT-1.5.4-2]');
  });
  test('[MQTT-1.5.4-2] U+0000 in a client identifier is malformed', () => {
    rejects(connect4(0x02, lp('63 00')), 0, MALFORMED, '[MQTT-1.5.4-2]');
  });
  test('[MQTT-1.5.4-2] U+0000 in a user property name or value is malformed', () => {
    rejects(
      frame(0x30, s('t') + props('26' + lp('6b 00') + s('v'))),
      5,
      MALFORMED,
      '[MQTT-1.5.4-2]',
    );
    rejects(frame(0x30, s('t') + props('26' + s('k') + lp('00'))), 5, MALFORMED, '[MQTT-1.5.4-2]');
  });
  test('[MQTT-1.5.4-1] a surrogate in a user property value is malformed', () => {
    rejects(
      frame(0x30, s('t') + props('26' + s('k') + lp('ed a0 80'))),
      5,
      MALFORMED,
      '[MQTT-1.5.4-1]',
    );
  });
  test('[MQTT-1.5.4-3] well-formed 2-, 3- and 4-byte sequences and U+FEFF are accepted', () => {
    const p = decodeOne(topic('c3 a9 e2 82 ac f0 9f 98 80 ef bb bf'), 4) as PublishPacket;
    assert.equal(p.topic, '\u00e9\u20ac\u{1f600}\ufeff');
  });
});

describe('[MQTT-3.1] CONNECT', () => {
  test('[MQTT-3.1.2-1] an unknown protocol name is refused with 0x84', () => {
    rejects(connect4(0x02, s('c'), 4, 'MQTX'), 0, UNSUPPORTED, '[MQTT-3.1.2-1]');
    rejects(connect4(0x02, s('c'), 4, 'mqtt'), 0, UNSUPPORTED, '[MQTT-3.1.2-1]');
  });
  test('[MQTT-3.1.2-2] protocol level 3 with name "MQTT" is refused with 0x84', () => {
    rejects(connect4(0x02, s('c'), 3), 0, UNSUPPORTED, '[MQTT-3.1.2-2]');
  });
  test('[MQTT-3.1.2-2] protocol level 6 is refused with 0x84', () => {
    rejects(connect4(0x02, s('c'), 6), 0, UNSUPPORTED, '[MQTT-3.1.2-2]');
  });
  test('[MQTT-3.1.2-2] name "MQIsdp" with level 4 is refused with 0x84', () => {
    rejects(connect4(0x02, s('c'), 4, 'MQIsdp'), 0, UNSUPPORTED, '[MQTT-3.1.2-2]');
  });
  test('[MQTT-3.1.2-3] the reserved CONNECT flag is malformed', () => {
    rejects(connect4(0x03, s('c')), 0, MALFORMED, '[MQTT-3.1.2-3]');
    rejects(connect5(0x01, '', s('c')), 0, MALFORMED, '[MQTT-3.1.2-3]');
  });
  test('[MQTT-3.1.2-12] will QoS 3 is malformed', () => {
    rejects(connect4(0x1e, s('c') + s('w') + s('x')), 0, MALFORMED, '[MQTT-3.1.2-12]');
  });
  test('[MQTT-3.1.2-11] will QoS without the will flag is malformed', () => {
    rejects(connect4(0x0a, s('c')), 0, MALFORMED, '[MQTT-3.1.2-11]');
    rejects(connect5(0x12, '', s('c')), 0, MALFORMED, '[MQTT-3.1.2-11]');
  });
  test('[MQTT-3.1.2-13] will retain without the will flag is malformed', () => {
    rejects(connect4(0x22, s('c')), 0, MALFORMED, '[MQTT-3.1.2-13]');
  });
  test('[MQTT-3.1.2-22] a password without a user name is malformed in 3.1.1 and 3.1', () => {
    rejects(connect4(0x42, s('c') + s('pw')), 0, MALFORMED, '[MQTT-3.1.2-22]');
    rejects(connect4(0x42, s('c') + s('pw'), 3, 'MQIsdp'), 0, MALFORMED, '[MQTT-3.1.2-22]');
  });
  test('[MQTT-3.1.2.9] a password without a user name is allowed in 5.0', () => {
    const p = decodeOne(connect5(0x42, '', s('c') + s('pw')), 0);
    assert.ok(p.type === 1);
    assert.equal(p.username, null);
    assert.deepEqual(p.password, Buffer.from('pw'));
  });
  test('[MQTT-3.1.2.11.10] authentication data without a method is a protocol error', () => {
    rejects(connect5(0x02, '16 00 01 ff', s('c')), 0, PROTOCOL, '[MQTT-3.1.2.11.10]');
  });
  test('[MQTT-3.1.3.2] a will property outside the will list, and the reverse, are malformed', () => {
    const will = (willProps: string): Buffer =>
      connect5(0x06, '', s('c') + props(willProps) + s('w') + s('x'));
    rejects(will('11 00 00 00 01'), 0, MALFORMED, '[MQTT-2.2.2.2]'); // session expiry in will
    rejects(will('23 00 01'), 0, MALFORMED, '[MQTT-2.2.2.2]'); // topic alias in will
    rejects(connect5(0x02, '18 00 00 00 01', s('c')), 0, MALFORMED, '[MQTT-2.2.2.2]'); // will delay
    rejects(connect5(0x02, '01 01', s('c')), 0, MALFORMED, '[MQTT-2.2.2.2]'); // payload format
  });
});

describe('[MQTT-3.3] PUBLISH', () => {
  test('[MQTT-3.3.1-4] QoS 3 is malformed', () => {
    rejects(frame(0x36, s('t') + '00 01'), 4, MALFORMED, '[MQTT-3.3.1-4]');
    rejects(frame(0x36, s('t') + '00 01 00'), 5, MALFORMED, '[MQTT-3.3.1-4]');
  });
  test('[MQTT-3.3.1-2] DUP on a QoS 0 PUBLISH is malformed', () => {
    rejects(frame(0x38, s('t')), 4, MALFORMED, '[MQTT-3.3.1-2]');
  });
  test('[MQTT-2.2.1-3] a QoS 1 or 2 PUBLISH with packet identifier 0 is a protocol error', () => {
    rejects(frame(0x32, s('t') + '00 00'), 4, PROTOCOL, '[MQTT-2.2.1-3]');
    rejects(frame(0x34, s('t') + '00 00 00'), 5, PROTOCOL, '[MQTT-2.2.1-3]');
  });
  test('[MQTT-2.2.1-3] acknowledgements with packet identifier 0 are a protocol error', () => {
    for (const first of [0x40, 0x50, 0x62, 0x70, 0x90, 0xb0]) {
      rejects(frame(first, first === 0x90 ? '00 00 00' : '00 00'), 4, PROTOCOL, '[MQTT-2.2.1-3]');
    }
  });
});

describe('[MQTT-3.8] SUBSCRIBE and [MQTT-3.10] UNSUBSCRIBE', () => {
  const sub4 = (options: number): Buffer => frame(0x82, '00 01' + s('a/b') + b(options));
  const sub5 = (options: number): Buffer => frame(0x82, '00 01 00' + s('a/b') + b(options));
  test('[MQTT-3.8.3-2] a SUBSCRIBE without a topic filter is a protocol error', () => {
    rejects(frame(0x82, '00 01'), 4, PROTOCOL, '[MQTT-3.8.3-2]');
    rejects(frame(0x82, '00 01 00'), 5, PROTOCOL, '[MQTT-3.8.3-2]');
  });
  test('[MQTT-3.8.3-4] 3.1.1 reserved subscription option bits are malformed', () => {
    for (const bit of [0x04, 0x08, 0x10, 0x20, 0x40, 0x80])
      rejects(sub4(bit | 1), 4, MALFORMED, '[MQTT-3.8.3-4]');
  });
  test('[MQTT-3.8.3-5] 5.0 reserved subscription option bits 6 and 7 are malformed', () => {
    rejects(sub5(0x40), 5, MALFORMED, '[MQTT-3.8.3-5]');
    rejects(sub5(0x81), 5, MALFORMED, '[MQTT-3.8.3-5]');
  });
  test('[MQTT-3.8.3-4] 3.1.1 requested QoS 3 is malformed', () => {
    rejects(sub4(3), 4, MALFORMED, '[MQTT-3.8.3-4]');
  });
  test('[MQTT-3.8.3.1] 5.0 Maximum QoS 3 is a protocol error', () => {
    rejects(sub5(3), 5, PROTOCOL, '[MQTT-3.8.3.1]');
  });
  test('[MQTT-3.8.3.1] 5.0 retain handling 3 is a protocol error', () => {
    rejects(sub5(0x30), 5, PROTOCOL, '[MQTT-3.8.3.1]');
  });
  test('[MQTT-2.2.1-3] SUBSCRIBE and UNSUBSCRIBE with packet identifier 0 are a protocol error', () => {
    rejects(frame(0x82, '00 00' + s('a') + '00'), 4, PROTOCOL, '[MQTT-2.2.1-3]');
    rejects(frame(0xa2, '00 00' + s('a')), 4, PROTOCOL, '[MQTT-2.2.1-3]');
  });
  test('[MQTT-3.10.3-2] an UNSUBSCRIBE without a topic filter is a protocol error', () => {
    rejects(frame(0xa2, '00 01'), 4, PROTOCOL, '[MQTT-3.10.3-2]');
    rejects(frame(0xa2, '00 01 00'), 5, PROTOCOL, '[MQTT-3.10.3-2]');
  });
  test('[MQTT-3.9.3-1] a SUBACK without a reason code is a protocol error', () => {
    rejects(frame(0x90, '00 01'), 4, PROTOCOL, '[MQTT-3.9.3-1]');
    rejects(frame(0x90, '00 01 00'), 5, PROTOCOL, '[MQTT-3.9.3-1]');
  });
  test('[MQTT-3.11.3-1] a 5.0 UNSUBACK without a reason code is a protocol error', () => {
    rejects(frame(0xb0, '00 01 00'), 5, PROTOCOL, '[MQTT-3.11.3-1]');
  });
});

describe('[MQTT-2.2.2] properties', () => {
  const publish5 = (p: string): Buffer => frame(0x30, s('t') + props(p) + '68 69');
  const puback5 = (p: string): Buffer => frame(0x40, '00 01 00' + props(p));
  test('[MQTT-2.2.2.2] an unknown property identifier is malformed', () => {
    rejects(publish5('05 00'), 5, MALFORMED, '[MQTT-2.2.2.2]');
    rejects(publish5('00'), 5, MALFORMED, '[MQTT-2.2.2.2]');
    rejects(puback5('80 01 00'), 5, MALFORMED, '[MQTT-2.2.2.2]'); // id 128 as a varint
  });
  test('[MQTT-2.2.2.2] a property not allowed in the packet type is malformed', () => {
    rejects(puback5('11 00 00 00 01'), 5, MALFORMED, '[MQTT-2.2.2.2]'); // session expiry
    rejects(publish5('11 00 00 00 01'), 5, MALFORMED, '[MQTT-2.2.2.2]');
    rejects(frame(0x20, '00 00' + props('23 00 01')), 5, MALFORMED, '[MQTT-2.2.2.2]'); // topic alias
    rejects(frame(0xa2, '00 01' + props('0b 01') + s('a')), 5, MALFORMED, '[MQTT-2.2.2.2]');
    rejects(frame(0xf0, '00' + props('1c' + s('s'))), 5, MALFORMED, '[MQTT-2.2.2.2]');
  });
  test('[MQTT-2.2.2-2] a property other than user property included twice is a protocol error', () => {
    rejects(puback5('1f' + s('a') + '1f' + s('b')), 5, PROTOCOL, '[MQTT-2.2.2-2]');
    rejects(publish5('03' + s('a') + '03' + s('a')), 5, PROTOCOL, '[MQTT-2.2.2-2]');
    rejects(publish5('23 00 01 23 00 01'), 5, PROTOCOL, '[MQTT-2.2.2-2]');
    rejects(connect5(0x02, '21 00 01 21 00 02', s('c')), 0, PROTOCOL, '[MQTT-2.2.2-2]');
  });
  test('[MQTT-3.3.2-18] user properties may repeat, names included, and keep their order', () => {
    const p = decodeOne(
      puback5('26' + s('k') + s('1') + '26' + s('j') + s('2') + '26' + s('k') + s('3')),
      5,
    );
    assert.deepEqual(p, {
      type: 4,
      packetId: 1,
      reasonCode: 0,
      properties: {
        userProperties: [
          ['k', '1'],
          ['j', '2'],
          ['k', '3'],
        ],
      },
    });
  });
  test('[MQTT-3.3.4-3] a PUBLISH may carry several subscription identifiers', () => {
    const p = decodeOne(publish5('0b 01 0b ff ff ff 7f 0b 02'), 5) as PublishPacket;
    assert.deepEqual(p.properties, { subscriptionIdentifiers: [1, 268_435_455, 2] });
    assert.deepEqual(p.payload, Buffer.from('hi'));
  });
  test('[MQTT-3.8.2.1.2] a SUBSCRIBE with two subscription identifiers is a protocol error', () => {
    rejects(
      frame(0x82, '00 01' + props('0b 01 0b 02') + s('a') + '00'),
      5,
      PROTOCOL,
      '[MQTT-3.8.2.1.2]',
    );
  });
  test('[MQTT-3.8.2.1.2] subscription identifier 0 is a protocol error', () => {
    rejects(frame(0x82, '00 01' + props('0b 00') + s('a') + '00'), 5, PROTOCOL, '[MQTT-3.8.2.1.2]');
    rejects(publish5('0b 00'), 5, PROTOCOL, '[MQTT-3.8.2.1.2]');
  });
  test('[MQTT-3.1.2.11.3] receive maximum 0 is a protocol error', () => {
    rejects(connect5(0x02, '21 00 00', s('c')), 0, PROTOCOL, '[MQTT-3.1.2.11.3]');
    rejects(frame(0x20, '00 00' + props('21 00 00')), 5, PROTOCOL, '[MQTT-3.1.2.11.3]');
  });
  test('[MQTT-3.1.2.11.4] maximum packet size 0 is a protocol error', () => {
    rejects(connect5(0x02, '27 00 00 00 00', s('c')), 0, PROTOCOL, '[MQTT-3.1.2.11.4]');
    rejects(frame(0x20, '00 00' + props('27 00 00 00 00')), 5, PROTOCOL, '[MQTT-3.1.2.11.4]');
  });
  test('[MQTT-3.3.2-8] topic alias 0 is answered with 0x94 topic alias invalid', () => {
    rejects(publish5('23 00 00'), 5, ALIAS, '[MQTT-3.3.2-8]');
  });
  test('[MQTT-3.2.2.3.4] topic alias maximum 0 is allowed in CONNECT', () => {
    const p = decodeOne(connect5(0x02, '22 00 00', s('c')), 0);
    assert.ok(p.type === 1);
    assert.deepEqual(p.properties, { topicAliasMaximum: 0 });
  });
  test('[MQTT-2.2.2-2] byte properties other than 0 or 1 are a protocol error', () => {
    rejects(connect5(0x02, '17 02', s('c')), 0, PROTOCOL, '[MQTT-2.2.2-2]'); // problem info
    rejects(connect5(0x02, '19 ff', s('c')), 0, PROTOCOL, '[MQTT-2.2.2-2]'); // response info
    rejects(publish5('01 02'), 5, PROTOCOL, '[MQTT-2.2.2-2]'); // payload format
    for (const id of ['24', '25', '28', '29', '2a']) {
      rejects(frame(0x20, '00 00' + props(`${id} 02`)), 5, PROTOCOL, '[MQTT-2.2.2-2]');
    }
  });
  test('[MQTT-2.2.2.1] a property length beyond the packet is malformed', () => {
    rejects(frame(0x40, '00 01 00 0a' + '1f' + s('a')), 5, MALFORMED, '[MQTT-2.2.2.1]');
    rejects(frame(0x30, s('t') + '05 01 01'), 5, MALFORMED, '[MQTT-2.2.2.1]');
  });
  test('[MQTT-2.2.2.1] a property value running past the property length is malformed', () => {
    // Property length 3, then a 4-byte message expiry: the payload must not be read as its tail.
    rejects(frame(0x30, s('t') + '03 02 00 00 00 00 68'), 5, MALFORMED, '[MQTT-1.5]');
    rejects(frame(0x30, s('t') + '03 26' + s('k') + s('v')), 5, MALFORMED, '[MQTT-1.5]');
  });
});

describe('[MQTT-2.4] reason codes', () => {
  test('[MQTT-2.4] PUBACK and PUBREC reject reason codes outside their list', () => {
    rejects(hex('40 03 00 01 01'), 5, MALFORMED, '[MQTT-2.4]');
    rejects(hex('40 03 00 01 92'), 5, MALFORMED, '[MQTT-2.4]');
    rejects(hex('50 03 00 01 04'), 5, MALFORMED, '[MQTT-2.4]');
  });
  test('[MQTT-2.4] PUBREL and PUBCOMP accept only 0x00 and 0x92', () => {
    rejects(hex('62 03 00 01 10'), 5, MALFORMED, '[MQTT-2.4]');
    rejects(hex('70 03 00 01 80'), 5, MALFORMED, '[MQTT-2.4]');
  });
  test('[MQTT-2.4] CONNACK 5.0 rejects an invalid reason code', () => {
    rejects(hex('20 03 00 01 00'), 5, MALFORMED, '[MQTT-2.4]');
    rejects(hex('20 03 00 8e 00'), 5, MALFORMED, '[MQTT-2.4]');
  });
  test('[MQTT-3.2.2.3] CONNACK 3.1.1 rejects a return code above 5', () => {
    rejects(hex('20 02 00 06'), 4, MALFORMED, '[MQTT-3.2.2.3]');
    rejects(hex('20 02 00 80'), 4, MALFORMED, '[MQTT-3.2.2.3]');
  });
  test('[MQTT-2.4] DISCONNECT rejects an invalid reason code', () => {
    rejects(hex('e0 01 01'), 5, MALFORMED, '[MQTT-2.4]');
    rejects(hex('e0 01 18'), 5, MALFORMED, '[MQTT-2.4]');
  });
  test('[MQTT-2.4] AUTH accepts only 0x00, 0x18 and 0x19', () => {
    rejects(hex('f0 01 04'), 5, MALFORMED, '[MQTT-2.4]');
    rejects(hex('f0 01 87'), 5, MALFORMED, '[MQTT-2.4]');
  });
  test('[MQTT-3.9.3] SUBACK rejects an invalid return / reason code', () => {
    rejects(hex('90 03 00 01 03'), 4, MALFORMED, '[MQTT-3.9.3]');
    rejects(hex('90 03 00 01 87'), 4, MALFORMED, '[MQTT-3.9.3]');
    rejects(hex('90 04 00 01 00 03'), 5, MALFORMED, '[MQTT-3.9.3]');
    rejects(hex('90 04 00 01 00 11'), 5, MALFORMED, '[MQTT-3.9.3]');
  });
  test('[MQTT-3.11.3] UNSUBACK 5.0 rejects an invalid reason code', () => {
    rejects(hex('b0 04 00 01 00 02'), 5, MALFORMED, '[MQTT-3.11.3]');
  });
  test('[MQTT-3.2.2-1] CONNACK reserved acknowledge flag bits are malformed', () => {
    rejects(hex('20 02 02 00'), 4, MALFORMED, '[MQTT-3.2.2-1]');
    rejects(hex('20 03 80 00 00'), 5, MALFORMED, '[MQTT-3.2.2-1]');
  });
  test('[MQTT-3.2.2-4] CONNACK 3.1.1 with session present and a refusal is malformed', () => {
    rejects(hex('20 02 01 05'), 4, MALFORMED, '[MQTT-3.2.2-4]');
  });
  test('[MQTT-3.2.2-6] CONNACK 5.0 with session present and a failure is malformed', () => {
    rejects(hex('20 03 01 87 00'), 5, MALFORMED, '[MQTT-3.2.2-6]');
  });
});

describe('MalformedPacketError', () => {
  test('[MQTT-2.1.3-1] carries code, reason code and spec clause in its message', () => {
    const { errors } = run(hex('c1 00'), 4);
    const e = errors[0];
    assert.ok(e instanceof MalformedPacketError);
    assert.equal(e.code, 'EMQ_ERR_PROTOCOL_MALFORMED');
    assert.equal(e.name, 'MalformedPacketError');
    assert.equal(e.reasonCode, MALFORMED);
    assert.match(e.message, /\[MQTT-2\.1\.3-1\]$/);
  });
});
