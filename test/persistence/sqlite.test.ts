// The conformance suite against the SQLite store, then what only SQLite has: crash
// semantics (a batch is all or nothing), the schema version, and disk-full at run time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { OutboundState, type Persistence, SqlitePersistence } from '../../src/persistence/index.js';
import { SCHEMA_VERSION, APPLICATION_ID } from '../../src/persistence/sqlite/schema.js';
import { persistenceSuite, msg } from './persistence.suite.js';
import { tempDir } from './helpers.js';

let dirs: { path: string; remove(): void }[] = [];
const dirOf = new WeakMap<Persistence, string>();

persistenceSuite('sqlite', {
  create() {
    const dir = tempDir();
    dirs.push(dir);
    const p = new SqlitePersistence({ dataDir: dir.path });
    dirOf.set(p, dir.path);
    return { p, state: p.open() };
  },
  reopen(p: Persistence) {
    p.close();
    const dataDir = dirOf.get(p) as string;
    const next = new SqlitePersistence({ dataDir });
    dirOf.set(next, dataDir);
    return { p: next, state: next.open() };
  },
  cleanup() {
    for (const d of dirs) d.remove();
    dirs = [];
  },
});

test('sqlite: a batch that was not committed is lost whole; committed ones stay', () => {
  const dir = tempDir();
  try {
    const p = new SqlitePersistence({ dataDir: dir.path });
    p.open();
    p.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
    const id = p.allocateMessageId();
    p.storeMessage(id, msg('kept'));
    p.enqueue('a', id, 1, false, null, null, OutboundState.QUEUED, 0);
    assert.equal(p.commit(), true);
    const id2 = p.allocateMessageId();
    p.storeMessage(id2, msg('lost'));
    p.enqueue('a', id2, 1, false, null, null, OutboundState.QUEUED, 0);
    p.setAwaitingRelease('a', 5, true);
    p.upsertSession({ clientId: 'b', expiryInterval: 60, expiresAt: 0 });
    p.closeWithoutCommit();
    const q = new SqlitePersistence({ dataDir: dir.path });
    const state = q.open();
    assert.deepEqual(
      state.sessions.map((s) => [s.clientId, s.queued, s.awaitingRelease]),
      [['a', 1, []]],
    );
    assert.deepEqual(
      q.readQueuePage('a', 0, 10).map((d) => d.message.topic),
      ['kept'],
    );
    // Ids keep growing past what is stored.
    assert.ok(q.allocateMessageId() > id);
    q.close();
  } finally {
    dir.remove();
  }
});

test('sqlite: schema version table, application id, WAL', () => {
  const dir = tempDir();
  try {
    const p = new SqlitePersistence({ dataDir: dir.path });
    p.open();
    p.close();
    const db = new Database(p.location, { readonly: true });
    try {
      assert.equal(db.pragma('application_id', { simple: true }), APPLICATION_ID);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.deepEqual(db.prepare('SELECT version FROM schema_version').all(), [
        { version: SCHEMA_VERSION },
      ]);
    } finally {
      db.close();
    }
  } finally {
    dir.remove();
  }
});

test('sqlite: a failing batch (disk full) is rolled back and reported; the store goes on', () => {
  const dir = tempDir();
  try {
    const p = new SqlitePersistence({ dataDir: dir.path, maxPageCount: 40 });
    p.open();
    p.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
    assert.equal(p.commit(), true);
    const big = Buffer.alloc(1024 * 1024, 7);
    const gen = p.generation;
    const id = p.allocateMessageId();
    p.storeMessage(id, msg('big', '', { payload: big }));
    p.enqueue('a', id, 1, false, null, null, OutboundState.QUEUED, 0);
    p.setAwaitingRelease('a', 1, true);
    assert.equal(p.commit(), false);
    assert.match(String((p.lastError as { code?: string }).code), /SQLITE_FULL/);
    assert.equal(p.generation, gen + 1);
    assert.equal(p.queuedCount, 0);
    // Small writes still fit.
    const small = p.allocateMessageId();
    p.storeMessage(small, msg('small'));
    p.enqueue('a', small, 1, false, null, null, OutboundState.QUEUED, 0);
    assert.equal(p.commit(), true);
    assert.deepEqual(
      p.readQueuePage('a', 0, 10).map((d) => d.message.topic),
      ['small'],
    );
    assert.equal(p.queuedCount, 1);
    p.close();
  } finally {
    dir.remove();
  }
});
