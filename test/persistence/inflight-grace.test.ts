// Sent QoS 1 deliveries held back from the disk for `inflightGraceMs` (deferred-rows.ts):
// one whose PUBACK comes within the grace is never written, any other is written at the
// first commit after its deadline, and the publisher's ack waits for one or the other.
// The store's side is checked against a second, read-only SQLite connection on the file;
// the broker's with raw clients. The conformance suite also runs on a store with a grace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { DEFAULT_PERSISTENCE_OPTIONS } from '../../src/broker/options.js';
import { OutboundState, type Persistence, SqlitePersistence } from '../../src/persistence/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { ack, publish, subscribe } from '../conformance/support.js';
import { persistenceSuite, msg } from './persistence.suite.js';
import { tempDir } from './helpers.js';

const HOUR = 3600;
/** Long enough that no deadline passes during a test that does not wait for one. */
const LONG = 600_000;

let dirs: { path: string; remove(): void }[] = [];
const dirOf = new WeakMap<Persistence, string>();

persistenceSuite('sqlite with an inflight grace', {
  create() {
    const dir = tempDir();
    dirs.push(dir);
    const p = new SqlitePersistence({ dataDir: dir.path, inflightGraceMs: LONG });
    dirOf.set(p, dir.path);
    return { p, state: p.open() };
  },
  reopen(p: Persistence) {
    p.close();
    const dataDir = dirOf.get(p) as string;
    const next = new SqlitePersistence({ dataDir, inflightGraceMs: LONG });
    dirOf.set(next, dataDir);
    return { p: next, state: next.open() };
  },
  cleanup() {
    for (const d of dirs) d.remove();
    dirs = [];
  },
});

/**
 * Queue rows in the database, read through the store's own handle (it locks the file
 * exclusively) between batches, when no transaction is open: what is committed.
 */
function rowsOnDisk(p: Persistence): number {
  assert.ok(p instanceof SqlitePersistence);
  const db = p.database;
  assert.equal(db.inTransaction, false);
  return (db.prepare('SELECT count(*) AS n FROM queue').get() as { n: number }).n;
}

