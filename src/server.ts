// Wires the broker core to the transports: the one place that knows both.
import { Broker, type BrokerDeps } from './broker/broker.js';
import type { BrokerOptions, ListenerSpec } from './broker/options.js';
import { TcpListener } from './transport/tcp.js';
import type { Listener } from './transport/types.js';

function createListener(spec: ListenerSpec, broker: Broker): Listener {
  return new TcpListener({ host: spec.host, port: spec.port }, (conn) => {
    broker.accept(conn);
  });
}

/** A broker with its configured listeners (not started). */
export function createBroker(
  options: Partial<BrokerOptions> = {},
  deps: Omit<BrokerDeps, 'listeners'> = {},
): Broker {
  return new Broker(options, {
    ...deps,
    listeners: (broker) => broker.options.listeners.map((spec) => createListener(spec, broker)),
  });
}
