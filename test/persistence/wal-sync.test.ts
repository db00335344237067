// synchronous 'full' with the WAL synced off the event loop (wal-sync.ts): a batch settles
// only when a sync that started after its commit has completed, and the acks it covers wait
// for that; a failed sync refuses them (0x97 / a closed 3.1.1 connection). The sync is
// injected (held, then completed or failed by the test) and, once, the real fdatasync.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { OutboundState, SqlitePersistence } from '../../src/persistence/index.js';
import type { SyncFn } from '../../src/persistence/sqlite/wal-sync.js';
import { createBroker } from '../../src/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { publish, subscribe } from '../conformance/support.js';
import { msg } from './persistence.suite.js';
import { tempDir } from './helpers.js';

/** A sync the test completes by hand: `pending` holds the callbacks of started syncs. */
function heldSync(): { sync: SyncFn; pending: ((error: Error | null) => void)[] } {
  const pending: ((error: Error | null) => void)[] = [];
  return {
    pending,
    sync: (_fd, done) => {
      pending.push(done);
    },
  };
}

function queueOne(p: SqlitePersistence, n: number): void {
  const id = p.allocateMessageId();
  p.storeMessage(id, msg(`m${n}`));
  p.enqueue('a', id, 1, false, null, null, OutboundState.QUEUED, 0);
}

test('wal sync: a batch settles when the sync after its commit completes', () => {
  const dir = tempDir();
  const held = heldSync();
  const p = new SqlitePersistence({ dataDir: dir.path, syncWal: held.sync });
  let wakes = 0;
  try {
    p.open();
    p.onBatch = () => wakes++;
    p.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
    queueOne(p, 1);
    assert.equal(p.commit(), true);
    const first = p.batch;
    assert.equal(held.pending.length, 1, 'one sync started');
    assert.ok(p.settled < first, 'not durable before the sync');

    // A second batch while the first sync runs: its sync starts after that one.
    queueOne(p, 2);
    assert.equal(p.commit(), true);
    const second = p.batch;
    assert.equal(held.pending.length, 1, 'one sync at a time');
    const wakesBefore = wakes;
    held.pending.shift()?.(null);
    assert.equal(p.settled, first, 'the first sync covers the first batch only');
    assert.ok(wakes > wakesBefore, 'the owner is woken to release acks');
    assert.equal(held.pending.length, 1, 'the next sync started');
    held.pending.shift()?.(null);
    assert.equal(p.settled, second);

    // A batch without writes needs no sync.
    assert.equal(p.commit(), true);
    assert.equal(p.settled, p.batch);
    assert.equal(held.pending.length, 0);
  } finally {
    p.close();
    dir.remove();
  }
});

test('wal sync: a failed sync fails the next commit; the store goes on', () => {
  const dir = tempDir();
  const held = heldSync();
  const p = new SqlitePersistence({ dataDir: dir.path, syncWal: held.sync });
  try {
    p.open();
    p.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
    queueOne(p, 1);
    assert.equal(p.commit(), true);
    held.pending.shift()?.(new Error('EIO: simulated'));
    assert.ok(p.settled < p.batch, 'a failed sync settles nothing');
    assert.equal(p.commit(), false, 'reported by the next commit');
    assert.match(String(p.lastError?.message), /EIO: simulated/);
    assert.equal(p.settled, p.batch, 'given up: nothing waits for it any more');
    queueOne(p, 2);
    assert.equal(p.commit(), true);
    held.pending.shift()?.(null);
    assert.equal(p.settled, p.batch);
  } finally {
    p.close();
    dir.remove();
  }
});

