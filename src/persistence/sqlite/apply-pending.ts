// Writing one batch's buffered messages and queue rows to SQLite in multi-row statements.
import type Database from 'better-sqlite3';
import { encodeProperties } from '../properties.js';
import { OutboundState, type OutboundStateValue } from '../types.js';
import type { DeferredRows } from './deferred-rows.js';
import { chunk, extraOf, flagsOf, type FreshMessage, type PendingRow } from './queue-rows.js';
import type { Statements } from './statements.js';

/** The writes a batch has buffered (taken from the store, which starts new buffers). */
export interface BufferedWrites {
  /** Fresh messages not written yet. */
  readonly fresh: FreshMessage[];
  /** Buffered inserts in order; those with `buffered` false were removed meanwhile. */
  readonly rows: PendingRow[];
  readonly updates: Map<number, { clientId: string; state: OutboundStateValue; packetId: number }>;
  /** Rows with their message inline, by client. */
  readonly deletes: Map<string, number[]>;
  readonly expectedDeletes: number;
  /** Rows that refer to `messages`. */
  readonly sharedDeletes: { clientId: string; seq: number; messageId: number }[];
}

/**
 * Applies the buffered writes; a fresh message with no reference yet goes back to
 * `unwritten`, and with `defer` a sent QoS 1 row that carries its message is held there
 * instead of inserted. Returns the correction to the store's count of queue rows. Throws on an
 * SQLite error.
 */
export function applyBuffered(
  st: Statements,
  buffered: BufferedWrites,
  unwritten: FreshMessage[],
  defer: DeferredRows | null,
): number {
  const { fresh, rows, updates, deletes, expectedDeletes, sharedDeletes } = buffered;
  // Where each fresh message goes: into its only queue row, or once into `messages`.
  const table: FreshMessage[] = [];
  for (const e of fresh) {
    if (e.refs <= 0) {
      unwritten.push(e); // may still get a reference in this batch
    } else if (e.refs === 1 && e.row !== null && e.stored === 0 && e.row.buffered) {
      e.row.inline = e.message;
      e.stored = 1;
    } else {
      table.push(e);
      e.stored = 2;
    }
  }
  // Rows first out of the buffer (nothing here throws: a failure below leaves no row
  // flagged as buffered), then messages, then rows: the queue refers to messages.
  const list: PendingRow[] = [];
  for (const r of rows) {
    if (!r.buffered) continue; // removed before it was applied
    r.buffered = false;
    // A sent QoS 1 row carrying its own message may wait for its PUBACK (deferred-rows.ts).
    if (defer !== null && r.inline !== null && r.qos === 1 && r.state === OutboundState.PUBLISHED)
      defer.add(r);
    else list.push(r);
  }
  const args: unknown[] = [];
  let i = 0;
  while (i < table.length) {
    const n = chunk(table.length - i);
    args.length = 0;
    for (let k = 0; k < n; k++) {
      const { id, message: m } = table[i + k] as FreshMessage;
      args.push(
        id,
        m.topic,
        m.payload,
        m.qos,
        m.retain ? 1 : 0,
        encodeProperties(m.properties),
        m.expiresAt,
        m.origin,
      );
    }
    (st.insertMessages.get(n) as Database.Statement).run(args);
    i += n;
  }
  insertRows(st, list, args);
  for (const [seq, u] of updates)
    st.updateQueue.run((u.state << 3) | (u.packetId << 8), u.clientId, seq);
  let deleted = 0;
  for (const [clientId, seqs] of deletes) {
    let j = 0;
    while (j < seqs.length) {
      const n = chunk(seqs.length - j);
      args.length = 0;
      args.push(clientId);
      for (let k = 0; k < n; k++) args.push(seqs[j + k]);
      deleted += (st.deleteQueue.get(n) as Database.Statement).run(args).changes;
      j += n;
    }
  }
  for (const d of sharedDeletes) {
    if (st.deleteQueueOne.run(d.clientId, d.seq).changes === 0) continue;
    deleted++;
    st.addRefs.run(-1, d.messageId);
    st.deleteUnreferenced.run(d.messageId);
  }
  // Rows lost with an earlier failed batch were counted as removed but were not there.
  return expectedDeletes + sharedDeletes.length - deleted;
}

/**
 * Inserts queue rows in multi-row statements: a row with its message inline carries it,
 * any other refers to `messages` and adds to that message's `refs`.
 */
export function insertRows(st: Statements, list: readonly PendingRow[], args: unknown[]): void {
  /** References this insert adds to messages in `messages`. */
  let added: Map<number, number> | null = null;
  let i = 0;
  while (i < list.length) {
    const n = chunk(list.length - i);
    args.length = 0;
    for (let k = 0; k < n; k++) {
      const r = list[i + k] as PendingRow;
      const m = r.inline;
      r.shared = m === null;
      args.push(
        r.clientId,
        r.seq,
        r.messageId,
        flagsOf(r.qos, r.retain, r.state, m, r.packetId),
        extraOf(r, m),
      );
      if (m === null) {
        args.push(null, null);
        added ??= new Map();
        added.set(r.messageId, (added.get(r.messageId) ?? 0) + 1);
      } else {
        args.push(m.topic, m.payload);
      }
    }
    (st.insertQueue.get(n) as Database.Statement).run(args);
    i += n;
  }
  if (added !== null) for (const [id, n] of added) st.addRefs.run(n, id);
}
