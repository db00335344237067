// Broker-level persistence: state written by one broker is restored by the next one on the
// same data directory, after a clean stop() and after a simulated crash (the database
// handle closed without committing), with raw clients checking the packets byte by byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketType, ReasonCode, type PublishPacket } from '../../src/codec/index.js';
import {
  DEFAULT_PERSISTENCE_OPTIONS,
  type BrokerOptions,
  type PersistenceOptions,
} from '../../src/broker/options.js';
import type { Broker } from '../../src/broker/broker.js';
import {
  MemoryPersistence,
  SqlitePersistence,
  type Persistence,
} from '../../src/persistence/index.js';
import { createBroker } from '../../src/server.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { ack, publish, subscribe } from '../conformance/support.js';
import { tempDir } from './helpers.js';

const HOUR = 3600;

function persistence(
  dataDir: string,
  extra: Partial<PersistenceOptions> = {},
): Partial<BrokerOptions> {
  return {
    persistence: {
      ...DEFAULT_PERSISTENCE_OPTIONS,
      enabled: true,
      dataDir,
      synchronous: 'normal',
      ...extra,
    },
  };
}

async function client(
  port: number,
  clientId: string,
  fields: Parameters<RawClient['connect']>[0] = {},
  version: 4 | 5 = 5,
): Promise<{ c: RawClient; present: boolean }> {
  const c = await RawClient.open(port, version);
  const connack = await c.connect({
    clientId,
    clean: false,
    properties: version === 5 ? { sessionExpiryInterval: HOUR } : null,
    ...fields,
  });
  assert.equal(connack.reasonCode, 0);
  return { c, present: connack.sessionPresent };
}

/** Closes the socket and waits until the broker saw it (the session is offline). */
async function drop(b: RunningBroker, c: RawClient, clientId: string): Promise<void> {
  c.close();
  await waitFor(() => b.broker.sessions.get(clientId)?.client === null, `${clientId} offline`);
}

async function publishAcked(p: RawClient, packet: PublishPacket): Promise<number> {
  p.send(packet);
  if (packet.qos === 0) return 0;
  if (packet.qos === 1) return (await p.next(PacketType.PUBACK)).reasonCode;
  const rec = await p.next(PacketType.PUBREC);
  if (rec.reasonCode >= 0x80) return rec.reasonCode;
  p.send(ack(PacketType.PUBREL, packet.packetId));
  await p.next(PacketType.PUBCOMP);
  return rec.reasonCode;
}

/**
 * One scenario, crash or not: a first broker builds the state; `end` ends it; a second
 * broker on the same store must give everything back.
 */
