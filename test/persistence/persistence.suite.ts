// The shared conformance suite of the Persistence interface (the aedes-persistence
// abstract.js idea): memory.test.ts and sqlite.test.ts run it against both implementations,
// so the SQLite store is held to the memory store's behaviour and the other way round.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  OutboundState,
  type Persistence,
  type QueueRef,
  type RestoredSession,
  type RestoredState,
  type StorableMessage,
} from '../../src/persistence/index.js';

/** Makes stores for one implementation. */
export interface Harness {
  /** A new, empty store, opened. */
  create(): { p: Persistence; state: RestoredState };
  /** Closes `p` (committing) and opens the same store again: a clean restart. */
  reopen(p: Persistence): { p: Persistence; state: RestoredState };
  /** Removes what `create` made (temp directories). */
  cleanup(): void;
}

export function msg(
  topic: string,
  payload = 'x',
  extra: Partial<StorableMessage> = {},
): StorableMessage {
  return {
    topic,
    payload: Buffer.from(payload),
    qos: 1,
    retain: false,
    properties: null,
    expiresAt: 0,
    origin: 'pub',
    ...extra,
  };
}

function session(state: RestoredState, clientId: string): RestoredSession {
  const s = state.sessions.find((x) => x.clientId === clientId);
  assert.ok(s, `session ${clientId} restored`);
  return s;
}

/** Stores a message and queues it for `clientId`; returns [messageId, row]. */
function queueOne(
  p: Persistence,
  clientId: string,
  topic: string,
  qos: 1 | 2 = 1,
): [number, QueueRef] {
  const id = p.allocateMessageId();
  p.storeMessage(id, msg(topic, `payload of ${topic}`, { qos }));
  return [id, p.enqueue(clientId, id, qos, false, null, null, OutboundState.QUEUED, 0)];
}

