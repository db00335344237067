import { PacketType, ReasonCode, encodePacket, type Packet } from '../codec/index.js';
import { ClientState, type ClientConnection } from './client-connection.js';
import { handleConnect } from './handlers/connect.js';
import { handleAuth } from './handlers/auth.js';
import { handlePublish } from './handlers/publish.js';
import { handlePuback, handlePubcomp, handlePubrec, handlePubrel } from './handlers/acks.js';
import { handleSubscribe } from './handlers/subscribe.js';
import { handleUnsubscribe } from './handlers/unsubscribe.js';
import { handleDisconnect } from './handlers/disconnect.js';

const PINGRESP = encodePacket({ type: PacketType.PINGRESP }, 4);

/** One switch on the numeric packet type; each packet type has its own handler file. */
export function dispatchPacket(client: ClientConnection, packet: Packet): void {
  if (client.state !== ClientState.CONNECTED) {
    dispatchBeforeConnected(client, packet);
    return;
  }
  switch (packet.type) {
    case PacketType.PUBLISH:
      handlePublish(client, packet);
      return;
    case PacketType.PUBACK:
      handlePuback(client, packet);
      return;
    case PacketType.PUBREC:
      handlePubrec(client, packet);
      return;
    case PacketType.PUBREL:
      handlePubrel(client, packet);
      return;
    case PacketType.PUBCOMP:
      handlePubcomp(client, packet);
      return;
    case PacketType.SUBSCRIBE:
      handleSubscribe(client, packet);
      return;
    case PacketType.UNSUBSCRIBE:
      handleUnsubscribe(client, packet);
      return;
    case PacketType.PINGREQ:
      client.send(PINGRESP); // [MQTT-3.12.4-1]
      return;
    case PacketType.DISCONNECT:
      handleDisconnect(client, packet);
      return;
    case PacketType.AUTH:
      handleAuth(client, packet);
      return;
    case PacketType.CONNECT:
      client.fail(ReasonCode.PROTOCOL_ERROR, 'second CONNECT [MQTT-3.1.0-2]');
      return;
    case PacketType.CONNACK:
    case PacketType.SUBACK:
    case PacketType.UNSUBACK:
    case PacketType.PINGRESP:
      client.fail(ReasonCode.PROTOCOL_ERROR, `a client may not send packet type ${packet.type}`);
      return;
  }
}

function dispatchBeforeConnected(client: ClientConnection, packet: Packet): void {
  if (client.state === ClientState.CONNECTING && packet.type === PacketType.CONNECT) {
    handleConnect(client, packet);
    return;
  }
  // During enhanced authentication only AUTH and DISCONNECT may arrive [MQTT-4.12.0-?].
  if (client.state === ClientState.AUTHENTICATING) {
    if (packet.type === PacketType.AUTH) {
      handleAuth(client, packet);
      return;
    }
    if (packet.type === PacketType.DISCONNECT) {
      client.close(packet.reasonCode);
      return;
    }
  }
  client.fail(
    ReasonCode.PROTOCOL_ERROR,
    'packet before the connection was accepted [MQTT-3.1.0-1]',
  );
}
