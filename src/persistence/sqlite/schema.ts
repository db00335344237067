// The SQLite schema, its version table and migrations (mosquitto persist-sqlite model:
// each message stored once in `messages`, referred to by `queue` and `retained` rows).
import type Database from 'better-sqlite3';

/** PRAGMA application_id of an edgemq database ('EDMQ'): tells ours from foreign files. */
export const APPLICATION_ID = 0x45444d51;

/** The schema this code writes; `schema_version` holds the version of a database. */
export const SCHEMA_VERSION = 1;

/**
 * Version 1. `refs` counts the queue and retained rows that refer to a message, and the
 * message is deleted with its last reference, in the same transaction as the reference:
 * a crash cannot leave a dangling reference or an orphan. Queue references are counted by
 * the store as it writes them (a trigger on the hot queue table costs more than the rest
 * of the row); retained ones by triggers. A message whose only reference is one queue row
 * is written into that row instead (`topic`, `payload`, the message bits of `flags`, and
 * properties and expiry in `extra`; its origin, which only routing used, is not kept):
 * stored once all the same, with one insert and one delete. The hot table has few
 * columns: every bound value costs, and most of its rows have no properties. Keys that are read in order
 * (a session's queue by seq) are WITHOUT ROWID primary keys: no second index to maintain.
 */
const V1 = `
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE sessions (
  client_id TEXT PRIMARY KEY,
  expiry_interval INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE subscriptions (
  client_id TEXT NOT NULL,
  filter TEXT NOT NULL,
  qos INTEGER NOT NULL,
  no_local INTEGER NOT NULL,
  retain_as_published INTEGER NOT NULL,
  retain_handling INTEGER NOT NULL,
  subscription_id INTEGER NOT NULL,
  PRIMARY KEY (client_id, filter)
) WITHOUT ROWID;
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  qos INTEGER NOT NULL,
  retain INTEGER NOT NULL,
  properties TEXT,
  expires_at INTEGER NOT NULL,
  origin TEXT NOT NULL,
  refs INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE queue (
  client_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  msg_id INTEGER NOT NULL,
  -- bits 0-1 QoS of the delivery, 2 its retain flag, 3-4 state (0 queued, 1 published,
  -- 2 released), 5-6 QoS of the message, 7 its retain flag, 8-23 packet id
  flags INTEGER NOT NULL,
  -- JSON of what most rows do not have: {"s": subscription ids, "g": "<group>/<filter>",
  -- "p": properties (JSON text), "e": expires at (ms)}
  extra TEXT,
  -- the message, when this row is its only reference (else NULL: see msg_id in messages)
  topic TEXT,
  payload BLOB,
  PRIMARY KEY (client_id, seq)
) WITHOUT ROWID;
CREATE TABLE awaiting_release (
  client_id TEXT NOT NULL,
  packet_id INTEGER NOT NULL,
  PRIMARY KEY (client_id, packet_id)
) WITHOUT ROWID;
CREATE TABLE retained (
  topic TEXT PRIMARY KEY,
  msg_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE wills (
  client_id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  qos INTEGER NOT NULL,
  retain INTEGER NOT NULL,
  properties TEXT,
  expiry_interval INTEGER NOT NULL,
  delay INTEGER NOT NULL,
  publish_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE client_outgoing (
  store TEXT NOT NULL,
  seq INTEGER NOT NULL,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  qos INTEGER NOT NULL,
  retain INTEGER NOT NULL,
  properties TEXT,
  packet_id INTEGER NOT NULL,
  state INTEGER NOT NULL,
  PRIMARY KEY (store, seq)
) WITHOUT ROWID;
CREATE TRIGGER retained_ref AFTER INSERT ON retained BEGIN
  UPDATE messages SET refs = refs + 1 WHERE id = NEW.msg_id;
END;
CREATE TRIGGER retained_reref AFTER UPDATE OF msg_id ON retained BEGIN
  UPDATE messages SET refs = refs + 1 WHERE id = NEW.msg_id;
  UPDATE messages SET refs = refs - 1 WHERE id = OLD.msg_id;
  DELETE FROM messages WHERE id = OLD.msg_id AND refs <= 0;
END;
CREATE TRIGGER retained_unref AFTER DELETE ON retained BEGIN
  UPDATE messages SET refs = refs - 1 WHERE id = OLD.msg_id;
  DELETE FROM messages WHERE id = OLD.msg_id AND refs <= 0;
END;
`;

interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** Applied in order; migration N turns a version N-1 database into version N. */
const MIGRATIONS: readonly Migration[] = [{ version: 1, sql: V1 }];

export type SchemaCheck =
  | { readonly kind: 'ok'; readonly version: number }
  | { readonly kind: 'foreign'; readonly detail: string }
  | { readonly kind: 'newer'; readonly version: number };

/**
 * What the open database holds: an empty file (version 0, to be created), an edgemq
 * database of a known version, a newer one, or something else.
 */
export function checkSchema(db: Database.Database): SchemaCheck {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const tables = (
    db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as { name: string }[]
  ).map((r) => r.name);
  if (appId === 0 && tables.length === 0) return { kind: 'ok', version: 0 };
  if (appId !== APPLICATION_ID) {
    const list = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', ...' : '');
    return {
      kind: 'foreign',
      detail: `application_id ${appId}, tables: ${list === '' ? '(none)' : list}`,
    };
  }
  if (!tables.includes('schema_version'))
    return { kind: 'foreign', detail: 'an edgemq application id without a schema_version table' };
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as {
    v: number | null;
  };
  const version = row.v ?? 0;
  if (version > SCHEMA_VERSION) return { kind: 'newer', version };
  return { kind: 'ok', version };
}

/** Brings a database from `from` to SCHEMA_VERSION in one transaction. */
export function migrate(db: Database.Database, from: number): void {
  if (from >= SCHEMA_VERSION) return;
  db.transaction(() => {
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      db.exec(m.sql);
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
  }).immediate();
}
