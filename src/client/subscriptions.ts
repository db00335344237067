// The subscriptions the broker granted, kept to restore them when a reconnect finds no
// session on the broker (CONNACK Session Present 0).
import type { Properties, QoS, Subscription, UserProperty } from '../codec/index.js';
import { validateTopicFilter } from '../topic/index.js';

export interface SubscriptionRequest {
  topicFilter: string;
  qos?: QoS;
  /** v5 subscription options [MQTT-3.8.3.1]. */
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

export interface SubscribeOptions {
  /** QoS for filters given as strings. Default 0. */
  qos?: QoS;
  /** v5 Subscription Identifier (1..268,435,455). */
  subscriptionIdentifier?: number;
  userProperties?: UserProperty[];
}

/** The SUBSCRIBE contents for subscribe()'s arguments, or why they are invalid. */
export function subscribeRequest(
  filters: string | string[] | SubscriptionRequest[],
  options: SubscribeOptions,
): { subscriptions: Subscription[]; properties: Properties | null } | string {
  const list = (Array.isArray(filters) ? filters : [filters]).map((f) =>
    typeof f === 'string' ? { topicFilter: f } : f,
  );
  if (list.length === 0) return 'subscribe() needs a topic filter';
  const subscriptions = list.map((r) => toSubscription(r, options.qos ?? 0));
  for (const s of subscriptions) {
    const bad = validateTopicFilter(s.topicFilter);
    if (bad !== null) return `invalid topic filter "${s.topicFilter}": ${bad.message}`;
  }
  let properties: Properties | null = null;
  if (options.subscriptionIdentifier !== undefined || options.userProperties !== undefined) {
    properties = {};
    if (options.subscriptionIdentifier !== undefined) {
      properties.subscriptionIdentifiers = [options.subscriptionIdentifier];
    }
    if (options.userProperties !== undefined) properties.userProperties = options.userProperties;
  }
  return { subscriptions, properties };
}

function toSubscription(r: SubscriptionRequest, qos: QoS): Subscription {
  return {
    topicFilter: r.topicFilter,
    qos: r.qos ?? qos,
    noLocal: r.noLocal ?? false,
    retainAsPublished: r.retainAsPublished ?? false,
    retainHandling: r.retainHandling ?? 0,
  };
}

class Entry {
  readonly subscription: Subscription;
  /** Shared by the filters of one subscribe() call, so they are restored in one SUBSCRIBE. */
  readonly properties: Properties | null;

  constructor(subscription: Subscription, properties: Properties | null) {
    this.subscription = subscription;
    this.properties = properties;
  }
}

export class SubscriptionRegistry {
  private readonly entries: Map<string, Entry>;

  constructor() {
    this.entries = new Map();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records the subscriptions whose SUBACK code is a granted QoS (< 0x80). */
  granted(subscriptions: Subscription[], codes: number[], properties: Properties | null): void {
    subscriptions.forEach((s, i) => {
      const code = codes[i];
      if (code !== undefined && code < 0x80) {
        this.entries.set(s.topicFilter, new Entry(s, properties));
      }
    });
  }

  remove(topicFilters: string[]): void {
    for (const f of topicFilters) this.entries.delete(f);
  }

  /** One SUBSCRIBE's worth per distinct property set, in first-subscribed order. */
  groups(): { subscriptions: Subscription[]; properties: Properties | null }[] {
    const byProps = new Map<Properties | null, Subscription[]>();
    for (const e of this.entries.values()) {
      const list = byProps.get(e.properties);
      if (list === undefined) byProps.set(e.properties, [e.subscription]);
      else list.push(e.subscription);
    }
    return [...byProps].map(([properties, subscriptions]) => ({ subscriptions, properties }));
  }
}
