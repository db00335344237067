// MQTT 5 properties [MQTT-2.2.2]: the table of identifiers, their data types, the packets
// that may carry each, and their decode / size / encode functions.
import { PacketType, ReasonCode } from './constants.js';
import { MalformedPacketError, malformed, protocolError } from './errors.js';
import type { Properties, UserProperty } from './packets.js';
import type { Reader } from './reader.js';
import { stringSize, varintSize, type Writer } from './writer.js';

/** Where a property list sits: a packet type (1..15), or WILL for the CONNECT will. */
export const WILL_PROPERTIES = 0;

type Kind = 'byte' | 'u16' | 'u32' | 'varint' | 'string' | 'binary' | 'pair';
type Key = keyof Properties;

interface PropertyDef {
  readonly id: number;
  readonly key: Key;
  readonly kind: Kind;
  /** Bit n set = allowed in packet type n; bit 0 = allowed in will properties. */
  readonly allowed: number;
}

const bit = (...types: number[]): number => types.reduce((m, t) => m | (1 << t), 0);
const P = PacketType;
const W = WILL_PROPERTIES;
const ALL_WITH_PROPERTIES = bit(
  W,
  P.CONNECT,
  P.CONNACK,
  P.PUBLISH,
  P.PUBACK,
  P.PUBREC,
  P.PUBREL,
  P.PUBCOMP,
  P.SUBSCRIBE,
  P.SUBACK,
  P.UNSUBSCRIBE,
  P.UNSUBACK,
  P.DISCONNECT,
  P.AUTH,
);
const ACKS_WITH_REASON = bit(
  P.CONNACK,
  P.PUBACK,
  P.PUBREC,
  P.PUBREL,
  P.PUBCOMP,
  P.SUBACK,
  P.UNSUBACK,
  P.DISCONNECT,
  P.AUTH,
);

/** The property table, in identifier order (also the order we encode in). */
export const PROPERTY_DEFS: readonly PropertyDef[] = [
  { id: 0x01, key: 'payloadFormatIndicator', kind: 'byte', allowed: bit(P.PUBLISH, W) },
  { id: 0x02, key: 'messageExpiryInterval', kind: 'u32', allowed: bit(P.PUBLISH, W) },
  { id: 0x03, key: 'contentType', kind: 'string', allowed: bit(P.PUBLISH, W) },
  { id: 0x08, key: 'responseTopic', kind: 'string', allowed: bit(P.PUBLISH, W) },
  { id: 0x09, key: 'correlationData', kind: 'binary', allowed: bit(P.PUBLISH, W) },
  {
    id: 0x0b,
    key: 'subscriptionIdentifiers',
    kind: 'varint',
    allowed: bit(P.PUBLISH, P.SUBSCRIBE),
  },
  {
    id: 0x11,
    key: 'sessionExpiryInterval',
    kind: 'u32',
    allowed: bit(P.CONNECT, P.CONNACK, P.DISCONNECT),
  },
  { id: 0x12, key: 'assignedClientIdentifier', kind: 'string', allowed: bit(P.CONNACK) },
  { id: 0x13, key: 'serverKeepAlive', kind: 'u16', allowed: bit(P.CONNACK) },
  {
    id: 0x15,
    key: 'authenticationMethod',
    kind: 'string',
    allowed: bit(P.CONNECT, P.CONNACK, P.AUTH),
  },
  {
    id: 0x16,
    key: 'authenticationData',
    kind: 'binary',
    allowed: bit(P.CONNECT, P.CONNACK, P.AUTH),
  },
  { id: 0x17, key: 'requestProblemInformation', kind: 'byte', allowed: bit(P.CONNECT) },
  { id: 0x18, key: 'willDelayInterval', kind: 'u32', allowed: bit(W) },
  { id: 0x19, key: 'requestResponseInformation', kind: 'byte', allowed: bit(P.CONNECT) },
  { id: 0x1a, key: 'responseInformation', kind: 'string', allowed: bit(P.CONNACK) },
  { id: 0x1c, key: 'serverReference', kind: 'string', allowed: bit(P.CONNACK, P.DISCONNECT) },
  { id: 0x1f, key: 'reasonString', kind: 'string', allowed: ACKS_WITH_REASON },
  { id: 0x21, key: 'receiveMaximum', kind: 'u16', allowed: bit(P.CONNECT, P.CONNACK) },
  { id: 0x22, key: 'topicAliasMaximum', kind: 'u16', allowed: bit(P.CONNECT, P.CONNACK) },
  { id: 0x23, key: 'topicAlias', kind: 'u16', allowed: bit(P.PUBLISH) },
  { id: 0x24, key: 'maximumQoS', kind: 'byte', allowed: bit(P.CONNACK) },
  { id: 0x25, key: 'retainAvailable', kind: 'byte', allowed: bit(P.CONNACK) },
  { id: 0x26, key: 'userProperties', kind: 'pair', allowed: ALL_WITH_PROPERTIES },
  { id: 0x27, key: 'maximumPacketSize', kind: 'u32', allowed: bit(P.CONNECT, P.CONNACK) },
  { id: 0x28, key: 'wildcardSubscriptionAvailable', kind: 'byte', allowed: bit(P.CONNACK) },
  { id: 0x29, key: 'subscriptionIdentifierAvailable', kind: 'byte', allowed: bit(P.CONNACK) },
  { id: 0x2a, key: 'sharedSubscriptionAvailable', kind: 'byte', allowed: bit(P.CONNACK) },
];

