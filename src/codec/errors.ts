import { ReasonCode } from './constants.js';

/**
 * The one error the codec raises for bad input. It carries the MQTT 5 reason code the
 * receiver should answer with (CONNACK or DISCONNECT; a 3.1.1 peer just gets its socket
 * closed) and the spec clause that was broken, so logs and tests can name the rule.
 */
export class MalformedPacketError extends Error {
  override readonly name = 'MalformedPacketError';
  readonly code = 'EMQ_ERR_PROTOCOL_MALFORMED';
  readonly reasonCode: number;
  readonly specRef: string;
  /** Protocol level of a CONNECT that failed to decode (0 when unknown): picks the CONNACK form. */
  protocolLevel: number;

  constructor(reasonCode: number, specRef: string, message: string) {
    super(specRef === '' ? message : `${message} ${specRef}`);
    this.reasonCode = reasonCode;
    this.specRef = specRef;
    this.protocolLevel = 0;
  }
}

export function malformed(specRef: string, message: string): MalformedPacketError {
  return new MalformedPacketError(ReasonCode.MALFORMED_PACKET, specRef, message);
}

export function protocolError(specRef: string, message: string): MalformedPacketError {
  return new MalformedPacketError(ReasonCode.PROTOCOL_ERROR, specRef, message);
}
