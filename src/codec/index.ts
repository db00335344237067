// Public surface of the codec: pure MQTT 3.1 / 3.1.1 / 5.0 wire format.
export * from './constants.js';
export * from './packets.js';
export { MalformedPacketError } from './errors.js';
export { FrameDecoder, MAX_PACKET_SIZE } from './frame-decoder.js';
export type { FrameDecoderOptions, PacketSink } from './frame-decoder.js';
export { Reader } from './reader.js';
export { decodePacket } from './decode-packet.js';
export { encodePacket } from './encode-packet.js';
export { encodePublish, encodePublishHeader, publishPacketIdOffset } from './encode-publish.js';
export { encodeConnect, encodeConnack } from './encode-connect.js';
export { encodePubAckLike, encodeDisconnect, encodeAuth } from './encode-ack.js';
export {
  encodeSubscribe,
  encodeSuback,
  encodeUnsubscribe,
  encodeUnsuback,
} from './encode-subscribe.js';
export { PROPERTY_DEFS } from './properties.js';
