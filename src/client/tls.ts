// MQTT over TLS (`mqtts://`, NanoMQ `tls+mqtt-tcp://`): one-way (the broker's certificate is
// checked against `ca`) or mutual (we also present `cert` / `key`).
import { isIP } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import type { Transport } from './options.js';

/** PEM text or its bytes; several CA certificates may be given as a list. */
export type Pem = string | Buffer | (string | Buffer)[];

/** TLS settings shared by the tls and wss transports. */
export interface TlsClientOptions {
  /** CA certificates the broker's certificate must chain to; default: Node's trusted roots. */
  ca?: Pem;
  /** Our client certificate (mutual TLS). */
  cert?: Pem;
  /** The private key of `cert`. */
  key?: Pem;
  /** Password of an encrypted `key`. */
  passphrase?: string;
  /** Refuse a broker whose certificate does not verify. Default true. */
  rejectUnauthorized?: boolean;
  /** SNI name and the name checked in the certificate; default: the host (none for an IP). */
  servername?: string;
}

export interface TlsTransportOptions extends TlsClientOptions {
  /** Default 'localhost'. */
  host?: string;
  /** Default 8883. */
  port?: number;
}

/** The node:tls options for these settings (undefined ones left out). */
export function tlsConnectionOptions(o: TlsClientOptions): ConnectionOptions {
  const out: ConnectionOptions = { rejectUnauthorized: o.rejectUnauthorized ?? true };
  if (o.ca !== undefined) out.ca = o.ca;
  if (o.cert !== undefined) out.cert = o.cert;
  if (o.key !== undefined) out.key = o.key;
  if (o.passphrase !== undefined) out.passphrase = o.passphrase;
  if (o.servername !== undefined) out.servername = o.servername;
  return out;
}

/**
 * A transport factory for MQTT over TLS; each call (every connection attempt) opens a new
 * socket. The client's CONNECT waits in the socket until the handshake is done; a failed
 * handshake (untrusted certificate, refused client certificate) surfaces as the attempt's
 * error.
 */
export function tlsTransport(options: TlsTransportOptions = {}): Transport {
  const host = options.host ?? 'localhost';
  const port = options.port ?? 8883;
  const base = tlsConnectionOptions(options);
  // RFC 6066 forbids an IP address as the SNI name (Node warns); the certificate's IP SAN is
  // still checked against the host.
  if (base.servername === undefined && isIP(host) === 0) base.servername = host;
  return () => {
    const socket = connect({ ...base, host, port });
    socket.setNoDelay(true);
    return socket;
  };
}