const BY_ID: (PropertyDef | undefined)[] = [];
for (const def of PROPERTY_DEFS) BY_ID[def.id] = def;

const where = (at: number): string => (at === W ? 'will properties' : `packet type ${at}`);

/** Value rules beyond the data type; each failure names its clause. */
function checkValue(def: PropertyDef, value: number, at: number): void {
  switch (def.id) {
    case 0x01: // payload format indicator
    case 0x17: // request problem information
    case 0x19: // request response information
    case 0x24: // maximum QoS
    case 0x25: // retain available
    case 0x28: // wildcard subscription available
    case 0x29: // subscription identifiers available
    case 0x2a: // shared subscription available
      if (value > 1)
        throw protocolError('[MQTT-2.2.2-2]', `${def.key} must be 0 or 1, got ${value}`);
      return;
    case 0x0b:
      if (value === 0) throw protocolError('[MQTT-3.8.2.1.2]', 'subscription identifier 0');
      return;
    case 0x21:
      if (value === 0) throw protocolError('[MQTT-3.1.2.11.3]', 'receive maximum 0');
      return;
    case 0x27:
      if (value === 0) throw protocolError('[MQTT-3.1.2.11.4]', 'maximum packet size 0');
      return;
    case 0x23:
      // [MQTT-3.3.2-8] A Topic Alias of 0 is not permitted: answer 0x94.
      if (value === 0 && at === P.PUBLISH) {
        throw new MalformedPacketError(
          ReasonCode.TOPIC_ALIAS_INVALID,
          '[MQTT-3.3.2-8]',
          'topic alias 0',
        );
      }
      return;
    default:
      return;
  }
}

/**
 * Reads a Property Length and the properties after it [MQTT-2.2.2.1]. Returns null when the
 * list is empty. `at` is the packet type (or WILL_PROPERTIES) the list belongs to.
 */