async function scenario(
  makeOptions: () => Partial<BrokerOptions>,
  end: (b: RunningBroker) => Promise<void>,
): Promise<void> {
  const b1 = await startBroker(makeOptions());
  let b2: RunningBroker | null = null;
  try {
    // A persistent subscriber: queue subscription with an identifier, and a retained one.
    const s = await client(b1.port, 'sub');
    s.c.send(subscribe(1, [{ topicFilter: 'q/#', qos: 2 }], { subscriptionIdentifiers: [7] }));
    assert.deepEqual((await s.c.next(PacketType.SUBACK)).reasonCodes, [2]);
    const w = await client(b1.port, 'watcher');
    w.c.send(subscribe(1, [{ topicFilter: 'will/#', qos: 1 }]));
    await w.c.next(PacketType.SUBACK);

    // An outbound QoS 2 past PUBREC: the broker sent PUBREL, PUBCOMP never came.
    const pub = await client(b1.port, 'pub');
    assert.equal(await publishAcked(pub.c, publish('q/inflight', 'i', 2, 1)), 0);
    const inflight = await s.c.next(PacketType.PUBLISH);
    s.c.send(ack(PacketType.PUBREC, inflight.packetId));
    const rel = await s.c.next(PacketType.PUBREL);
    assert.equal(rel.packetId, inflight.packetId);
    await drop(b1, s.c, 'sub');
    await drop(b1, w.c, 'watcher');

    // Queued while offline: QoS 1 and 2, in order.
    for (let i = 0; i < 6; i++)
      assert.equal(
        await publishAcked(pub.c, publish('q/x', `m${i}`, i % 2 === 0 ? 1 : 2, 10 + i)),
        0,
      );
    // An inbound QoS 2 past PUBREC, PUBREL not sent yet.
    pub.c.send(publish('q/x', 'once', 2, 50));
    assert.equal((await pub.c.next(PacketType.PUBREC)).reasonCode, 0);
    // Retained: kept, replaced, cleared, expiring before the restart.
    const retain = { retain: true };
    await publishAcked(pub.c, publish('r/1', 'old', 1, 60, null, retain));
    await publishAcked(pub.c, publish('r/1', 'new', 1, 61, null, retain));
    await publishAcked(pub.c, publish('r/2', 'gone', 1, 62, null, retain));
    await publishAcked(pub.c, publish('r/2', '', 1, 63, null, retain));
    await publishAcked(pub.c, publish('r/3', 'brief', 1, 64, { messageExpiryInterval: 1 }, retain));
    await publishAcked(pub.c, publish('r/4', 'q0', 0, 0, null, retain));
    // A will with a delay, its connection lost abruptly.
    const dying = await client(b1.port, 'dying', {
      will: {
        topic: 'will/dying',
        payload: Buffer.from('bye'),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 2 },
      },
    });
    await drop(b1, dying.c, 'dying');
    await waitFor(() => b1.broker.retained.size === 3, 'retained stored');
    await new Promise((r) => setTimeout(r, 1100)); // r/3 expires
    await end(b1);
    pub.c.close();

    b2 = await startBroker(makeOptions());
    const broker = b2.broker;
    assert.deepEqual([...broker.sessions.values()].map((x) => x.clientId).sort(), [
      'dying',
      'pub',
      'sub',
      'watcher',
    ]);

    // The will was restored with the rest of its delay; the watcher gets it once it is due.
    const w2 = await client(b2.port, 'watcher');
    assert.equal(w2.present, true);
    const will = await w2.c.next(PacketType.PUBLISH, 4000);
    assert.equal(will.topic, 'will/dying');
    assert.equal(will.payload.toString(), 'bye');
    w2.c.send(ack(PacketType.PUBACK, will.packetId));

    // The publisher resends its unreleased QoS 2 PUBLISH: PUBREC only, not routed again.
    const p2 = await client(b2.port, 'pub');
    assert.equal(p2.present, true);
    p2.c.send(publish('q/x', 'once', 2, 50, null, { dup: true }));
    assert.equal((await p2.c.next(PacketType.PUBREC)).reasonCode, 0);
    p2.c.send(ack(PacketType.PUBREL, 50));
    assert.equal((await p2.c.next(PacketType.PUBCOMP)).reasonCode, 0);

    const s2 = await client(b2.port, 'sub');
    assert.equal(s2.present, true);
    // First the PUBREL of the released QoS 2, with its packet id [MQTT-4.4.0-1].
    const rel2 = await s2.c.next(PacketType.PUBREL);
    assert.equal(rel2.packetId, inflight.packetId);
    s2.c.send(ack(PacketType.PUBCOMP, rel2.packetId));
    // Then the queue, in order, with the subscription identifier, 'once' exactly once.
    const got: string[] = [];
    while (got.length < 7) {
      const m = await s2.c.next(PacketType.PUBLISH);
      assert.deepEqual(m.properties?.subscriptionIdentifiers, [7]);
      got.push(`${m.payload.toString()}/${m.qos}`);
      s2.c.send(ack(m.qos === 1 ? PacketType.PUBACK : PacketType.PUBREC, m.packetId));
      if (m.qos === 2) {
        await s2.c.next(PacketType.PUBREL);
        s2.c.send(ack(PacketType.PUBCOMP, m.packetId));
      }
    }
    assert.deepEqual(got, ['m0/1', 'm1/2', 'm2/1', 'm3/2', 'm4/1', 'm5/2', 'once/2']);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      s2.c.packets.filter((p) => p.type === PacketType.PUBLISH).length,
      0,
      'nothing more (no duplicate)',
    );
    // Retained messages survived (the expired and the cleared one did not).
    s2.c.send(subscribe(2, [{ topicFilter: 'r/#', qos: 1 }]));
    await s2.c.next(PacketType.SUBACK);
    const retained = new Map<string, string>();
    for (let i = 0; i < 2; i++) {
      const m = await s2.c.next(PacketType.PUBLISH);
      assert.equal(m.retain, true);
      retained.set(m.topic, m.payload.toString());
      if (m.qos === 1) s2.c.send(ack(PacketType.PUBACK, m.packetId));
    }
    assert.deepEqual(Object.fromEntries(retained), { 'r/1': 'new', 'r/4': 'q0' });
    await waitFor(() => broker.sessions.get('sub')?.inflight.size === 0, 'all acked');
    for (const c of [w2.c, p2.c, s2.c]) c.close();
  } finally {
    await b2?.close();
    await b1.close();
  }
}

