// Mapping between our packet model (src/codec/packets.ts) and the objects of `mqtt-packet`
// (MQTT.js's codec), used to cross-check one codec with the other.
//
// The two models differ in:
// - type: our numeric `type` vs their `cmd` string;
// - names: packetId/messageId, protocolName/protocolId, reasonCodes/granted (SUBACK and v5
//   UNSUBACK), topicFilters/unsubscriptions, Subscription {topicFilter, noLocal,
//   retainAsPublished, retainHandling} vs {topic, nl, rap, rh}, CONNACK reasonCode vs 3.1.1
//   returnCode, subscriptionIdentifiers (always an array) vs subscriptionIdentifier (number
//   or array), subscriptionIdentifierAvailable vs subscriptionIdentifiersAvailable;
// - values: the 0/1 "byte" properties (payload format indicator, request problem / response
//   information, retain / wildcard / subscription identifier / shared subscription available)
//   are numbers for us and booleans for them; absent things are null for us and missing
//   keys for them; 3.1.1 packets have no reasonCode/properties for them;
// - user properties: an ordered list of [name, value] pairs for us, an object
//   name -> string | string[] for them. That object keeps the order of values per name but
//   loses the interleaving of different names, and puts integer-like names ("1", "42") first
//   (JS property order), so comparisons go per name (groupUserProperties) and byte equality
//   is only expected when the list is already in the object's order (isCanonicalForMqttPacket).
import { Buffer } from 'node:buffer';
import mqttPacket, { type Packet as MpPacket } from 'mqtt-packet';
import {
  PacketType,
  type Packet,
  type Properties,
  type ProtocolVersion,
  type QoS,
  type Subscription,
  type UserProperty,
  type Will,
} from '../../src/codec/index.js';

/** An mqtt-packet packet object, kept loose: every field is checked when mapped back. */
export type MpObject = Record<string, unknown>;
type MpUserProperties = Record<string, string | string[]>;

const CMD_BY_TYPE = [
  'reserved',
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
] as const;

type Kind = 'flag' | 'int' | 'string' | 'binary' | 'subid' | 'user';
interface PropMap {
  readonly ours: keyof Properties;
  readonly theirs: string;
  readonly kind: Kind;
}

/** In property identifier order, the order our encoder writes (and we make theirs write). */
const PROPS: readonly PropMap[] = [
  { ours: 'payloadFormatIndicator', theirs: 'payloadFormatIndicator', kind: 'flag' }, // 0x01
  { ours: 'messageExpiryInterval', theirs: 'messageExpiryInterval', kind: 'int' }, // 0x02
  { ours: 'contentType', theirs: 'contentType', kind: 'string' }, // 0x03
  { ours: 'responseTopic', theirs: 'responseTopic', kind: 'string' }, // 0x08
  { ours: 'correlationData', theirs: 'correlationData', kind: 'binary' }, // 0x09
  { ours: 'subscriptionIdentifiers', theirs: 'subscriptionIdentifier', kind: 'subid' }, // 0x0b
  { ours: 'sessionExpiryInterval', theirs: 'sessionExpiryInterval', kind: 'int' }, // 0x11
  { ours: 'assignedClientIdentifier', theirs: 'assignedClientIdentifier', kind: 'string' }, // 0x12
  { ours: 'serverKeepAlive', theirs: 'serverKeepAlive', kind: 'int' }, // 0x13
  { ours: 'authenticationMethod', theirs: 'authenticationMethod', kind: 'string' }, // 0x15
  { ours: 'authenticationData', theirs: 'authenticationData', kind: 'binary' }, // 0x16
  { ours: 'requestProblemInformation', theirs: 'requestProblemInformation', kind: 'flag' }, // 0x17
  { ours: 'willDelayInterval', theirs: 'willDelayInterval', kind: 'int' }, // 0x18
  { ours: 'requestResponseInformation', theirs: 'requestResponseInformation', kind: 'flag' }, // 0x19
  { ours: 'responseInformation', theirs: 'responseInformation', kind: 'string' }, // 0x1a
  { ours: 'serverReference', theirs: 'serverReference', kind: 'string' }, // 0x1c
  { ours: 'reasonString', theirs: 'reasonString', kind: 'string' }, // 0x1f
  { ours: 'receiveMaximum', theirs: 'receiveMaximum', kind: 'int' }, // 0x21
  { ours: 'topicAliasMaximum', theirs: 'topicAliasMaximum', kind: 'int' }, // 0x22
  { ours: 'topicAlias', theirs: 'topicAlias', kind: 'int' }, // 0x23
  { ours: 'maximumQoS', theirs: 'maximumQoS', kind: 'int' }, // 0x24 (their "int8")
  { ours: 'retainAvailable', theirs: 'retainAvailable', kind: 'flag' }, // 0x25
  { ours: 'userProperties', theirs: 'userProperties', kind: 'user' }, // 0x26
  { ours: 'maximumPacketSize', theirs: 'maximumPacketSize', kind: 'int' }, // 0x27
  { ours: 'wildcardSubscriptionAvailable', theirs: 'wildcardSubscriptionAvailable', kind: 'flag' }, // 0x28
  {
    ours: 'subscriptionIdentifierAvailable',
    theirs: 'subscriptionIdentifiersAvailable',
    kind: 'flag',
  }, // 0x29
  { ours: 'sharedSubscriptionAvailable', theirs: 'sharedSubscriptionAvailable', kind: 'flag' }, // 0x2a
];
const BY_THEIR_NAME = new Map(PROPS.map((p) => [p.theirs, p]));

