import type { QoS } from '../codec/index.js';
import { SubscriptionTrie } from '../topic/index.js';
import type { Delivery } from './delivery.js';
import type { Message } from './message.js';
import type { Session, SharedGroupRef, SubscriptionRecord } from './session.js';

/**
 * Subscriptions and routing. A PUBLISH walks the trie once; every session gets one copy at
 * the highest QoS of its matching subscriptions with all their identifiers [MQTT-3.3.4-2,
 * 3.3.4-3]; each matching shared group gives one copy to one member [MQTT-4.8.2].
 */
export class Router {
  readonly trie: SubscriptionTrie<Session, SubscriptionRecord>;
  private readonly delivery: Delivery;
  private readonly strategy: 'round_robin' | 'random';
  private epoch: number;
  private current: Message | null;
  // Reused between publishes: routing allocates nothing in the common case.
  private readonly matched: Session[];
  private readonly groups: SharedGroupRef[];
  subscriptionCount: number;

  constructor(delivery: Delivery, strategy: 'round_robin' | 'random') {
    this.trie = new SubscriptionTrie();
    this.delivery = delivery;
    this.strategy = strategy;
    this.epoch = 0;
    this.current = null;
    this.matched = [];
    this.groups = [];
    this.subscriptionCount = 0;
  }

  /** Adds or replaces a subscription; true when the filter is new for this session. */
  add(session: Session, record: SubscriptionRecord): boolean {
    const old = session.subscriptions.get(record.rawFilter);
    session.subscriptions.set(record.rawFilter, record);
    this.trie.add(record.filter, session, record, record.group);
    if (old === undefined) this.subscriptionCount++;
    return old === undefined;
  }

  remove(session: Session, rawFilter: string): boolean {
    const record = session.subscriptions.get(rawFilter);
    if (record === undefined) return false;
    session.subscriptions.delete(rawFilter);
    this.trie.remove(record.filter, session, record.group);
    this.subscriptionCount--;
    if (record.group !== null) this.handOver(session, record.group, record.filter);
    return true;
  }

  /** Removes every subscription of a session that ends. */
  removeAll(session: Session): void {
    for (const record of [...session.subscriptions.values()])
      this.remove(session, record.rawFilter);
  }

  /** True when any subscription (shared or not) matches `topic`. */
  hasSubscribers(topic: string): boolean {
    return this.trie.matchAll(topic, ignore, ignore, null) > 0;
  }

  /** Routes one message; returns how many copies were handed to sessions. */
  route(message: Message): number {
    this.epoch++;
    this.current = message;
    const matched = this.matched;
    const groups = this.groups;
    this.trie.matchAll(message.topic, visitSubscription, visitGroup, this);
    this.current = null;
    let copies = 0;
    for (const session of matched) {
      const qos = Math.min(message.qos, session.routeQos) as QoS;
      // Retain As Published keeps the flag, otherwise it is cleared [MQTT-3.3.1-12, 3.3.1-13].
      const retain = session.routeRetainAsPublished && message.retain;
      this.delivery.deliver(session, message, qos, retain, session.routeSubscriptionIds, null);
      copies++;
    }
    matched.length = 0;
    for (const group of groups) if (this.deliverToGroup(group, message)) copies++;
    groups.length = 0;
    return copies;
  }

  /** One member of a shared group, preferring connected ones. */
  private deliverToGroup(
    group: SharedGroupRef,
    message: Message,
    exclude: Session | null = null,
  ): boolean {
    const n = group.size;
    if (n === 0) return false;
    const start = this.strategy === 'random' ? Math.floor(Math.random() * n) : group.cursor++ % n;
    let pick = -1;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const session = group.keyAt(i);
      if (session === exclude) continue;
      if (pick === -1) pick = i;
      if (session.client !== null && session.client.connected) {
        pick = i;
        break;
      }
    }
    if (pick === -1) return false;
    const session = group.keyAt(pick);
    const record = group.valueAt(pick);
    const qos = Math.min(message.qos, record.qos) as QoS;
    const ids = record.subscriptionId === 0 ? null : [record.subscriptionId];
    this.delivery.deliver(
      session,
      message,
      qos,
      record.retainAsPublished && message.retain,
      ids,
      group,
    );
    return true;
  }

  /**
   * A member left a shared group: its queued messages and in-flight QoS 1 messages of that
   * group go to another member [MQTT-4.8.2], so a departing subscriber loses nothing.
   */
  private handOver(session: Session, groupName: string, filter: string): void {
    const group = this.trie.getGroup(filter, groupName);
    const moved = [];
    // A started QoS 2 delivery stays with its member: completed if it only unsubscribed
    // [MQTT-3.10.4-3], never sent to another member if its session ends [MQTT-4.8.2-5].
    for (const out of session.inflight.values()) {
      if (
        out.qos === 1 &&
        out.group !== null &&
        out.group.name === groupName &&
        out.group.filter === filter
      )
        moved.push(out);
    }
    for (const out of moved) session.inflight.delete(out.packetId);
    const keep = [];
    while (session.queue.length > 0) {
      const out = session.queue.shift();
      if (out === undefined) break;
      if (out.group !== null && out.group.name === groupName && out.group.filter === filter)
        moved.push(out);
      else keep.push(out);
    }
    for (const out of keep) session.queue.push(out);
    // Stored rows go after the new deliveries are made (a message is kept while referred to).
    if (group !== undefined)
      for (const out of moved) this.deliverToGroup(group, out.message, session);
    for (const out of moved) this.delivery.forget(session, out);
  }

  /** Called by the trie for each matching non-shared subscription. */
  collect(record: SubscriptionRecord, session: Session): void {
    const message = this.current as Message;
    // No Local: not back to the publisher's own session [MQTT-3.8.3-3].
    if (record.noLocal && session.clientId === message.origin) return;
    const id = record.subscriptionId;
    if (session.routeEpoch !== this.epoch) {
      session.routeEpoch = this.epoch;
      session.routeQos = record.qos;
      session.routeRetainAsPublished = record.retainAsPublished;
      session.routeSubscriptionIds = id === 0 ? null : [id];
      this.matched.push(session);
      return;
    }
    if (record.qos > session.routeQos) session.routeQos = record.qos;
    if (record.retainAsPublished) session.routeRetainAsPublished = true;
    if (id !== 0) {
      if (session.routeSubscriptionIds === null) session.routeSubscriptionIds = [id];
      else session.routeSubscriptionIds.push(id);
    }
  }

  collectGroup(group: SharedGroupRef): void {
    this.groups.push(group);
  }
}

// A visitor that only lets the trie count matches.
const ignore = (): void => {};

function visitSubscription(
  record: SubscriptionRecord,
  session: Session,
  _filter: string,
  router: Router,
): void {
  router.collect(record, session);
}

function visitGroup(group: SharedGroupRef, router: Router): void {
  router.collectGroup(group);
}