test('restore after stop(): sessions, subscriptions, queues, in-flight QoS 2, wills, retained', async () => {
  const dir = tempDir();
  try {
    await scenario(
      () => persistence(dir.path),
      (b) => b.close(),
    );
  } finally {
    dir.remove();
  }
});

test('restore after a crash: the store closed without a last commit loses nothing acked', async () => {
  const dir = tempDir();
  try {
    await scenario(
      () => persistence(dir.path),
      async (b) => {
        const store = b.broker.durable?.store as SqlitePersistence;
        store.closeWithoutCommit(); // what kill -9 leaves: the last turn's batch is gone
        await b.close();
      },
    );
  } finally {
    dir.remove();
  }
});

test('restore from the memory store (one process, two brokers)', async () => {
  const store = new MemoryPersistence();
  // The memory store is passed through BrokerDeps.
  const make = async (): Promise<{ broker: Broker; port: number }> => {
    const broker = createBroker(
      { sysInterval: 0, listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }] },
      { persistence: store },
    );
    const bound = await broker.start();
    return { broker, port: (bound[0] as { port: number }).port };
  };
  const one = await make();
  const s = await client(one.port, 'm-sub');
  s.c.send(subscribe(1, [{ topicFilter: 't', qos: 1 }]));
  await s.c.next(PacketType.SUBACK);
  s.c.close();
  await waitFor(() => one.broker.sessions.get('m-sub')?.client === null, 'm-sub offline');
  const p = await client(one.port, 'm-pub', { clean: true, properties: null });
  for (let i = 0; i < 3; i++)
    assert.equal(await publishAcked(p.c, publish('t', `${i}`, 1, i + 1)), 0);
  p.c.close();
  await one.broker.stop();
  const two = await make();
  try {
    const s2 = await client(two.port, 'm-sub');
    assert.equal(s2.present, true);
    const got = [];
    for (let i = 0; i < 3; i++) {
      const m = await s2.c.next(PacketType.PUBLISH);
      got.push(m.payload.toString());
      s2.c.send(ack(PacketType.PUBACK, m.packetId));
    }
    assert.deepEqual(got, ['0', '1', '2']);
    s2.c.close();
  } finally {
    await two.broker.stop();
  }
});

test('a backlog beyond the memory window waits in the store and drains in order', async () => {
  const dir = tempDir();
  let b1: RunningBroker | null = null;
  let b2: RunningBroker | null = null;
  try {
    b1 = await startBroker(persistence(dir.path, { flushMemThreshold: 10 }));
    const s = await client(b1.port, 'slow', {}, 4);
    s.c.send(subscribe(1, [{ topicFilter: 'b', qos: 1 }]));
    await s.c.next(PacketType.SUBACK);
    await drop(b1, s.c, 'slow');
    const p = await client(b1.port, 'bp', { clean: true }, 4);
    for (let i = 0; i < 250; i++) p.c.send(publish('b', `${i}`, 1, i + 1));
    for (let i = 0; i < 250; i++) await p.c.next(PacketType.PUBACK);
    const session = b1.broker.sessions.get('slow');
    assert.equal(session?.queue.length, 10, 'the memory window');
    assert.equal(session.spilled, 240, 'the rest only in the store');
    p.c.close();
    await b1.close();
    b1 = null;

    b2 = await startBroker(persistence(dir.path, { flushMemThreshold: 10 }), undefined);
    const restored = b2.broker.sessions.get('slow');
    assert.equal(restored?.queue.length, 0, 'nothing queued is loaded at start');
    assert.equal(restored.spilled, 250);
    const s2 = await client(b2.port, 'slow', {}, 4);
    let next = 0;
    let maxQueue = 0;
    while (next < 250) {
      const m = await s2.c.next(PacketType.PUBLISH);
      assert.equal(m.payload.toString(), `${next++}`);
      maxQueue = Math.max(maxQueue, restored.queue.length);
      s2.c.send(ack(PacketType.PUBACK, m.packetId));
    }
    assert.ok(maxQueue <= 10, `queue stayed within the window (${maxQueue})`);
    await waitFor(() => b2?.broker.durable?.store.queuedCount === 0, 'store drained');
    s2.c.close();
  } finally {
    await b2?.close();
    await b1?.close();
    dir.remove();
  }
});

