// Options every listener kind shares, and the pieces built from them.
import type { ListenerInfo, ListenerStats, TransportErrorHandler, TransportKind } from './types.js';

export interface ListenerOptions {
  host: string;
  port: number;
  /** Shown in logs and to hooks; default `<kind>:default`. */
  name?: string;
  /** Passed through to the broker on ListenerInfo (TLS kinds only make use of it). */
  useIdentityAsUsername?: boolean;
  /** Told about each refused connection or failed handshake (logged at debug by the owner). */
  onError?: TransportErrorHandler;
}

export function listenerInfo(kind: TransportKind, options: ListenerOptions): ListenerInfo {
  return Object.freeze({
    name: options.name ?? `${kind}:default`,
    kind,
    useIdentityAsUsername: options.useIdentityAsUsername ?? false,
  });
}

export function newStats(): ListenerStats {
  return { handshakeFailures: 0, rejected: 0 };
}

/** The PROXY header must arrive within this long of the TCP connect (inactivity). */
export const PROXY_HEADER_TIMEOUT_MS = 10_000;
/** A TLS handshake must finish within this long (Node's default is 120 s). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export const ignoreErrors: TransportErrorHandler = () => {};
