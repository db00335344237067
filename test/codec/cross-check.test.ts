// Cross-check of our codec against an independent one, mqtt-packet 9 (MQTT.js's codec), in
// both directions, for every packet type and protocol version (3 = 3.1 "MQIsdp", 4 = 3.1.1,
// 5 = 5.0), on seeded random valid packets:
//   A. our encodePacket -> mqtt-packet's parser -> mapped to our model == the original;
//   B. mqtt-packet's generate -> our FrameDecoder == the mapped original;
// plus byte equality wherever both must produce the same bytes. Where mqtt-packet departs
// from the spec, the case is named, explained and asserted on its own ("DEVIATION"), so the
// rest of the comparison stays exact. Override the seed with CROSS_CHECK_SEED=<n>.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import {
  FrameDecoder,
  MalformedPacketError,
  PACKET_TYPE_NAMES,
  PacketType,
  encodePacket,
  type Packet,
  type PacketTypeValue,
  type ProtocolVersion,
} from '../../src/codec/index.js';
import {
  ALL_TYPES,
  CROSS_CHECK_OPTIONS,
  PacketGenerator,
  SPEC_REASON_CODES,
  VARINT_EDGES,
  typeExistsIn,
} from '../helpers/packet-gen.js';
import {
  fromMqttPacket,
  groupUserProperties,
  isCanonicalForMqttPacket,
  mqttPacketGenerate,
  mqttPacketParse,
  toMqttPacket,
  userPropertiesAfterMqttPacketParse,
} from '../helpers/mqtt-packet-map.js';
import { Prng, hex32, seedFromEnv } from '../helpers/prng.js';

const SEED = seedFromEnv('CROSS_CHECK_SEED', 0xc0dec0de);
/** Random packets per packet type and version (ping packets have nothing to vary). */
const PER_TYPE = 300;
const PER_PING = 10;
const VERSIONS: readonly ProtocolVersion[] = [3, 4, 5];
const VERSION_NAMES: Record<ProtocolVersion, string> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };

/** The spec section of each packet type. */
const CLAUSE: Record<PacketTypeValue, string> = {
  1: '[MQTT-3.1]',
  2: '[MQTT-3.2]',
  3: '[MQTT-3.3]',
  4: '[MQTT-3.4]',
  5: '[MQTT-3.5]',
  6: '[MQTT-3.6]',
  7: '[MQTT-3.7]',
  8: '[MQTT-3.8]',
  9: '[MQTT-3.9]',
  10: '[MQTT-3.10]',
  11: '[MQTT-3.11]',
  12: '[MQTT-3.12]',
  13: '[MQTT-3.13]',
  14: '[MQTT-3.14]',
  15: '[MQTT-3.15]',
};

// ---- our side ----------------------------------------------------------------------------

interface Decoded {
  readonly packets: Packet[];
  readonly errors: MalformedPacketError[];
  readonly decoder: FrameDecoder;
}

function decodeOurs(chunks: readonly Buffer[], version: 0 | ProtocolVersion): Decoded {
  const packets: Packet[] = [];
  const errors: MalformedPacketError[] = [];
  const decoder = new FrameDecoder(
    { onPacket: (p) => packets.push(p), onError: (e) => errors.push(e) },
    { version },
  );
  for (const chunk of chunks) decoder.push(chunk);
  return { packets, errors, decoder };
}

/** Whole, split in two, or byte by byte: the fast path and the chunk-spanning path. */
function chunked(buf: Buffer, rng: Prng): Buffer[] {
  const mode = rng.int(10);
  if (mode < 6 || buf.length < 2) return [buf];
  if (mode < 9 || buf.length > 512) {
    const at = rng.range(1, buf.length - 1);
    return [buf.subarray(0, at), buf.subarray(at)];
  }
  return Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
}

function decodeOne(buf: Buffer, p: Packet, version: ProtocolVersion, rng: Prng): Packet {
  // CONNECT goes to a decoder that has not seen one yet (version 0), which it then sets.
  const start = p.type === PacketType.CONNECT ? 0 : version;
  const { packets, errors, decoder } = decodeOurs(chunked(buf, rng), start);
  assert.deepStrictEqual(
    errors.map((e) => e.message),
    [],
  );
  assert.equal(packets.length, 1, 'FrameDecoder emitted one packet');
  assert.equal(decoder.bufferedBytes, 0, 'FrameDecoder consumed every byte');
  if (p.type === PacketType.CONNECT) assert.equal(decoder.version, p.protocolVersion);
  return packets[0]!;
}

