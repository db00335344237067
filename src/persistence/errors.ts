// The persistence layer's errors, each with a stable code (DESIGN.md "Errors and logs").

/** Every code a PersistenceError can carry, with what it means (the registry for docs). */
export const PERSISTENCE_ERROR_CODES = {
  EMQ_ERR_PERSIST_OPEN:
    'the data directory or the database file cannot be created or opened; the message names the path',
  EMQ_ERR_PERSIST_READONLY:
    'the data directory or the database file is read-only: edgemq needs to write there',
  EMQ_ERR_PERSIST_LOCKED:
    'another process holds the database (a second edgemq on the same data directory?)',
  EMQ_ERR_PERSIST_CORRUPT:
    'the database file is damaged (not a database, or a failed integrity check)',
  EMQ_ERR_PERSIST_FOREIGN: 'the file is an SQLite database of another application or schema',
  EMQ_ERR_PERSIST_VERSION: 'the database was written by a newer edgemq (unknown schema version)',
  EMQ_ERR_PERSIST_IO:
    'a read or write failed at run time (disk full, I/O error); QoS>0 publishes are refused with 0x97 meanwhile',
} as const;

export type PersistenceErrorCode = keyof typeof PERSISTENCE_ERROR_CODES;

export class PersistenceError extends Error {
  override readonly name = 'PersistenceError';
  readonly code: PersistenceErrorCode;
  /** The file or directory concerned. */
  readonly file: string;

  constructor(
    code: PersistenceErrorCode,
    file: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.file = file;
  }
}
