// Our MQTT 3.1 / 3.1.1 / 5.0 client: used by the CLI tools, bridges and gateways.
export { MqttClient, type ClientStatus } from './client.js';
export type { ClientEvents } from './events.js';
export {
  resolveOptions,
  type ClientOptions,
  type ConnectProperties,
  type EndOptions,
  type PublishOptions,
  type UnsubscribeOptions,
  type PublishProperties,
  type ResolvedOptions,
  type Transport,
  type WillOptions,
} from './options.js';
export { tcpTransport } from './tcp.js';
export { tlsTransport, type Pem, type TlsClientOptions, type TlsTransportOptions } from './tls.js';
export { wsTransport, type WsTransportOptions } from './ws.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export {
  MemoryMessageStore,
  OutgoingState,
  type MessageStore,
  type OutgoingStateValue,
  type StoredMessage,
} from './store.js';
export { ReceivedMessage } from './message.js';
export { BrokerLimits } from './limits.js';
export { ClientErrorCode, MqttClientError, type ClientErrorCodeValue } from './errors.js';
export type { SubscribeOptions, SubscriptionRequest } from './subscriptions.js';
