// A seeded generator of random, valid MQTT packets in our packet model, for the cross-check
// against mqtt-packet and for the decoder fuzz. The property and reason-code tables here are
// written from the spec (MQTT 5.0 §2.2.2.2 and §3.x), not taken from src/codec, so that a
// wrong table in the codec shows up as a failure instead of being copied into the tests.
import { Buffer } from 'node:buffer';
import {
  PacketType,
  type Packet,
  type PacketTypeValue,
  type Properties,
  type ProtocolVersion,
  type QoS,
  type Subscription,
  type UserProperty,
  type Will,
} from '../../src/codec/index.js';
import type { Prng } from './prng.js';

/** Where a property list sits: a packet type, or the CONNECT will. */
export type PropertyPlace = PacketTypeValue | 'will';

type PropertyKey = keyof Properties;

/** MQTT 5.0 Table 2-4: which property may appear in which packet [MQTT-2.2.2.2]. */
const T = PacketType;
const ACKS_WITH_REASON_STRING: PropertyPlace[] = [
  T.CONNACK,
  T.PUBACK,
  T.PUBREC,
  T.PUBREL,
  T.PUBCOMP,
  T.SUBACK,
  T.UNSUBACK,
  T.DISCONNECT,
  T.AUTH,
];
export const SPEC_PROPERTY_PLACES: Readonly<Record<PropertyKey, readonly PropertyPlace[]>> = {
  payloadFormatIndicator: [T.PUBLISH, 'will'],
  messageExpiryInterval: [T.PUBLISH, 'will'],
  contentType: [T.PUBLISH, 'will'],
  responseTopic: [T.PUBLISH, 'will'],
  correlationData: [T.PUBLISH, 'will'],
  subscriptionIdentifiers: [T.PUBLISH, T.SUBSCRIBE],
  sessionExpiryInterval: [T.CONNECT, T.CONNACK, T.DISCONNECT],
  assignedClientIdentifier: [T.CONNACK],
  serverKeepAlive: [T.CONNACK],
  authenticationMethod: [T.CONNECT, T.CONNACK, T.AUTH],
  authenticationData: [T.CONNECT, T.CONNACK, T.AUTH],
  requestProblemInformation: [T.CONNECT],
  willDelayInterval: ['will'],
  requestResponseInformation: [T.CONNECT],
  responseInformation: [T.CONNACK],
  serverReference: [T.CONNACK, T.DISCONNECT],
  reasonString: ACKS_WITH_REASON_STRING,
  receiveMaximum: [T.CONNECT, T.CONNACK],
  topicAliasMaximum: [T.CONNECT, T.CONNACK],
  topicAlias: [T.PUBLISH],
  maximumQoS: [T.CONNACK],
  retainAvailable: [T.CONNACK],
  userProperties: [
    T.CONNECT,
    T.CONNACK,
    T.PUBLISH,
    'will',
    T.PUBACK,
    T.PUBREC,
    T.PUBREL,
    T.PUBCOMP,
    T.SUBSCRIBE,
    T.SUBACK,
    T.UNSUBSCRIBE,
    T.UNSUBACK,
    T.DISCONNECT,
    T.AUTH,
  ],
  maximumPacketSize: [T.CONNECT, T.CONNACK],
  wildcardSubscriptionAvailable: [T.CONNACK],
  subscriptionIdentifierAvailable: [T.CONNACK],
  sharedSubscriptionAvailable: [T.CONNACK],
};

const PROPERTY_KEYS = Object.keys(SPEC_PROPERTY_PLACES) as PropertyKey[];

/** Properties allowed in `place`, per the spec table above. */
export function propertiesAllowedIn(place: PropertyPlace): PropertyKey[] {
  return PROPERTY_KEYS.filter((k) => SPEC_PROPERTY_PLACES[k].includes(place));
}

