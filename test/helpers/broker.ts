// Starts a real broker on a loopback port chosen by the OS (port 0), for integration tests.
import { createBroker } from '../../src/server.js';
import type { Broker } from '../../src/broker/broker.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PERSISTENCE_OPTIONS,
  type BrokerOptions,
  type ListenerSpec,
} from '../../src/broker/options.js';

/** One listener the broker bound, with the URL a client uses to reach it. */
export interface BoundListener {
  readonly kind: ListenerSpec['kind'];
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

export interface RunningBroker {
  readonly broker: Broker;
  /** The first listener's port and URL. */
  readonly port: number;
  readonly url: string;
  /** Every listener, in the order given. */
  readonly listeners: readonly BoundListener[];
  close(): Promise<void>;
}

const SCHEMES = { tcp: 'mqtt', tls: 'mqtts', ws: 'ws', wss: 'wss' } as const;

function urlOf(spec: ListenerSpec, host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  const path = spec.kind === 'ws' || spec.kind === 'wss' ? (spec.path ?? '/mqtt') : '';
  return `${SCHEMES[spec.kind]}://${h}:${port}${path}`;
}

/**
 * Starts a broker with one tcp listener on 127.0.0.1:0, or with `listeners` when given
 * (any kind; use port 0). `options.listeners` is ignored either way.
 */
export async function startBroker(
  options: Partial<BrokerOptions> = {},
  listeners: ListenerSpec[] = [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
): Promise<RunningBroker> {
  // EDGEMQ_TEST_PERSISTENCE=1 runs a suite with SQLite persistence on (in a temp dir).
  const persisted =
    process.env.EDGEMQ_TEST_PERSISTENCE === '1' && options.persistence === undefined
      ? {
          persistence: {
            ...DEFAULT_PERSISTENCE_OPTIONS,
            enabled: true,
            synchronous: 'normal' as const,
            dataDir: mkdtempSync(join(tmpdir(), 'edgemq-test-')),
          },
        }
      : {};
  const broker = createBroker({ sysInterval: 0, ...persisted, ...options, listeners });
  let bound;
  try {
    bound = await broker.start();
  } catch (error) {
    await broker.stop();
    throw error;
  }
  const all = bound.map((b, i) => {
    const spec = listeners[i] as ListenerSpec;
    return { kind: spec.kind, host: b.host, port: b.port, url: urlOf(spec, b.host, b.port) };
  });
  const first = all[0];
  if (first === undefined) throw new Error('broker did not bind');
  return {
    broker,
    port: first.port,
    url: first.url,
    listeners: all,
    close: async () => {
      await broker.stop();
      const dir = (persisted as { persistence?: { dataDir: string } }).persistence?.dataDir;
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