test('disk_cache_size: refused with 0x97 when no session can take it; drop_oldest makes room', async () => {
  const dir = tempDir();
  let b: RunningBroker | null = null;
  try {
    b = await startBroker(persistence(dir.path, { diskCacheSize: 3 }));
    const s = await client(b.port, 'full-sub');
    s.c.send(subscribe(1, [{ topicFilter: 'f', qos: 1 }]));
    await s.c.next(PacketType.SUBACK);
    await drop(b, s.c, 'full-sub');
    const p = await client(b.port, 'full-pub', { clean: true, properties: null });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await publishAcked(p.c, publish('f', `${i}`, 1, i + 1)));
    assert.deepEqual(codes, [0, 0, 0, ReasonCode.QUOTA_EXCEEDED, ReasonCode.QUOTA_EXCEEDED]);
    assert.equal(b.broker.metrics.persistenceRefused, 2);
    // Counted where operators look: $SYS/broker/persistence/... (retained statistics).
    b.broker.sys.publishStats();
    const w = await client(b.port, 'sys-watch', { clean: true, properties: null });
    w.c.send(subscribe(1, [{ topicFilter: '$SYS/broker/persistence/+', qos: 0 }]));
    await w.c.next(PacketType.SUBACK);
    const stats = new Map<string, string>();
    while (stats.size < 5) {
      const m = await w.c.next(PacketType.PUBLISH);
      stats.set(m.topic.slice('$SYS/broker/persistence/'.length), m.payload.toString());
    }
    assert.equal(stats.get('stored'), '3');
    assert.equal(stats.get('refused'), '2');
    assert.equal(stats.get('dropped'), '0');
    assert.equal(stats.get('failures'), '0');
    w.c.close();
    p.c.close();
    await b.close();

    b = await startBroker(persistence(dir.path, { diskCacheSize: 3, fullPolicy: 'drop_oldest' }));
    const p2 = await client(b.port, 'full-pub', { clean: true, properties: null });
    for (let i = 5; i < 7; i++)
      assert.equal(await publishAcked(p2.c, publish('f', `${i}`, 1, i)), 0);
    assert.equal(b.broker.metrics.persistenceDropped, 2);
    const s2 = await client(b.port, 'full-sub');
    const got = [];
    for (let i = 0; i < 3; i++) {
      const m = await s2.c.next(PacketType.PUBLISH);
      got.push(m.payload.toString());
      s2.c.send(ack(PacketType.PUBACK, m.packetId));
    }
    assert.deepEqual(got, ['2', '5', '6']);
    for (const c of [p2.c, s2.c]) c.close();
  } finally {
    await b?.close();
    dir.remove();
  }
});

test('clean-session and QoS 0 traffic never touches the store', async () => {
  const dir = tempDir();
  const b = await startBroker(persistence(dir.path));
  try {
    const store = b.broker.durable?.store as Persistence;
    const s = await client(b.port, 'clean-sub', { clean: true, properties: null });
    s.c.send(subscribe(1, [{ topicFilter: 'c', qos: 2 }]));
    await s.c.next(PacketType.SUBACK);
    const persistent = await client(b.port, 'qos0-sub');
    persistent.c.send(subscribe(1, [{ topicFilter: 'c', qos: 0 }]));
    await persistent.c.next(PacketType.SUBACK);
    const writes = store.writes;
    const p = await client(b.port, 'clean-pub', { clean: true, properties: null });
    for (let i = 0; i < 20; i++)
      await publishAcked(p.c, publish('c', `${i}`, ((i % 2) + 1) as 1 | 2, i + 1));
    for (let i = 0; i < 20; i++) {
      const m = await s.c.next(PacketType.PUBLISH);
      if (m.qos === 1) s.c.send(ack(PacketType.PUBACK, m.packetId));
      else {
        s.c.send(ack(PacketType.PUBREC, m.packetId));
        await s.c.next(PacketType.PUBREL);
        s.c.send(ack(PacketType.PUBCOMP, m.packetId));
      }
    }
    assert.equal(store.writes, writes, 'no write for clean sessions / QoS 0 subscriptions');
    for (const c of [s.c, persistent.c, p.c]) c.close();
  } finally {
    await b.close();
    dir.remove();
  }
});