/** MQTT 5.0 reason codes per packet [MQTT-3.2.2.2, 3.4.2.1 ... 3.15.2.1]. */
const PUBACK_REASONS = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
const PUBREL_REASONS = [0x00, 0x92];
export const SPEC_REASON_CODES: Readonly<Partial<Record<PacketTypeValue, readonly number[]>>> = {
  [T.CONNACK]: [
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97,
    0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f,
  ],
  [T.PUBACK]: PUBACK_REASONS,
  [T.PUBREC]: PUBACK_REASONS,
  [T.PUBREL]: PUBREL_REASONS,
  [T.PUBCOMP]: PUBREL_REASONS,
  [T.SUBACK]: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
  [T.UNSUBACK]: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91],
  [T.DISCONNECT]: [
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95,
    0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
  ],
  [T.AUTH]: [0x00, 0x18, 0x19],
};

export function specReasonCodes(type: PacketTypeValue): readonly number[] {
  const codes = SPEC_REASON_CODES[type];
  if (codes === undefined) throw new RangeError(`packet type ${type} has no reason code table`);
  return codes;
}

/** Every packet type, with the versions it exists in (AUTH is MQTT 5 only [MQTT-2.1.2]). */
export const ALL_TYPES: readonly PacketTypeValue[] = [
  T.CONNECT,
  T.CONNACK,
  T.PUBLISH,
  T.PUBACK,
  T.PUBREC,
  T.PUBREL,
  T.PUBCOMP,
  T.SUBSCRIBE,
  T.SUBACK,
  T.UNSUBSCRIBE,
  T.UNSUBACK,
  T.PINGREQ,
  T.PINGRESP,
  T.DISCONNECT,
  T.AUTH,
];
export const typeExistsIn = (type: PacketTypeValue, version: ProtocolVersion): boolean =>
  type !== T.AUTH || version === 5;

export interface GeneratorOptions {
  /** Chance that a payload or binary field is big (over 16 KiB, a 3-byte Remaining Length). */
  readonly bigChance: number;
  /** Chance that a string is long (tens of KiB, near the 65,535-byte limit). */
  readonly longStringChance: number;
  /** Largest "small" payload / binary field. */
  readonly smallMax: number;
}

export const CROSS_CHECK_OPTIONS: GeneratorOptions = {
  bigChance: 0.04,
  longStringChance: 0.01,
  smallMax: 300,
};
export const FUZZ_OPTIONS: GeneratorOptions = { bigChance: 0, longStringChance: 0, smallMax: 40 };

// Topic-level characters: no '/', '+', '#' (wildcards are not allowed in a topic name
// [MQTT-3.3.2-2]), no U+0000 [MQTT-1.5.4-2]. Non-ASCII includes 2-, 3- and 4-byte UTF-8
// sequences (the last are surrogate pairs in JS) and U+FEFF, which must not be stripped
// [MQTT-1.5.4-3].
const LEVEL_ASCII =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~ $%&()*,;:=@';
const TEXT_ASCII = `${LEVEL_ASCII}/+#!"'<>?[]^{}|\`\\`;
const NON_ASCII = [
  'é',
  'ß',
  'ü',
  'Ω',
  'ж',
  '€',
  '中',
  '文',
  '한',
  '日本',
  '\u00a0',
  '\ufeff',
  '\u{1f680}',
  '\u{1f600}',
  '\u{1d11e}',
];
const USER_PROPERTY_NAMES = ['a', 'b', 'key', 'x-trace', '1', '42', 'é', '名前', '', 'constructor'];

const U16_EDGES = [0, 1, 127, 128, 255, 256, 32_767, 32_768, 65_534, 65_535];
const U32_EDGES = [
  0, 1, 65_535, 65_536, 2_147_483_647, 2_147_483_648, 4_294_967_294, 4_294_967_295,
];
/** Variable Byte Integer boundaries [MQTT-1.5.5]. */
export const VARINT_EDGES = [1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455];

export class PacketGenerator {
  readonly rng: Prng;
  readonly options: GeneratorOptions;

  constructor(rng: Prng, options: GeneratorOptions) {
    this.rng = rng;
    this.options = options;
  }

