// Golden vectors: every packet type, in every protocol version it exists in, written by hand
// from the MQTT 3.1 / 3.1.1 / 5.0 specifications (not from our encoder). Each vector is
// checked both ways: the bytes decode to the packet, and the packet encodes to the bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrameDecoder,
  MalformedPacketError,
  encodePacket,
  type Packet,
  type ProtocolVersion,
  type PublishPacket,
} from './index.js';

/** Hex with spaces and `|` as field separators for the reader. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const str = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Decodes a buffer that holds exactly one packet (CONNECT with version 0, as a server). */
function decodeOne(bytes: Buffer, version: ProtocolVersion): Packet {
  const packets: Packet[] = [];
  const errors: MalformedPacketError[] = [];
  const isConnect = (bytes[0] ?? 0) >> 4 === 1;
  const decoder = new FrameDecoder(
    { onPacket: (p) => packets.push(p), onError: (e) => errors.push(e) },
    { version: isConnect ? 0 : version },
  );
  decoder.push(bytes);
  assert.deepEqual(errors, []);
  assert.equal(packets.length, 1, 'exactly one packet');
  assert.equal(decoder.bufferedBytes, 0, 'no bytes left over');
  return packets[0]!;
}

interface Vector {
  name: string;
  versions: ProtocolVersion[];
  hex: string;
  packet: Packet;
  /** What our encoder writes when it legitimately picks a shorter form than `hex`. */
  encodesTo?: string;
}

const V3_4: ProtocolVersion[] = [3, 4];
const ALL: ProtocolVersion[] = [3, 4, 5];

const ack = <T extends 4 | 5 | 6 | 7>(type: T, packetId: number, reasonCode = 0) => ({
  type,
  packetId,
  reasonCode,
  properties: null,
});

