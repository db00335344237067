// Topic Name and Topic Filter validation (MQTT 3.1.1 §4.7, MQTT 5 §4.7).
//
// Clause ids: the 3.1.1 id first; where MQTT 5 renumbered the same rule, its id follows:
//   3.1.1 [MQTT-4.7.1-2] = v5 [MQTT-4.7.1-1]   '#' alone in its level and last
//   3.1.1 [MQTT-4.7.1-3] = v5 [MQTT-4.7.1-2]   '+' alone in its level
//   [MQTT-3.3.2-2] (both; v5 also [MQTT-4.7.0-1]) no wildcards in a Topic Name
// [MQTT-4.7.2-1] and [MQTT-4.7.3-1..3] have the same ids in both versions.
//
// Validation runs on every PUBLISH, so it never throws and never allocates: errors are
// preallocated frozen TopicError objects, compared by identity or by `code`.
import { Buffer } from 'node:buffer';

export const TopicErrorCode = {
  Empty: 'empty',
  TooLong: 'too-long',
  NullChar: 'null-char',
  WildcardInName: 'wildcard-in-name',
  HashPosition: 'hash-position',
  PlusPosition: 'plus-position',
  TooManyLevels: 'too-many-levels',
  ShareNameEmpty: 'share-name-empty',
  ShareNameInvalid: 'share-name-invalid',
  ShareFilterMissing: 'share-filter-missing',
  AliasInvalid: 'alias-invalid',
  AliasUnknown: 'alias-unknown',
  TopicMissing: 'topic-missing',
} as const;
export type TopicErrorCode = (typeof TopicErrorCode)[keyof typeof TopicErrorCode];

/** MQTT 5 reason codes the topic layer reports (the broker maps them to SUBACK / DISCONNECT). */
export const TopicReasonCode = {
  ProtocolError: 0x82,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  TopicAliasInvalid: 0x94,
} as const;

/** A validation failure: the rule broken, where the spec says so, and the MQTT 5 reason code. */
export class TopicError {
  readonly code: TopicErrorCode;
  /** Spec clause, e.g. 'MQTT-4.7.3-1'; a section ('§3.3.4') for unnumbered rules; null for our limits. */
  readonly clause: string | null;
  readonly reasonCode: number;
  readonly message: string;

  constructor(code: TopicErrorCode, clause: string | null, reasonCode: number, message: string) {
    this.code = code;
    this.clause = clause;
    this.reasonCode = reasonCode;
    this.message = message;
    Object.freeze(this);
  }
}

/** Broker-configurable limits beyond the spec (EMQX / NanoMQ style). */
export interface TopicLimits {
  /** Most levels a name or filter may have; 0 or absent = no limit. */
  readonly maxLevels?: number;
}

const NAME = TopicReasonCode.TopicNameInvalid;
const FILTER = TopicReasonCode.TopicFilterInvalid;

function both(code: TopicErrorCode, clause: string | null, message: string) {
  return {
    name: new TopicError(code, clause, NAME, `topic name ${message}`),
    filter: new TopicError(code, clause, FILTER, `topic filter ${message}`),
  } as const;
}

/** The preallocated errors, for callers and tests that compare by identity. */
export const TopicErrors = {
  empty: both(TopicErrorCode.Empty, 'MQTT-4.7.3-1', 'is empty'),
  tooLong: both(TopicErrorCode.TooLong, 'MQTT-4.7.3-3', 'encodes to more than 65535 bytes'),
  nullChar: both(TopicErrorCode.NullChar, 'MQTT-4.7.3-2', 'contains U+0000'),
  tooManyLevels: both(TopicErrorCode.TooManyLevels, null, 'has more levels than allowed'),
  wildcardInName: new TopicError(
    TopicErrorCode.WildcardInName,
    'MQTT-3.3.2-2',
    NAME,
    'topic name contains a wildcard (+ or #)',
  ),
  hashPosition: new TopicError(
    TopicErrorCode.HashPosition,
    'MQTT-4.7.1-2',
    FILTER,
    "'#' must be alone in the last level of a topic filter",
  ),
  plusPosition: new TopicError(
    TopicErrorCode.PlusPosition,
    'MQTT-4.7.1-3',
    FILTER,
    "'+' must occupy a whole level of a topic filter",
  ),
} as const;

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;
const MAX_BYTES = 65535;

/** True when `s` encodes to more than 65535 UTF-8 bytes [MQTT-4.7.3-3]. */
export function exceedsUtf8Limit(s: string): boolean {
  const n = s.length;
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes, so most strings need no counting.
  if (n <= MAX_BYTES / 3) return false;
  if (n > MAX_BYTES) return true;
  return Buffer.byteLength(s, 'utf8') > MAX_BYTES;
}

/** Checks a PUBLISH Topic Name (after topic-alias resolution). Null when valid. */
export function validateTopicName(name: string, limits?: TopicLimits): TopicError | null {
  const n = name.length;
  if (n === 0) return TopicErrors.empty.name; // [MQTT-4.7.3-1]
  if (exceedsUtf8Limit(name)) return TopicErrors.tooLong.name; // [MQTT-4.7.3-3]
  const maxLevels = limits?.maxLevels ?? 0;
  let levels = 1;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === SLASH) {
      levels++;
    } else if (c === PLUS || c === HASH) {
      return TopicErrors.wildcardInName; // [MQTT-3.3.2-2] (v5 also [MQTT-4.7.0-1])
    } else if (c === 0) {
      return TopicErrors.nullChar.name; // [MQTT-4.7.3-2]
    }
  }
  if (maxLevels > 0 && levels > maxLevels) return TopicErrors.tooManyLevels.name;
  return null;
}

/**
 * Checks a SUBSCRIBE / UNSUBSCRIBE Topic Filter (without a `$share/` prefix: see
 * parseSubscriptionFilter). Null when valid.
 */
export function validateTopicFilter(filter: string, limits?: TopicLimits): TopicError | null {
  const n = filter.length;
  if (n === 0) return TopicErrors.empty.filter; // [MQTT-4.7.3-1]
  if (exceedsUtf8Limit(filter)) return TopicErrors.tooLong.filter; // [MQTT-4.7.3-3]
  const maxLevels = limits?.maxLevels ?? 0;
  let levels = 1;
  let levelStart = 0;
  for (let i = 0; i < n; i++) {
    const c = filter.charCodeAt(i);
    if (c === SLASH) {
      levels++;
      levelStart = i + 1;
    } else if (c === PLUS) {
      // [MQTT-4.7.1-3] (v5 [MQTT-4.7.1-2]): '+' is the whole level.
      if (i !== levelStart || (i + 1 < n && filter.charCodeAt(i + 1) !== SLASH)) {
        return TopicErrors.plusPosition;
      }
    } else if (c === HASH) {
      // [MQTT-4.7.1-2] (v5 [MQTT-4.7.1-1]): '#' is the whole level and the last character.
      if (i !== levelStart || i !== n - 1) return TopicErrors.hashPosition;
    } else if (c === 0) {
      return TopicErrors.nullChar.filter; // [MQTT-4.7.3-2]
    }
  }
  if (maxLevels > 0 && levels > maxLevels) return TopicErrors.tooManyLevels.filter;
  return null;
}

/**
 * True for topics whose first character is '$' ($SYS/..., $share/..., any $-topic): the ones
 * that filters starting with '+' or '#' must not match [MQTT-4.7.2-1].
 */
export function isSysTopic(name: string): boolean {
  return name.charCodeAt(0) === DOLLAR;
}

/** True when a (valid) filter contains '+' or '#', i.e. it is not a plain topic name. */
export function isWildcardFilter(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}