test('wal sync with a grace: held rows written late settle only when that batch is synced', async () => {
  const dir = tempDir();
  const held = heldSync();
  const p = new SqlitePersistence({ dataDir: dir.path, syncWal: held.sync, inflightGraceMs: 50 });
  try {
    p.open();
    p.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
    assert.equal(p.commit(), true);
    held.pending.shift()?.(null);
    // A sent QoS 1 delivery: held back; its batch is synced (nothing else in it) but waits.
    const id = p.allocateMessageId();
    p.storeMessage(id, msg('late'));
    p.enqueue('a', id, 1, false, null, null, OutboundState.PUBLISHED, 9);
    assert.equal(p.commit(), true);
    const held1 = p.batch;
    while (held.pending.length > 0) held.pending.shift()?.(null);
    assert.equal(p.settled, held1 - 1, 'waits for its held row');
    // No PUBACK in time: the row goes into a later batch, whose sync is still running.
    const deadline = p.deferredUntil;
    await waitFor(() => performance.now() > deadline, 'the deadline');
    assert.equal(p.commit(), true);
    const writer = p.batch;
    assert.equal(held.pending.length, 1, "the writing batch's sync started");
    assert.equal(p.settled, held1 - 1, 'not settled before the row is on disk');
    held.pending.shift()?.(null);
    assert.equal(p.settled, writer);
  } finally {
    p.close();
    dir.remove();
  }
});

test('wal sync: the real fdatasync settles the batch', async () => {
  const dir = tempDir();
  const p = new SqlitePersistence({ dataDir: dir.path });
  try {
    p.open();
    p.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
    queueOne(p, 1);
    assert.equal(p.commit(), true);
    await waitFor(() => p.settled === p.batch, 'the WAL synced');
  } finally {
    p.close();
    dir.remove();
  }
});

test('wal sync (broker): acks wait for the sync; a failed one refuses them', async () => {
  const dir = tempDir();
  const held = heldSync();
  const store = new SqlitePersistence({ dataDir: dir.path, syncWal: held.sync });
  const broker = createBroker(
    { sysInterval: 0, listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }] },
    { persistence: store },
  );
  try {
    const [bound] = await broker.start();
    const port = (bound as { port: number }).port;
    // An offline persistent subscriber: every QoS>0 publish is written for it.
    const sub = await RawClient.open(port, 5);
    await sub.connect({
      clientId: 'sub',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    sub.send(subscribe(1, [{ topicFilter: 's/#', qos: 2 }]));
    await sub.next(PacketType.SUBACK);
    sub.close();
    await waitFor(() => broker.sessions.get('sub')?.client === null, 'sub offline');
    // Syncs of the session's own writes: complete them until nothing waits.
    await waitFor(() => {
      while (held.pending.length > 0) held.pending.shift()?.(null);
      return store.settled === store.batch;
    }, 'the session state synced');

    const v5 = await RawClient.open(port, 5);
    await v5.connect({ clientId: 'pub5', clean: true });
    v5.send(publish('s/1', 'one', 1, 1));
    await waitFor(() => held.pending.length === 1, 'its sync started');
    await assert.rejects(v5.next(PacketType.PUBACK, 200), /timed out/);
    held.pending.shift()?.(null);
    assert.equal((await v5.next(PacketType.PUBACK)).reasonCode, 0);

    // A failed sync: the v5 publisher hears 0x97, the 3.1.1 one is disconnected.
    v5.send(publish('s/2', 'two', 1, 2));
    await waitFor(() => held.pending.length === 1, 'its sync started');
    held.pending.shift()?.(new Error('EIO: simulated'));
    assert.equal((await v5.next(PacketType.PUBACK)).reasonCode, ReasonCode.QUOTA_EXCEEDED);
    const v4 = await RawClient.open(port, 4);
    await v4.connect({ clientId: 'pub4', clean: true });
    v4.send(publish('s/3', 'three', 1, 1));
    await waitFor(() => held.pending.length === 1, 'its sync started');
    held.pending.shift()?.(new Error('EIO: simulated'));
    await v4.waitClosed();
    assert.equal(
      v4.packets.some((p) => p.type === PacketType.PUBACK),
      false,
    );
    assert.ok(broker.metrics.persistenceFailures >= 2);

    // Syncs work again: acks flow.
    v5.send(publish('s/4', 'four', 2, 4));
    await waitFor(() => held.pending.length === 1, 'its sync started');
    held.pending.shift()?.(null);
    assert.equal((await v5.next(PacketType.PUBREC)).reasonCode, 0);
    v5.close();
  } finally {
    const stopping = broker.stop();
    while (held.pending.length > 0) held.pending.shift()?.(null);
    await stopping;
    dir.remove();
  }
});