// ---- checked field access ----------------------------------------------------------------

class MappingError extends Error {
  override readonly name = 'MappingError';
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isBuffer = (v: unknown): v is Buffer => Buffer.isBuffer(v);
const isObject = (v: unknown): v is MpObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

function get<V>(obj: MpObject, key: string, check: (v: unknown) => v is V, what: string): V {
  const v = obj[key];
  if (!check(v)) throw new MappingError(`mqtt-packet ${what}.${key} is ${describe(v)}`);
  return v;
}

function opt<V>(obj: MpObject, key: string, check: (v: unknown) => v is V, what: string): V | null {
  return obj[key] === undefined ? null : get(obj, key, check, what);
}

function describe(v: unknown): string {
  if (Buffer.isBuffer(v)) return `a Buffer(${v.length})`;
  return v === undefined ? 'undefined' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Fields mqtt-packet's Packet class sets on every parsed packet. */
const BASE_KEYS = ['cmd', 'retain', 'qos', 'dup', 'length', 'topic', 'payload'];

/** Fails on a key we do not map, so a new field in mqtt-packet cannot go unnoticed. */
function onlyKeys(obj: MpObject, what: string, keys: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!BASE_KEYS.includes(k) && !keys.includes(k)) {
      throw new MappingError(`mqtt-packet ${what} has an unmapped field ${k}`);
    }
  }
}

// ---- user properties ---------------------------------------------------------------------

/** Our ordered pairs as mqtt-packet's object (null prototype, as its parser builds it). */
export function userPropertiesToObject(list: readonly UserProperty[]): MpUserProperties {
  const out = Object.create(null) as MpUserProperties;
  for (const [name, value] of list) {
    const current = out[name];
    if (current === undefined) out[name] = value;
    else if (typeof current === 'string') out[name] = [current, value];
    else current.push(value);
  }
  return out;
}

/** mqtt-packet's object as pairs, in the order its writer puts them on the wire. */
export function userPropertiesFromObject(obj: unknown, what: string): UserProperty[] {
  if (!isObject(obj))
    throw new MappingError(`mqtt-packet ${what}.userProperties is ${describe(obj)}`);
  const out: UserProperty[] = [];
  for (const name of Object.getOwnPropertyNames(obj)) {
    const value = obj[name];
    if (typeof value === 'string') out.push([name, value]);
    else if (Array.isArray(value) && value.every(isString)) {
      for (const v of value) out.push([name, v]);
    } else {
      throw new MappingError(`mqtt-packet user property ${name} is ${describe(value)}`);
    }
  }
  return out;
}

/**
 * What mqtt-packet's parser makes of a user property list. DEVIATION (mqtt-packet 9.0.2
 * parser.js `_parseProperties`): it decides whether a name repeats by the truthiness of the
 * value stored so far, so when the first value of a name is '' the next value of that name
 * overwrites it instead of being appended: ['k', ''], ['k', 'x'] parses as { k: 'x' }. A
 * zero-length string is a valid UTF-8 Encoded String [MQTT-1.5.4] and every pair must be
 * kept [MQTT-3.3.2-18]; the expected value of the comparison reproduces that loss, and only
 * that loss.
 */
