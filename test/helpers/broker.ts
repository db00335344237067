// Starts a real broker on a loopback port chosen by the OS (port 0), for integration tests.
import { createBroker } from '../../src/server.js';
import type { Broker } from '../../src/broker/broker.js';
import type { BrokerOptions } from '../../src/broker/options.js';

export interface RunningBroker {
  readonly broker: Broker;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startBroker(options: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  const broker = createBroker({
    sysInterval: 0,
    ...options,
    listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
  });
  const [bound] = await broker.start();
  if (bound === undefined) throw new Error('broker did not bind');
  return {
    broker,
    port: bound.port,
    url: `mqtt://127.0.0.1:${bound.port}`,
    close: () => broker.stop(),
  };
}
