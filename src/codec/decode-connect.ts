import { PacketType, ReasonCode, type ProtocolVersion, type QoS } from './constants.js';
import { MalformedPacketError, malformed, protocolError } from './errors.js';
import type { ConnectPacket, Will } from './packets.js';
import { WILL_PROPERTIES, decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

const unsupported = (message: string): MalformedPacketError =>
  new MalformedPacketError(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, '[MQTT-3.1.2-2]', message);

/** CONNECT [MQTT-3.1]: the packet that also fixes the protocol version of the connection. */
export function decodeConnect(r: Reader): ConnectPacket {
  const protocolName = r.utf8('protocol name');
  const level = r.u8('protocol level');
  // [MQTT-3.1.2-1] "MQTT" for 3.1.1 and 5, "MQIsdp" for 3.1; anything else is refused with
  // CONNACK 0x84 (v5) / 0x01 (3.1.1), as [MQTT-3.1.2-2] asks for an unknown level.
  if (protocolName === 'MQTT') {
    if (level !== 4 && level !== 5) throw unsupported(`unsupported protocol level ${level}`);
  } else if (protocolName === 'MQIsdp') {
    if (level !== 3) throw unsupported(`protocol name MQIsdp with level ${level}`);
  } else {
    throw new MalformedPacketError(
      ReasonCode.UNSUPPORTED_PROTOCOL_VERSION,
      '[MQTT-3.1.2-1]',
      `unknown protocol name ${JSON.stringify(protocolName)}`,
    );
  }
  try {
    return decodeConnectBody(r, protocolName, level);
  } catch (error) {
    // Tell the broker which CONNACK form the client understands.
    if (error instanceof MalformedPacketError) error.protocolLevel = level;
    throw error;
  }
}

function decodeConnectBody(
  r: Reader,
  protocolName: string,
  version: ProtocolVersion,
): ConnectPacket {
  const flags = r.u8('connect flags');
  if ((flags & 0x01) !== 0) throw malformed('[MQTT-3.1.2-3]', 'reserved connect flag is set');
  const clean = (flags & 0x02) !== 0;
  const willFlag = (flags & 0x04) !== 0;
  const willQos = (flags >> 3) & 0x03;
  const willRetain = (flags & 0x20) !== 0;
  const hasPassword = (flags & 0x40) !== 0;
  const hasUsername = (flags & 0x80) !== 0;
  if (willQos === 3) throw malformed('[MQTT-3.1.2-12]', 'will QoS 3');
  if (!willFlag && willQos !== 0)
    throw malformed('[MQTT-3.1.2-11]', 'will QoS set without will flag');
  if (!willFlag && willRetain)
    throw malformed('[MQTT-3.1.2-13]', 'will retain set without will flag');
  // 3.1 and 3.1.1 forbid a password without a user name [MQTT-3.1.2-22]; 5.0 allows it.
  if (version !== 5 && hasPassword && !hasUsername) {
    throw malformed('[MQTT-3.1.2-22]', 'password flag set without user name flag');
  }
  const keepalive = r.u16('keep alive');
  const properties = version === 5 ? decodeProperties(r, PacketType.CONNECT) : null;
  if (
    properties?.authenticationData !== undefined &&
    properties.authenticationMethod === undefined
  ) {
    throw protocolError('[MQTT-3.1.2.11.10]', 'authentication data without authentication method');
  }
  const clientId = r.utf8('client identifier');
  let will: Will | null = null;
  if (willFlag) {
    const willProperties = version === 5 ? decodeProperties(r, WILL_PROPERTIES) : null;
    const topic = r.utf8('will topic');
    const payload = r.binary('will payload');
    will = { topic, payload, qos: willQos as QoS, retain: willRetain, properties: willProperties };
  }
  const username = hasUsername ? r.utf8('user name') : null;
  const password = hasPassword ? r.binary('password') : null;
  r.expectEnd('CONNECT');
  return {
    type: PacketType.CONNECT,
    protocolName,
    protocolVersion: version,
    clean,
    keepalive,
    clientId,
    username,
    password,
    will,
    properties,
  };
}