function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const around = (b: Buffer): string => b.subarray(Math.max(0, i - 8), i + 8).toString('hex');
  assert.fail(
    `${what}: ${actual.length} vs ${expected.length} bytes, first difference at offset ${i}: ` +
      `${around(actual)} vs ${around(expected)}`,
  );
}

// ---- mqtt-packet's deviations, each explicit -----------------------------------------------

/**
 * DEVIATION (direction A): mqtt-packet's parser reads the AUTH reason code unconditionally,
 * so the short AUTH that MQTT 5 allows for Success without properties (Remaining Length 0,
 * [MQTT-3.15.2.1]) fails with "Invalid auth reason code". Our encoder uses that form.
 */
function mqttPacketCannotParse(p: Packet, version: ProtocolVersion): string | null {
  if (version === 5 && p.type === PacketType.AUTH && p.reasonCode === 0 && p.properties === null) {
    return 'Invalid auth reason code';
  }
  return null;
}

/**
 * DEVIATION (direction B): packets that are valid MQTT 5 but that mqtt-packet's generate()
 * refuses, in the order it checks them:
 * - a zero-length ClientID with Clean Start 0: 3.1.1 forbade it [MQTT-3.1.3-7], MQTT 5 does
 *   not (the server assigns an identifier [MQTT-3.1.3-6]); mqtt-packet applies the 3.1.1 rule;
 * - a Password without a User Name: MQTT 5 allows it (3.1.2.9, [MQTT-3.1.2-22] is 3.1.1
 *   only); mqtt-packet refuses it in every version.
 */
function mqttPacketRefuses(p: Packet): string | null {
  if (p.type !== PacketType.CONNECT || p.protocolVersion !== 5) return null;
  if (p.clientId === '' && !p.clean) return 'clientId must be given if cleanSession set to 0';
  if (p.password !== null && p.username === null) return 'Username is required to use password';
  return null;
}

/**
 * The bytes mqtt-packet must produce for `p`, given ours. Identical, except where MQTT 5 lets
 * a sender omit trailing fields and we do while mqtt-packet does not. DEVIATION (both forms
 * are valid, and our decoder must accept both):
 * - PUBACK/PUBREC/PUBREL/PUBCOMP with a non-zero reason code and no properties: we stop after
 *   the reason code (Remaining Length 3); mqtt-packet adds a Property Length of 0
 *   ([MQTT-3.4.2.1]: "If the Remaining Length is less than 4 there is no Property Length");
 * - DISCONNECT and AUTH without properties: we omit the Property Length, and the reason code
 *   too when it is 0x00 [MQTT-3.14.2.1, MQTT-3.15.2.1]; mqtt-packet always writes both.
 */
function expectedMqttPacketBytes(ours: Buffer, p: Packet, version: ProtocolVersion): Buffer {
  if (version !== 5 || !('properties' in p) || p.properties !== null) return ours;
  const t = p.type;
  if (
    t === PacketType.PUBACK ||
    t === PacketType.PUBREC ||
    t === PacketType.PUBREL ||
    t === PacketType.PUBCOMP
  ) {
    if (p.reasonCode === 0) return ours;
    assert.equal(ours.length, 5, 'our v5 ack with a reason code and no properties');
    return Buffer.concat([Buffer.from([ours[0]!, 4]), ours.subarray(2), Buffer.from([0])]);
  }
  if (t === PacketType.DISCONNECT || t === PacketType.AUTH) {
    return Buffer.from([t << 4, 2, p.reasonCode, 0]);
  }
  return ours;
}

// ---- the two directions ------------------------------------------------------------------

interface Stats {
  packets: number;
  byteEqual: number;
  lengthOnly: number;
  shortFormDeviation: number;
  parseDeviation: number;
  refused: number;
}
const newStats = (): Stats => ({
  packets: 0,
  byteEqual: 0,
  lengthOnly: 0,
  shortFormDeviation: 0,
  parseDeviation: 0,
  refused: 0,
});

