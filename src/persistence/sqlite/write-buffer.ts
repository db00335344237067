// The SQLite store's in-memory buffer of one batch's hot mutations (messages, queue rows):
// an update or delete of a row buffered in the same batch edits or drops it here, and the
// rest is applied at commit in multi-row statements (apply-pending.ts). Sent QoS 1 rows
// that commit held back (deferred-rows.ts) are found here too.
import type { OutboundStateValue, QueueRef, StorableMessage } from '../types.js';
import type { BufferedWrites } from './apply-pending.js';
import { DeferredRows } from './deferred-rows.js';
import type { FreshMessage, PendingRow, SqliteRef } from './queue-rows.js';

export class WriteBuffer {
  /** Messages stored in this batch (see FreshMessage). */
  readonly fresh: Map<number, FreshMessage>;
  /** Fresh messages not written yet. */
  unwritten: FreshMessage[];
  /**
   * Buffered inserts in order; an update or delete of a buffered row edits it or clears its
   * `buffered` flag (it stays in the array and is skipped).
   */
  private newRows: PendingRow[];
  private bufferedRows: number;
  private updates: Map<number, { clientId: string; state: OutboundStateValue; packetId: number }>;
  /** Rows with their message inline, by client: deleted in multi-row statements. */
  private deletes: Map<string, number[]>;
  private deleteCount: number;
  /** Rows that refer to `messages`: deleted one by one, each lowering its message's count. */
  private sharedDeletes: { clientId: string; seq: number; messageId: number }[];
  /** Sent QoS 1 rows held back from earlier applies (they outlive `take()`). */
  readonly deferred: DeferredRows;

  constructor() {
    this.deferred = new DeferredRows();
    this.fresh = new Map();
    this.unwritten = [];
    this.newRows = [];
    this.bufferedRows = 0;
    this.updates = new Map();
    this.deletes = new Map();
    this.deleteCount = 0;
    this.sharedDeletes = [];
  }

  /** Nothing is buffered. */
  get empty(): boolean {
    return (
      this.unwritten.length === 0 &&
      this.bufferedRows === 0 &&
      this.updates.size === 0 &&
      this.deleteCount === 0 &&
      this.sharedDeletes.length === 0
    );
  }

  storeMessage(id: number, message: StorableMessage): void {
    if (this.fresh.has(id)) return;
    const entry: FreshMessage = { id, message, refs: 0, row: null, retained: false, stored: 0 };
    this.fresh.set(id, entry);
    this.unwritten.push(entry);
  }

  /** A retained entry now refers to message `messageId` (if it is fresh). */
  referenceRetained(messageId: number): void {
    const entry = this.fresh.get(messageId);
    if (entry !== undefined) this.reference(entry, null);
  }

  /** One more reference to a fresh message (a queue row, or null for a retained entry). */
  private reference(entry: FreshMessage, row: PendingRow | null): void {
    entry.refs++;
    entry.row = entry.refs === 1 ? row : null;
    if (row === null) entry.retained = true;
    // Inline in a row already applied, and now a second reference: it needs `messages`.
    if (entry.stored === 1) {
      entry.stored = 0;
      this.unwritten.push(entry);
    }
  }

  enqueue(
    clientId: string,
    seq: number,
    messageId: number,
    qos: 1 | 2,
    retain: boolean,
    subscriptionIds: readonly number[] | null,
    group: string | null,
    state: OutboundStateValue,
    packetId: number,
  ): PendingRow {
    const row: PendingRow = {
      clientId,
      seq,
      messageId,
      qos,
      retain,
      subscriptionIds,
      group,
      state,
      packetId,
      inline: null,
      shared: true,
      held: null,
      buffered: true,
    };
    this.newRows.push(row);
    this.bufferedRows++;
    const entry = this.fresh.get(messageId);
    if (entry !== undefined) this.reference(entry, row);
    return row;
  }

  updateOutbound(
    clientId: string,
    ref: QueueRef,
    state: OutboundStateValue,
    packetId: number,
  ): void {
    const row = ownRow(ref);
    if (row !== null && (row.buffered || row.held !== null)) {
      row.state = state;
      row.packetId = packetId;
      return;
    }
    this.updates.set(ref.seq, { clientId, state, packetId });
  }

  removeOutbound(clientId: string, ref: QueueRef): void {
    const seq = ref.seq;
    const row = ownRow(ref);
    // Still in this batch's buffer, or held back for its PUBACK: it is never written.
    if (row !== null && (row.buffered || this.deferred.remove(row))) {
      if (row.buffered) {
        row.buffered = false;
        this.bufferedRows--;
      }
      const entry = this.fresh.get(row.messageId);
      if (entry !== undefined) {
        entry.refs--;
        if (entry.row === row) entry.row = null;
      }
      return;
    }
    this.updates.delete(seq);
    const r = ref as SqliteRef;
    if (r.shared) {
      this.sharedDeletes.push({ clientId, seq, messageId: r.messageId });
      return;
    }
    let list = this.deletes.get(clientId);
    if (list === undefined) {
      list = [];
      this.deletes.set(clientId, list);
    }
    list.push(seq);
    this.deleteCount++;
  }

  /** Hands out the buffered writes and starts new buffers (`fresh` stays). */
  take(): BufferedWrites {
    const taken: BufferedWrites = {
      fresh: this.unwritten,
      rows: this.newRows,
      updates: this.updates,
      deletes: this.deletes,
      expectedDeletes: this.deleteCount,
      sharedDeletes: this.sharedDeletes,
    };
    this.reset();
    return taken;
  }

  /** Drops the buffered and the deferred writes (`fresh` stays). */
  clear(): void {
    for (const row of this.newRows) row.buffered = false; // lost with the batch
    this.reset();
    this.deferred.clear();
  }

  private reset(): void {
    this.unwritten = [];
    this.newRows = [];
    this.bufferedRows = 0;
    this.updates = new Map();
    this.deletes = new Map();
    this.deleteCount = 0;
    this.sharedDeletes = [];
  }
}

/** A row this store made (it carries its batch state); null for a restored one (open, a page). */
function ownRow(ref: QueueRef): PendingRow | null {
  return 'buffered' in ref ? (ref as PendingRow) : null;
}