test('a session resumed without expiry leaves the store; clean start deletes it', async () => {
  const dir = tempDir();
  const b = await startBroker(persistence(dir.path, { flushMemThreshold: 2 }));
  try {
    const store = b.broker.durable?.store as Persistence;
    const s = await client(b.port, 'turn');
    s.c.send(subscribe(1, [{ topicFilter: 'u', qos: 1 }]));
    await s.c.next(PacketType.SUBACK);
    await drop(b, s.c, 'turn');
    const p = await client(b.port, 'turn-pub', { clean: true, properties: null });
    for (let i = 0; i < 5; i++) await publishAcked(p.c, publish('u', `${i}`, 1, i + 1));
    assert.equal(store.queuedCount, 5);
    // Resumed with expiry 0: everything comes back to memory and leaves the store.
    const s2 = await client(b.port, 'turn', { properties: { sessionExpiryInterval: 0 } });
    assert.equal(s2.present, true);
    for (let i = 0; i < 5; i++) {
      const m = await s2.c.next(PacketType.PUBLISH);
      assert.equal(m.payload.toString(), `${i}`);
      s2.c.send(ack(PacketType.PUBACK, m.packetId));
    }
    b.broker.durable?.commitTurn();
    assert.deepEqual([store.queuedCount, store.counts().sessions], [0, 0]);
    s2.c.close();
    const s3 = await client(b.port, 'again');
    s3.c.send(subscribe(1, [{ topicFilter: 'u', qos: 1 }]));
    await s3.c.next(PacketType.SUBACK);
    await drop(b, s3.c, 'again');
    await publishAcked(p.c, publish('u', 'x', 1, 9));
    const s4 = await client(b.port, 'again', { clean: true });
    assert.equal(s4.present, false);
    await waitFor(() => store.counts().subscriptions === 0 && store.queuedCount === 0, 'deleted');
    for (const c of [p.c, s4.c]) c.close();
  } finally {
    await b.close();
    dir.remove();
  }
});

test('fan-out: one stored copy for several persistent sessions, each drains its own', async () => {
  const dir = tempDir();
  let b: RunningBroker | null = null;
  try {
    b = await startBroker(persistence(dir.path, { flushMemThreshold: 4 }));
    for (const id of ['fan-1', 'fan-2', 'fan-3']) {
      const s = await client(b.port, id);
      s.c.send(subscribe(1, [{ topicFilter: 'fan/#', qos: 2 }]));
      await s.c.next(PacketType.SUBACK);
      await drop(b, s.c, id);
    }
    const p = await client(b.port, 'fan-pub', { clean: true, properties: null });
    for (let i = 0; i < 20; i++)
      assert.equal(
        await publishAcked(p.c, publish('fan/x', `${i}`, ((i % 2) + 1) as 1 | 2, i + 1)),
        0,
      );
    const store = b.broker.durable?.store as Persistence;
    assert.deepEqual([store.counts().messages, store.queuedCount], [20, 60], 'stored once each');
    p.c.close();
    await b.close();
    b = await startBroker(persistence(dir.path, { flushMemThreshold: 4 }));
    for (const id of ['fan-1', 'fan-2', 'fan-3']) {
      const s = await client(b.port, id);
      const got: string[] = [];
      while (got.length < 20) {
        const m = await s.c.next(PacketType.PUBLISH);
        got.push(m.payload.toString());
        if (m.qos === 1) s.c.send(ack(PacketType.PUBACK, m.packetId));
        else {
          s.c.send(ack(PacketType.PUBREC, m.packetId));
          await s.c.next(PacketType.PUBREL);
          s.c.send(ack(PacketType.PUBCOMP, m.packetId));
        }
      }
      assert.deepEqual(
        got,
        Array.from({ length: 20 }, (_, i) => `${i}`),
      );
      await waitFor(() => b?.broker.sessions.get(id)?.inflight.size === 0, `${id} done`);
      s.c.close();
    }
    const store2 = b.broker.durable?.store as Persistence;
    b.broker.durable?.commitTurn();
    assert.deepEqual([store2.counts().messages, store2.queuedCount], [0, 0]);
  } finally {
    await b?.close();
    dir.remove();
  }
});
