// The two brokers every client suite runs against: a real Mosquitto (the independent
// reference) and edgemq. One setup object maps to a mosquitto.conf and to BrokerOptions.
import type { TestContext } from 'node:test';
import { createBroker } from '../../src/server.js';
import type { Broker } from '../../src/broker/broker.js';
import type { BrokerOptions } from '../../src/broker/options.js';
import {
  MOSQUITTO_PATH,
  startMosquitto,
  type RunningMosquitto,
} from '../helpers/mosquitto-broker.js';
import { requirePeer } from '../helpers/peers.js';

export type BrokerKind = 'mosquitto' | 'edgemq';
export const BROKER_KINDS: readonly BrokerKind[] = ['mosquitto', 'edgemq'];

export interface BrokerSetup {
  /** Receive Maximum in CONNACK: mosquitto `max_inflight_messages`, edgemq `receiveMaximum`. */
  receiveMaximum?: number;
  allowAnonymous?: boolean;
  maxPacketSize?: number;
  maxQos?: 0 | 1 | 2;
  /** PUBLISHes to topics under this prefix are refused (mosquitto ACL deny, edgemq hook). */
  denyPublishPrefix?: string;
  /** Options only edgemq has (e.g. outboundTopicAlias). */
  edgemq?: Partial<BrokerOptions>;
}

export interface TestBroker {
  readonly kind: BrokerKind;
  readonly port: number;
  /** Stops the broker (edgemq: stop(); mosquitto: SIGKILL). */
  stop(): Promise<void>;
  /** Starts a fresh broker on the same port (sessions are gone: neither persists here). */
  start(): Promise<void>;
  /** Final cleanup; idempotent. Registered with t.after by launch(). */
  close(): Promise<void>;
}

class EdgemqBroker implements TestBroker {
  readonly kind = 'edgemq' as const;
  port = 0;
  private broker: Broker | null = null;
  private readonly setup: BrokerSetup;

  constructor(setup: BrokerSetup) {
    this.setup = setup;
  }

  async start(): Promise<void> {
    const s = this.setup;
    const options: Partial<BrokerOptions> = { sysInterval: 0, ...s.edgemq };
    if (s.receiveMaximum !== undefined) options.receiveMaximum = s.receiveMaximum;
    if (s.allowAnonymous !== undefined) options.allowAnonymous = s.allowAnonymous;
    if (s.maxPacketSize !== undefined) options.maxPacketSize = s.maxPacketSize;
    if (s.maxQos !== undefined) options.maxQos = s.maxQos;
    const broker = createBroker({
      ...options,
      listeners: [{ kind: 'tcp', host: '127.0.0.1', port: this.port }],
    });
    const prefix = s.denyPublishPrefix;
    if (prefix !== undefined) {
      broker.hooks.add('authorizePublish', (_client, message) =>
        message.topic.startsWith(prefix) ? 'deny' : 'next',
      );
    }
    const [bound] = await broker.start();
    if (bound === undefined) throw new Error('edgemq did not bind');
    this.port = bound.port;
    this.broker = broker;
  }

  async stop(): Promise<void> {
    const b = this.broker;
    this.broker = null;
    if (b !== null) await b.stop();
  }

  close(): Promise<void> {
    return this.stop();
  }
}

class MosquittoBroker implements TestBroker {
  readonly kind = 'mosquitto' as const;
  port = 0;
  private running: RunningMosquitto | null = null;
  private readonly config: string[];
  private readonly setup: BrokerSetup;

  constructor(setup: BrokerSetup) {
    this.setup = setup;
    const s = setup;
    this.config = [];
    if (s.receiveMaximum !== undefined)
      this.config.push(`max_inflight_messages ${s.receiveMaximum}`);
    if (s.maxPacketSize !== undefined) this.config.push(`max_packet_size ${s.maxPacketSize}`);
    if (s.maxQos !== undefined) this.config.push(`max_qos ${s.maxQos}`);
  }

  async start(): Promise<void> {
    const prefix = this.setup.denyPublishPrefix;
    this.running = await startMosquitto({
      ...(this.port === 0 ? {} : { port: this.port }),
      allowAnonymous: this.setup.allowAnonymous ?? true,
      config: this.config,
      ...(prefix === undefined ? {} : { acl: `topic deny ${prefix}#\ntopic readwrite #\n` }),
    });
    this.port = this.running.port;
  }

  async stop(): Promise<void> {
    const r = this.running;
    this.running = null;
    if (r !== null) await r.kill();
  }

  close(): Promise<void> {
    return this.stop();
  }
}

/** Starts a broker of `kind` for this test (null: mosquitto missing, the test was skipped). */
export async function launch(
  t: TestContext,
  kind: BrokerKind,
  setup: BrokerSetup = {},
): Promise<TestBroker | null> {
  if (kind === 'mosquitto' && requirePeer(t, 'mosquitto', MOSQUITTO_PATH) === null) return null;
  const broker = kind === 'edgemq' ? new EdgemqBroker(setup) : new MosquittoBroker(setup);
  t.after(() => broker.close());
  await broker.start();
  return broker;
}
