// Public API of edgemq.
export {
  brokerListeners,
  createBroker,
  reloadCertificates,
  type CertificateReload,
} from './server.js';
export type { Listener, ListenerInfo, ListenerStats } from './transport/types.js';
export { Broker } from './broker/broker.js';
export type { BrokerOptions, ListenerSpec, ListenerTlsSpec } from './broker/options.js';
export { DEFAULT_BROKER_OPTIONS } from './broker/options.js';
export { Message } from './broker/message.js';
export type * from './hooks/types.js';
export * as codec from './codec/index.js';