  // ---- scalars -------------------------------------------------------------------------

  u16(min = 0): number {
    const r = this.rng;
    const v = r.chance(0.25) ? r.pick(U16_EDGES) : r.int(65_536);
    return Math.max(min, v);
  }

  u32(min = 0): number {
    const r = this.rng;
    const v = r.chance(0.25) ? r.pick(U32_EDGES) : r.u32();
    return Math.max(min, v);
  }

  /** A Variable Byte Integer value in 1..268,435,455, spread over the 1- to 4-byte forms. */
  varint(): number {
    const r = this.rng;
    if (r.chance(0.3)) return r.pick(VARINT_EDGES);
    const bytes = r.range(1, 4);
    const max = 128 ** bytes - 1;
    const min = bytes === 1 ? 1 : 128 ** (bytes - 1);
    return r.range(min, max);
  }

  packetId(): number {
    return this.rng.chance(0.2)
      ? this.rng.pick([1, 2, 255, 256, 65_535])
      : this.rng.range(1, 65_535);
  }

  qos(): QoS {
    return this.rng.int(3) as QoS;
  }

  bit(): number {
    return this.rng.int(2);
  }

  // ---- strings and bytes -------------------------------------------------------------------

  /** A length biased toward small values and 0. */
  private length(max: number): number {
    const r = this.rng;
    if (r.chance(0.1)) return 0;
    if (r.chance(0.6)) return r.range(1, Math.min(max, 8));
    return r.range(0, max);
  }

  private chars(n: number, ascii: string): string {
    const r = this.rng;
    let s = '';
    for (let i = 0; i < n; i++) {
      s += r.chance(0.15) ? r.pick(NON_ASCII) : ascii.charAt(r.int(ascii.length));
    }
    return s;
  }

  /** A string of up to 65,535 UTF-8 bytes (the UTF-8 Encoded String limit [MQTT-1.5.4]). */
  private long(ascii: string): string {
    const target = this.rng.range(20_000, 65_535);
    const multi = this.rng.range(0, 2_000);
    // 'é' is 2 bytes and '\u{1f680}' 4: fill the rest with 1-byte characters.
    let s = 'é'.repeat(multi) + '\u{1f680}';
    s += ascii.charAt(this.rng.int(ascii.length)).repeat(target - Buffer.byteLength(s));
    return s;
  }

  /** Any valid UTF-8 string (may contain '/', '+', '#'). */
  text(max = 16, allowEmpty = true): string {
    if (this.options.longStringChance > 0 && this.rng.chance(this.options.longStringChance)) {
      return this.long(TEXT_ASCII);
    }
    let n = this.length(max);
    if (n === 0 && !allowEmpty) n = 1;
    return this.chars(n, TEXT_ASCII);
  }

  private level(): string {
    return this.chars(this.length(8), LEVEL_ASCII);
  }

  /** A Topic Name: at least one character, no wildcards [MQTT-4.7.3-1, MQTT-3.3.2-2]. */
  topicName(): string {
    if (this.options.longStringChance > 0 && this.rng.chance(this.options.longStringChance)) {
      return this.long(LEVEL_ASCII);
    }
    const levels: string[] = [];
    const n = this.rng.range(1, 5);
    for (let i = 0; i < n; i++) levels.push(this.level());
    if (this.rng.chance(0.05)) levels[0] = `$SYS`;
    const topic = levels.join('/');
    return topic === '' ? this.chars(1, LEVEL_ASCII) : topic;
  }

  /** A Topic Filter with valid wildcards [MQTT-4.7.1], sometimes shared ($share, v5 only). */
  topicFilter(version: ProtocolVersion, allowShared: boolean): string {
    const r = this.rng;
    if (r.chance(0.05)) return '#';
    const levels: string[] = [];
    const n = r.range(1, 5);
    for (let i = 0; i < n; i++) levels.push(r.chance(0.2) ? '+' : this.level());
    if (r.chance(0.2)) levels.push('#');
    let filter = levels.join('/');
    if (filter === '') filter = this.chars(1, LEVEL_ASCII);
    if (version === 5 && allowShared && r.chance(0.1)) {
      const group = this.chars(r.range(1, 6), LEVEL_ASCII.replace('$', ''));
      filter = `$share/${group}/${filter}`;
    }
    return filter;
  }