export function persistenceSuite(name: string, harness: Harness): void {
  describe(`Persistence conformance: ${name}`, () => {
    const withStore = (fn: (p: Persistence) => void): void => {
      const { p, state } = harness.create();
      try {
        assert.deepEqual(state, { sessions: [], retained: [] });
        fn(p);
      } finally {
        p.close();
        harness.cleanup();
      }
    };

    test('sessions: upsert, update, delete; expiry deadlines survive a restart', () => {
      withStore((p0) => {
        p0.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
        p0.upsertSession({ clientId: 'b', expiryInterval: 0xffffffff, expiresAt: 0 });
        p0.upsertSession({ clientId: 'c', expiryInterval: 5, expiresAt: 0 });
        assert.equal(p0.commit(), true);
        p0.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 1_900_000_000_000 });
        p0.deleteSession('c');
        const { p, state } = harness.reopen(p0);
        try {
          assert.deepEqual(
            state.sessions.map((s) => [s.clientId, s.expiryInterval, s.expiresAt]).sort(),
            [
              ['a', 60, 1_900_000_000_000],
              ['b', 0xffffffff, 0],
            ],
          );
          assert.equal(p.counts().sessions, 2);
        } finally {
          p.close();
        }
      });
    });

    test('subscriptions: options and identifiers round trip; same filter replaces; delete', () => {
      withStore((p0) => {
        p0.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
        p0.addSubscription('a', {
          rawFilter: 'x/+',
          qos: 1,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
          subscriptionId: 0,
        });
        p0.addSubscription('a', {
          rawFilter: 'x/+',
          qos: 2,
          noLocal: true,
          retainAsPublished: true,
          retainHandling: 2,
          subscriptionId: 77,
        });
        p0.addSubscription('a', {
          rawFilter: '$share/g/y/#',
          qos: 0,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 1,
          subscriptionId: 268_435_455,
        });
        p0.addSubscription('a', {
          rawFilter: 'gone',
          qos: 0,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
          subscriptionId: 0,
        });
        p0.removeSubscription('a', 'gone');
        p0.removeSubscription('a', 'never-there');
        const { p, state } = harness.reopen(p0);
        try {
          const subs = [...session(state, 'a').subscriptions].sort((x, y) =>
            x.rawFilter.localeCompare(y.rawFilter),
          );
          assert.deepEqual(subs, [
            {
              rawFilter: '$share/g/y/#',
              qos: 0,
              noLocal: false,
              retainAsPublished: false,
              retainHandling: 1,
              subscriptionId: 268_435_455,
            },
            {
              rawFilter: 'x/+',
              qos: 2,
              noLocal: true,
              retainAsPublished: true,
              retainHandling: 2,
              subscriptionId: 77,
            },
          ]);
          p.deleteSession('a');
          p.commit();
          assert.equal(p.counts().subscriptions, 0);
        } finally {
          p.close();
        }
      });
    });

    test('messages are stored once and go with their last reference', () => {
      withStore((p) => {
        for (const c of ['a', 'b'])
          p.upsertSession({ clientId: c, expiryInterval: 60, expiresAt: 0 });
        const id = p.allocateMessageId();
        assert.notEqual(id, 0);
        p.storeMessage(id, msg('t'));
        p.storeMessage(id, msg('t')); // again (after a failed batch): a no-op
        const sa = p.enqueue('a', id, 1, false, null, null, OutboundState.QUEUED, 0);
        const sb = p.enqueue('b', id, 2, true, [5], null, OutboundState.QUEUED, 0);
        p.setRetained('t', id);
        p.commit();
        assert.deepEqual(
          [p.counts().messages, p.counts().queued, p.counts().retained, p.queuedCount],
          [1, 2, 1, 2],
        );
        p.removeOutbound('a', sa);
        p.commit();
        assert.equal(p.counts().messages, 1);
        p.setRetained('t', null);
        p.commit();
        assert.equal(p.counts().messages, 1, 'still queued for b');
        p.removeOutbound('b', sb);
        p.commit();
        assert.deepEqual([p.counts().messages, p.counts().queued, p.queuedCount], [0, 0, 0]);

        // A message nothing refers to by the end of its batch is not kept.
        const lone = p.allocateMessageId();
        p.storeMessage(lone, msg('lone'));
        p.commit();
        const s = p.enqueue('a', lone, 1, false, null, null, OutboundState.QUEUED, 0);
        p.removeOutbound('a', s);
        p.commit();
        assert.equal(p.counts().messages, 0);
      });
    });

    test('a message referred to again in a later batch, then by that reference only', () => {
      withStore((p0) => {
        for (const c of ['a', 'b'])
          p0.upsertSession({ clientId: c, expiryInterval: 60, expiresAt: 0 });
        const id = p0.allocateMessageId();
        const m = msg('again', 'payload again');
        p0.storeMessage(id, m);
        const sa = p0.enqueue('a', id, 1, false, null, null, OutboundState.QUEUED, 0);
        p0.commit();
        p0.storeMessage(id, m); // the broker stores it again with every new reference
        p0.enqueue('b', id, 2, false, null, null, OutboundState.QUEUED, 0);
        p0.commit();
        p0.removeOutbound('a', sa);
        p0.commit();
        const { p, state } = harness.reopen(p0);
        try {
          assert.equal(session(state, 'b').queued, 1);
          const [d] = p.readQueuePage('b', 0, 10);
          assert.equal(d?.message.payload.toString(), 'payload again');
          assert.equal(d.message.id, id);
          p.removeOutbound('b', d.row);
          p.commit();
          assert.deepEqual([p.counts().messages, p.counts().queued], [0, 0]);
        } finally {
          p.close();
        }
      });
    });

    test('a session delete releases its messages, not those others still need', () => {
      withStore((p0) => {
        for (const c of ['a', 'b'])
          p0.upsertSession({ clientId: c, expiryInterval: 60, expiresAt: 0 });
        const shared = p0.allocateMessageId();
        p0.storeMessage(shared, msg('shared'));
        p0.enqueue('a', shared, 1, false, null, null, OutboundState.QUEUED, 0);
        p0.enqueue('b', shared, 1, false, null, null, OutboundState.QUEUED, 0);
        queueOne(p0, 'a', 'only-a');
        p0.setAwaitingRelease('a', 9, true);
        p0.setWill('a', {
          topic: 'w',
          payload: Buffer.from('bye'),
          qos: 1,
          retain: false,
          properties: null,
          expiryInterval: 0,
          delay: 10,
          publishAt: 0,
        });
        p0.commit();
        p0.deleteSession('a');
        p0.commit();
        assert.deepEqual(p0.counts(), {
          sessions: 1,
          subscriptions: 0,
          messages: 1,
          queued: 1,
          retained: 0,
          wills: 0,
        });
        assert.equal(p0.queuedCount, 1);
        const { p, state } = harness.reopen(p0);
        try {
          assert.deepEqual(
            state.sessions.map((s) => [s.clientId, s.queued]),
            [['b', 1]],
          );
          assert.equal(p.readQueuePage('b', 0, 10)[0]?.message.topic, 'shared');
        } finally {
          p.close();
        }
      });
    });

    test('queue order and paging: QUEUED rows after a seq, in order, per session', () => {
      withStore((p0) => {
        for (const c of ['a', 'b'])
          p0.upsertSession({ clientId: c, expiryInterval: 60, expiresAt: 0 });
        const rows: QueueRef[] = [];
        for (let i = 0; i < 25; i++) {
          rows.push(queueOne(p0, 'a', `a/${i}`)[1]);
          queueOne(p0, 'b', `b/${i}`);
        }
        const seqs = rows.map((r) => r.seq);
        assert.deepEqual(
          [...seqs].sort((x, y) => x - y),
          seqs,
          'seqs grow',
        );
        p0.removeOutbound('a', rows[3] as QueueRef);
        p0.commit();
        // Buffered (uncommitted) rows are read back too.
        queueOne(p0, 'a', 'a/25');
        const page1 = p0.readQueuePage('a', 0, 10);
        assert.deepEqual(
          page1.map((d) => d.message.topic),
          ['a/0', 'a/1', 'a/2', 'a/4', 'a/5', 'a/6', 'a/7', 'a/8', 'a/9', 'a/10'],
        );
        assert.ok(
          page1.every((d) => d.row.clientId === 'a' && d.row.state === OutboundState.QUEUED),
        );
        const after = page1[page1.length - 1]?.row.seq ?? 0;
        const page2 = p0.readQueuePage('a', after, 100);
        assert.equal(page2.length, 15);
        assert.equal(page2[14]?.message.topic, 'a/25');
        assert.equal(page2[0]?.message.payload.toString(), 'payload of a/11');
        const { p, state } = harness.reopen(p0);
        try {
          assert.equal(session(state, 'a').queued, 25);
          assert.equal(session(state, 'b').queued, 25);
          assert.equal(p.queuedCount, 50);
          const all = p.readQueuePage('a', 0, 1000).map((d) => d.message.topic);
          assert.equal(all.length, 25);
          assert.equal(all[24], 'a/25');
          assert.deepEqual(p.readQueuePage('nobody', 0, 10), []);
        } finally {
          p.close();
        }
      });
    });

    test('in-flight state: packet ids, PUBLISHED / RELEASED, the window restored in order', () => {
      withStore((p0) => {
        p0.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
        const [, q1] = queueOne(p0, 'a', 'sent-from-queue', 1); // QoS 1 sent: no update
        const [, q2] = queueOne(p0, 'a', 'qos2', 2);
        p0.updateOutbound('a', q2, OutboundState.PUBLISHED, 11);
        const id3 = p0.allocateMessageId();
        p0.storeMessage(id3, msg('direct', 'd', { qos: 2 }));
        const q3 = p0.enqueue('a', id3, 2, true, [1, 2], 'g/x/#', OutboundState.PUBLISHED, 12);
        p0.commit();
        p0.updateOutbound('a', q3, OutboundState.RELEASED, 12);
        queueOne(p0, 'a', 'waiting', 1);
        queueOne(p0, 'a', 'waiting2', 2);
        const { p, state } = harness.reopen(p0);
        try {
          const s = session(state, 'a');
          assert.deepEqual(
            s.inflight.map((d) => [
              d.row.seq,
              d.message.topic,
              d.row.qos,
              d.row.state,
              d.row.packetId,
            ]),
            [
              [q1.seq, 'sent-from-queue', 1, OutboundState.QUEUED, 0],
              [q2.seq, 'qos2', 2, OutboundState.PUBLISHED, 11],
              [q3.seq, 'direct', 2, OutboundState.RELEASED, 12],
            ],
          );
          const d3 = s.inflight[2];
          assert.ok(d3);
          assert.deepEqual(d3.row.subscriptionIds, [1, 2]);
          assert.equal(d3.row.group, 'g/x/#');
          assert.equal(d3.row.retain, true);
          assert.equal(s.queued, 2);
          const last = s.inflight[s.inflight.length - 1]?.row.seq ?? 0;
          assert.deepEqual(
            p.readQueuePage('a', last, 10).map((d) => d.message.topic),
            ['waiting', 'waiting2'],
          );
          // PUBLISHED rows are not queued rows: paging from 0 skips them.
          assert.deepEqual(
            p.readQueuePage('a', 0, 10).map((d) => d.message.topic),
            ['sent-from-queue', 'waiting', 'waiting2'],
          );
        } finally {
          p.close();
        }
      });
    });

    test('empty payloads and large ones, alone or shared, come back as they were', () => {
      withStore((p0) => {
        for (const c of ['a', 'b'])
          p0.upsertSession({ clientId: c, expiryInterval: 60, expiresAt: 0 });
        const big = Buffer.alloc(300_000, 7);
        const alone = p0.allocateMessageId();
        p0.storeMessage(alone, msg('empty', '', { payload: Buffer.alloc(0) }));
        p0.enqueue('a', alone, 1, false, null, null, OutboundState.QUEUED, 0);
        const shared = p0.allocateMessageId();
        p0.storeMessage(shared, msg('big', '', { payload: big }));
        p0.enqueue('a', shared, 1, false, null, null, OutboundState.QUEUED, 0);
        p0.enqueue('b', shared, 1, false, null, null, OutboundState.QUEUED, 0);
        const { p } = harness.reopen(p0);
        try {
          const a = p.readQueuePage('a', 0, 10);
          assert.deepEqual(
            a.map((d) => [d.message.topic, d.message.payload.length]),
            [
              ['empty', 0],
              ['big', big.length],
            ],
          );
          assert.deepEqual(a[1]?.message.payload, big);
          for (const d of a) p.removeOutbound('a', d.row);
          p.commit();
          assert.equal(p.counts().messages, 1, 'b still needs the big one');
          const [b] = p.readQueuePage('b', 0, 10);
          assert.ok(b);
          p.removeOutbound('b', b.row);
          p.commit();
          assert.equal(p.counts().messages, 0);
        } finally {
          p.close();
        }
      });
    });

    test('an update or removal in the batch that queued the row', () => {
      withStore((p0) => {
        p0.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
        const [, s1] = queueOne(p0, 'a', 'one', 2);
        p0.updateOutbound('a', s1, OutboundState.PUBLISHED, 1);
        p0.updateOutbound('a', s1, OutboundState.RELEASED, 1);
        const [, s2] = queueOne(p0, 'a', 'two', 1);
        p0.removeOutbound('a', s2);
        assert.equal(p0.queuedCount, 1);
        const { p, state } = harness.reopen(p0);
        try {
          assert.deepEqual(
            session(state, 'a').inflight.map((d) => [d.message.topic, d.row.state, d.row.packetId]),
            [['one', OutboundState.RELEASED, 1]],
          );
          assert.equal(p.counts().messages, 1);
        } finally {
          p.close();
        }
      });
    });

    test('inbound QoS 2 ids awaiting PUBREL', () => {
      withStore((p0) => {
        p0.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
        for (const id of [1, 2, 65535]) p0.setAwaitingRelease('a', id, true);
        p0.setAwaitingRelease('a', 2, true); // twice: still one
        p0.setAwaitingRelease('a', 1, false);
        const { p, state } = harness.reopen(p0);
        try {
          assert.deepEqual(
            [...session(state, 'a').awaitingRelease].sort((x, y) => x - y),
            [2, 65535],
          );
        } finally {
          p.close();
        }
      });
    });

    test('retained messages: replace, clear, expiry, properties and binary payloads', () => {
      withStore((p0) => {
        const now = Date.now();
        const store = (topic: string, extra: Partial<StorableMessage>): number => {
          const id = p0.allocateMessageId();
          p0.storeMessage(id, msg(topic, 'r', extra));
          p0.setRetained(topic, id);
          return id;
        };
        store('a', { payload: Buffer.from('old') });
        const a2 = store('a', {
          payload: Buffer.from([0, 255, 1, 0]),
          qos: 2,
          retain: true,
          properties: {
            contentType: 'bin',
            correlationData: Buffer.from([9, 8, 7]),
            userProperties: [
              ['k', 'v1'],
              ['k', 'v2'],
            ],
            payloadFormatIndicator: 0,
          },
          expiresAt: now + 3_600_000,
          origin: 'client-1',
        });
        store('b', { payload: Buffer.from('b') });
        p0.setRetained('b', null);
        store('expired', { expiresAt: now - 1 });
        store('q0', { qos: 0, retain: true });
        p0.commit();
        assert.equal(p0.counts().messages, 3, 'the replaced and the cleared message are gone');
        const { p, state } = harness.reopen(p0);
        try {
          const byTopic = new Map(state.retained.map((m) => [m.topic, m]));
          assert.deepEqual([...byTopic.keys()].sort(), ['a', 'q0']);
          const a = byTopic.get('a');
          assert.ok(a);
          assert.equal(a.id, a2);
          assert.deepEqual(a.payload, Buffer.from([0, 255, 1, 0]));
          assert.equal(a.qos, 2);
          assert.equal(a.retain, true);
          assert.equal(a.expiresAt, now + 3_600_000);
          assert.equal(a.origin, 'client-1');
          assert.deepEqual(a.properties, {
            contentType: 'bin',
            correlationData: Buffer.from([9, 8, 7]),
            userProperties: [
              ['k', 'v1'],
              ['k', 'v2'],
            ],
            payloadFormatIndicator: 0,
          });
          assert.equal(byTopic.get('q0')?.qos, 0);
          assert.equal(p.counts().retained, 2, 'the expired one was removed at open');
        } finally {
          p.close();
        }
      });
    });

    test('wills: delay deadlines and properties; cleared; gone with the session', () => {
      withStore((p0) => {
        for (const c of ['a', 'b', 'c'])
          p0.upsertSession({ clientId: c, expiryInterval: 60, expiresAt: 0 });
        const will = {
          topic: 'dead/a',
          payload: Buffer.from([1, 2, 3]),
          qos: 2 as const,
          retain: true,
          properties: { contentType: 'x', correlationData: Buffer.from('c') },
          expiryInterval: 30,
          delay: 20,
          publishAt: 1_900_000_000_000,
        };
        p0.setWill('a', will);
        p0.setWill('b', { ...will, topic: 'dead/b', publishAt: 0, properties: null });
        p0.setWill('c', will);
        p0.setWill('c', null);
        const { p, state } = harness.reopen(p0);
        try {
          assert.deepEqual(session(state, 'a').will, will);
          assert.equal(session(state, 'b').will?.publishAt, 0);
          assert.equal(session(state, 'b').will?.properties, null);
          assert.equal(session(state, 'c').will, null);
          p.deleteSession('a');
          p.commit();
          assert.equal(p.counts().wills, 1);
        } finally {
          p.close();
        }
      });
    });

    test('batches: writes counted, onBatch once per batch, empty commit is fine', () => {
      withStore((p) => {
        let batches = 0;
        p.onBatch = () => {
          batches++;
        };
        assert.equal(p.commit(), true);
        const w = p.writes;
        p.upsertSession({ clientId: 'a', expiryInterval: 1, expiresAt: 0 });
        queueOne(p, 'a', 't');
        assert.ok(p.writes > w);
        assert.equal(batches, 1);
        assert.equal(p.commit(), true);
        assert.equal(p.lastError, null);
        p.setAwaitingRelease('a', 1, true);
        assert.equal(batches, 2);
        p.commit();
        p.onBatch = null;
      });
    });

    test('a large queue pages through without loss or reorder', () => {
      withStore((p0) => {
        p0.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
        const n = 3000;
        for (let i = 0; i < n; i++) {
          queueOne(p0, 'a', `t/${i}`);
          if (i % 500 === 0) p0.commit();
        }
        const { p, state } = harness.reopen(p0);
        try {
          assert.equal(session(state, 'a').queued, n);
          let after = 0;
          let expect = 0;
          for (;;) {
            const page = p.readQueuePage('a', after, 128);
            if (page.length === 0) break;
            for (const d of page) {
              assert.equal(d.message.topic, `t/${expect++}`);
              p.removeOutbound('a', d.row);
            }
            after = page[page.length - 1]?.row.seq ?? after;
            p.commit();
          }
          assert.equal(expect, n);
          assert.deepEqual([p.counts().messages, p.queuedCount], [0, 0]);
        } finally {
          p.close();
        }
      });
    });
  });
}
