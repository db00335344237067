import { createServer, type Server, type Socket } from 'node:net';
import type { TransportError } from './errors.js';
import { closeServer, listenOn } from './listen.js';
import {
  PROXY_HEADER_TIMEOUT_MS,
  ignoreErrors,
  listenerInfo,
  newStats,
  type ListenerOptions,
} from './listener-options.js';
import { ProxyHeaderReader, type ProxyHeader, type ProxyHeaderSink } from './proxy-protocol.js';
import type {
  Connection,
  ConnectionAcceptor,
  ConnectionHandlers,
  Listener,
  ListenerInfo,
  ListenerStats,
  PeerCertificate,
  TransportErrorHandler,
  TransportKind,
} from './types.js';

const noop = (): void => {};
const IGNORE: ConnectionHandlers = { onData: noop, onDrain: noop, onClose: noop };
const OWNER = Symbol('edgemq.connection');

type OwnedSocket = Socket & { [OWNER]: SocketConnection };

// Listeners shared by every socket (`this` is the socket): no closures per connection,
// which matters at tens of thousands of idle clients.
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER].handlers.onData(chunk);
}
function onSocketDrain(this: OwnedSocket): void {
  this[OWNER].handlers.onDrain();
}
function onSocketClose(this: OwnedSocket, hadError: boolean): void {
  this[OWNER].handlers.onClose(hadError);
}

/** A net.Socket (plain or TLS) as a transport Connection. */
export class SocketConnection implements Connection {
  readonly kind: TransportKind;
  readonly listener: ListenerInfo;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly peerCertificate: PeerCertificate | null;
  private readonly socket: Socket;
  handlers: ConnectionHandlers;

  /** `proxied`: the PROXY header's client, which replaces the socket's peer address. */
  constructor(
    socket: Socket,
    listener: ListenerInfo,
    proxied: ProxyHeader | null = null,
    peerCertificate: PeerCertificate | null = null,
  ) {
    this.socket = socket;
    this.kind = listener.kind;
    this.listener = listener;
    if (proxied !== null && proxied.sourceAddress !== null) {
      this.remoteAddress = proxied.sourceAddress;
      this.remotePort = proxied.sourcePort;
    } else {
      this.remoteAddress = socket.remoteAddress ?? '';
      this.remotePort = socket.remotePort ?? 0;
    }
    this.peerCertificate = peerCertificate;
    this.handlers = IGNORE;
    socket.setNoDelay(true);
    (socket as OwnedSocket)[OWNER] = this;
    socket.on('data', onSocketData);
    socket.on('drain', onSocketDrain);
    // Errors (ECONNRESET, EPIPE) always end in 'close'; that is where the broker reacts.
    socket.on('error', noop);
    socket.on('close', onSocketClose);
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  write(data: Buffer): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(data);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface TcpListenerOptions extends ListenerOptions {
  /** Expect a PROXY protocol v1/v2 header before the first MQTT byte. */
  proxyProtocol?: boolean;
}

/** Plain TCP listener (`nmq-tcp://`, `mqtt-tcp://`, `tcp://`), optionally behind a proxy. */
export class TcpListener implements Listener, ProxyHeaderSink {
  readonly kind = 'tcp' as const;
  readonly info: ListenerInfo;
  readonly stats: ListenerStats;
  private readonly server: Server;
  private readonly options: TcpListenerOptions;
  private readonly accept: ConnectionAcceptor;
  private readonly onError: TransportErrorHandler;
  private readonly proxy: ProxyHeaderReader | null;

  constructor(options: TcpListenerOptions, accept: ConnectionAcceptor) {
    this.options = options;
    this.info = listenerInfo('tcp', options);
    this.stats = newStats();
    this.accept = accept;
    this.onError = options.onError ?? ignoreErrors;
    this.proxy =
      options.proxyProtocol === true ? new ProxyHeaderReader(this, PROXY_HEADER_TIMEOUT_MS) : null;
    this.server = createServer({ noDelay: true }, (socket) => {
      if (this.proxy !== null) this.proxy.take(socket);
      else accept(new SocketConnection(socket, this.info));
    });
  }

  onProxyHeader(socket: Socket, header: ProxyHeader): void {
    this.accept(new SocketConnection(socket, this.info, header));
    socket.resume();
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
}
