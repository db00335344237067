// The topic layer: validation, shared-subscription parsing, the subscription trie and
// MQTT 5 topic aliases. Pure: no I/O, no timers.
export {
  TopicError,
  TopicErrorCode,
  TopicErrors,
  TopicReasonCode,
  exceedsUtf8Limit,
  isSysTopic,
  isWildcardFilter,
  validateTopicFilter,
  validateTopicName,
  type TopicLimits,
} from './validate.js';
export {
  QUEUE_GROUP,
  SharedErrors,
  parseSubscriptionFilter,
  type SubscriptionFilter,
} from './shared.js';
export { MemberList, SharedGroup } from './member-list.js';
export { SubscriptionTrie, type GroupVisitor, type SubscriptionVisitor } from './trie.js';
export { AliasErrors, InboundAliases, OutboundAlias, OutboundAliases } from './alias.js';
