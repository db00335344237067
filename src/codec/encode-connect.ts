import { PacketType, type ProtocolVersion } from './constants.js';
import type { ConnackPacket, ConnectPacket } from './packets.js';
import { propertiesContentSize, propertiesSize, writeProperties } from './properties.js';
import { Writer, packetSize, stringSize } from './writer.js';

/** CONNECT [MQTT-3.1]; the protocol version comes from the packet itself. */
export function encodeConnect(p: ConnectPacket): Buffer {
  const v5 = p.protocolVersion === 5;
  const name = p.protocolVersion === 3 ? 'MQIsdp' : 'MQTT';
  const props = v5 ? propertiesContentSize(p.properties) : 0;
  const willProps = v5 && p.will !== null ? propertiesContentSize(p.will.properties) : 0;
  let remaining = stringSize(name) + 1 + 1 + 2 + stringSize(p.clientId);
  if (v5) remaining += propertiesSize(props);
  if (p.will !== null) {
    remaining += stringSize(p.will.topic) + 2 + p.will.payload.length;
    if (v5) remaining += propertiesSize(willProps);
  }
  if (p.username !== null) remaining += stringSize(p.username);
  if (p.password !== null) remaining += 2 + p.password.length;

  let flags = p.clean ? 0x02 : 0;
  if (p.will !== null) flags |= 0x04 | (p.will.qos << 3) | (p.will.retain ? 0x20 : 0);
  if (p.password !== null) flags |= 0x40;
  if (p.username !== null) flags |= 0x80;

  const w = new Writer(packetSize(remaining));
  w.fixedHeader(PacketType.CONNECT << 4, remaining);
  w.utf8(name);
  w.u8(p.protocolVersion);
  w.u8(flags);
  w.u16(p.keepalive);
  if (v5) writeProperties(w, p.properties, props);
  w.utf8(p.clientId);
  if (p.will !== null) {
    if (v5) writeProperties(w, p.will.properties, willProps);
    w.utf8(p.will.topic);
    w.binary(p.will.payload);
  }
  if (p.username !== null) w.utf8(p.username);
  if (p.password !== null) w.binary(p.password);
  return w.buf;
}

/** CONNACK [MQTT-3.2]: a return code (3.1.1) or a reason code and properties (5). */
export function encodeConnack(p: ConnackPacket, version: ProtocolVersion): Buffer {
  const props = version === 5 ? propertiesContentSize(p.properties) : 0;
  const remaining = 2 + (version === 5 ? propertiesSize(props) : 0);
  const w = new Writer(packetSize(remaining));
  w.fixedHeader(PacketType.CONNACK << 4, remaining);
  w.u8(p.sessionPresent ? 1 : 0);
  w.u8(p.reasonCode);
  if (version === 5) writeProperties(w, p.properties, props);
  return w.buf;
}
