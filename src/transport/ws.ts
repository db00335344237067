// MQTT over WebSocket (`nmq-ws://host:port/mqtt`, NanoMQ `listeners.ws`) and over secure
// WebSocket (`nmq-wss://`, `listeners.wss`, which needs no ws listener beside it). Only the
// configured path upgrades; binary frames carry the MQTT byte stream, whose packets may be
// split across frames or packed several to a frame (the broker's decoder reassembles).
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Server, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { TransportError } from './errors.js';
import { closeServer, listenOn } from './listen.js';
import {
  TLS_HANDSHAKE_TIMEOUT_MS,
  ignoreErrors,
  listenerInfo,
  newStats,
  type ListenerOptions,
} from './listener-options.js';
import {
  clientCertificatePolicy,
  loadSecureContextOptions,
  peerCertificateOf,
  type TlsFiles,
} from './tls-material.js';
import { TlsGate } from './tls.js';
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

export const DEFAULT_WS_PATH = '/mqtt';
/** Subprotocols of MQTT over WebSocket, in order of preference [MQTT-6.0.0-3]. */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'] as const;

const noop = (): void => {};
const IGNORE: ConnectionHandlers = { onData: noop, onDrain: noop, onClose: noop };
const OWNER = Symbol('edgemq.wsConnection');

type OwnedWs = WebSocket & { [OWNER]: WsConnection };
type OwnedSocket = Socket & { [OWNER]: WsConnection };

// Listeners shared by every connection (`this` is the emitter): no closures per client.
function onWsMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  if (!isBinary) {
    // MQTT travels in binary frames only; a text frame closes the connection [MQTT-6.0.0-1].
    this.close(1003, 'MQTT needs binary frames');
    return;
  }
  (this as OwnedWs)[OWNER].handlers.onData(data as Buffer);
}
function onWsClose(this: WebSocket, code: number): void {
  (this as OwnedWs)[OWNER].handlers.onClose(code === 1006);
}
function onSocketDrain(this: OwnedSocket): void {
  this[OWNER].handlers.onDrain();
}
function destroySocket(this: Socket): void {
  this.destroy();
}

/** One WebSocket as a transport Connection; each write() is one binary frame. */
export class WsConnection implements Connection {
  readonly kind: TransportKind;
  readonly listener: ListenerInfo;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly peerCertificate: PeerCertificate | null;
  private readonly ws: WebSocket;
  /** The TCP or TLS socket under the WebSocket: backpressure is read from it. */
  private readonly socket: Socket;
  handlers: ConnectionHandlers;

