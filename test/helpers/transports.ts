// Brokers on any transport (tcp, tls, ws, wss) for transport-parameterised tests, and the
// MQTT.js options that reach each one.
import type { IClientOptions } from 'mqtt';
import type { BrokerOptions, ListenerSpec, ListenerTlsSpec } from '../../src/broker/options.js';
import { testCerts, type TestCerts } from './certs.js';
import { Clients, type Connected, type TestBroker } from './mqttjs.js';
import { startBroker } from './broker.js';
import { within } from './wait.js';

export const TRANSPORTS = ['tcp', 'tls', 'ws', 'wss'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Server TLS files from the test certificates; mutual TLS when `mutual`. */
export function serverTls(
  certs: TestCerts = testCerts(),
  mutual: { verifyPeer: boolean; failIfNoPeerCert: boolean } = {
    verifyPeer: false,
    failIfNoPeerCert: false,
  },
): ListenerTlsSpec {
  return {
    keyFile: certs.serverKey,
    certFile: certs.serverCert,
    caFile: certs.caCert,
    ...mutual,
  };
}

/** A port-0 listener of `kind` on `host`, one-way TLS for tls / wss. */
export function listenerSpec(kind: Transport, host = '127.0.0.1'): ListenerSpec {
  switch (kind) {
    case 'tcp':
      return { kind, host, port: 0 };
    case 'tls':
      return { kind, host, port: 0, tls: serverTls() };
    case 'ws':
      return { kind, host, port: 0, path: '/mqtt' };
    case 'wss':
      return { kind, host, port: 0, path: '/mqtt', tls: serverTls() };
  }
}

/** MQTT.js options a client needs for `kind` (the test CA for tls / wss). */
export function clientOptions(kind: Transport, certs: TestCerts = testCerts()): IClientOptions {
  return kind === 'tls' || kind === 'wss' ? { ca: certs.ca, rejectUnauthorized: true } : {};
}

/** Clients that always carry the transport's options (CA, ...). */
export class TransportClients extends Clients {
  private readonly defaults: IClientOptions;

  constructor(url: string, port: number, defaults: IClientOptions) {
    super(url, port);
    this.defaults = defaults;
  }

  override connect(
    options: IClientOptions = {},
    setup?: Parameters<Clients['connect']>[1],
  ): Promise<Connected> {
    return super.connect({ ...this.defaults, ...options }, setup);
  }
}

/** Runs `fn` against a fresh broker with one `kind` listener; everything closed after. */
export async function withBrokerOn(
  kind: Transport,
  options: Partial<BrokerOptions>,
  fn: (t: TestBroker) => Promise<void>,
): Promise<void> {
  const running = await startBroker(options, [listenerSpec(kind)]);
  const clients = new TransportClients(running.url, running.port, clientOptions(kind));
  try {
    await fn({ broker: running.broker, url: running.url, port: running.port, clients });
  } finally {
    try {
      await clients.closeAll();
    } finally {
      await within(running.close(), 'broker stop', 3000);
    }
  }
}
