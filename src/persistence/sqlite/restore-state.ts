// Reading the SQLite store back at open: sessions with their subscriptions, awaiting-release
// ids, wills, queue summaries and in-flight heads, and the retained messages (dropping the
// expired ones and messages nothing refers to).
import type Database from 'better-sqlite3';
import type { QoS } from '../../codec/index.js';
import { decodeProperties } from '../properties.js';
import {
  OutboundState,
  type MessageData,
  type RestoredSession,
  type RestoredState,
  type StoredDelivery,
  type WillData,
} from '../types.js';
import { deliveryOf } from './queue-rows.js';
import type { DeliveryRow, Statements } from './statements.js';

/** What the store goes on from: the restored state and its counters. */
export interface Restored {
  readonly state: RestoredState;
  readonly nextMessageId: number;
  readonly nextSeq: number;
  /** Rows in the queue table. */
  readonly queueRows: number;
}

export function restoreState(st: Statements, db: Database.Database): Restored {
  const now = Date.now();
  let maxMessageId = (st.maxIds.get() as { msg: number | null }).msg ?? 0;
  let maxSeq = 0;

  const byId = new Map<string, RestoredSession & { inflight: StoredDelivery[] }>();
  for (const r of st.allSessions.all() as {
    client_id: string;
    expiry_interval: number;
    expires_at: number;
  }[]) {
    byId.set(r.client_id, {
      clientId: r.client_id,
      expiryInterval: r.expiry_interval,
      expiresAt: r.expires_at,
      subscriptions: [],
      inflight: [],
      awaitingRelease: [],
      will: null,
      queued: 0,
    });
  }
  for (const r of st.allSubscriptions.all() as {
    client_id: string;
    filter: string;
    qos: number;
    no_local: number;
    retain_as_published: number;
    retain_handling: number;
    subscription_id: number;
  }[]) {
    byId.get(r.client_id)?.subscriptions.push({
      rawFilter: r.filter,
      qos: r.qos as QoS,
      noLocal: r.no_local !== 0,
      retainAsPublished: r.retain_as_published !== 0,
      retainHandling: r.retain_handling as 0 | 1 | 2,
      subscriptionId: r.subscription_id,
    });
  }
  for (const r of st.allAwaiting.all() as { client_id: string; packet_id: number }[])
    byId.get(r.client_id)?.awaitingRelease.push(r.packet_id);
  const wills = new Map<string, WillData>();
  for (const r of st.allWills.all() as {
    client_id: string;
    topic: string;
    payload: Buffer;
    qos: number;
    retain: number;
    properties: string | null;
    expiry_interval: number;
    delay: number;
    publish_at: number;
  }[]) {
    wills.set(r.client_id, {
      topic: r.topic,
      payload: r.payload,
      qos: r.qos as QoS,
      retain: r.retain !== 0,
      properties: decodeProperties(r.properties),
      expiryInterval: r.expiry_interval,
      delay: r.delay,
      publishAt: r.publish_at,
    });
  }

  const sessions: RestoredSession[] = [];
  // One pass over the queue: per session its QUEUED rows and the in-flight window's end;
  // the highest seq and message id (inline rows hold ids that `messages` does not).
  const summaries = new Map<string, { queued: number; last: number | null }>();
  let total = 0;
  for (const r of st.queueSummary.all() as {
    client_id: string;
    rows: number;
    queued: number;
    last: number | null;
    seq: number;
    msg: number;
  }[]) {
    summaries.set(r.client_id, { queued: r.queued, last: r.last });
    total += r.rows;
    maxSeq = Math.max(maxSeq, r.seq);
    maxMessageId = Math.max(maxMessageId, r.msg);
  }
  const nextMessageId = maxMessageId + 1;
  const nextSeq = maxSeq + 1;
  for (const s of byId.values()) {
    const summary = summaries.get(s.clientId);
    let queued = summary?.queued ?? 0;
    const inflight: StoredDelivery[] = [];
    if (summary !== undefined && summary.last !== null) {
      // Everything up to the last row that was sent was sent (rows leave the queue in
      // seq order): QUEUED rows among them are QoS 1 rows sent without an update.
      for (const r of st.sessionHead.all(s.clientId, summary.last) as DeliveryRow[]) {
        if (((r.flags >> 3) & 3) === OutboundState.QUEUED) queued--;
        const d = deliveryOf(r);
        if (d !== null) inflight.push(d);
      }
    }
    sessions.push({ ...s, inflight, queued, will: wills.get(s.clientId) ?? null });
  }

  const retained: MessageData[] = [];
  const expired: string[] = [];
  for (const r of st.allRetained.all() as {
    r_topic: string;
    id: number;
    topic: string;
    payload: Buffer;
    qos: number;
    retain: number;
    properties: string | null;
    expires_at: number;
    origin: string;
  }[]) {
    if (r.expires_at !== 0 && r.expires_at <= now) {
      expired.push(r.r_topic);
      continue;
    }
    retained.push({
      id: r.id,
      topic: r.topic,
      payload: r.payload,
      qos: r.qos as QoS,
      retain: r.retain !== 0,
      properties: decodeProperties(r.properties),
      expiresAt: r.expires_at,
      origin: r.origin,
    });
  }
  // Expired retained messages, and messages nothing refers to (stored in a batch whose
  // references were all cancelled): gone before anyone sees them.
  db.transaction(() => {
    for (const topic of expired) st.deleteRetained.run(topic);
    db.prepare('DELETE FROM messages WHERE refs <= 0').run();
  })();
  return { state: { sessions, retained }, nextMessageId, nextSeq, queueRows: total };
}
