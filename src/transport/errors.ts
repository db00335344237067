// The transport layer's errors, each with a stable code (DESIGN.md "Errors and logs").

/** Every code a TransportError can carry, with what it means (the registry for docs). */
export const TRANSPORT_ERROR_CODES = {
  EMQ_ERR_TLS_FILE: 'a TLS key, certificate or CA file cannot be read; the message names the file',
  EMQ_ERR_TLS_CONFIG:
    'TLS material is unusable (wrong key password, key and certificate do not match, bad PEM) or the options contradict each other',
  EMQ_ERR_LISTEN: 'a listener cannot bind its address (in use, not available, no permission)',
  EMQ_ERR_TLS_HANDSHAKE: 'a TLS handshake failed (counted and logged at debug, never fatal)',
  EMQ_ERR_TLS_PEER_REJECTED:
    'a client certificate was missing or not signed by the CA while one is required',
  EMQ_ERR_PROXY_PROTOCOL: 'a connection on a proxy_protocol listener sent no valid PROXY header',
  EMQ_ERR_WS_REJECTED:
    'an HTTP request on a WebSocket listener was refused (wrong path, not an upgrade, bad handshake)',
} as const;

export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause: unknown }) {
    super(message, options);
    this.code = code;
  }
}
