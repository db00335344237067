// MQTT over WebSocket (`ws://host:port/mqtt`) and secure WebSocket (`wss://`): the `ws`
// package's client as a byte stream. Every MQTT write leaves as one binary frame; frames
// from the broker may hold part of a packet or several, which the decoder handles.
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocket, type ClientOptions as WsOptions } from 'ws';
import type { Transport } from './options.js';
import type { TlsClientOptions } from './tls.js';

/** Largest MQTT packet (1 + 4 length bytes + 268,435,455): no frame can usefully be bigger. */
const MAX_FRAME = 268_435_460;

export interface WsTransportOptions extends TlsClientOptions {
  /** `ws://host:port/path` or `wss://host:port/path` (NanoMQ's default path is /mqtt). */
  url: string;
  /** WebSocket subprotocols offered; default ['mqtt'] (MQTT 3.1 brokers may want 'mqttv3.1'). */
  protocols?: string[];
  /** Extra HTTP headers of the upgrade request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Largest frame accepted from the broker, bytes. Default: the largest MQTT packet. */
  maxFrameSize?: number;
}

/** Checks the URL once, so a typo fails at construction rather than on every attempt. */
function checkUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`invalid WebSocket URL "${url}" (expected ws://HOST:PORT/PATH)`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(
      `invalid WebSocket URL "${url}": scheme ${parsed.protocol} (expected ws: or wss:)`,
    );
  }
  return parsed;
}

/**
 * A transport factory for MQTT over ws / wss; each call (every connection attempt) opens a
 * new WebSocket. The client's CONNECT is held until the upgrade completes; a refused upgrade
 * (wrong path: 404) or a failed TLS handshake surfaces as the attempt's error.
 */
export function wsTransport(options: WsTransportOptions): Transport {
  const url = checkUrl(options.url).href;
  // ws hands servername on to tls.connect (its type does not list it).
  const wsOptions: WsOptions & { servername?: string } = {
    perMessageDeflate: false,
    maxPayload: options.maxFrameSize ?? MAX_FRAME,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  };
  if (options.ca !== undefined) wsOptions.ca = options.ca;
  if (options.cert !== undefined) wsOptions.cert = options.cert;
  if (options.key !== undefined) wsOptions.key = options.key;
  if (options.passphrase !== undefined) wsOptions.passphrase = options.passphrase;
  if (options.servername !== undefined) wsOptions.servername = options.servername;
  if (options.headers !== undefined) wsOptions.headers = options.headers;
  const protocols = options.protocols ?? ['mqtt'];
  return (): Duplex => {
    const socket = new WebSocket(url, protocols, wsOptions);
    socket.binaryType = 'nodebuffer';
    return createWebSocketStream(socket);
  };
}
