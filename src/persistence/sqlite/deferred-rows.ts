// QoS 1 deliveries already on their way to an online subscriber, not written yet.
//
// Such a row is needed on disk only if the subscriber has not acknowledged it by the time
// the broker could crash. So at commit a sent QoS 1 row whose message it alone refers to is
// held here for `graceMs` instead of being inserted: when the subscriber's PUBACK comes
// within that time the row is dropped and never touches SQLite; otherwise it is inserted at
// the first commit after its deadline. The batch that deferred rows stays unsettled until
// every one of them is dropped or committed, and the publishers' acks of that batch wait
// for it (GroupCommit): an acked message is always committed or already delivered. Rows
// written after their deadline are written by a later batch: their own batch settles only
// when that one is durable (committed and, with synchronous 'full', its WAL synced).
//
// QoS 2 rows are never deferred: a subscriber that got a QoS 2 message whose publisher then
// resent it (no PUBREC before a crash) would receive it twice.
import type { HeldGroup, PendingRow } from './queue-rows.js';

/** The rows one batch deferred. */
interface DeferGroup extends HeldGroup {
  /** The batch's number (SqlitePersistence.batch once it commits). */
  batch: number;
  /** performance.now() after which its rows are written. */
  due: number;
  /** Its rows; those no longer held (`row.held !== this`) are skipped. */
  readonly rows: PendingRow[];
  /** The batch that wrote its remaining rows (0: none written; the rest were acknowledged). */
  writtenIn: number;
}

// A held row points at its group (PendingRow.held), so holding and releasing one costs no
// map operation: the group counts its live rows and is walked only when its rows are due.
export class DeferredRows {
  /** Oldest first; a batch's group is sealed (given its deadline) when the batch commits. */
  private readonly groups: DeferGroup[];
  /** The group of the batch in progress (not sealed). */
  private open: DeferGroup | null;
  /** Rows held over all groups. */
  private held: number;

  constructor() {
    this.groups = [];
    this.open = null;
    this.held = 0;
  }

  get size(): number {
    return this.held;
  }

  /** Holds `row` back in the batch in progress. */
  add(row: PendingRow): void {
    let group = this.open;
    if (group === null) {
      group = { batch: 0, due: Infinity, rows: [], writtenIn: 0, live: 0 };
      this.open = group;
      this.groups.push(group);
    }
    group.rows.push(row);
    group.live++;
    row.held = group;
    this.held++;
  }

  /** The subscriber acknowledged it (or it was dropped): it is never written. */
  remove(row: PendingRow): boolean {
    const group = row.held;
    if (group === null) return false;
    row.held = null;
    group.live--;
    this.held--;
    return true;
  }

  /** Drops the rows of a session that is deleted; returns how many. */
  removeClient(clientId: string): number {
    let n = 0;
    for (const group of this.groups)
      for (const row of group.rows)
        if (row.held === group && row.clientId === clientId && this.remove(row)) n++;
    return n;
  }

  /**
   * Takes the rows to write now, in the batch that will commit as number `writer`: those of
   * groups past their deadline (all with `all`; the open group's only then).
   */
  takeDue(now: number, all: boolean, writer: number): PendingRow[] {
    const rows: PendingRow[] = [];
    for (const group of this.groups) {
      if (!all && group.due > now) break;
      if (group.live === 0) continue;
      for (const row of group.rows) {
        if (row.held !== group) continue;
        row.held = null;
        rows.push(row);
      }
      this.held -= group.live;
      group.live = 0;
      group.rows.length = 0;
      group.writtenIn = writer;
    }
    return rows;
  }

  /** Whether a sealed group is past its deadline and still has rows. */
  anyDue(now: number): boolean {
    for (const group of this.groups) {
      if (group.due > now) return false;
      if (group.live > 0) return true;
    }
    return false;
  }

  /** The batch in progress committed as number `batch`: its group (if any) is sealed. */
  committed(batch: number, due: number): void {
    if (this.open === null) return;
    this.open.batch = batch;
    this.open.due = due;
    this.open = null;
  }

  /**
   * The highest batch number up to which every batch is settled, given `batch` (the last
   * committed) and `durable` (every batch up to it is durable). A group is done when it has
   * no row left held and the batch that wrote the rest (if any) is durable.
   */
  settledThrough(batch: number, durable: number): number {
    while (this.groups.length > 0) {
      const oldest = this.groups[0] as DeferGroup;
      if (oldest === this.open) break; // the batch in progress: every committed one is done
      if (oldest.live > 0 || oldest.writtenIn > durable) return oldest.batch - 1;
      this.groups.shift();
    }
    return batch;
  }

  /** The deadline of the oldest group with rows (performance.now() ms), 0 when none. */
  get nextDue(): number {
    for (const group of this.groups) if (group.live > 0) return group.due;
    return 0;
  }

  /** Forgets everything (a failed batch, or closing without a commit). */
  clear(): void {
    for (const group of this.groups) for (const row of group.rows) row.held = null;
    this.groups.length = 0;
    this.open = null;
    this.held = 0;
  }
}
