import { PacketType, type ProtocolVersion } from './constants.js';
import type { PublishPacket } from './packets.js';
import { propertiesContentSize, propertiesSize, writeProperties } from './properties.js';
import { Writer, varintSize } from './writer.js';

/** Size of the variable header, and the properties' content size (v5 only). */
function variableHeader(p: PublishPacket, version: ProtocolVersion): [number, number] {
  let size = 2 + Buffer.byteLength(p.topic) + (p.qos > 0 ? 2 : 0);
  let propsContent = 0;
  if (version === 5) {
    propsContent = propertiesContentSize(p.properties);
    size += propertiesSize(propsContent);
  }
  return [size, propsContent];
}

function writeHeader(
  w: Writer,
  p: PublishPacket,
  version: ProtocolVersion,
  remaining: number,
  propsContent: number,
): void {
  w.fixedHeader(
    (PacketType.PUBLISH << 4) | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 0x01 : 0),
    remaining,
  );
  w.utf8(p.topic);
  if (p.qos > 0) w.u16(p.packetId);
  // Properties exist only in v5; for 3.1.1 receivers they are dropped here.
  if (version === 5) writeProperties(w, p.properties, propsContent);
}

/**
 * Fixed and variable header of a PUBLISH, sized for the payload that follows it. Written
 * together with the untouched payload (cork, write, write, uncork), so one payload can be
 * shared by every delivery of a message.
 */
export function encodePublishHeader(p: PublishPacket, version: ProtocolVersion): Buffer {
  const [header, propsContent] = variableHeader(p, version);
  const remaining = header + p.payload.length;
  const w = new Writer(1 + varintSize(remaining) + header);
  writeHeader(w, p, version, remaining, propsContent);
  return w.buf;
}

/** Offset of the Packet Identifier inside a header from encodePublishHeader (QoS > 0). */
export function publishPacketIdOffset(header: Buffer, topicLength: number): number {
  let i = 1;
  while (((header[i] as number) & 0x80) !== 0) i++;
  return i + 1 + 2 + topicLength;
}

/** The whole PUBLISH in one buffer (payload copied): for small messages and tests. */
export function encodePublish(p: PublishPacket, version: ProtocolVersion): Buffer {
  const [header, propsContent] = variableHeader(p, version);
  const remaining = header + p.payload.length;
  const w = new Writer(1 + varintSize(remaining) + remaining);
  writeHeader(w, p, version, remaining, propsContent);
  w.bytes(p.payload);
  return w.buf;
}
