// The rows of the SQLite store's queue table: what a buffered row and a fresh message look
// like in memory, how a row's flags and extra column are packed, and how a stored row turns
// back into a delivery.
import type { QoS } from '../../codec/index.js';
import { decodeProperties, encodeProperties } from '../properties.js';
import type {
  MessageData,
  OutboundRow,
  OutboundStateValue,
  QueueRef,
  StorableMessage,
  StoredDelivery,
} from '../types.js';
import { CHUNKS, type DeliveryRow } from './statements.js';

/**
 * What this store hands out as a QueueRef: `shared` says the row refers to `messages`
 * (else its message is written in the row), so that deleting it knows whether a reference
 * count goes down, without a query.
 */
export interface SqliteRef extends QueueRef {
  readonly messageId: number;
  shared: boolean;
}

/** One buffered queue row. */
export interface PendingRow extends SqliteRef {
  clientId: string;
  seq: number;
  messageId: number;
  qos: 1 | 2;
  retain: boolean;
  subscriptionIds: readonly number[] | null;
  group: string | null;
  state: OutboundStateValue;
  packetId: number;
  /** The message itself, written into the row: it is its only reference. */
  inline: StorableMessage | null;
  /** The group holding it back from the disk (deferred-rows.ts), or null. */
  held: HeldGroup | null;
  /** In the batch's buffer, not applied yet (an update or removal edits it there). */
  buffered: boolean;
}

/** What a held-back row knows of its group: how many of its rows are still held. */
export interface HeldGroup {
  live: number;
}

/**
 * A message stored in this batch, with the references the batch gave it. At apply time a
 * message with exactly one reference, a queue row of the batch, is written into that row
 * (one insert and one delete in all, the common case of one persistent subscriber); any
 * other goes to `messages` once. One with no reference is not written at all.
 */
export interface FreshMessage {
  readonly id: number;
  readonly message: StorableMessage;
  refs: number;
  /** The row of its only reference, while it has exactly one and it is a queue row. */
  row: PendingRow | null;
  retained: boolean;
  /** 0 not yet, 1 inline in `row`, 2 in `messages`. */
  stored: 0 | 1 | 2;
}

interface Extra {
  /** Subscription identifiers. */
  s?: number[];
  /** `<group>/<filter>` of a shared subscription. */
  g?: string;
  /** Properties of an inline message (JSON text, properties.ts). */
  p?: string;
  /** Expiry of an inline message (ms). */
  e?: number;
}

/** queue.flags of a row (schema.ts). */
export function flagsOf(
  qos: number,
  retain: boolean,
  state: number,
  message: StorableMessage | null,
  packetId: number,
): number {
  let f = qos | (retain ? 4 : 0) | (state << 3) | (packetId << 8);
  if (message !== null) f |= (message.qos << 5) | (message.retain ? 128 : 0);
  return f;
}

/** queue.extra of a row: null for the common row (no ids, group, properties, expiry). */
export function extraOf(r: PendingRow, m: StorableMessage | null): string | null {
  const props = m === null ? null : m.properties;
  const expires = m === null ? 0 : m.expiresAt;
  if (r.subscriptionIds === null && r.group === null && props === null && expires === 0)
    return null;
  const extra: Extra = {};
  if (r.subscriptionIds !== null) extra.s = [...r.subscriptionIds];
  if (r.group !== null) extra.g = r.group;
  if (props !== null) extra.p = encodeProperties(props) as string;
  if (expires !== 0) extra.e = expires;
  return JSON.stringify(extra);
}

/** The delivery of a row, or null for a row whose message is missing. */
export function deliveryOf(r: DeliveryRow): StoredDelivery | null {
  if (r.topic === null || r.payload === null) return null;
  const extra = r.extra === null ? null : (JSON.parse(r.extra) as Extra);
  const f = r.flags;
  const shared = r.shared !== 0;
  const row: OutboundRow & SqliteRef = {
    shared,
    clientId: r.client_id,
    seq: r.seq,
    messageId: r.msg_id,
    qos: (f & 3) === 2 ? 2 : 1,
    retain: (f & 4) !== 0,
    subscriptionIds: extra?.s ?? null,
    group: extra?.g ?? null,
    state: ((f >> 3) & 3) as OutboundStateValue,
    packetId: (f >> 8) & 0xffff,
  };
  const message: MessageData = shared
    ? {
        id: r.msg_id,
        topic: r.topic,
        payload: r.payload,
        qos: (r.m_qos ?? 0) as QoS,
        retain: r.m_retain === 1,
        properties: decodeProperties(r.m_properties),
        expiresAt: r.m_expires_at ?? 0,
        origin: r.m_origin ?? '',
      }
    : {
        id: r.msg_id,
        topic: r.topic,
        payload: r.payload,
        qos: ((f >> 5) & 3) as QoS,
        retain: (f & 128) !== 0,
        properties: decodeProperties(extra?.p ?? null),
        expiresAt: extra?.e ?? 0,
        origin: '',
      };
  return { row, message };
}

export function deliveries(rows: DeliveryRow[]): StoredDelivery[] {
  const out: StoredDelivery[] = [];
  for (const r of rows) {
    const d = deliveryOf(r);
    if (d !== null) out.push(d);
  }
  return out;
}

/** The largest multi-row statement size that fits in `left` rows. */
export function chunk(left: number): 64 | 16 | 4 | 1 {
  for (const n of CHUNKS) if (left >= n) return n;
  return 1;
}
