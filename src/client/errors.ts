// The errors the client rejects with or emits. Each carries a stable code (EMQ_ERR_CLIENT_*)
// and, when the broker said why, the MQTT 5 reason code (or 3.1.1 CONNACK return code).

export const ClientErrorCode = {
  /** The transport could not reach the broker (ECONNREFUSED, EHOSTUNREACH, ENOTFOUND...). */
  UNREACHABLE: 'EMQ_ERR_CLIENT_UNREACHABLE',
  /** CONNACK carried a failure reason code / return code. */
  CONNECT_REFUSED: 'EMQ_ERR_CLIENT_CONNECT_REFUSED',
  /** No CONNACK within connectTimeoutMs. */
  CONNECT_TIMEOUT: 'EMQ_ERR_CLIENT_CONNECT_TIMEOUT',
  /** The network connection closed (before CONNACK, or while a request was pending). */
  CONNECTION_LOST: 'EMQ_ERR_CLIENT_CONNECTION_LOST',
  /** No PINGRESP within pingTimeoutMs. */
  KEEPALIVE_TIMEOUT: 'EMQ_ERR_CLIENT_KEEPALIVE_TIMEOUT',
  /** The operation needs a connection and there is none. */
  NOT_CONNECTED: 'EMQ_ERR_CLIENT_NOT_CONNECTED',
  /** end() was called; pending work was abandoned (persisted messages stay in the store). */
  CLOSED: 'EMQ_ERR_CLIENT_CLOSED',
  /** A v5 PUBACK / PUBREC carried a failure reason code. */
  PUBLISH_FAILED: 'EMQ_ERR_CLIENT_PUBLISH_FAILED',
  /** The broker's CONNACK forbids this (Maximum QoS, Retain Available, Maximum Packet Size). */
  NOT_SUPPORTED: 'EMQ_ERR_CLIENT_NOT_SUPPORTED',
  /** Bad arguments: an invalid topic name or filter, a bad option. */
  INVALID_ARGUMENT: 'EMQ_ERR_CLIENT_INVALID_ARGUMENT',
  /** The broker broke the protocol (malformed or unexpected packet, bad topic alias). */
  PROTOCOL: 'EMQ_ERR_CLIENT_PROTOCOL',
} as const;
export type ClientErrorCodeValue = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export class MqttClientError extends Error {
  override readonly name = 'MqttClientError';
  readonly code: ClientErrorCodeValue;
  /** What the broker answered (v5 reason code or 3.1.1 return code); null when it said nothing. */
  readonly reasonCode: number | null;

  constructor(
    code: ClientErrorCodeValue,
    message: string,
    reasonCode: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.reasonCode = reasonCode;
  }
}

/** Socket error codes that mean "nobody answered at that address". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
]);

/** Turns a transport error seen before CONNACK into a client error naming the target. */
export function connectFailure(target: string, error: Error | null): MqttClientError {
  const code = error !== null && 'code' in error ? String(error.code) : '';
  if (UNREACHABLE_CODES.has(code)) {
    return new MqttClientError(
      ClientErrorCode.UNREACHABLE,
      `broker ${target} is unreachable (${code})`,
      null,
      { cause: error },
    );
  }
  const why = error === null ? 'the connection closed' : error.message;
  return new MqttClientError(
    ClientErrorCode.CONNECTION_LOST,
    `no CONNACK from ${target}: ${why}`,
    null,
    error === null ? undefined : { cause: error },
  );
}

export function closedError(what: string): MqttClientError {
  return new MqttClientError(ClientErrorCode.CLOSED, `the client is closed: ${what}`);
}

export function invalid(message: string): MqttClientError {
  return new MqttClientError(ClientErrorCode.INVALID_ARGUMENT, message);
}
