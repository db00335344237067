// A delivery or message read back from the store, as the broker's Outbound and Message.
import type { MessageData, StoredDelivery } from '../persistence/index.js';
import type { Broker } from './broker.js';
import { Message } from './message.js';
import { Outbound, type SharedGroupRef } from './session.js';

export function groupKey(group: SharedGroupRef | null): string | null {
  return group === null ? null : `${group.name}/${group.filter}`;
}

export function messageOf(m: MessageData): Message {
  const message = new Message(
    m.topic,
    m.payload,
    m.qos,
    m.retain,
    m.properties,
    m.expiresAt,
    m.origin,
  ).markOwned();
  message.storeId = m.id;
  return message;
}

/** The Outbound of a stored delivery (its shared group looked up in the router). */
export function outboundOf(
  broker: Broker,
  d: StoredDelivery,
  message: Message = messageOf(d.message),
): Outbound {
  const row = d.row;
  let group: SharedGroupRef | null = null;
  if (row.group !== null) {
    const slash = row.group.indexOf('/');
    group =
      broker.router.trie.getGroup(row.group.slice(slash + 1), row.group.slice(0, slash)) ?? null;
  }
  const out = new Outbound(
    message,
    row.qos,
    row.retain,
    row.subscriptionIds === null ? null : [...row.subscriptionIds],
    group,
  );
  out.row = row;
  return out;
}
