// Broker-side readiness checks for peers that cannot say when they are ready
// (mosquitto_sub prints nothing on SUBACK): poll the broker's session state instead.
import type { Broker } from '../../src/broker/broker.js';

/** True when `clientId` is connected and holds every one of `filters` (as sent, `$share/` included). */
export function isSubscribed(
  broker: Broker,
  clientId: string,
  filters: readonly string[],
): boolean {
  const session = broker.sessions.get(clientId);
  if (session?.client == null) return false;
  return filters.every((f) => session.subscriptions.has(f));
}

/** True when `clientId` has a connected session. */
export function isConnected(broker: Broker, clientId: string): boolean {
  return broker.sessions.get(clientId)?.client != null;
}