export function userPropertiesAfterMqttPacketParse(list: readonly UserProperty[]): UserProperty[] {
  const obj = Object.create(null) as MpUserProperties;
  for (const [name, value] of list) {
    const current = obj[name];
    if (current === undefined || current === '') obj[name] = value;
    else if (typeof current === 'string') obj[name] = [current, value];
    else current.push(value);
  }
  return userPropertiesFromObject(obj, 'simulated');
}

/** Name -> values (in order), sorted by name: equal for lists that differ only in interleaving. */
function byName(list: readonly UserProperty[]): [string, string[]][] {
  const map = new Map<string, string[]>();
  for (const [name, value] of list) {
    const values = map.get(name);
    if (values === undefined) map.set(name, [value]);
    else values.push(value);
  }
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

type UserPropsTransform = (list: readonly UserProperty[]) => UserProperty[];

/**
 * A copy of `p` for deepStrictEqual, with every user property list replaced by its per-name
 * value lists (optionally after `transform`). Everything else is compared as is.
 */
export function groupUserProperties(p: Packet, transform?: UserPropsTransform): unknown {
  const fix = (props: Properties | null): unknown => {
    if (props?.userProperties === undefined) return props;
    const list = transform === undefined ? props.userProperties : transform(props.userProperties);
    return { ...props, userProperties: byName(list) };
  };
  const out: Record<string, unknown> = { ...p };
  if ('properties' in p) out.properties = fix(p.properties);
  if (p.type === PacketType.CONNECT && p.will !== null) {
    out.will = { ...p.will, properties: fix(p.will.properties) };
  }
  return out;
}

/**
 * True when mqtt-packet writes this packet's user properties in our order: the list already
 * equals its object's order (names grouped, integer-like names first, ascending).
 */
export function isCanonicalForMqttPacket(p: Packet): boolean {
  const ok = (props: Properties | null): boolean => {
    const list = props?.userProperties;
    if (list === undefined) return true;
    const again = userPropertiesFromObject(userPropertiesToObject(list), 'canonical');
    return (
      again.length === list.length &&
      again.every(([k, v], i) => {
        const pair = list[i];
        return pair !== undefined && pair[0] === k && pair[1] === v;
      })
    );
  };
  if (!('properties' in p)) return true;
  if (p.type === PacketType.CONNECT && p.will !== null && !ok(p.will.properties)) return false;
  return ok(p.properties);
}

// ---- properties --------------------------------------------------------------------------

function propertiesToMqtt(props: Properties | null, forSubscribe: boolean): MpObject | undefined {
  if (props === null) return undefined;
  const out: MpObject = {};
  const record = props as Record<string, unknown>;
  for (const def of PROPS) {
    const value = record[def.ours];
    if (value === undefined) continue;
    switch (def.kind) {
      case 'flag':
        if (value !== 0 && value !== 1) throw new MappingError(`${def.ours} ${describe(value)}`);
        out[def.theirs] = value === 1;
        break;
      case 'subid': {
        const ids = value as number[];
        // SUBSCRIBE carries one identifier: mqtt-packet types it as a number there.
        out[def.theirs] = forSubscribe || ids.length === 1 ? ids[0] : [...ids];
        if (forSubscribe && ids.length !== 1) throw new MappingError('SUBSCRIBE with several ids');
        break;
      }
      case 'user':
        out[def.theirs] = userPropertiesToObject(value as UserProperty[]);
        break;
      case 'int':
      case 'string':
      case 'binary':
        out[def.theirs] = value;
        break;
    }
  }
  return out;
}

function propertiesFromMqtt(obj: unknown, what: string): Properties | null {
  if (obj === undefined) return null;
  if (!isObject(obj)) throw new MappingError(`mqtt-packet ${what}.properties is ${describe(obj)}`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const def = BY_THEIR_NAME.get(key);
    if (def === undefined)
      throw new MappingError(`mqtt-packet ${what} has unknown property ${key}`);
    const w = `${what}.properties`;
    switch (def.kind) {
      case 'flag':
        out[def.ours] = get(obj, key, isBool, w) ? 1 : 0;
        break;
      case 'int':
        out[def.ours] = get(obj, key, isInt, w);
        break;
      case 'string':
        out[def.ours] = get(obj, key, isString, w);
        break;
      case 'binary':
        out[def.ours] = get(obj, key, isBuffer, w);
        break;
      case 'subid': {
        const v = obj[key];
        if (isInt(v)) out[def.ours] = [v];
        else if (Array.isArray(v) && v.every(isInt)) out[def.ours] = [...v];
        else throw new MappingError(`mqtt-packet ${w}.${key} is ${describe(v)}`);
        break;
      }
      case 'user':
        out[def.ours] = userPropertiesFromObject(obj[key], w);
        break;
    }
  }
  return out;
}

// ---- packets -----------------------------------------------------------------------------

const isQos = (v: unknown): v is QoS => v === 0 || v === 1 || v === 2;
const isRetainHandling = (v: unknown): v is 0 | 1 | 2 => v === 0 || v === 1 || v === 2;
const isVersion = (v: unknown): v is ProtocolVersion => v === 3 || v === 4 || v === 5;
const isIntArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isObjectArray = (v: unknown): v is MpObject[] => Array.isArray(v) && v.every(isObject);

/** Our packet as the object mqtt-packet's generate() takes, for a peer speaking `version`. */
export function toMqttPacket(p: Packet, version: ProtocolVersion): MpObject {
  const cmd = CMD_BY_TYPE[p.type];
  const v5 = version === 5;
  const withProps = (obj: MpObject, props: Properties | null, forSubscribe = false): MpObject => {
    const mapped = v5 ? propertiesToMqtt(props, forSubscribe) : undefined;
    if (mapped !== undefined) obj.properties = mapped;
    return obj;
  };
  switch (p.type) {
    case PacketType.CONNECT: {
      const obj: MpObject = {
        cmd,
        protocolId: p.protocolName,
        protocolVersion: p.protocolVersion,
        clean: p.clean,
        keepalive: p.keepalive,
        clientId: p.clientId,
      };
      if (p.username !== null) obj.username = p.username;
      if (p.password !== null) obj.password = p.password;
      if (p.will !== null) {
        const will: MpObject = {
          topic: p.will.topic,
          payload: p.will.payload,
          qos: p.will.qos,
          retain: p.will.retain,
        };
        const props =
          p.protocolVersion === 5 ? propertiesToMqtt(p.will.properties, false) : undefined;
        if (props !== undefined) will.properties = props;
        obj.will = will;
      }
      const props = p.protocolVersion === 5 ? propertiesToMqtt(p.properties, false) : undefined;
      if (props !== undefined) obj.properties = props;
      return obj;
    }
    case PacketType.CONNACK:
      return withProps(
        v5
          ? { cmd, sessionPresent: p.sessionPresent, reasonCode: p.reasonCode }
          : { cmd, sessionPresent: p.sessionPresent, returnCode: p.reasonCode },
        p.properties,
      );
    case PacketType.PUBLISH: {
      const obj: MpObject = {
        cmd,
        topic: p.topic,
        payload: p.payload,
        qos: p.qos,
        retain: p.retain,
        dup: p.dup,
      };
      if (p.qos > 0) obj.messageId = p.packetId;
      return withProps(obj, p.properties);
    }
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      // reasonCode is always given: mqtt-packet treats a missing one as "not 0" and writes
      // a reason code byte plus an empty property list.
      return withProps(
        v5
          ? { cmd, messageId: p.packetId, reasonCode: p.reasonCode }
          : { cmd, messageId: p.packetId },
        p.properties,
      );
    case PacketType.SUBSCRIBE:
      return withProps(
        {
          cmd,
          messageId: p.packetId,
          subscriptions: p.subscriptions.map((s) =>
            v5
              ? {
                  topic: s.topicFilter,
                  qos: s.qos,
                  nl: s.noLocal,
                  rap: s.retainAsPublished,
                  rh: s.retainHandling,
                }
              : { topic: s.topicFilter, qos: s.qos },
          ),
        },
        p.properties,
        true,
      );
    case PacketType.SUBACK:
      return withProps({ cmd, messageId: p.packetId, granted: [...p.reasonCodes] }, p.properties);
    case PacketType.UNSUBSCRIBE:
      return withProps(
        { cmd, messageId: p.packetId, unsubscriptions: [...p.topicFilters] },
        p.properties,
      );
    case PacketType.UNSUBACK:
      return withProps(
        v5
          ? { cmd, messageId: p.packetId, granted: [...p.reasonCodes] }
          : { cmd, messageId: p.packetId },
        p.properties,
      );
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return { cmd };
    case PacketType.DISCONNECT:
    case PacketType.AUTH:
      return withProps(v5 ? { cmd, reasonCode: p.reasonCode } : { cmd }, p.properties);
  }
}

/**
 * An object from mqtt-packet's parser as our packet, for a connection speaking `version`.
 * Every field is type-checked, and a field we do not map fails the mapping.
 */
export function fromMqttPacket(obj: MpObject, version: ProtocolVersion): Packet {
  const cmd = get(obj, 'cmd', isString, 'packet');
  const type = (CMD_BY_TYPE as readonly string[]).indexOf(cmd);
  if (type < 1) throw new MappingError(`mqtt-packet cmd ${cmd}`);
  const v5 = version === 5;
  const props = (): Properties | null => {
    if (!v5 && obj.properties !== undefined)
      throw new MappingError(`${cmd} v${version} with properties`);
    return propertiesFromMqtt(obj.properties, cmd);
  };
  const packetId = (): number => get(obj, 'messageId', isInt, cmd);
  switch (type) {
    case PacketType.CONNECT: {
      onlyKeys(obj, cmd, [
        'protocolId',
        'protocolVersion',
        'clean',
        'keepalive',
        'clientId',
        'username',
        'password',
        'will',
        'properties',
      ]);
      const protocolVersion = get(obj, 'protocolVersion', isVersion, cmd);
      let will: Will | null = null;
      const w = opt(obj, 'will', isObject, cmd);
      if (w !== null) {
        onlyKeys(w, 'will', ['topic', 'payload', 'qos', 'retain', 'properties']);
        if (protocolVersion !== 5 && w.properties !== undefined)
          throw new MappingError('v4 will properties');
        will = {
          topic: get(w, 'topic', isString, 'will'),
          payload: get(w, 'payload', isBuffer, 'will'),
          qos: get(w, 'qos', isQos, 'will'),
          retain: get(w, 'retain', isBool, 'will'),
          properties: propertiesFromMqtt(w.properties, 'will'),
        };
      }
      if (protocolVersion !== 5 && obj.properties !== undefined)
        throw new MappingError('v4 CONNECT properties');
      return {
        type: PacketType.CONNECT,
        protocolName: get(obj, 'protocolId', isString, cmd),
        protocolVersion,
        clean: get(obj, 'clean', isBool, cmd),
        keepalive: get(obj, 'keepalive', isInt, cmd),
        clientId: get(obj, 'clientId', isString, cmd),
        username: opt(obj, 'username', isString, cmd),
        password: opt(obj, 'password', isBuffer, cmd),
        will,
        properties: propertiesFromMqtt(obj.properties, cmd),
      };
    }
    case PacketType.CONNACK:
      onlyKeys(obj, cmd, ['sessionPresent', v5 ? 'reasonCode' : 'returnCode', 'properties']);
      return {
        type: PacketType.CONNACK,
        sessionPresent: get(obj, 'sessionPresent', isBool, cmd),
        reasonCode: get(obj, v5 ? 'reasonCode' : 'returnCode', isInt, cmd),
        properties: props(),
      };
    case PacketType.PUBLISH: {
      onlyKeys(obj, cmd, ['messageId', 'properties']);
      const qos = get(obj, 'qos', isQos, cmd);
      return {
        type: PacketType.PUBLISH,
        topic: get(obj, 'topic', isString, cmd),
        payload: get(obj, 'payload', isBuffer, cmd),
        qos,
        retain: get(obj, 'retain', isBool, cmd),
        dup: get(obj, 'dup', isBool, cmd),
        packetId: qos > 0 ? packetId() : 0,
        properties: props(),
      };
    }
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      onlyKeys(obj, cmd, v5 ? ['messageId', 'reasonCode', 'properties'] : ['messageId']);
      return {
        type,
        packetId: packetId(),
        reasonCode: v5 ? get(obj, 'reasonCode', isInt, cmd) : 0,
        properties: props(),
      };
    case PacketType.SUBSCRIBE: {
      onlyKeys(obj, cmd, ['messageId', 'subscriptions', 'properties']);
      const subscriptions = get(obj, 'subscriptions', isObjectArray, cmd).map((s): Subscription => {
        onlyKeys(s, 'subscription', ['topic', 'qos', 'nl', 'rap', 'rh']);
        if (!v5 && (s.nl !== undefined || s.rap !== undefined || s.rh !== undefined)) {
          throw new MappingError('v4 subscription with v5 options');
        }
        return {
          topicFilter: get(s, 'topic', isString, 'subscription'),
          qos: get(s, 'qos', isQos, 'subscription'),
          noLocal: v5 ? get(s, 'nl', isBool, 'subscription') : false,
          retainAsPublished: v5 ? get(s, 'rap', isBool, 'subscription') : false,
          retainHandling: v5 ? get(s, 'rh', isRetainHandling, 'subscription') : 0,
        };
      });
      return {
        type: PacketType.SUBSCRIBE,
        packetId: packetId(),
        subscriptions,
        properties: props(),
      };
    }
    case PacketType.SUBACK:
      onlyKeys(obj, cmd, ['messageId', 'granted', 'properties']);
      return {
        type: PacketType.SUBACK,
        packetId: packetId(),
        reasonCodes: [...get(obj, 'granted', isIntArray, cmd)],
        properties: props(),
      };
    case PacketType.UNSUBSCRIBE:
      onlyKeys(obj, cmd, ['messageId', 'unsubscriptions', 'properties']);
      return {
        type: PacketType.UNSUBSCRIBE,
        packetId: packetId(),
        topicFilters: [...get(obj, 'unsubscriptions', isStringArray, cmd)],
        properties: props(),
      };
    case PacketType.UNSUBACK:
      onlyKeys(obj, cmd, v5 ? ['messageId', 'granted', 'properties'] : ['messageId']);
      return {
        type: PacketType.UNSUBACK,
        packetId: packetId(),
        reasonCodes: v5 ? [...get(obj, 'granted', isIntArray, cmd)] : [],
        properties: props(),
      };
    case PacketType.PINGREQ:
      onlyKeys(obj, cmd, []);
      return { type: PacketType.PINGREQ };
    case PacketType.PINGRESP:
      onlyKeys(obj, cmd, []);
      return { type: PacketType.PINGRESP };
    case PacketType.DISCONNECT:
      onlyKeys(obj, cmd, v5 ? ['reasonCode', 'properties'] : []);
      return {
        type: PacketType.DISCONNECT,
        reasonCode: v5 ? get(obj, 'reasonCode', isInt, cmd) : 0,
        properties: props(),
      };
    default:
      onlyKeys(obj, cmd, ['reasonCode', 'properties']);
      return {
        type: PacketType.AUTH,
        reasonCode: get(obj, 'reasonCode', isInt, cmd),
        properties: props(),
      };
  }
}

// ---- mqtt-packet entry points ------------------------------------------------------------

export interface MqttPacketParse {
  readonly packets: MpObject[];
  readonly errors: Error[];
  /** Bytes the parser still holds (0 when it consumed the whole input). */
  readonly left: number;
}

/** Feeds `buf` to a fresh mqtt-packet parser for a connection speaking `version`. */
export function mqttPacketParse(buf: Buffer, version: ProtocolVersion): MqttPacketParse {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: MpObject[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => packets.push(p as unknown as MpObject));
  parser.on('error', (e: unknown) => errors.push(e instanceof Error ? e : new Error(String(e))));
  const left = parser.parse(buf);
  return { packets, errors, left };
}

/** mqtt-packet's encoding of `obj` for a peer speaking `version`; throws what it refuses. */
export function mqttPacketGenerate(obj: MpObject, version: ProtocolVersion): Buffer {
  return mqttPacket.generate(obj as unknown as MpPacket, { protocolVersion: version });
}
