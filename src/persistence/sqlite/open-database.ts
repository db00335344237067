// Opening the SQLite database file: the options, the checks before and after SQLite opens it
// (directory, header, schema, quick_check), the pragmas, and the PersistenceError of each
// way it can fail.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
} from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PersistenceError, type PersistenceErrorCode } from '../errors.js';
import { checkSchema, migrate } from './schema.js';
import type { SyncFn } from './wal-sync.js';

export interface SqliteOptions {
  /** Directory of the database file; created when missing. */
  dataDir: string;
  /** Default 'edgemq.db'. */
  fileName?: string;
  /**
   * 'full' (default): a batch is on disk (the WAL fdatasynced, off the event loop: see
   * wal-sync.ts) before the acks it covers are sent, so it survives power loss. 'normal'
   * survives a crash of the process (kill -9) but not of the machine; 'off' neither, fully.
   */
  synchronous?: 'full' | 'normal' | 'off';
  /** The WAL sync of 'full' (tests inject slow or failing ones). Default fdatasync. */
  syncWal?: SyncFn;
  /** How long to wait for a lock held by another process before failing. Default 500 ms. */
  busyTimeoutMs?: number;
  /** PRAGMA max_page_count: a hard cap on the file size in pages (and the tests' "disk full"). */
  maxPageCount?: number;
  /** PRAGMA quick_check at open (reads every page once). Default true. */
  integrityCheck?: boolean;
  /** Page cache in KiB. Default 16384. */
  cacheKiB?: number;
  /**
   * How long a sent QoS 1 delivery carrying its own message waits for its PUBACK before it
   * is written (deferred-rows.ts); one acknowledged within it is never written. Default 0:
   * every row is written at its batch's commit.
   */
  inflightGraceMs?: number;
}

/** 'full' is NORMAL plus our own WAL sync after commits (wal-sync.ts). */
const SYNC = { full: 'NORMAL', normal: 'NORMAL', off: 'OFF' } as const;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** The PersistenceError code for an SQLite error at open. */
function openErrorCode(error: unknown): PersistenceErrorCode {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return 'EMQ_ERR_PERSIST_OPEN';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return 'EMQ_ERR_PERSIST_CORRUPT';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return 'EMQ_ERR_PERSIST_LOCKED';
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'EACCES' ||
    code === 'EROFS' ||
    code === 'EPERM'
  )
    return 'EMQ_ERR_PERSIST_READONLY';
  return 'EMQ_ERR_PERSIST_OPEN';
}

const OPEN_MESSAGES: Record<PersistenceErrorCode, string> = {
  EMQ_ERR_PERSIST_OPEN: 'cannot open the database',
  EMQ_ERR_PERSIST_READONLY: 'the database or its directory is read-only',
  EMQ_ERR_PERSIST_LOCKED:
    'the database is locked by another process (another edgemq on this data directory?)',
  EMQ_ERR_PERSIST_CORRUPT: 'the database file is corrupt or not an SQLite database',
  EMQ_ERR_PERSIST_FOREIGN: 'the file is not an edgemq database',
  EMQ_ERR_PERSIST_VERSION: 'the database was written by a newer edgemq',
  EMQ_ERR_PERSIST_IO: 'I/O error',
};

export function errorText(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const msg = typeof e.message === 'string' ? e.message : String(error);
  return typeof e.code === 'string' && !msg.startsWith(e.code) ? `${e.code}: ${msg}` : msg;
}

/**
 * Opens, checks and migrates the database at `file` (in `options.dataDir`) and hands it to
 * `use`; when anything fails, the handle is closed and the error is a PersistenceError.
 */
export function openDatabase<T>(
  options: SqliteOptions,
  file: string,
  use: (db: Database.Database) => T,
): T {
  const dir = resolve(options.dataDir);
  prepareDirectory(dir, file);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 500 });
  } catch (error) {
    throw openError(error, file, dir);
  }
  try {
    configure(db, options);
    const schema = checkSchema(db);
    if (schema.kind === 'foreign')
      throw new PersistenceError(
        'EMQ_ERR_PERSIST_FOREIGN',
        file,
        `${file}: ${OPEN_MESSAGES.EMQ_ERR_PERSIST_FOREIGN} (${schema.detail}); move it away or choose another data directory`,
      );
    if (schema.kind === 'newer')
      throw new PersistenceError(
        'EMQ_ERR_PERSIST_VERSION',
        file,
        `${file}: ${OPEN_MESSAGES.EMQ_ERR_PERSIST_VERSION} (schema version ${schema.version})`,
      );
    if (schema.version > 0 && options.integrityCheck !== false) {
      const result = db.pragma('quick_check(1)', { simple: true }) as string;
      if (result !== 'ok')
        throw new PersistenceError(
          'EMQ_ERR_PERSIST_CORRUPT',
          file,
          `${file}: ${OPEN_MESSAGES.EMQ_ERR_PERSIST_CORRUPT} (quick_check: ${result})`,
        );
    }
    // The first write takes the file's lock for good (locking_mode=EXCLUSIVE): a second
    // broker on the same directory fails here instead of corrupting the first one's state.
    migrate(db, schema.version);
    db.exec('BEGIN IMMEDIATE; COMMIT');
    return use(db);
  } catch (error) {
    try {
      db.close();
    } catch {
      // already failing
    }
    if (error instanceof PersistenceError) throw error;
    throw openError(error, file, dir);
  }
}

function prepareDirectory(dir: string, file: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw openError(error, dir, dir);
  }
  try {
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw openError(error, file, dir);
  }
  // Not even SQLite (SQLite would only say "file is not a database").
  const header = Buffer.alloc(16);
  let fd = -1;
  try {
    fd = openSync(file, 'r');
    const n = readSync(fd, header, 0, 16, 0);
    if (n > 0 && !header.subarray(0, n).equals(SQLITE_HEADER.subarray(0, n)))
      throw new PersistenceError(
        'EMQ_ERR_PERSIST_FOREIGN',
        file,
        `${file}: not an SQLite database (it starts with ${JSON.stringify(header.subarray(0, Math.min(n, 8)).toString('latin1'))}); move it away or choose another data directory`,
      );
  } catch (error) {
    if (error instanceof PersistenceError) throw error;
    // missing: created below
  } finally {
    if (fd !== -1) closeSync(fd);
  }
}

function configure(db: Database.Database, options: SqliteOptions): void {
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNC[options.synchronous ?? 'full']}`);
  db.pragma(`cache_size = -${options.cacheKiB ?? 16384}`);
  db.pragma('temp_store = MEMORY');
  if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${options.maxPageCount}`);
}

function openError(error: unknown, file: string, dir: string): PersistenceError {
  let code = openErrorCode(error);
  if (code === 'EMQ_ERR_PERSIST_OPEN') {
    // SQLite says CANTOPEN for a directory it may not write in.
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      code = 'EMQ_ERR_PERSIST_READONLY';
    }
  }
  return new PersistenceError(code, file, `${file}: ${OPEN_MESSAGES[code]} (${errorText(error)})`, {
    cause: error,
  });
}
