import { createServer, type Server, type Socket } from 'node:net';
import type {
  Connection,
  ConnectionAcceptor,
  ConnectionHandlers,
  Listener,
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
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly socket: Socket;
  handlers: ConnectionHandlers;

  constructor(socket: Socket, kind: TransportKind) {
    this.socket = socket;
    this.kind = kind;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
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

export interface TcpListenerOptions {
  host: string;
  port: number;
}

/** Plain TCP listener (`nmq-tcp://`, `mqtt-tcp://`, `tcp://`). */
export class TcpListener implements Listener {
  readonly kind = 'tcp' as const;
  private readonly server: Server;
  private readonly options: TcpListenerOptions;

  constructor(options: TcpListenerOptions, accept: ConnectionAcceptor) {
    this.options = options;
    this.server = createServer({ noDelay: true }, (socket) => {
      accept(new SocketConnection(socket, 'tcp'));
    });
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          resolve({ host: this.options.host, port: this.options.port });
        } else {
          resolve({ host: address.address, port: address.port });
        }
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
