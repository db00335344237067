// The default transport: plain TCP.
import { connect } from 'node:net';
import type { Transport } from './options.js';

export function tcpTransport(host: string, port: number): Transport {
  return () => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    return socket;
  };
}