  /** Binary data of up to 65,535 bytes (the Binary Data limit [MQTT-1.5.6]). */
  binary(): Buffer {
    const o = this.options;
    if (o.bigChance > 0 && this.rng.chance(o.bigChance)) {
      return this.rng.bytes(this.rng.range(16_385, 65_535));
    }
    return this.rng.bytes(this.length(o.smallMax));
  }

  /** A PUBLISH payload: 0 bytes, small, or over 16 KiB. */
  payload(): Buffer {
    const o = this.options;
    const r = this.rng;
    if (r.chance(0.15)) return Buffer.alloc(0);
    if (o.bigChance > 0 && r.chance(o.bigChance)) return r.bytes(r.range(16_385, 80_000));
    return r.bytes(r.range(1, o.smallMax));
  }

  // ---- properties --------------------------------------------------------------------------

  userProperties(): UserProperty[] {
    const r = this.rng;
    const out: UserProperty[] = [];
    const n = r.chance(0.7) ? r.range(1, 3) : r.range(4, 8);
    for (let i = 0; i < n; i++) {
      const name = r.chance(0.6) ? r.pick(USER_PROPERTY_NAMES) : this.text(10);
      const value = r.chance(0.15) ? '' : this.text(12);
      out.push([name, value]);
    }
    return out;
  }

  /**
   * Random valid properties for `place`, or null. Mostly a random subset of what the spec
   * allows there; sometimes every allowed property at once.
   */
  properties(place: PropertyPlace, publishTopicAlias = false): Properties | null {
    const r = this.rng;
    if (!publishTopicAlias && r.chance(0.25)) return null;
    const all = r.chance(0.15);
    const p: Properties = {};
    const want = (key: PropertyKey): boolean =>
      SPEC_PROPERTY_PLACES[key].includes(place) && (all || r.chance(0.35));
    const flag = (): number => this.bit();
    if (want('payloadFormatIndicator')) p.payloadFormatIndicator = flag();
    if (want('messageExpiryInterval')) p.messageExpiryInterval = this.u32();
    if (want('contentType')) p.contentType = this.text(20);
    if (want('responseTopic')) p.responseTopic = this.topicName();
    if (want('correlationData')) p.correlationData = this.binary();
    if (want('subscriptionIdentifiers')) {
      // Several only in PUBLISH (one per matching subscription) [MQTT-3.3.4-3].
      const n = place === T.PUBLISH && r.chance(0.5) ? r.range(2, 5) : 1;
      p.subscriptionIdentifiers = Array.from({ length: n }, () => this.varint());
    }
    if (want('sessionExpiryInterval')) p.sessionExpiryInterval = this.u32();
    if (want('assignedClientIdentifier')) p.assignedClientIdentifier = this.text(23);
    if (want('serverKeepAlive')) p.serverKeepAlive = this.u16();
    if (want('authenticationMethod')) {
      p.authenticationMethod = this.text(16);
      // Authentication Data only with a method [MQTT-3.1.2.11.10 and likewise 3.2 / 3.15].
      if (want('authenticationData')) p.authenticationData = this.binary();
    }
    if (want('requestProblemInformation')) p.requestProblemInformation = flag();
    if (want('willDelayInterval')) p.willDelayInterval = this.u32();
    if (want('requestResponseInformation')) p.requestResponseInformation = flag();
    if (want('responseInformation')) p.responseInformation = this.text(20);
    if (want('serverReference')) p.serverReference = this.text(20);
    if (want('reasonString')) p.reasonString = this.text(30);
    if (want('receiveMaximum')) p.receiveMaximum = this.u16(1);
    if (want('topicAliasMaximum')) p.topicAliasMaximum = this.u16();
    if (publishTopicAlias || want('topicAlias')) p.topicAlias = this.u16(1);
    if (want('maximumQoS')) p.maximumQoS = flag();
    if (want('retainAvailable')) p.retainAvailable = flag();
    if (want('userProperties')) p.userProperties = this.userProperties();
    if (want('maximumPacketSize')) p.maximumPacketSize = this.u32(1);
    if (want('wildcardSubscriptionAvailable')) p.wildcardSubscriptionAvailable = flag();
    if (want('subscriptionIdentifierAvailable')) p.subscriptionIdentifierAvailable = flag();
    if (want('sharedSubscriptionAvailable')) p.sharedSubscriptionAvailable = flag();
    return Object.keys(p).length === 0 ? null : p;
  }