/** A: our encoding, read by mqtt-packet, maps back to the original packet. */
function checkOursToTheirs(p: Packet, version: ProtocolVersion, stats: Stats): void {
  const ours = encodePacket(p, version);
  const { packets, errors, left } = mqttPacketParse(ours, version);
  const cannot = mqttPacketCannotParse(p, version);
  if (cannot !== null) {
    assert.deepStrictEqual(
      errors.map((e) => e.message),
      [cannot],
    );
    stats.parseDeviation++;
    return;
  }
  assert.deepStrictEqual(
    errors.map((e) => e.message),
    [],
    'mqtt-packet parses our encoding without error',
  );
  assert.equal(packets.length, 1, 'mqtt-packet emitted one packet');
  assert.equal(left, 0, 'mqtt-packet consumed every byte');
  const mapped = fromMqttPacket(packets[0]!, version);
  // User properties: per-name value lists (mqtt-packet keeps no interleaving), after the
  // one value loss its parser is known for (see userPropertiesAfterMqttPacketParse).
  assert.deepStrictEqual(
    groupUserProperties(mapped),
    groupUserProperties(p, userPropertiesAfterMqttPacketParse),
  );
  stats.packets++;
}

/** B: mqtt-packet's encoding, read by our FrameDecoder, equals the original; bytes agree. */
function checkTheirsToOurs(p: Packet, version: ProtocolVersion, rng: Prng, stats: Stats): void {
  const obj = toMqttPacket(p, version);
  const refusal = mqttPacketRefuses(p);
  if (refusal !== null) {
    assert.throws(() => mqttPacketGenerate(obj, version), { message: refusal });
    stats.refused++;
    return;
  }
  const theirs = mqttPacketGenerate(obj, version);
  // The mapped original: `p` with its user properties in the order mqtt-packet writes them.
  const expected = fromMqttPacket(obj, version);
  assert.deepStrictEqual(
    groupUserProperties(expected),
    groupUserProperties(p),
    'mapping round trip',
  );
  assert.deepStrictEqual(decodeOne(theirs, p, version, rng), expected);

  const ours = encodePacket(p, version);
  const want = expectedMqttPacketBytes(ours, p, version);
  if (want !== ours) stats.shortFormDeviation++;
  if (isCanonicalForMqttPacket(p)) {
    assertSameBytes(theirs, want, 'mqtt-packet and encodePacket bytes');
    stats.byteEqual++;
  } else {
    // Same pairs in another order: same length, and each side decodes to its own order.
    assert.equal(theirs.length, want.length, 'mqtt-packet and encodePacket lengths');
    stats.lengthOnly++;
  }
  // Our own round trip too, so both encodings are known to decode to the same packet.
  assert.deepStrictEqual(
    groupUserProperties(decodeOne(ours, p, version, rng)),
    groupUserProperties(p),
  );
  stats.packets++;
}

function withContext(
  what: string,
  i: number,
  p: Packet,
  version: ProtocolVersion,
  run: () => void,
): void {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) {
      let hex = '';
      try {
        hex = encodePacket(p, version).subarray(0, 96).toString('hex');
      } catch {
        hex = '(encodePacket threw)';
      }
      error.message = `${what}, packet #${i} (CROSS_CHECK_SEED=${hex32(SEED)}), ours starts ${hex}:\n${error.message}`;
    }
    throw error;
  }
}

/** A seed per (type, version), so each test sees the same packets whatever runs before it. */
function seedFor(type: number, version: number): number {
  return (SEED ^ Math.imul(type * 16 + version, 0x9e3779b1)) >>> 0;
}

function generate(type: PacketTypeValue, version: ProtocolVersion): Packet[] {
  const gen = new PacketGenerator(new Prng(seedFor(type, version)), CROSS_CHECK_OPTIONS);
  const n = type === PacketType.PINGREQ || type === PacketType.PINGRESP ? PER_PING : PER_TYPE;
  return Array.from({ length: n }, () => gen.packet(type, version));
}