  constructor(
    ws: WebSocket,
    socket: Socket,
    listener: ListenerInfo,
    peerCertificate: PeerCertificate | null,
  ) {
    this.ws = ws;
    this.socket = socket;
    this.kind = listener.kind;
    this.listener = listener;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.peerCertificate = peerCertificate;
    this.handlers = IGNORE;
    (ws as OwnedWs)[OWNER] = this;
    (socket as OwnedSocket)[OWNER] = this;
    ws.on('message', onWsMessage);
    ws.on('close', onWsClose);
    // Protocol errors (bad frame, too big: close code 1002 / 1009) end in 'close'.
    ws.on('error', noop);
    socket.on('drain', onSocketDrain);
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  write(data: Buffer): boolean {
    if (this.ws.readyState !== 1) return false;
    this.ws.send(data);
    return !this.socket.writableNeedDrain;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  end(): void {
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }
}

export interface WsListenerOptions extends ListenerOptions {
  /** The one path that upgrades (default `/mqtt`); other paths get 404. */
  path?: string;
  /** Largest WebSocket message accepted: the broker's maximum packet size. */
  maxPayload?: number;
  /** Present for wss: the TLS files and client-certificate policy. */
  tls?: TlsFiles;
}

/** The ws (HTTP) or wss (HTTPS) listener. */
export class WsListener implements Listener {
  readonly kind: 'ws' | 'wss';
  readonly info: ListenerInfo;
  readonly stats: ListenerStats;
  readonly path: string;
  private readonly options: WsListenerOptions;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly accept: ConnectionAcceptor;
  private readonly onError: TransportErrorHandler;
  /** The HTTPS server of a wss listener (for certificate reload), else null. */
  private readonly https: HttpsServer | null;

  /** Throws TransportError (wss) when a key/certificate/CA file is unreadable or unusable. */
  constructor(options: WsListenerOptions, accept: ConnectionAcceptor) {
    this.options = options;
    this.kind = options.tls === undefined ? 'ws' : 'wss';
    this.info = listenerInfo(this.kind, options);
    this.stats = newStats();
    this.path = options.path ?? DEFAULT_WS_PATH;
    this.accept = accept;
    this.onError = options.onError ?? ignoreErrors;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayload ?? 268_435_460,
      handleProtocols: (offered) => {
        for (const p of SUBPROTOCOLS) if (offered.has(p)) return p;
        return false;
      },
    });
    this.wss.on('wsClientError', (error: Error, socket: Socket) => {
      this.refuse(socket, 400, `bad WebSocket handshake: ${error.message}`);
    });
    const files = options.tls;
    if (files === undefined) {
      this.server = createServer({ noDelay: true });
      this.https = null;
    } else {
      const gate = new TlsGate(files, this.stats, this.onError);
      const https = createHttpsServer({
        ...loadSecureContextOptions(files),
        ...clientCertificatePolicy(files),
        handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
        noDelay: true,
      });
      https.on('secureConnection', (socket: TLSSocket) => {
        gate.admit(socket);
      });
      https.on('tlsClientError', (error: Error, socket: TLSSocket) => {
        gate.handshakeFailed(error, socket);
      });
      this.server = https;
      this.https = https;
    }
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.upgrade(req, socket, head);
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.plainRequest(req, res);
    });
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      // A reset or timed-out idle connection is not a refusal; just let it go.
      if (error.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else this.refuse(socket, 400, `bad HTTP request: ${error.message}`);
    });
  }

  private pathOf(req: IncomingMessage): string {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return q === -1 ? url : url.slice(0, q);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = this.pathOf(req);
    if (path !== this.path) {
      this.refuse(socket, 404, `no WebSocket endpoint at ${path} (the MQTT path is ${this.path})`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const cert = socket instanceof TLSSocket ? peerCertificateOf(socket) : null;
      this.accept(new WsConnection(ws, socket, this.info, cert));
    });
  }

  /** An HTTP request that is not an upgrade: 400 on the MQTT path, 404 elsewhere. */
  private plainRequest(req: IncomingMessage, res: ServerResponse): void {
    const onPath = this.pathOf(req) === this.path;
    const status = onPath ? 400 : 404;
    const message = onPath ? 'MQTT over WebSocket: send a WebSocket upgrade' : 'not found';
    this.stats.rejected++;
    this.onError(
      new TransportError('EMQ_ERR_WS_REJECTED', `plain HTTP ${req.method ?? ''} ${req.url ?? ''}`),
      req.socket.remoteAddress ?? '',
    );
    res.writeHead(status, {
      'Content-Type': 'text/plain',
      'Content-Length': Buffer.byteLength(message),
      Connection: 'close',
    });
    res.end(message);
  }

  /** Answers a refused upgrade (or unparsable request) and closes that socket only. */
  private refuse(socket: Socket, status: number, why: string): void {
    this.stats.rejected++;
    this.onError(new TransportError('EMQ_ERR_WS_REJECTED', why), socket.remoteAddress ?? '');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = STATUS_CODES[status] ?? '';
    socket.once('finish', destroySocket);
    socket.end(
      `HTTP/1.1 ${status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  listen(): Promise<{ host: string; port: number }> {
    return listenOn(this.server, this.info.name, this.options.host, this.options.port);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  reloadCertificates(): void {
    const files = this.options.tls;
    if (files === undefined || this.https === null) return;
    this.https.setSecureContext(loadSecureContextOptions(files));
  }
}
