// Every statement the SQLite store runs, prepared once at open. The hot ones (message and
// queue inserts, queue deletes) also come in multi-row forms: a batch is applied in
// chunks of CHUNKS rows per call, which costs far less than one call per row.
import type Database from 'better-sqlite3';

/** Multi-row statement sizes, largest first; any count is split into these. */
export const CHUNKS = [64, 16, 4, 1] as const;
export type ChunkSize = (typeof CHUNKS)[number];

const MESSAGE_COLUMNS = '(id, topic, payload, qos, retain, properties, expires_at, origin)';
const MESSAGE_ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';
const QUEUE_COLUMNS = '(client_id, seq, msg_id, flags, extra, topic, payload)';
const QUEUE_ROW = '(?, ?, ?, ?, ?, ?, ?)';

function rows(row: string, n: number): string {
  return Array.from({ length: n }, () => row).join(', ');
}

function params(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** A queue row joined with its message, as the restore and page queries return it. */
export interface DeliveryRow {
  client_id: string;
  seq: number;
  msg_id: number;
  /** See schema.ts (queue.flags). */
  flags: number;
  extra: string | null;
  /** 1: the message is in `messages`; 0: in the row. */
  shared: number;
  /** Null only for a row whose message is missing (never written by this code). */
  topic: string | null;
  payload: Buffer | null;
  /** From `messages` (shared rows); in `flags` / `extra` for the others. */
  m_qos: number | null;
  m_retain: number | null;
  m_properties: string | null;
  m_expires_at: number | null;
  m_origin: string | null;
}

// A row's message is in the row (its only reference) or in `messages`.
const DELIVERY_SELECT = `SELECT q.client_id, q.seq, q.msg_id, q.flags, q.extra,
  q.payload IS NULL AS shared, coalesce(q.topic, m.topic) AS topic,
  coalesce(q.payload, m.payload) AS payload, m.qos AS m_qos, m.retain AS m_retain,
  m.properties AS m_properties, m.expires_at AS m_expires_at, m.origin AS m_origin
  FROM queue q LEFT JOIN messages m ON q.payload IS NULL AND m.id = q.msg_id`;

/** queue.flags bits 3-4: the state; QUEUED = 0. */
const STATE_BITS = 24;

export class Statements {
  readonly begin: Database.Statement;
  readonly commit: Database.Statement;
  readonly rollback: Database.Statement;

  readonly upsertSession: Database.Statement;
  readonly deleteSession: Database.Statement;
  readonly deleteSessionSubscriptions: Database.Statement;
  readonly deleteSessionQueue: Database.Statement;
  readonly deleteSessionAwaiting: Database.Statement;
  readonly deleteSessionWill: Database.Statement;
  readonly upsertSubscription: Database.Statement;
  readonly deleteSubscription: Database.Statement;

  /** INSERT OR IGNORE of 64 / 16 / 4 / 1 messages. */
  readonly insertMessages: Map<ChunkSize, Database.Statement>;
  /** INSERT of 64 / 16 / 4 / 1 queue rows. */
  readonly insertQueue: Map<ChunkSize, Database.Statement>;
  /** DELETE of 64 / 16 / 4 / 1 queue rows of one client. */
  readonly deleteQueue: Map<ChunkSize, Database.Statement>;
  readonly updateQueue: Database.Statement;
  readonly deleteQueueOne: Database.Statement;
  readonly addRefs: Database.Statement;
  readonly deleteUnreferenced: Database.Statement;
  readonly sessionSharedRefs: Database.Statement;
  readonly queuePage: Database.Statement;
  readonly countQueue: Database.Statement;

  readonly insertAwaiting: Database.Statement;
  readonly deleteAwaiting: Database.Statement;
  readonly upsertRetained: Database.Statement;
  readonly deleteRetained: Database.Statement;
  readonly upsertWill: Database.Statement;

  readonly counts: Database.Statement;
  /** Rows changed by this connection since it opened: a commit that changed none needs no sync. */
  readonly totalChanges: Database.Statement;

  // Restore (run once at open).
  readonly allSessions: Database.Statement;
  readonly allSubscriptions: Database.Statement;
  readonly allAwaiting: Database.Statement;
  readonly allWills: Database.Statement;
  readonly allRetained: Database.Statement;
  readonly queueSummary: Database.Statement;
  readonly sessionHead: Database.Statement;
  readonly maxIds: Database.Statement;

  constructor(db: Database.Database) {
    const p = (sql: string): Database.Statement => db.prepare(sql);
    this.begin = p('BEGIN');
    this.commit = p('COMMIT');
    this.rollback = p('ROLLBACK');

    this.upsertSession = p(
      `INSERT INTO sessions (client_id, expiry_interval, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET expiry_interval = excluded.expiry_interval,
       expires_at = excluded.expires_at`,
    );
    this.deleteSession = p('DELETE FROM sessions WHERE client_id = ?');
    this.deleteSessionSubscriptions = p('DELETE FROM subscriptions WHERE client_id = ?');
    this.deleteSessionQueue = p('DELETE FROM queue WHERE client_id = ?');
    this.deleteSessionAwaiting = p('DELETE FROM awaiting_release WHERE client_id = ?');
    this.deleteSessionWill = p('DELETE FROM wills WHERE client_id = ?');
    this.upsertSubscription = p(
      `INSERT OR REPLACE INTO subscriptions (client_id, filter, qos, no_local, retain_as_published,
       retain_handling, subscription_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteSubscription = p('DELETE FROM subscriptions WHERE client_id = ? AND filter = ?');

    this.insertMessages = new Map();
    this.insertQueue = new Map();
    this.deleteQueue = new Map();
    for (const n of CHUNKS) {
      this.insertMessages.set(
        n,
        p(`INSERT OR IGNORE INTO messages ${MESSAGE_COLUMNS} VALUES ${rows(MESSAGE_ROW, n)}`),
      );
      this.insertQueue.set(n, p(`INSERT INTO queue ${QUEUE_COLUMNS} VALUES ${rows(QUEUE_ROW, n)}`));
      this.deleteQueue.set(n, p(`DELETE FROM queue WHERE client_id = ? AND seq IN (${params(n)})`));
    }
    // Keeps QoS and retain bits (0-2, 5-7); sets state (3-4) and packet id (8-23).
    this.updateQueue = p(
      'UPDATE queue SET flags = (flags & 231) | ? WHERE client_id = ? AND seq = ?',
    );
    this.deleteQueueOne = p('DELETE FROM queue WHERE client_id = ? AND seq = ?');
    this.addRefs = p('UPDATE messages SET refs = refs + ? WHERE id = ?');
    this.deleteUnreferenced = p('DELETE FROM messages WHERE id = ? AND refs <= 0');
    this.sessionSharedRefs = p(
      `SELECT msg_id AS id, count(*) AS n FROM queue WHERE client_id = ? AND payload IS NULL
       GROUP BY msg_id`,
    );
    this.queuePage = p(
      `${DELIVERY_SELECT} WHERE q.client_id = ? AND q.seq > ? AND (q.flags & ${STATE_BITS}) = 0
       ORDER BY q.seq LIMIT ?`,
    );
    this.countQueue = p('SELECT count(*) AS n FROM queue');

    this.insertAwaiting = p(
      'INSERT OR IGNORE INTO awaiting_release (client_id, packet_id) VALUES (?, ?)',
    );
    this.deleteAwaiting = p('DELETE FROM awaiting_release WHERE client_id = ? AND packet_id = ?');
    this.upsertRetained = p(
      `INSERT INTO retained (topic, msg_id) VALUES (?, ?)
       ON CONFLICT (topic) DO UPDATE SET msg_id = excluded.msg_id WHERE msg_id != excluded.msg_id`,
    );
    this.deleteRetained = p('DELETE FROM retained WHERE topic = ?');
    this.upsertWill = p(
      `INSERT OR REPLACE INTO wills (client_id, topic, payload, qos, retain, properties,
       expiry_interval, delay, publish_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );

    this.totalChanges = p('SELECT total_changes() AS n');
    this.counts = p(
      `SELECT (SELECT count(*) FROM sessions) AS sessions,
       (SELECT count(*) FROM subscriptions) AS subscriptions,
       (SELECT count(*) FROM messages) + (SELECT count(*) FROM queue WHERE payload IS NOT NULL)
         AS messages,
       (SELECT count(*) FROM queue) AS queued,
       (SELECT count(*) FROM retained) AS retained, (SELECT count(*) FROM wills) AS wills`,
    );

    this.allSessions = p('SELECT client_id, expiry_interval, expires_at FROM sessions');
    this.allSubscriptions = p(
      `SELECT client_id, filter, qos, no_local, retain_as_published, retain_handling,
       subscription_id FROM subscriptions`,
    );
    this.allAwaiting = p('SELECT client_id, packet_id FROM awaiting_release');
    this.allWills = p(
      `SELECT client_id, topic, payload, qos, retain, properties, expiry_interval, delay,
       publish_at FROM wills`,
    );
    this.allRetained = p(
      `SELECT r.topic AS r_topic, m.id, m.topic, m.payload, m.qos, m.retain, m.properties,
       m.expires_at, m.origin FROM retained r JOIN messages m ON m.id = r.msg_id`,
    );
    // Per session: QUEUED rows, and the last row past QUEUED (the in-flight window's end).
    this.queueSummary = p(
      `SELECT client_id, count(*) AS rows, sum((flags & ${STATE_BITS}) = 0) AS queued,
       max(CASE WHEN (flags & ${STATE_BITS}) != 0 THEN seq END) AS last, max(seq) AS seq,
       max(msg_id) AS msg
       FROM queue GROUP BY client_id`,
    );
    this.sessionHead = p(`${DELIVERY_SELECT} WHERE q.client_id = ? AND q.seq <= ? ORDER BY q.seq`);
    this.maxIds = p('SELECT max(id) AS msg FROM messages');
  }
}
