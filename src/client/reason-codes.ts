// Human-readable names for reason codes, for error messages ("not authorized (0x87)").
import { ConnackReturnCode, ReasonCode, type ProtocolVersion } from '../codec/index.js';

function names(table: Readonly<Record<string, number>>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [name, code] of Object.entries(table)) {
    // Several names share 0x00..0x02 (SUCCESS, GRANTED_QOS_0...): the first one wins.
    if (!out.has(code)) out.set(code, name.toLowerCase().replaceAll('_', ' '));
  }
  return out;
}

const V5_NAMES = names(ReasonCode);
const V4_CONNACK_NAMES = names(ConnackReturnCode);

const hex = (code: number): string => `0x${code.toString(16).padStart(2, '0')}`;

/** "not authorized (0x87)" for a v5 reason code. */
export function reasonName(code: number): string {
  return `${V5_NAMES.get(code) ?? 'unknown reason'} (${hex(code)})`;
}

/** A CONNACK code in the form of the protocol version that sent it. */
export function connackReasonName(code: number, version: ProtocolVersion): string {
  if (version === 5) return reasonName(code);
  return `${V4_CONNACK_NAMES.get(code) ?? 'unknown return code'} (return code ${code})`;
}
