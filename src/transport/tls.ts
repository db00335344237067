// TLS listener (`tls+nmq-tcp://`, NanoMQ `listeners.ssl`): one-way or mutual TLS, optionally
// behind a PROXY protocol load balancer (the header precedes the ClientHello).
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { TransportError } from './errors.js';
import { closeServer, listenOn } from './listen.js';
import {
  PROXY_HEADER_TIMEOUT_MS,
  TLS_HANDSHAKE_TIMEOUT_MS,
  ignoreErrors,
  listenerInfo,
  newStats,
  type ListenerOptions,
} from './listener-options.js';
import { ProxyHeaderReader, type ProxyHeader, type ProxyHeaderSink } from './proxy-protocol.js';
import { SocketConnection } from './tcp.js';
import {
  clientCertificatePolicy,
  loadSecureContextOptions,
  peerCertificateOf,
  presentedUntrusted,
  type TlsFiles,
} from './tls-material.js';
import type {
  ConnectionAcceptor,
  Listener,
  ListenerInfo,
  ListenerStats,
  TransportErrorHandler,
} from './types.js';

export interface TlsListenerOptions extends ListenerOptions {
  tls: TlsFiles;
  /** Expect a PROXY protocol v1/v2 header before the TLS handshake. */
  proxyProtocol?: boolean;
}

/** `host:port` of a socket's peer, the key from a raw socket to its TLS socket. */
function peerKey(socket: Socket): string {
  return `${socket.remotePort ?? 0}|${socket.remoteAddress ?? ''}`;
}

/**
 * What every TLS-terminating listener (tls, wss) does with a failed handshake or a refused
 * client certificate: count it, tell the owner, close that socket only.
 */
export class TlsGate {
  readonly stats: ListenerStats;
  private readonly files: TlsFiles;
  private readonly onError: TransportErrorHandler;

  constructor(files: TlsFiles, stats: ListenerStats, onError: TransportErrorHandler) {
    this.files = files;
    this.stats = stats;
    this.onError = onError;
  }

  /** tls.Server 'tlsClientError': the handshake failed (or Node refused the certificate). */
  handshakeFailed(error: Error, socket: TLSSocket): void {
    this.stats.handshakeFailures++;
    // Typed as always set; it is null unless the certificate was checked and failed.
    const why = socket.authorizationError as Error | null;
    const missing = /peer did not return a certificate|certificate required/i.test(error.message);
    if (why !== null || missing) {
      this.stats.rejected++;
      this.onError(
        new TransportError(
          'EMQ_ERR_TLS_PEER_REJECTED',
          why !== null
            ? `client certificate refused: ${String(why)}`
            : 'client certificate required but none sent',
          { cause: error },
        ),
        socket.remoteAddress ?? '',
      );
    } else {
      this.onError(
        new TransportError('EMQ_ERR_TLS_HANDSHAKE', `TLS handshake failed: ${error.message}`, {
          cause: error,
        }),
        socket.remoteAddress ?? '',
      );
    }
    socket.destroy();
  }

  /**
   * Checks a completed handshake: with an optional client certificate, one that was sent
   * but does not chain to the CA is still refused. Returns false (socket destroyed) then.
   */
  admit(socket: TLSSocket): boolean {
    if (!this.files.verifyPeer || !presentedUntrusted(socket)) return true;
    this.stats.handshakeFailures++;
    this.stats.rejected++;
    this.onError(
      new TransportError(
        'EMQ_ERR_TLS_PEER_REJECTED',
        `client certificate refused: ${String(socket.authorizationError)}`,
      ),
      socket.remoteAddress ?? '',
    );
    socket.destroy();
    return false;
  }
}

/** A TLS server for these files and client-certificate policy (throws on bad files). */
function createTlsServer(files: TlsFiles): TlsServer {
  return createServer({
    ...loadSecureContextOptions(files),
    ...clientCertificatePolicy(files),
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  });
}

export class TlsListener implements Listener, ProxyHeaderSink {
  readonly kind = 'tls' as const;
  readonly info: ListenerInfo;
  readonly stats: ListenerStats;
  private readonly options: TlsListenerOptions;
  private readonly accept: ConnectionAcceptor;
  private readonly gate: TlsGate;
  /** Does the handshakes; listens itself unless a PROXY header comes first. */
  private readonly tlsServer: TlsServer;
  /** The listening server: tlsServer, or a plain one that strips the PROXY header first. */
  private readonly server: Server;
  private readonly proxy: ProxyHeaderReader | null;
  /** PROXY headers of sockets in their TLS handshake, by peer address and port. */
  private readonly proxied: Map<string, ProxyHeader>;
  private readonly onError: TransportErrorHandler;

  /** Throws TransportError when a key/certificate/CA file is unreadable or unusable. */
  constructor(options: TlsListenerOptions, accept: ConnectionAcceptor) {
    this.options = options;
    this.info = listenerInfo('tls', options);
    this.stats = newStats();
    this.accept = accept;
    this.onError = options.onError ?? ignoreErrors;
    this.gate = new TlsGate(options.tls, this.stats, this.onError);
    this.proxied = new Map();
    this.tlsServer = createTlsServer(options.tls);
    this.tlsServer.on('secureConnection', (socket: TLSSocket) => {
      this.secured(socket);
    });
    this.tlsServer.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      if (this.proxy !== null) this.proxied.delete(peerKey(socket));
      this.gate.handshakeFailed(error, socket);
    });
    if (options.proxyProtocol === true) {
      this.proxy = new ProxyHeaderReader(this, PROXY_HEADER_TIMEOUT_MS);
      this.server = createNetServer({ noDelay: true }, (socket) => {
        this.proxy?.take(socket);
      });
    } else {
      this.proxy = null;
      this.server = this.tlsServer;
    }
  }

  private secured(socket: TLSSocket): void {
    let header: ProxyHeader | null = null;
    if (this.proxy !== null) {
      const key = peerKey(socket);
      header = this.proxied.get(key) ?? null;
      this.proxied.delete(key);
    }
    if (!this.gate.admit(socket)) return;
    this.accept(new SocketConnection(socket, this.info, header, peerCertificateOf(socket)));
  }

  onProxyHeader(socket: Socket, header: ProxyHeader): void {
    this.proxied.set(peerKey(socket), header);
    // The TLS server wraps the raw socket; bytes after the header were unshifted into it.
    this.tlsServer.emit('connection', socket);
  }

  onProxyError(socket: Socket, error: TransportError): void {
    this.stats.rejected++;
    this.onError(error, socket.remoteAddress ?? '');
  }

  listen(): Promise<{ host: string; port: number }> {
    return listenOn(this.server, this.info.name, this.options.host, this.options.port);
  }

  close(): Promise<void> {
    const closed = closeServer(this.server);
    this.proxy?.destroyPending();
    return closed;
  }

  reloadCertificates(): void {
    this.tlsServer.setSecureContext(loadSecureContextOptions(this.options.tls));
  }
}