  private v5Properties(version: ProtocolVersion, place: PropertyPlace): Properties | null {
    return version === 5 ? this.properties(place) : null;
  }

  private reason(type: PacketTypeValue): number {
    // Half the time Success, so the short forms of the acks get exercised too.
    return this.rng.chance(0.5) ? 0 : this.rng.pick(specReasonCodes(type));
  }

  // ---- packets -----------------------------------------------------------------------------

  /** A random valid packet of `type` for a peer speaking `version`. */
  packet(type: PacketTypeValue, version: ProtocolVersion): Packet {
    const r = this.rng;
    switch (type) {
      case T.CONNECT:
        return this.connect(version);
      case T.CONNACK: {
        let reasonCode: number;
        let sessionPresent: boolean;
        if (version === 5) {
          reasonCode = this.reason(T.CONNACK);
          // Session Present is 0 with a refusal [MQTT-3.2.2-6].
          sessionPresent = reasonCode < 0x80 && r.chance(0.5);
        } else {
          reasonCode = r.chance(0.5) ? 0 : r.range(1, 5);
          // 3.1 has no Session Present flag; 3.1.1 sets it only on success [MQTT-3.2.2-4].
          sessionPresent = version === 4 && reasonCode === 0 && r.chance(0.5);
        }
        const properties = this.v5Properties(version, T.CONNACK);
        return { type: T.CONNACK, sessionPresent, reasonCode, properties };
      }
      case T.PUBLISH:
        return this.publish(version);
      case T.PUBACK:
      case T.PUBREC:
      case T.PUBREL:
      case T.PUBCOMP: {
        const packetId = this.packetId();
        if (version !== 5) return { type, packetId, reasonCode: 0, properties: null };
        const reasonCode = this.reason(type);
        return { type, packetId, reasonCode, properties: this.properties(type) };
      }
      case T.SUBSCRIBE: {
        const n = r.chance(0.7) ? r.range(1, 3) : r.range(4, 10);
        const subscriptions: Subscription[] = [];
        for (let i = 0; i < n; i++) {
          const topicFilter = this.topicFilter(version, true);
          const v5 = version === 5;
          // No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
          const shared = topicFilter.startsWith('$share/');
          subscriptions.push({
            topicFilter,
            qos: this.qos(),
            noLocal: v5 && !shared && r.chance(0.5),
            retainAsPublished: v5 && r.chance(0.5),
            retainHandling: v5 ? (r.int(3) as 0 | 1 | 2) : 0,
          });
        }
        const properties = this.v5Properties(version, T.SUBSCRIBE);
        return { type: T.SUBSCRIBE, packetId: this.packetId(), subscriptions, properties };
      }
      case T.SUBACK: {
        const n = r.chance(0.7) ? r.range(1, 3) : r.range(4, 10);
        const codes =
          version === 5 ? specReasonCodes(T.SUBACK) : version === 4 ? [0, 1, 2, 0x80] : [0, 1, 2];
        const reasonCodes = Array.from({ length: n }, () => r.pick(codes));
        const properties = this.v5Properties(version, T.SUBACK);
        return { type: T.SUBACK, packetId: this.packetId(), reasonCodes, properties };
      }
      case T.UNSUBSCRIBE: {
        const n = r.chance(0.7) ? r.range(1, 3) : r.range(4, 10);
        const topicFilters = Array.from({ length: n }, () => this.topicFilter(version, true));
        const properties = this.v5Properties(version, T.UNSUBSCRIBE);
        return { type: T.UNSUBSCRIBE, packetId: this.packetId(), topicFilters, properties };
      }
      case T.UNSUBACK: {
        if (version !== 5) {
          return { type: T.UNSUBACK, packetId: this.packetId(), reasonCodes: [], properties: null };
        }
        const n = r.chance(0.7) ? r.range(1, 3) : r.range(4, 10);
        const reasonCodes = Array.from({ length: n }, () => r.pick(specReasonCodes(T.UNSUBACK)));
        const properties = this.properties(T.UNSUBACK);
        return { type: T.UNSUBACK, packetId: this.packetId(), reasonCodes, properties };
      }
      case T.PINGREQ:
        return { type: T.PINGREQ };
      case T.PINGRESP:
        return { type: T.PINGRESP };
      case T.DISCONNECT:
        if (version !== 5) return { type: T.DISCONNECT, reasonCode: 0, properties: null };
        return {
          type: T.DISCONNECT,
          reasonCode: this.reason(T.DISCONNECT),
          properties: this.properties(T.DISCONNECT),
        };
      case T.AUTH:
        if (version !== 5) throw new RangeError('AUTH exists only in MQTT 5');
        return {
          type: T.AUTH,
          reasonCode: this.reason(T.AUTH),
          properties: this.properties(T.AUTH),
        };
    }
  }

