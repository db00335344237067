// Wires the broker core to the transports: the one place that knows both.
//
// Only the transports a configured listener needs are loaded: TLS (node:tls) and WebSocket
// (ws, node:http/https) are imported when the broker starts with such a listener, so a broker
// with plain TCP listeners does not pay their memory (docs/benchmarks.md, "Idle RSS").
import { Broker, type BrokerDeps } from './broker/broker.js';
import type { BrokerOptions, ListenerSpec, ListenerTlsSpec } from './broker/options.js';
import { TransportError } from './transport/errors.js';
import { TcpListener } from './transport/tcp.js';
import type { TlsFiles } from './transport/tls-material.js';
import type { TlsListener } from './transport/tls.js';
import type { Connection, Listener, TransportErrorHandler } from './transport/types.js';
import type { WsListener } from './transport/ws.js';

/** The listeners each started broker made, for reload and stats. */
const listenersOf = new WeakMap<Broker, readonly Listener[]>();

function tlsFiles(spec: ListenerTlsSpec): TlsFiles {
  const files: TlsFiles = {
    keyFile: spec.keyFile,
    certFile: spec.certFile,
    verifyPeer: spec.verifyPeer,
    failIfNoPeerCert: spec.failIfNoPeerCert,
  };
  if (spec.caFile !== undefined) files.caFile = spec.caFile;
  if (spec.keyPassword !== undefined) files.keyPassword = spec.keyPassword;
  return files;
}

/** The listener classes of the transports that are loaded on demand. */
interface OptionalTransports {
  TlsListener?: typeof TlsListener;
  WsListener?: typeof WsListener;
}

/** Imports the TLS and WebSocket transports if, and only if, one of `specs` needs them. */
async function loadTransports(specs: readonly ListenerSpec[]): Promise<OptionalTransports> {
  const kinds = new Set(specs.map((spec) => spec.kind));
  const loaded: OptionalTransports = {};
  if (kinds.has('tls')) loaded.TlsListener = (await import('./transport/tls.js')).TlsListener;
  if (kinds.has('ws') || kinds.has('wss'))
    loaded.WsListener = (await import('./transport/ws.js')).WsListener;
  return loaded;
}

function loadedClass<T>(cls: T | undefined, kind: string): T {
  if (cls === undefined) throw new Error(`server: the ${kind} transport was not loaded`);
  return cls;
}

/** Creates one listener; throws TransportError for unreadable or unusable TLS files. */
function createListener(
  spec: ListenerSpec,
  broker: Broker,
  transports: OptionalTransports,
): Listener {
  const accept = (conn: Connection): void => {
    broker.accept(conn);
  };
  const name = `${spec.kind}:${spec.name ?? 'default'}`;
  // Refused connections and failed handshakes: bad input from one peer, so debug only.
  const onError: TransportErrorHandler = (error, remote) => {
    if (!broker.log.isLevelEnabled('debug')) return;
    broker.log.debug(
      {
        listener: name,
        remote,
        code: error instanceof TransportError ? error.code : undefined,
        err: error.cause,
      },
      error.message,
    );
  };
  const common = { host: spec.host, port: spec.port, name, onError };
  switch (spec.kind) {
    case 'tcp':
      return new TcpListener({ ...common, proxyProtocol: spec.proxyProtocol ?? false }, accept);
    case 'tls':
      return new (loadedClass(transports.TlsListener, 'tls'))(
        {
          ...common,
          tls: tlsFiles(spec.tls),
          proxyProtocol: spec.proxyProtocol ?? false,
          useIdentityAsUsername: spec.useIdentityAsUsername ?? false,
        },
        accept,
      );
    case 'ws':
      return new (loadedClass(transports.WsListener, 'ws'))(
        { ...common, path: spec.path ?? '/mqtt', maxPayload: broker.options.maxPacketSize },
        accept,
      );
    case 'wss':
      return new (loadedClass(transports.WsListener, 'wss'))(
        {
          ...common,
          path: spec.path ?? '/mqtt',
          maxPayload: broker.options.maxPacketSize,
          tls: tlsFiles(spec.tls),
          useIdentityAsUsername: spec.useIdentityAsUsername ?? false,
        },
        accept,
      );
  }
}

/** A broker with its configured listeners (not started). */
export function createBroker(
  options: Partial<BrokerOptions> = {},
  deps: Omit<BrokerDeps, 'listeners'> = {},
): Broker {
  return new Broker(options, {
    ...deps,
    listeners: async (broker) => {
      const specs = broker.options.listeners;
      const transports = await loadTransports(specs);
      const listeners = specs.map((spec) => createListener(spec, broker, transports));
      listenersOf.set(broker, listeners);
      return listeners;
    },
  });
}

/** The listeners of a started broker (empty before start), with their stats. */
export function brokerListeners(broker: Broker): readonly Listener[] {
  return listenersOf.get(broker) ?? [];
}

export interface CertificateReload {
  readonly listener: string;
  /** null = the listener now hands out the new certificate; else why it kept the old one. */
  readonly error: Error | null;
}

/**
 * `edgemq reload`: every TLS listener (tls, wss) re-reads its key, certificate and CA files
 * and uses them for new handshakes. Connected clients stay connected. A listener whose files
 * are unreadable or do not match keeps its previous certificates and reports the error.
 */
export function reloadCertificates(broker: Broker): CertificateReload[] {
  const results: CertificateReload[] = [];
  for (const listener of brokerListeners(broker)) {
    if (listener.kind !== 'tls' && listener.kind !== 'wss') continue;
    try {
      listener.reloadCertificates?.();
      results.push({ listener: listener.info.name, error: null });
    } catch (error) {
      results.push({ listener: listener.info.name, error: error as Error });
    }
  }
  for (const r of results) {
    if (r.error === null) broker.log.info({ listener: r.listener }, 'certificates reloaded');
    else broker.log.error({ listener: r.listener, err: r.error }, r.error.message);
  }
  return results;
}