/** Queue rows in a closed store's file. */
function rowsInFile(dataDir: string): number {
  const db = new Database(`${dataDir}/edgemq.db`, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM queue').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A store whose batches settle at commit but for held rows (no WAL sync to wait for). */
function openStore(dataDir: string, graceMs: number): SqlitePersistence {
  const p = new SqlitePersistence({ dataDir, inflightGraceMs: graceMs, synchronous: 'normal' });
  p.open();
  p.upsertSession({ clientId: 'a', expiryInterval: HOUR, expiresAt: 0 });
  p.upsertSession({ clientId: 'b', expiryInterval: HOUR, expiresAt: 0 });
  assert.equal(p.commit(), true);
  return p;
}

/** A stored message with one delivery to `clientId`. */
function deliver(
  p: Persistence,
  clientId: string,
  qos: 1 | 2,
  state: 0 | 1,
  packetId: number,
): ReturnType<Persistence['enqueue']> {
  const id = p.allocateMessageId();
  p.storeMessage(id, msg(`m${packetId}`));
  return p.enqueue(clientId, id, qos, false, null, null, state, packetId);
}

test('grace: a sent QoS 1 row acked within the grace is never written; its batch settles then', () => {
  const dir = tempDir();
  try {
    const p = openStore(dir.path, LONG);
    const ref = deliver(p, 'a', 1, OutboundState.PUBLISHED, 7);
    assert.equal(p.commit(), true);
    const batch = p.batch;
    assert.ok(p.settled < batch, 'the batch waits for the row');
    assert.ok(p.deferredUntil > performance.now());
    assert.equal(rowsOnDisk(p), 0);
    assert.equal(p.queuedCount, 1);

    p.removeOutbound('a', ref); // the subscriber's PUBACK
    assert.equal(p.commit(), true);
    assert.equal(p.settled, p.batch);
    assert.equal(p.deferredUntil, 0);
    assert.equal(p.queuedCount, 0);
    p.close();
    assert.equal(rowsInFile(dir.path), 0);
  } finally {
    dir.remove();
  }
});

test('grace: a row not acked in time is written by the first commit after its deadline', async () => {
  const dir = tempDir();
  try {
    const p = openStore(dir.path, 300); // outlasts the two commits before the deadline
    deliver(p, 'a', 1, OutboundState.PUBLISHED, 7);
    assert.equal(p.commit(), true);
    const deadline = p.deferredUntil;
    assert.ok(deadline > 0);
    assert.equal(p.commit(), true, 'a commit before the deadline');
    assert.ok(p.settled < p.batch);
    assert.equal(rowsOnDisk(p), 0);
    await waitFor(() => performance.now() > deadline, 'the deadline');
    assert.equal(p.commit(), true);
    assert.equal(p.settled, p.batch);
    assert.equal(rowsOnDisk(p), 1);
    p.close();
    const q = new SqlitePersistence({ dataDir: dir.path });
    const state = q.open();
    const a = state.sessions.find((s) => s.clientId === 'a');
    assert.deepEqual(
      a?.inflight.map((d) => [d.row.packetId, d.row.state, d.message.topic]),
      [[7, OutboundState.PUBLISHED, 'm7']],
    );
    q.close();
  } finally {
    dir.remove();
  }
});

test('grace: QoS 2, queued and shared-message rows are written at their commit', () => {
  const dir = tempDir();
  try {
    const p = openStore(dir.path, LONG);
    deliver(p, 'a', 2, OutboundState.PUBLISHED, 1); // a QoS 2 resend would be a duplicate
    deliver(p, 'a', 1, OutboundState.QUEUED, 0); // not on its way: no PUBACK is coming
    const id = p.allocateMessageId(); // one message for two sessions: kept in `messages`
    p.storeMessage(id, msg('both'));
    p.enqueue('a', id, 1, false, null, null, OutboundState.PUBLISHED, 2);
    p.enqueue('b', id, 1, false, null, null, OutboundState.PUBLISHED, 3);
    assert.equal(p.commit(), true);
    assert.equal(p.settled, p.batch);
    assert.equal(p.deferredUntil, 0);
    assert.equal(rowsOnDisk(p), 4);
    p.close();
  } finally {
    dir.remove();
  }
});

test('grace: a deleted session takes its held rows; close writes the rest', () => {
  const dir = tempDir();
  try {
    const p = openStore(dir.path, LONG);
    deliver(p, 'a', 1, OutboundState.PUBLISHED, 1);
    deliver(p, 'b', 1, OutboundState.PUBLISHED, 2);
    assert.equal(p.commit(), true);
    assert.equal(p.queuedCount, 2);
    p.deleteSession('a');
    assert.equal(p.commit(), true);
    assert.equal(p.queuedCount, 1);
    assert.ok(p.settled < p.batch, "b's row is still held");
    p.close();
    assert.equal(rowsInFile(dir.path), 1);
    const q = new SqlitePersistence({ dataDir: dir.path });
    const state = q.open();
    assert.deepEqual(
      state.sessions.map((s) => [s.clientId, s.inflight.map((d) => d.row.packetId)]),
      [['b', [2]]],
    );
    q.close();
  } finally {
    dir.remove();
  }
});

test('grace: held rows are lost with a crash (their publishers were not acked yet)', () => {
  const dir = tempDir();
  try {
    const p = openStore(dir.path, LONG);
    deliver(p, 'a', 1, OutboundState.PUBLISHED, 1);
    assert.equal(p.commit(), true);
    assert.ok(p.settled < p.batch);
    p.closeWithoutCommit();
    assert.equal(rowsInFile(dir.path), 0);
  } finally {
    dir.remove();
  }
});

async function persistentClient(port: number, clientId: string): Promise<RawClient> {
  const c = await RawClient.open(port, 5);
  const connack = await c.connect({
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: HOUR },
  });
  assert.equal(connack.reasonCode, 0);
  return c;
}

function store(b: RunningBroker): Persistence {
  const durable = b.broker.durable;
  assert.ok(durable !== null);
  return durable.store;
}

function graceBroker(dataDir: string, inflightGraceMs: number): Promise<RunningBroker> {
  return startBroker({
    persistence: {
      ...DEFAULT_PERSISTENCE_OPTIONS,
      enabled: true,
      dataDir,
      synchronous: 'normal',
      inflightGraceMs,
    },
  });
}

test('grace (broker): the publisher is acked once the subscriber acks, nothing is written', async () => {
  const dir = tempDir();
  const b = await graceBroker(dir.path, LONG);
  try {
    const sub = await persistentClient(b.port, 'sub');
    sub.send(subscribe(1, [{ topicFilter: 'g/#', qos: 1 }]));
    await sub.next(PacketType.SUBACK);
    const pub = await persistentClient(b.port, 'pub');
    pub.send(publish('g/1', 'x', 1, 11));
    const delivered = await sub.next(PacketType.PUBLISH);
    assert.equal(delivered.qos, 1);
    // Held: neither committed nor acknowledged by the subscriber.
    await assert.rejects(pub.next(PacketType.PUBACK, 300), /timed out|timeout/i);
    sub.send(ack(PacketType.PUBACK, delivered.packetId));
    assert.equal((await pub.next(PacketType.PUBACK)).packetId, 11);
    assert.equal(rowsOnDisk(store(b)), 0);
    sub.close();
    pub.close();
  } finally {
    await b.close();
    dir.remove();
  }
});

test('grace (broker): a held row nobody waits for (a retained message sent on subscribe) is written at its deadline', async () => {
  const dir = tempDir();
  const b = await graceBroker(dir.path, 50);
  try {
    const pub = await persistentClient(b.port, 'pub');
    pub.send(publish('g/r', 'kept', 1, 1, null, { retain: true }));
    assert.equal(
      (await pub.next(PacketType.PUBACK)).reasonCode,
      ReasonCode.NO_MATCHING_SUBSCRIBERS,
    );
    const sub = await persistentClient(b.port, 'sub');
    sub.send(subscribe(1, [{ topicFilter: 'g/#', qos: 1 }]));
    await sub.next(PacketType.SUBACK);
    assert.equal((await sub.next(PacketType.PUBLISH)).payload.toString(), 'kept'); // not acked
    // No other traffic: only the broker's own deadline timer can write it.
    await waitFor(() => rowsOnDisk(store(b)) === 1, 'the held row written', 3000);
    sub.close();
    pub.close();
  } finally {
    await b.close();
    dir.remove();
  }
});

test('grace (broker): a subscriber that does not ack: the row is committed, then the publisher acked', async () => {
  const dir = tempDir();
  const grace = 150;
  const b = await graceBroker(dir.path, grace);
  try {
    const sub = await persistentClient(b.port, 'sub');
    sub.send(subscribe(1, [{ topicFilter: 'g/#', qos: 1 }]));
    await sub.next(PacketType.SUBACK);
    const pub = await persistentClient(b.port, 'pub');
    const sent = performance.now();
    pub.send(publish('g/1', 'x', 1, 12));
    await sub.next(PacketType.PUBLISH); // and never acked
    assert.equal((await pub.next(PacketType.PUBACK, 5000)).packetId, 12);
    assert.ok(performance.now() - sent >= grace, 'the ack waited for the grace');
    assert.equal(rowsOnDisk(store(b)), 1, 'committed before the ack left');
    sub.close();
    pub.close();
  } finally {
    await b.close();
    dir.remove();
  }
});
