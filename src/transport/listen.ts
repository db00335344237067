import type { Server } from 'node:net';
import { TransportError } from './errors.js';

/** Binds `server`; a bind failure names the listener and the address. */
export function listenOn(
  server: Server,
  name: string,
  host: string,
  port: number,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new TransportError(
          'EMQ_ERR_LISTEN',
          `listener ${name} cannot bind ${host.includes(':') ? `[${host}]` : host}:${port} (${error.code ?? error.message})`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') resolve({ host, port });
      else resolve({ host: address.address, port: address.port });
    });
  });
}

/** Stops accepting; resolves once every connection the server owns has closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
  });
}
