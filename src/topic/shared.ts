// Shared-subscription filters: MQTT 5 `$share/{ShareName}/{filter}` (§4.8.2) and the EMQX /
// NanoMQ style `$queue/{filter}`, which is a shared subscription in the group named '$queue'.
// So `$queue/a` and `$share/$queue/a` are the same group, as in EMQX. Runs on SUBSCRIBE and
// UNSUBSCRIBE only, so returning a fresh object is fine here.
import {
  TopicError,
  TopicErrorCode,
  TopicErrors,
  TopicReasonCode,
  exceedsUtf8Limit,
  validateTopicFilter,
  type TopicLimits,
} from './validate.js';

/** A subscription's filter with its shared group; `group` is null for a normal subscription. */
export interface SubscriptionFilter {
  readonly group: string | null;
  readonly filter: string;
}

/** The group name `$queue/{filter}` subscriptions join. */
export const QUEUE_GROUP = '$queue';

const SHARE_PREFIX = '$share/';
const QUEUE_PREFIX = '$queue/';

const FILTER = TopicReasonCode.TopicFilterInvalid;

export const SharedErrors = {
  shareNameEmpty: new TopicError(
    TopicErrorCode.ShareNameEmpty,
    'MQTT-4.8.2-1',
    FILTER,
    'shared subscription needs a ShareName of at least one character',
  ),
  shareNameInvalid: new TopicError(
    TopicErrorCode.ShareNameInvalid,
    'MQTT-4.8.2-2',
    FILTER,
    "ShareName must not contain '+' or '#'",
  ),
  shareFilterMissing: new TopicError(
    TopicErrorCode.ShareFilterMissing,
    'MQTT-4.8.2-2',
    FILTER,
    "ShareName must be followed by '/' and a topic filter",
  ),
} as const;

/**
 * Splits a raw SUBSCRIBE / UNSUBSCRIBE filter into its shared group (if any) and the topic
 * filter the trie stores, and validates both. Non-shared filters come back with `filter === raw`.
 */
export function parseSubscriptionFilter(
  raw: string,
  limits?: TopicLimits,
): SubscriptionFilter | TopicError {
  if (raw.startsWith(SHARE_PREFIX)) return parseShare(raw, limits);
  if (raw.startsWith(QUEUE_PREFIX)) {
    if (exceedsUtf8Limit(raw)) return TopicErrors.tooLong.filter; // [MQTT-4.7.3-3]
    const filter = raw.slice(QUEUE_PREFIX.length);
    if (filter.length === 0) return SharedErrors.shareFilterMissing;
    return checked(QUEUE_GROUP, filter, limits);
  }
  const err = validateTopicFilter(raw, limits);
  return err ?? { group: null, filter: raw };
}

function parseShare(raw: string, limits: TopicLimits | undefined): SubscriptionFilter | TopicError {
  // The whole string counts against the 65535-byte limit, not only the inner filter.
  if (exceedsUtf8Limit(raw)) return TopicErrors.tooLong.filter; // [MQTT-4.7.3-3]
  const start = SHARE_PREFIX.length;
  const slash = raw.indexOf('/', start);
  const nameEnd = slash === -1 ? raw.length : slash;
  if (nameEnd === start) return SharedErrors.shareNameEmpty; // [MQTT-4.8.2-1]
  for (let i = start; i < nameEnd; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2b || c === 0x23) return SharedErrors.shareNameInvalid; // [MQTT-4.8.2-2]
    if (c === 0) return TopicErrors.nullChar.filter; // [MQTT-4.7.3-2]
  }
  if (slash === -1 || slash === raw.length - 1) return SharedErrors.shareFilterMissing; // [MQTT-4.8.2-2]
  return checked(raw.slice(start, nameEnd), raw.slice(slash + 1), limits);
}

function checked(
  group: string,
  filter: string,
  limits: TopicLimits | undefined,
): SubscriptionFilter | TopicError {
  const err = validateTopicFilter(filter, limits);
  return err ?? { group, filter };
}
