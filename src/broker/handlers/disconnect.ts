import { ReasonCode, type DisconnectPacket } from '../../codec/index.js';
import type { ClientConnection } from '../client-connection.js';

/**
 * DISCONNECT from the client [MQTT-3.14.4]: reason 0x00 discards the will [MQTT-3.14.4-3],
 * 0x04 and error codes keep it. v5 may update the session expiry, but not from
 * 0 to non-zero [MQTT-3.14.2-2].
 */
export function handleDisconnect(client: ClientConnection, packet: DisconnectPacket): void {
  const expiry = packet.properties?.sessionExpiryInterval;
  if (expiry !== undefined) {
    if (client.connectSessionExpiry === 0 && expiry !== 0) {
      client.fail(ReasonCode.PROTOCOL_ERROR, 'session expiry set on DISCONNECT after 0 in CONNECT');
      return;
    }
    if (client.session !== null)
      client.session.expiryInterval = Math.min(expiry, client.broker.options.maxSessionExpiry);
  }
  // Only Normal disconnection (0x00) deletes the will; 0x04 and error codes keep it [MQTT-3.1.2-8].
  if (packet.reasonCode === ReasonCode.NORMAL_DISCONNECTION) client.will = null;
  client.close(packet.reasonCode);
}