const pub = (p: Partial<PublishPacket>): PublishPacket => ({
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

const vectors: Vector[] = [
  // ---- CONNECT [MQTT-3.1] ----
  {
    name: '[MQTT-3.1] CONNECT 3.1.1: client id, keep alive 60, clean session',
    versions: [4],
    hex: '10 0f | 00 04 4d 51 54 54 | 04 | 02 | 00 3c | 00 03 61 62 63',
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
  },
  {
    name: '[MQTT-3.1.2.3] CONNECT 3.1.1: will QoS 1 retained, user name and password',
    versions: [4],
    // flags 0xec = user name 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04
    hex:
      '10 1f | 00 04 4d 51 54 54 | 04 | ec | 00 0a | 00 02 63 31 | 00 03 77 2f 74 | 00 03 62 79 65' +
      '| 00 01 75 | 00 02 70 77',
    packet: {
      type: 1,
      protocolName: 'MQTT',
      protocolVersion: 4,
      clean: false,
      keepalive: 10,
      clientId: 'c1',
      username: 'u',
      password: str('pw'),
      will: { topic: 'w/t', payload: str('bye'), qos: 1, retain: true, properties: null },
      properties: null,
    },
  },
  {
    name: '[MQTT-3.1.2-1] CONNECT 3.1: protocol name MQIsdp, level 3',
    versions: [3],
    hex: '10 1e | 00 06 4d 51 49 73 64 70 | 03 | c2 | 00 1e | 00 04 6d 71 33 31 | 00 04 75 73 65 72 | 00 04 70 61 73 73',
    packet: {
      type: 1,
      protocolName: 'MQIsdp',
      protocolVersion: 3,
      clean: true,
      keepalive: 30,
      clientId: 'mq31',
      username: 'user',
      password: str('pass'),
      will: null,
      properties: null,
    },
  },
  {
    name: '[MQTT-3.1.2.11] CONNECT 5.0: connect properties, will properties, user name, password',
    versions: [5],
    // flags 0xd6 = user name | password | will QoS 2 (0x10) | will | clean start
    hex:
      '10 7a | 00 04 4d 51 54 54 | 05 | d6 | 00 3c | 30' +
      '| 11 00 00 0e 10 | 15 00 05 53 43 52 41 4d | 16 00 03 01 02 03 | 17 00 | 19 01 | 21 00 14' +
      '| 22 00 0a | 26 00 01 6b 00 01 76 | 26 00 01 6b 00 01 77 | 27 00 10 00 00' +
      '| 00 02 76 35' +
      '| 2b | 01 01 | 02 00 00 01 2c | 03 00 0a 74 65 78 74 2f 70 6c 61 69 6e | 08 00 03 72 2f 74' +
      '| 09 00 02 ca fe | 18 00 00 00 05 | 26 00 01 61 00 01 62' +
      '| 00 01 77 | 00 04 67 6f 6e 65 | 00 01 75 | 00 01 70',
    packet: {
      type: 1,
      protocolName: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      clientId: 'v5',
      username: 'u',
      password: str('p'),
      will: {
        topic: 'w',
        payload: str('gone'),
        qos: 2,
        retain: false,
        properties: {
          payloadFormatIndicator: 1,
          messageExpiryInterval: 300,
          contentType: 'text/plain',
          responseTopic: 'r/t',
          correlationData: hex('cafe'),
          willDelayInterval: 5,
          userProperties: [['a', 'b']],
        },
      },
      properties: {
        sessionExpiryInterval: 3600,
        authenticationMethod: 'SCRAM',
        authenticationData: hex('010203'),
        requestProblemInformation: 0,
        requestResponseInformation: 1,
        receiveMaximum: 20,
        topicAliasMaximum: 10,
        userProperties: [
          ['k', 'v'],
          ['k', 'w'],
        ],
        maximumPacketSize: 1_048_576,
      },
    },
  },
  {
    name: '[MQTT-3.1.2.11] CONNECT 5.0: no properties is a zero property length',
    versions: [5],
    hex: '10 0d | 00 04 4d 51 54 54 | 05 | 00 | 00 00 | 00 | 00 00',
    packet: {
      type: 1,
      protocolName: 'MQTT',
      protocolVersion: 5,
      clean: false,
      keepalive: 0,
      clientId: '',
      username: null,
      password: null,
      will: null,
      properties: null,
    },
  },
  // ---- CONNACK [MQTT-3.2] ----
  {
    name: '[MQTT-3.2.2.3] CONNACK 3.1/3.1.1: accepted',
    versions: V3_4,
    hex: '20 02 00 00',
    packet: { type: 2, sessionPresent: false, reasonCode: 0, properties: null },
  },
  {
    name: '[MQTT-3.2.2.3] CONNACK 3.1/3.1.1: return code 5 not authorized',
    versions: V3_4,
    hex: '20 02 00 05',
    packet: { type: 2, sessionPresent: false, reasonCode: 5, properties: null },
  },
  {
    name: '[MQTT-3.2.2-2] CONNACK 3.1.1: session present',
    versions: [4],
    hex: '20 02 01 00',
    packet: { type: 2, sessionPresent: true, reasonCode: 0, properties: null },
  },
  {
    name: '[MQTT-3.2.2.3] CONNACK 5.0: session present, success, no properties',
    versions: [5],
    hex: '20 03 01 00 00',
    packet: { type: 2, sessionPresent: true, reasonCode: 0, properties: null },
  },
  {
    name: '[MQTT-3.2.2.3] CONNACK 5.0: server capability properties',
    versions: [5],
    hex:
      '20 2e 00 00 2b | 11 00 00 00 78 | 12 00 06 61 75 74 6f 2d 31 | 13 00 1e | 1f 00 02 6f 6b' +
      '| 21 00 64 | 22 00 10 | 24 01 | 25 00 | 27 00 01 00 00 | 28 01 | 29 00 | 2a 01',
    packet: {
      type: 2,
      sessionPresent: false,
      reasonCode: 0,
      properties: {
        sessionExpiryInterval: 120,
        assignedClientIdentifier: 'auto-1',
        serverKeepAlive: 30,
        reasonString: 'ok',
        receiveMaximum: 100,
        topicAliasMaximum: 16,
        maximumQoS: 1,
        retainAvailable: 0,
        maximumPacketSize: 65_536,
        wildcardSubscriptionAvailable: 1,
        subscriptionIdentifierAvailable: 0,
        sharedSubscriptionAvailable: 1,
      },
    },
  },
  {
    name: '[MQTT-3.2.2.3] CONNACK 5.0: 0x9c use another server, response info, server reference, auth',
    versions: [5],
    hex:
      '20 21 00 9c 1e | 15 00 05 53 43 52 41 4d | 16 00 01 ff | 1a 00 02 72 2f' +
      '| 1c 00 0a 6f 74 68 65 72 3a 31 38 38 33',
    packet: {
      type: 2,
      sessionPresent: false,
      reasonCode: 0x9c,
      properties: {
        authenticationMethod: 'SCRAM',
        authenticationData: hex('ff'),
        responseInformation: 'r/',
        serverReference: 'other:1883',
      },
    },
  },
  // ---- PUBLISH [MQTT-3.3] ----
  {
    name: '[MQTT-3.3.1] PUBLISH 3.1.1: QoS 0',
    versions: V3_4,
    hex: '30 07 | 00 03 61 2f 62 | 68 69',
    packet: pub({ topic: 'a/b', payload: str('hi') }),
  },
  {
    name: '[MQTT-3.3.1.3] PUBLISH 3.1.1: QoS 1 retained',
    versions: V3_4,
    hex: '33 08 | 00 03 61 2f 62 | 00 0a | 78',
    packet: pub({ topic: 'a/b', payload: str('x'), qos: 1, retain: true, packetId: 10 }),
  },
  {
    name: '[MQTT-3.3.1.1] PUBLISH 3.1.1: QoS 2 duplicate, empty payload',
    versions: V3_4,
    hex: '3c 05 | 00 01 74 | 12 34',
    packet: pub({ qos: 2, dup: true, packetId: 0x1234 }),
  },
  {
    name: '[MQTT-1.5.4] PUBLISH 3.1.1: multi-byte UTF-8 topic, retained QoS 0',
    versions: V3_4,
    hex: '31 07 | 00 05 63 61 66 c3 a9',
    packet: pub({ topic: 'café', retain: true }),
  },
  {
    name: '[MQTT-3.3.2.3] PUBLISH 5.0: QoS 0 with zero property length',
    versions: [5],
    hex: '30 06 | 00 01 74 | 00 | 68 69',
    packet: pub({ payload: str('hi') }),
  },
  {
    name: '[MQTT-3.3.2.3] PUBLISH 5.0: QoS 1, topic alias, subscription ids, user property',
    versions: [5],
    hex:
      '32 30 | 00 00 | 00 07 | 29 | 01 01 | 02 00 00 00 3c | 03 00 04 6a 73 6f 6e' +
      '| 08 00 05 72 65 70 6c 79 | 09 00 01 2a | 0b 01 | 0b ac 02 | 23 00 03 | 26 00 01 78 00 01 31' +
      '| 7b 7d',
    packet: pub({
      topic: '',
      payload: str('{}'),
      qos: 1,
      packetId: 7,
      properties: {
        payloadFormatIndicator: 1,
        messageExpiryInterval: 60,
        contentType: 'json',
        responseTopic: 'reply',
        correlationData: hex('2a'),
        subscriptionIdentifiers: [1, 300],
        topicAlias: 3,
        userProperties: [['x', '1']],
      },
    }),
  },
  {
    name: '[MQTT-3.3.1] PUBLISH 5.0: QoS 2, DUP and RETAIN together',
    versions: [5],
    hex: '3d 09 | 00 01 74 | ff ff | 03 | 23 ff ff',
    packet: pub({
      qos: 2,
      dup: true,
      retain: true,
      packetId: 0xffff,
      properties: { topicAlias: 0xffff },
    }),
  },
  // ---- PUBACK / PUBREC / PUBREL / PUBCOMP [MQTT-3.4 to 3.7] ----
  {
    name: '[MQTT-3.4.2] PUBACK: packet identifier only',
    versions: ALL,
    hex: '40 02 00 01',
    packet: ack(4, 1),
  },
  {
    name: '[MQTT-3.5.2] PUBREC: packet identifier only',
    versions: ALL,
    hex: '50 02 00 02',
    packet: ack(5, 2),
  },
  {
    name: '[MQTT-3.6.1-1] PUBREL: flags 0b0010, packet identifier only',
    versions: ALL,
    hex: '62 02 ff fe',
    packet: ack(6, 0xfffe),
  },
  {
    name: '[MQTT-3.7.2] PUBCOMP: packet identifier only',
    versions: ALL,
    hex: '70 02 00 04',
    packet: ack(7, 4),
  },
  {
    name: '[MQTT-3.4.2.1] PUBACK 5.0: reason 0x10 without properties',
    versions: [5],
    hex: '40 03 00 01 10',
    packet: ack(4, 1, 0x10),
  },
  {
    name: '[MQTT-3.5.2.1] PUBREC 5.0: reason 0x80 without properties',
    versions: [5],
    hex: '50 03 00 02 80',
    packet: ack(5, 2, 0x80),
  },
  {
    name: '[MQTT-3.6.2.1] PUBREL 5.0: reason 0x92 without properties',
    versions: [5],
    hex: '62 03 00 03 92',
    packet: ack(6, 3, 0x92),
  },
  {
    name: '[MQTT-3.7.2.1] PUBCOMP 5.0: reason 0x92 without properties',
    versions: [5],
    hex: '70 03 00 04 92',
    packet: ack(7, 4, 0x92),
  },
  {
    name: '[MQTT-3.4.2.2] PUBACK 5.0: reason 0x87 with reason string and user property',
    versions: [5],
    hex: '40 10 00 05 87 0c | 1f 00 02 6e 6f | 26 00 01 6b 00 01 76',
    packet: {
      type: 4,
      packetId: 5,
      reasonCode: 0x87,
      properties: { reasonString: 'no', userProperties: [['k', 'v']] },
    },
  },
  {
    name: '[MQTT-3.6.2.2] PUBREL 5.0: success with a reason string',
    versions: [5],
    hex: '62 08 00 06 00 04 | 1f 00 01 7a',
    packet: { type: 6, packetId: 6, reasonCode: 0, properties: { reasonString: 'z' } },
  },
  {
    name: '[MQTT-3.4.2.1] PUBACK 5.0: explicit reason 0 is encoded in the short form',
    versions: [5],
    hex: '40 03 00 09 00',
    packet: ack(4, 9),
    encodesTo: '40 02 00 09',
  },
  {
    name: '[MQTT-3.5.2.2] PUBREC 5.0: reason 0 and empty properties is encoded in the short form',
    versions: [5],
    hex: '50 04 00 09 00 00',
    packet: ack(5, 9),
    encodesTo: '50 02 00 09',
  },
  // ---- SUBSCRIBE / SUBACK [MQTT-3.8, 3.9] ----
  {
    name: '[MQTT-3.8.1-1] SUBSCRIBE 3.1.1: two filters with QoS 1 and 2',
    versions: V3_4,
    hex: '82 0e 00 0a | 00 03 61 2f 2b 01 | 00 03 62 2f 23 02',
    packet: {
      type: 8,
      packetId: 10,
      subscriptions: [
        { topicFilter: 'a/+', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        { topicFilter: 'b/#', qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
      properties: null,
    },
  },
  {
    name: '[MQTT-3.8.3.1] SUBSCRIBE 5.0: subscription id, no local, retain as published, retain handling',
    versions: [5],
    // options 0x2e = retain handling 2 (0x20) | retain as published 0x08 | no local 0x04 | QoS 2
    hex:
      '82 1f 00 0b 09 | 0b 05 | 26 00 01 6b 00 01 76 | 00 03 78 2f 79 2e' +
      '| 00 0a 24 73 68 61 72 65 2f 67 2f 74 10',
    packet: {
      type: 8,
      packetId: 11,
      subscriptions: [
        { topicFilter: 'x/y', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 },
        {
          topicFilter: '$share/g/t',
          qos: 0,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 1,
        },
      ],
      properties: { subscriptionIdentifiers: [5], userProperties: [['k', 'v']] },
    },
  },
  {
    name: '[MQTT-3.9.3] SUBACK 3.1: granted QoS list',
    versions: V3_4,
    hex: '90 05 00 0a 00 01 02',
    packet: { type: 9, packetId: 10, reasonCodes: [0, 1, 2], properties: null },
  },
  {
    name: '[MQTT-3.9.3] SUBACK 3.1.1: failure 0x80',
    versions: [4],
    hex: '90 05 00 0a 01 02 80',
    packet: { type: 9, packetId: 10, reasonCodes: [1, 2, 0x80], properties: null },
  },
  {
    name: '[MQTT-3.9.3] SUBACK 5.0: no properties',
    versions: [5],
    hex: '90 04 00 0b 00 01',
    packet: { type: 9, packetId: 11, reasonCodes: [1], properties: null },
  },
  {
    name: '[MQTT-3.9.2.1] SUBACK 5.0: reason string and failure reason codes',
    versions: [5],
    hex: '90 0c 00 0b 04 | 1f 00 01 71 | 02 00 97 a1 8f',
    packet: {
      type: 9,
      packetId: 11,
      reasonCodes: [2, 0, 0x97, 0xa1, 0x8f],
      properties: { reasonString: 'q' },
    },
  },
  // ---- UNSUBSCRIBE / UNSUBACK [MQTT-3.10, 3.11] ----
  {
    name: '[MQTT-3.10.1-1] UNSUBSCRIBE 3.1.1: two filters',
    versions: V3_4,
    hex: 'a2 0a 00 0c | 00 03 61 2f 62 | 00 01 63',
    packet: { type: 10, packetId: 12, topicFilters: ['a/b', 'c'], properties: null },
  },
  {
    name: '[MQTT-3.10.2.1] UNSUBSCRIBE 5.0: user property',
    versions: [5],
    hex: 'a2 0f 00 0d 07 | 26 00 01 6b 00 01 76 | 00 03 61 2f 62',
    packet: {
      type: 10,
      packetId: 13,
      topicFilters: ['a/b'],
      properties: { userProperties: [['k', 'v']] },
    },
  },
  {
    name: '[MQTT-3.10.2.1] UNSUBSCRIBE 5.0: no properties',
    versions: [5],
    hex: 'a2 06 00 0d 00 | 00 01 63',
    packet: { type: 10, packetId: 13, topicFilters: ['c'], properties: null },
  },
  {
    name: '[MQTT-3.11.3] UNSUBACK 3.1.1: no payload',
    versions: V3_4,
    hex: 'b0 02 00 0c',
    packet: { type: 11, packetId: 12, reasonCodes: [], properties: null },
  },
  {
    name: '[MQTT-3.11.3] UNSUBACK 5.0: a reason code per filter',
    versions: [5],
    hex: 'b0 05 00 0d 00 | 00 11',
    packet: { type: 11, packetId: 13, reasonCodes: [0, 0x11], properties: null },
  },
  {
    name: '[MQTT-3.11.2.1] UNSUBACK 5.0: reason string',
    versions: [5],
    hex: 'b0 09 00 0d 04 | 1f 00 01 72 | 00 87',
    packet: { type: 11, packetId: 13, reasonCodes: [0, 0x87], properties: { reasonString: 'r' } },
  },
  // ---- PINGREQ / PINGRESP [MQTT-3.12, 3.13] ----
  { name: '[MQTT-3.12] PINGREQ', versions: ALL, hex: 'c0 00', packet: { type: 12 } },
  { name: '[MQTT-3.13] PINGRESP', versions: ALL, hex: 'd0 00', packet: { type: 13 } },
  // ---- DISCONNECT [MQTT-3.14] ----
  {
    name: '[MQTT-3.14] DISCONNECT 3.1/3.1.1',
    versions: V3_4,
    hex: 'e0 00',
    packet: { type: 14, reasonCode: 0, properties: null },
  },
  {
    name: '[MQTT-3.14.2.1] DISCONNECT 5.0: empty means normal disconnection',
    versions: [5],
    hex: 'e0 00',
    packet: { type: 14, reasonCode: 0, properties: null },
  },
  {
    name: '[MQTT-3.14.2.1] DISCONNECT 5.0: reason 0x04 only',
    versions: [5],
    hex: 'e0 01 04',
    packet: { type: 14, reasonCode: 4, properties: null },
  },
  {
    name: '[MQTT-3.14.2.2] DISCONNECT 5.0: reason 0x9c with session expiry, server reference, reason string',
    versions: [5],
    hex: 'e0 12 9c 10 | 11 00 00 00 00 | 1c 00 02 73 32 | 1f 00 03 62 79 65',
    packet: {
      type: 14,
      reasonCode: 0x9c,
      properties: { sessionExpiryInterval: 0, serverReference: 's2', reasonString: 'bye' },
    },
  },
  {
    name: '[MQTT-3.14.2.1] DISCONNECT 5.0: explicit reason 0 with empty properties encodes empty',
    versions: [5],
    hex: 'e0 02 00 00',
    packet: { type: 14, reasonCode: 0, properties: null },
    encodesTo: 'e0 00',
  },
  {
    name: '[MQTT-3.14.2.2] DISCONNECT 5.0: reason 0 with a user property keeps the reason byte',
    versions: [5],
    hex: 'e0 09 00 07 | 26 00 01 6b 00 01 76',
    packet: { type: 14, reasonCode: 0, properties: { userProperties: [['k', 'v']] } },
  },
  // ---- AUTH [MQTT-3.15] ----
  {
    name: '[MQTT-3.15.2.1] AUTH 5.0: empty means success',
    versions: [5],
    hex: 'f0 00',
    packet: { type: 15, reasonCode: 0, properties: null },
  },
  {
    name: '[MQTT-3.15.2.1] AUTH 5.0: reason 0x19 re-authenticate only',
    versions: [5],
    hex: 'f0 01 19',
    packet: { type: 15, reasonCode: 0x19, properties: null },
  },
  {
    name: '[MQTT-3.15.2.2] AUTH 5.0: continue authentication with method, data, reason string',
    versions: [5],
    hex: 'f0 15 18 13 | 15 00 05 53 43 52 41 4d | 16 00 04 de ad be ef | 1f 00 01 63',
    packet: {
      type: 15,
      reasonCode: 0x18,
      properties: {
        authenticationMethod: 'SCRAM',
        authenticationData: hex('deadbeef'),
        reasonString: 'c',
      },
    },
  },
];

describe('golden vectors: decode the hex, encode the packet', () => {
  for (const v of vectors) {
    for (const version of v.versions) {
      test(`${v.name} (level ${version})`, () => {
        const bytes = hex(v.hex);
        assert.deepStrictEqual(decodeOne(bytes, version), v.packet);
        assert.equal(toHex(encodePacket(v.packet, version)), toHex(hex(v.encodesTo ?? v.hex)));
      });
    }
  }

  test('every packet type 1..15 has a vector in every version it exists in', () => {
    const seen = new Set(
      vectors.flatMap((v) => v.versions.map((ver) => `${v.packet.type}@${ver}`)),
    );
    const missing: string[] = [];
    for (let type = 1; type <= 15; type++) {
      for (const ver of ALL) {
        if (type === 15 && ver !== 5) continue; // AUTH is MQTT 5 only
        if (!seen.has(`${type}@${ver}`)) missing.push(`${type}@${ver}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});

/** A v3.1.1 QoS 0 PUBLISH to topic "t" with `n` payload bytes; returns the whole packet. */
function bigPublish(payloadLength: number, remainingLengthHex: string): [Buffer, PublishPacket] {
  const payload = Buffer.alloc(payloadLength);
  for (let i = 0; i < payloadLength; i++) payload[i] = (i * 7 + 3) & 0xff;
  const bytes = Buffer.concat([hex(`30 ${remainingLengthHex} 00 01 74`), payload]);
  return [bytes, pub({ payload })];
}

describe('[MQTT-1.5.5] Remaining Length as a Variable Byte Integer', () => {
  // Remaining Length = 3 (topic "t" with its length) + payload length.
  const cases: [string, number, string][] = [
    ['1 byte, 7 (small)', 4, '07'],
    ['1 byte, max 127', 124, '7f'],
    ['2 bytes, min 128', 125, '80 01'],
    ['2 bytes, 203 (200 B payload)', 200, 'cb 01'],
    ['2 bytes, max 16,383', 16_380, 'ff 7f'],
    ['3 bytes, min 16,384', 16_381, '80 80 01'],
    ['3 bytes, 20,003 (20,000 B payload)', 20_000, 'a3 9c 01'],
    ['3 bytes, max 2,097,151', 2_097_148, 'ff ff 7f'],
    ['4 bytes, min 2,097,152', 2_097_149, '80 80 80 01'],
  ];
  for (const [name, payloadLength, rl] of cases) {
    test(`[MQTT-1.5.5] remaining length ${name} is ${rl}`, () => {
      const [bytes, packet] = bigPublish(payloadLength, rl);
      const decoded = decodeOne(bytes, 4);
      assert.equal(decoded.type, 3);
      assert.equal(decoded.payload.length, payloadLength);
      assert.deepStrictEqual(decoded, packet);
      const encoded = encodePacket(packet, 4);
      assert.equal(encoded.length, bytes.length);
      assert.equal(toHex(encoded.subarray(0, 8)), toHex(bytes.subarray(0, 8)));
      assert.ok(encoded.equals(bytes), 'whole packet bytes');
    });
  }
});