  /** A random packet of any type that exists in `version`. */
  any(version: ProtocolVersion): Packet {
    let type = this.rng.pick(ALL_TYPES);
    while (!typeExistsIn(type, version)) type = this.rng.pick(ALL_TYPES);
    return this.packet(type, version);
  }

  private connect(version: ProtocolVersion): Packet {
    const r = this.rng;
    const clean = r.chance(0.5);
    let clientId: string;
    if (version === 3) {
      // MQTT 3.1: 1 to 23 characters.
      clientId = this.chars(r.range(1, 23), 'abcdefghijklmnopqrstuvwxyz0123456789');
    } else if (version === 4 && !clean) {
      // A zero-byte ClientId needs CleanSession = 1 in 3.1.1 [MQTT-3.1.3-7].
      clientId = this.text(23, false);
    } else {
      clientId = r.chance(0.1) ? '' : this.text(23);
    }
    let will: Will | null = null;
    if (r.chance(0.4)) {
      will = {
        topic: this.topicName(),
        payload: this.binary(),
        qos: this.qos(),
        retain: r.chance(0.5),
        properties: this.v5Properties(version, 'will'),
      };
    }
    const username = r.chance(0.5) ? this.text(16) : null;
    // A password without a user name only in MQTT 5 [MQTT-3.1.2-22].
    const password =
      username !== null
        ? r.chance(0.5)
          ? this.binary()
          : null
        : version === 5 && r.chance(0.2)
          ? this.binary()
          : null;
    return {
      type: T.CONNECT,
      protocolName: version === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: version,
      clean,
      keepalive: this.u16(),
      clientId,
      username,
      password,
      will,
      properties: this.v5Properties(version, T.CONNECT),
    };
  }

  private publish(version: ProtocolVersion): Packet {
    const r = this.rng;
    const qos = this.qos();
    // v5: an empty topic stands for an established Topic Alias [MQTT-3.3.2-12].
    const aliasOnly = version === 5 && r.chance(0.1);
    const properties = version === 5 ? this.properties(T.PUBLISH, aliasOnly) : null;
    return {
      type: T.PUBLISH,
      topic: aliasOnly ? '' : this.topicName(),
      payload: this.payload(),
      qos,
      retain: r.chance(0.5),
      // DUP is 0 for QoS 0 [MQTT-3.3.1-2].
      dup: qos > 0 && r.chance(0.3),
      packetId: qos > 0 ? this.packetId() : 0,
      properties,
    };
  }
}