for (const type of ALL_TYPES) {
  const name = PACKET_TYPE_NAMES[type]!;
  describe(`${CLAUSE[type]} ${name} cross-checked with mqtt-packet`, () => {
    for (const version of VERSIONS) {
      if (!typeExistsIn(type, version)) continue;
      const label = `MQTT ${VERSION_NAMES[version]}`;

      it(`${label}: encodePacket -> mqtt-packet parser gives the same packet`, (t) => {
        const stats = newStats();
        generate(type, version).forEach((p, i) => {
          withContext(`${name} v${version} A`, i, p, version, () => {
            checkOursToTheirs(p, version, stats);
          });
        });
        t.diagnostic(`seed ${hex32(SEED)}: ${JSON.stringify(stats)}`);
        assert.ok(stats.packets > 0);
      });

      it(`${label}: mqtt-packet generate -> FrameDecoder gives the same packet, same bytes`, (t) => {
        const stats = newStats();
        const rng = new Prng(seedFor(type, version) ^ 0x5a5a5a5a);
        generate(type, version).forEach((p, i) => {
          withContext(`${name} v${version} B`, i, p, version, () => {
            checkTheirsToOurs(p, version, rng, stats);
          });
        });
        t.diagnostic(`seed ${hex32(SEED)}: ${JSON.stringify(stats)}`);
        // Byte equality must have been checked for most packets, not skipped.
        assert.ok(stats.byteEqual >= stats.packets / 2, 'byte comparisons ran');
        if (version !== 5)
          assert.equal(stats.lengthOnly + stats.shortFormDeviation + stats.refused, 0);
      });
    }
  });
}

// ---- deviations are really exercised -----------------------------------------------------

describe('mqtt-packet deviations are exercised, not dead code', () => {
  it('[MQTT-3.15.2.1] short AUTH, [MQTT-3.1.3-6] / 3.1.2.9 refused CONNECTs, short acks', () => {
    const total = newStats();
    for (const type of [
      PacketType.AUTH,
      PacketType.CONNECT,
      PacketType.PUBACK,
      PacketType.DISCONNECT,
    ]) {
      const rng = new Prng(seedFor(type, 5) ^ 0x5a5a5a5a);
      for (const p of generate(type, 5)) {
        checkOursToTheirs(p, 5, total);
        checkTheirsToOurs(p, 5, rng, total);
      }
    }
    assert.ok(total.parseDeviation > 0, 'short AUTH generated');
    assert.ok(total.refused > 0, 'refused CONNECT generated');
    assert.ok(total.shortFormDeviation > 0, 'short acks generated');
    assert.ok(total.lengthOnly > 0, 'interleaved user properties generated');
  });
});

// ---- boundaries, exact bytes -------------------------------------------------------------

function bothWays(p: Packet, version: ProtocolVersion): void {
  const stats = newStats();
  const rng = new Prng(SEED);
  checkOursToTheirs(p, version, stats);
  checkTheirsToOurs(p, version, rng, stats);
  assert.equal(stats.byteEqual, 1, 'bytes compared');
}

describe('[MQTT-1.5.5] [MQTT-2.1.4] Remaining Length at the Variable Byte Integer boundaries', () => {
  for (const version of VERSIONS) {
    it(`MQTT ${VERSION_NAMES[version]}: PUBLISH with Remaining Length 127, 128, 16383, 16384, 2097151, 2097152`, () => {
      // Remaining Length = topic (2 + 1) [+ Property Length 0 in v5] + payload.
      const header = 3 + (version === 5 ? 1 : 0);
      for (const remaining of [0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000]) {
        const payload = Buffer.alloc(remaining - header, 0xa5);
        const p: Packet = {
          type: PacketType.PUBLISH,
          topic: 't',
          payload,
          qos: 0,
          retain: false,
          dup: false,
          packetId: 0,
          properties: null,
        };
        const bytes = encodePacket(p, version);
        assert.equal(
          bytes.length,
          1 +
            (remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4) +
            remaining,
        );
        bothWays(p, version);
      }
    });
  }

  it('MQTT 5.0: Subscription Identifiers at every Variable Byte Integer boundary, in PUBLISH and SUBSCRIBE', () => {
    bothWays(
      {
        type: PacketType.PUBLISH,
        topic: 'a/b',
        payload: Buffer.from('x'),
        qos: 1,
        retain: true,
        dup: true,
        packetId: 65_535,
        properties: { subscriptionIdentifiers: [...VARINT_EDGES] },
      },
      5,
    );
    for (const id of VARINT_EDGES) {
      bothWays(
        {
          type: PacketType.SUBSCRIBE,
          packetId: 1,
          subscriptions: [
            {
              topicFilter: 'a/+/#',
              qos: 2,
              noLocal: true,
              retainAsPublished: true,
              retainHandling: 2,
            },
          ],
          properties: { subscriptionIdentifiers: [id] },
        },
        5,
      );
    }
  });
});

