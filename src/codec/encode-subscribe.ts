import { PacketType, type ProtocolVersion } from './constants.js';
import type {
  SubackPacket,
  SubscribePacket,
  UnsubackPacket,
  UnsubscribePacket,
} from './packets.js';
import { propertiesContentSize, propertiesSize, writeProperties } from './properties.js';
import { Writer, packetSize, stringSize } from './writer.js';

/** SUBSCRIBE [MQTT-3.8]: fixed header flags 0b0010 [MQTT-3.8.1-1]. */
export function encodeSubscribe(p: SubscribePacket, version: ProtocolVersion): Buffer {
  const props = version === 5 ? propertiesContentSize(p.properties) : 0;
  let remaining = 2 + (version === 5 ? propertiesSize(props) : 0);
  for (const s of p.subscriptions) remaining += stringSize(s.topicFilter) + 1;
  const w = new Writer(packetSize(remaining));
  w.fixedHeader((PacketType.SUBSCRIBE << 4) | 0x02, remaining);
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, props);
  for (const s of p.subscriptions) {
    w.utf8(s.topicFilter);
    let options: number = s.qos;
    if (version === 5) {
      options |=
        (s.noLocal ? 0x04 : 0) | (s.retainAsPublished ? 0x08 : 0) | (s.retainHandling << 4);
    }
    w.u8(options);
  }
  return w.buf;
}

/** UNSUBSCRIBE [MQTT-3.10]: fixed header flags 0b0010 [MQTT-3.10.1-1]. */
export function encodeUnsubscribe(p: UnsubscribePacket, version: ProtocolVersion): Buffer {
  const props = version === 5 ? propertiesContentSize(p.properties) : 0;
  let remaining = 2 + (version === 5 ? propertiesSize(props) : 0);
  for (const f of p.topicFilters) remaining += stringSize(f);
  const w = new Writer(packetSize(remaining));
  w.fixedHeader((PacketType.UNSUBSCRIBE << 4) | 0x02, remaining);
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, props);
  for (const f of p.topicFilters) w.utf8(f);
  return w.buf;
}

/** SUBACK [MQTT-3.9]: one code per subscription, in order [MQTT-3.9.3-1]. */
export function encodeSuback(p: SubackPacket, version: ProtocolVersion): Buffer {
  const props = version === 5 ? propertiesContentSize(p.properties) : 0;
  const remaining = 2 + (version === 5 ? propertiesSize(props) : 0) + p.reasonCodes.length;
  const w = new Writer(packetSize(remaining));
  w.fixedHeader(PacketType.SUBACK << 4, remaining);
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, props);
  for (const code of p.reasonCodes) w.u8(code);
  return w.buf;
}

/** UNSUBACK [MQTT-3.11]: the 3.1.1 form is the packet identifier alone. */
export function encodeUnsuback(p: UnsubackPacket, version: ProtocolVersion): Buffer {
  if (version !== 5) {
    const w = new Writer(4);
    w.fixedHeader(PacketType.UNSUBACK << 4, 2);
    w.u16(p.packetId);
    return w.buf;
  }
  const props = propertiesContentSize(p.properties);
  const remaining = 2 + propertiesSize(props) + p.reasonCodes.length;
  const w = new Writer(packetSize(remaining));
  w.fixedHeader(PacketType.UNSUBACK << 4, remaining);
  w.u16(p.packetId);
  writeProperties(w, p.properties, props);
  for (const code of p.reasonCodes) w.u8(code);
  return w.buf;
}
