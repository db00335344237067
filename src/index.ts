// Public API of edgemq.
export { createBroker } from './server.js';
export { Broker } from './broker/broker.js';
export type { BrokerOptions, ListenerSpec } from './broker/options.js';
export { DEFAULT_BROKER_OPTIONS } from './broker/options.js';
export { Message } from './broker/message.js';
export type * from './hooks/types.js';
export * as codec from './codec/index.js';