describe('[MQTT-1.5.4] UTF-8 strings', () => {
  it('a 65,535-byte topic of 1-, 2- and 4-byte characters, and a user property of the same size', () => {
    let topic = `é/\u{1f680}/${'中'.repeat(100)}/`;
    topic += 'z'.repeat(65_535 - Buffer.byteLength(topic));
    assert.equal(Buffer.byteLength(topic), 65_535);
    for (const version of VERSIONS) {
      bothWays(
        {
          type: PacketType.PUBLISH,
          topic,
          payload: Buffer.alloc(0),
          qos: 2,
          retain: false,
          dup: false,
          packetId: 7,
          properties: version === 5 ? { userProperties: [[topic, topic]] } : null,
        },
        version,
      );
    }
  });
});

// ---- reason code tables: spec, ours and mqtt-packet agree ----------------------------------

/** A v5 packet of `type` carrying `code` where its reason code goes, built by hand. */
function withReasonCode(type: PacketTypeValue, code: number): Buffer {
  if (type === PacketType.CONNACK) return Buffer.from([0x20, 3, 0, code, 0]);
  if (type === PacketType.SUBACK || type === PacketType.UNSUBACK) {
    return Buffer.from([type << 4, 4, 0, 1, 0, code]);
  }
  if (type === PacketType.DISCONNECT || type === PacketType.AUTH)
    return Buffer.from([type << 4, 2, code, 0]);
  // PUBACK, PUBREC, PUBREL (flags 0b0010), PUBCOMP: packet identifier 1, code, no properties.
  return Buffer.from([(type << 4) | (type === PacketType.PUBREL ? 2 : 0), 4, 0, 1, code, 0]);
}

describe('[MQTT-2.4] reason codes: the spec tables, our decoder and mqtt-packet agree', () => {
  for (const [key, codes] of Object.entries(SPEC_REASON_CODES)) {
    const type = Number(key) as PacketTypeValue;
    const name = PACKET_TYPE_NAMES[type]!;
    it(`${CLAUSE[type]} MQTT 5.0 ${name}: all 256 codes`, () => {
      for (let code = 0; code < 256; code++) {
        const bytes = withReasonCode(type, code);
        const valid = codes.includes(code);
        const ours = decodeOurs([bytes], 5);
        assert.equal(ours.packets.length + ours.errors.length, 1);
        assert.equal(
          ours.errors.length === 0,
          valid,
          `ours on ${name} code 0x${code.toString(16)}`,
        );
        if (!valid)
          assert.equal(ours.errors[0]!.reasonCode, 0x81, 'an invalid reason code is malformed');
        // DEVIATION: mqtt-packet does not check CONNACK reason codes at all.
        if (type === PacketType.CONNACK) continue;
        const theirs = mqttPacketParse(bytes, 5);
        assert.equal(
          theirs.errors.length === 0,
          valid,
          `mqtt-packet on ${name} 0x${code.toString(16)}`,
        );
      }
    });
  }

  it('[MQTT-3.9.3] MQTT 3.1.1 SUBACK: 0, 1, 2 and 0x80 only', () => {
    for (let code = 0; code < 256; code++) {
      const bytes = Buffer.from([0x90, 3, 0, 1, code]);
      const valid = code <= 2 || code === 0x80;
      assert.equal(
        decodeOurs([bytes], 4).errors.length === 0,
        valid,
        `ours 0x${code.toString(16)}`,
      );
      assert.equal(
        mqttPacketParse(bytes, 4).errors.length === 0,
        valid,
        `mqtt-packet 0x${code.toString(16)}`,
      );
    }
  });
});