export function decodeProperties(reader: Reader, at: number): Properties | null {
  const length = reader.varint('property length');
  if (length === 0) return null;
  if (length > reader.remaining)
    throw malformed('[MQTT-2.2.2.1]', 'property length exceeds the packet');
  const end = reader.pos + length;
  const outerEnd = reader.end;
  reader.end = end; // reads inside the list may not run into what follows it
  const props: Properties = {};
  const record = props as Record<string, unknown>;
  while (reader.pos < end) {
    const id = reader.varint('property identifier');
    const def = BY_ID[id];
    if (def === undefined)
      throw malformed('[MQTT-2.2.2.2]', `unknown property identifier 0x${id.toString(16)}`);
    if ((def.allowed & (1 << at)) === 0) {
      throw malformed('[MQTT-2.2.2.2]', `property ${def.key} is not allowed in ${where(at)}`);
    }
    switch (def.kind) {
      case 'pair': {
        const name = reader.utf8('user property name');
        const value = reader.utf8('user property value');
        const pair: UserProperty = [name, value];
        if (props.userProperties === undefined) props.userProperties = [pair];
        else props.userProperties.push(pair);
        continue;
      }
      case 'varint': {
        // Subscription Identifier: repeatable in PUBLISH only [MQTT-3.8.2.1.2].
        const value = reader.varint('subscription identifier');
        checkValue(def, value, at);
        if (props.subscriptionIdentifiers === undefined) props.subscriptionIdentifiers = [value];
        else if (at === P.PUBLISH) props.subscriptionIdentifiers.push(value);
        else throw protocolError('[MQTT-3.8.2.1.2]', 'subscription identifier included twice');
        continue;
      }
      case 'byte':
      case 'u16':
      case 'u32':
      case 'string':
      case 'binary':
        break;
    }
    if (record[def.key] !== undefined) {
      throw protocolError('[MQTT-2.2.2-2]', `property ${def.key} included more than once`);
    }
    switch (def.kind) {
      case 'byte': {
        const v = reader.u8(def.key);
        checkValue(def, v, at);
        record[def.key] = v;
        break;
      }
      case 'u16': {
        const v = reader.u16(def.key);
        checkValue(def, v, at);
        record[def.key] = v;
        break;
      }
      case 'u32': {
        const v = reader.u32(def.key);
        checkValue(def, v, at);
        record[def.key] = v;
        break;
      }
      case 'string':
        record[def.key] = reader.utf8(def.key);
        break;
      case 'binary':
        record[def.key] = reader.binary(def.key);
        break;
    }
  }
  reader.end = outerEnd;
  if (reader.pos !== end)
    throw malformed('[MQTT-2.2.2.1]', 'property overruns the property length');
  return props;
}

/** Bytes of the property list's content (without its own length prefix). */
export function propertiesContentSize(props: Properties | null): number {
  if (props === null) return 0;
  const record = props as Record<string, unknown>;
  let size = 0;
  for (const def of PROPERTY_DEFS) {
    const value = record[def.key];
    if (value === undefined) continue;
    switch (def.kind) {
      case 'byte':
        size += 2;
        break;
      case 'u16':
        size += 3;
        break;
      case 'u32':
        size += 5;
        break;
      case 'varint':
        for (const id of value as number[]) size += 1 + varintSize(id);
        break;
      case 'string':
        size += 1 + stringSize(value as string);
        break;
      case 'binary':
        size += 3 + (value as Uint8Array).length;
        break;
      case 'pair':
        for (const [k, v] of value as UserProperty[]) size += 1 + stringSize(k) + stringSize(v);
        break;
    }
  }
  return size;
}

/** Bytes of the whole property list: Property Length plus content. */
export function propertiesSize(contentSize: number): number {
  return varintSize(contentSize) + contentSize;
}

/** Writes Property Length and the properties, in identifier order. */
export function writeProperties(w: Writer, props: Properties | null, contentSize: number): void {
  w.varint(contentSize);
  if (props === null || contentSize === 0) return;
  const record = props as Record<string, unknown>;
  for (const def of PROPERTY_DEFS) {
    const value = record[def.key];
    if (value === undefined) continue;
    switch (def.kind) {
      case 'byte':
        w.u8(def.id);
        w.u8(value as number);
        break;
      case 'u16':
        w.u8(def.id);
        w.u16(value as number);
        break;
      case 'u32':
        w.u8(def.id);
        w.u32(value as number);
        break;
      case 'varint':
        for (const id of value as number[]) {
          w.u8(def.id);
          w.varint(id);
        }
        break;
      case 'string':
        w.u8(def.id);
        w.utf8(value as string);
        break;
      case 'binary':
        w.u8(def.id);
        w.binary(value as Uint8Array);
        break;
      case 'pair':
        for (const [k, v] of value as UserProperty[]) {
          w.u8(def.id);
          w.utf8(k);
          w.utf8(v);
        }
        break;
    }
  }
}
