import { PacketType, type ProtocolVersion, type QoS } from './constants.js';
import { malformed, protocolError } from './errors.js';
import type { PublishPacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

/**
 * PUBLISH [MQTT-3.3]. The payload stays a view into the received bytes. Topic syntax
 * (wildcards, emptiness, aliases) is checked by the broker with src/topic, because an empty
 * topic is legal in v5 when a Topic Alias stands for it.
 */
export function decodePublish(r: Reader, flags: number, version: ProtocolVersion): PublishPacket {
  const qos = (flags >> 1) & 0x03;
  if (qos === 3) throw malformed('[MQTT-3.3.1-4]', 'PUBLISH with QoS 3');
  const dup = (flags & 0x08) !== 0;
  if (dup && qos === 0) throw malformed('[MQTT-3.3.1-2]', 'DUP flag set on a QoS 0 PUBLISH');
  const topic = r.utf8('topic name');
  let packetId = 0;
  if (qos > 0) {
    packetId = r.u16('packet identifier');
    if (packetId === 0)
      throw protocolError('[MQTT-2.2.1-3]', 'QoS > 0 PUBLISH with packet identifier 0');
  }
  const properties = version === 5 ? decodeProperties(r, PacketType.PUBLISH) : null;
  return {
    type: PacketType.PUBLISH,
    topic,
    payload: r.rest(),
    qos: qos as QoS,
    retain: (flags & 0x01) !== 0,
    dup,
    packetId,
    properties,
  };
}
