// MQTT 5 Topic Aliases (§3.3.2.3.4, §3.3.4). One pair of maps per network connection:
// mappings never carry over to another connection [MQTT-3.3.2-7], so make new ones on
// every CONNECT. The two directions are independent: alias 1 from the client and alias 1
// to the client name different topics.
import { TopicError, TopicErrorCode, TopicReasonCode } from './validate.js';

const MAX_ALIAS = 65535;

export const AliasErrors = {
  zero: new TopicError(
    TopicErrorCode.AliasInvalid,
    'MQTT-3.3.2-8',
    TopicReasonCode.TopicAliasInvalid,
    'Topic Alias 0 is not permitted',
  ),
  aboveMax: new TopicError(
    TopicErrorCode.AliasInvalid,
    'MQTT-3.3.2-9',
    TopicReasonCode.TopicAliasInvalid,
    'Topic Alias greater than the Topic Alias Maximum sent in CONNACK',
  ),
  unknown: new TopicError(
    TopicErrorCode.AliasUnknown,
    '§3.3.4',
    TopicReasonCode.ProtocolError,
    'empty Topic Name with a Topic Alias that has no mapping',
  ),
  topicMissing: new TopicError(
    TopicErrorCode.TopicMissing,
    '§3.3.2.1',
    TopicReasonCode.ProtocolError,
    'empty Topic Name without a Topic Alias',
  ),
} as const;

function checkMax(max: number): number {
  if (!Number.isInteger(max) || max < 0 || max > MAX_ALIAS) {
    throw new RangeError(`Topic Alias Maximum must be an integer in 0..${MAX_ALIAS}, got ${max}`);
  }
  return max;
}

/**
 * Client -> broker aliases. `max` is the Topic Alias Maximum the broker sent in CONNACK
 * (0: the client may not use aliases).
 */
export class InboundAliases {
  readonly max: number;
  // Slot = alias; grows as the client uses higher aliases (never preallocated to 65535).
  private readonly topics: (string | undefined)[];

  constructor(max: number) {
    this.max = checkMax(max);
    this.topics = [];
  }

  /**
   * The topic a PUBLISH is for, given its Topic Name and Topic Alias property (undefined
   * when absent). A non-empty name with an alias sets or replaces the mapping. Check a
   * non-empty name with validateTopicName as usual; an error here is a DISCONNECT with
   * `reasonCode` (0x94 Topic Alias invalid, 0x82 Protocol Error).
   */
  resolve(alias: number | undefined, topic: string): string | TopicError {
    if (alias === undefined) return topic.length === 0 ? AliasErrors.topicMissing : topic;
    if (alias === 0) return AliasErrors.zero; // [MQTT-3.3.2-8]
    // [MQTT-3.3.2-12]: accept 1..max, and only those.
    if (alias > this.max || !Number.isInteger(alias)) return AliasErrors.aboveMax; // [MQTT-3.3.2-9]
    if (topic.length === 0) return this.topics[alias] ?? AliasErrors.unknown; // §3.3.4
    this.topics[alias] = topic;
    return topic;
  }

  /** The topic mapped to `alias`, if any. */
  get(alias: number): string | undefined {
    return this.topics[alias];
  }

  clear(): void {
    this.topics.length = 0;
  }
}

/** What to put in an outgoing PUBLISH. Reused: read it before the next assign(). */
export class OutboundAlias {
  /** Topic Alias property to send; 0 = send no alias (aliases disabled). */
  alias: number;
  /** True: send the full Topic Name (new or remapped alias). False: send an empty name. */
  sendTopic: boolean;

  constructor() {
    this.alias = 0;
    this.sendTopic = true;
  }
}

/**
 * Broker -> client aliases. `max` is the Topic Alias Maximum the client sent in CONNECT
 * (capped by the broker's own limit); aliases 1..max are used [MQTT-3.3.2-11], never 0
 * [MQTT-3.3.2-8]. When all are taken, the least recently used alias is remapped.
 *
 * Call assign() only for a PUBLISH that is really written, in write order: a mapping the
 * client never saw would make it resolve later packets to the wrong topic. Retransmissions
 * on a new connection go through that connection's OutboundAliases.
 */
export class OutboundAliases {
  readonly max: number;
  private readonly byTopic: Map<string, number>;
  // Slot = alias; slot 0 is the sentinel of the LRU ring (next[0] = least recently used).
  private readonly topics: string[];
  private readonly prev: number[];
  private readonly next: number[];
  private readonly result: OutboundAlias;

  constructor(max: number) {
    this.max = checkMax(max);
    this.byTopic = new Map();
    this.topics = [''];
    this.prev = [0];
    this.next = [0];
    this.result = new OutboundAlias();
  }

  /** Number of aliases in use. */
  get size(): number {
    return this.topics.length - 1;
  }

  /** The alias for `topic`, assigning or recycling one when needed. */
  assign(topic: string): OutboundAlias {
    const r = this.result;
    if (this.max === 0) {
      r.alias = 0;
      r.sendTopic = true;
      return r;
    }
    const known = this.byTopic.get(topic);
    if (known !== undefined) {
      if (this.prev[0] !== known) {
        this.unlink(known);
        this.linkNewest(known);
      }
      r.alias = known;
      r.sendTopic = false;
      return r;
    }
    let alias: number;
    if (this.topics.length <= this.max) {
      alias = this.topics.length;
      this.topics.push(topic);
      this.prev.push(0);
      this.next.push(0);
    } else {
      alias = this.next[0] as number;
      this.unlink(alias);
      this.byTopic.delete(this.topics[alias] as string);
      this.topics[alias] = topic;
    }
    this.linkNewest(alias);
    this.byTopic.set(topic, alias);
    r.alias = alias;
    r.sendTopic = true;
    return r;
  }

  /** The alias mapped to `topic` without touching the LRU order; 0 when none. */
  peek(topic: string): number {
    return this.byTopic.get(topic) ?? 0;
  }

  clear(): void {
    this.byTopic.clear();
    this.topics.length = 1;
    this.prev.length = 1;
    this.next.length = 1;
    this.prev[0] = 0;
    this.next[0] = 0;
  }

  private unlink(alias: number): void {
    const p = this.prev[alias] as number;
    const n = this.next[alias] as number;
    this.next[p] = n;
    this.prev[n] = p;
  }

  private linkNewest(alias: number): void {
    const newest = this.prev[0] as number;
    this.next[newest] = alias;
    this.prev[alias] = newest;
    this.next[alias] = 0;
    this.prev[0] = alias;
  }
}
