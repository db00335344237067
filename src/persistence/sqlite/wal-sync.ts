// Making commits durable off the event loop (synchronous = 'full').
//
// SQLite's own FULL mode fsyncs the WAL inside every COMMIT: the event loop stops for a
// disk flush per batch (~0.4 ms on this project's VMs, far more on SD cards). Instead the
// database runs with PRAGMA synchronous = NORMAL, where SQLite syncs only around
// checkpoints (so a checkpoint never lets WAL frames be overwritten before the database
// file holding them is on disk), and this class fdatasyncs the WAL on libuv's thread pool
// after commits. A batch is durable once a sync that started after its COMMIT has
// completed: until the next checkpoint the WAL only grows, and a checkpoint syncs what it
// copies. The acks of a batch wait for that (SqlitePersistence.settled), so the promise is
// FULL's while the broker goes on routing during the flush.
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** fdatasync, or a stand-in (tests inject slow and failing ones). */
export type SyncFn = (fd: number, done: (error: Error | null) => void) => void;

export class WalSync {
  private readonly path: string;
  private readonly sync: SyncFn;
  private readonly onSynced: () => void;
  private fd: number;
  private inFlight: boolean;
  private closing: boolean;
  /** The last batch that committed writes. */
  private written: number;
  /** The last batch a completed sync covers. */
  private synced: number;
  /** A failed sync, reported by the next commit, and the last batch it was to cover. */
  private failed: Error | null;
  private failedThrough: number;

  /** `walPath`: the database's `-wal` file; `onSynced` runs when a sync completes. */
  constructor(walPath: string, onSynced: () => void, sync: SyncFn = defaultSync) {
    this.path = walPath;
    this.sync = sync;
    this.onSynced = onSynced;
    this.fd = -1;
    this.inFlight = false;
    this.closing = false;
    this.written = 0;
    this.synced = 0;
    this.failed = null;
    this.failedThrough = 0;
  }

  /** Batch `batch` committed writes: sync them (now, or after the sync in flight). */
  committed(batch: number): void {
    this.written = batch;
    if (!this.inFlight && !this.closing) this.start();
  }

  /** Every batch up to this number is on disk: `current` when no written batch waits. */
  durableThrough(current: number): number {
    return this.synced >= this.written ? current : this.synced;
  }

  /**
   * The error of a sync that failed since the last call, or null. Its batches are given up
   * (the caller fails the batch in progress, which refuses every ack still waiting).
   */
  takeFailure(): Error | null {
    const failed = this.failed;
    if (failed === null) return null;
    this.failed = null;
    this.synced = Math.max(this.synced, this.failedThrough);
    return failed;
  }

  /** Closes the file (after the sync in flight, which still holds it). */
  close(): void {
    this.closing = true;
    if (!this.inFlight) this.closeFd();
  }

  private start(): void {
    if (this.fd === -1) {
      try {
        this.fd = openSync(this.path, 'r');
        syncDirectory(dirname(this.path)); // the new WAL's directory entry, once
      } catch (error) {
        this.fail(error as Error, this.written);
        setImmediate(this.onSynced); // the owner's next commit reports it
        return;
      }
    }
    const target = this.written;
    this.inFlight = true;
    this.sync(this.fd, (error) => {
      this.inFlight = false;
      if (this.closing) {
        this.closeFd();
        return;
      }
      if (error !== null) this.fail(error, target);
      else this.synced = Math.max(this.synced, target);
      if (this.written > this.synced && this.failed === null) this.start();
      this.onSynced();
    });
  }

  private fail(error: Error, through: number): void {
    this.failed ??= error;
    this.failedThrough = Math.max(this.failedThrough, through);
  }

  private closeFd(): void {
    if (this.fd === -1) return;
    try {
      closeSync(this.fd);
    } catch {
      // already gone: nothing to release
    }
    this.fd = -1;
  }
}

/**
 * fsync of a directory, so that a file created in it survives a power loss (as SQLite does
 * for a new journal). Some file systems refuse it (EINVAL): then there is nothing to do.
 */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    closeSync(fd);
  }
}

function defaultSync(fd: number, done: (error: Error | null) => void): void {
  fdatasync(fd, done);
}
