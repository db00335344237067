// Bad files and failing disks: a clear PersistenceError at start-up (code, file, cause)
// for a corrupt, foreign, newer, locked or read-only store; at run time a failing commit
// refuses the batch's QoS>0 publishes (v5 0x97, 3.1.1 connection closed), logs, and the
// broker goes on.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { DEFAULT_PERSISTENCE_OPTIONS, type PersistenceOptions } from '../../src/broker/options.js';
import type { Logger } from '../../src/broker/logger.js';
import { PersistenceError, SqlitePersistence } from '../../src/persistence/index.js';
import { createBroker } from '../../src/server.js';
import { Children } from '../helpers/child.js';
import { RawClient } from '../helpers/raw-client.js';
import { ack, publish, subscribe } from '../conformance/support.js';
import { tempDir } from './helpers.js';

const CHILD = new URL('./fixtures/broker-child.ts', import.meta.url).pathname;

function options(dataDir: string, extra: Partial<PersistenceOptions> = {}) {
  return {
    sysInterval: 0,
    listeners: [{ kind: 'tcp' as const, host: '127.0.0.1', port: 0 }],
    persistence: { ...DEFAULT_PERSISTENCE_OPTIONS, enabled: true, dataDir, ...extra },
  };
}

/** Starts a broker on `dataDir` and returns the PersistenceError it fails with. */
async function startError(dataDir: string): Promise<PersistenceError> {
  const broker = createBroker(options(dataDir));
  try {
    await broker.start();
  } catch (error) {
    await broker.stop();
    assert.ok(error instanceof PersistenceError, `a PersistenceError: ${String(error)}`);
    return error;
  }
  await broker.stop();
  throw new Error('the broker started');
}

function dbFile(dir: string): string {
  return join(dir, 'edgemq.db');
}

test('a file that is not SQLite: EMQ_ERR_PERSIST_FOREIGN naming the file', async () => {
  const dir = tempDir();
  try {
    writeFileSync(dbFile(dir.path), 'hello, this is a text file\n'.repeat(100));
    const e = await startError(dir.path);
    assert.equal(e.code, 'EMQ_ERR_PERSIST_FOREIGN');
    assert.equal(e.file, dbFile(dir.path));
    assert.match(e.message, /edgemq\.db: not an SQLite database/);
  } finally {
    dir.remove();
  }
});

test('an SQLite database of another application: EMQ_ERR_PERSIST_FOREIGN', async () => {
  const dir = tempDir();
  try {
    const db = new Database(dbFile(dir.path));
    db.exec(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'a')",
    );
    db.close();
    const e = await startError(dir.path);
    assert.equal(e.code, 'EMQ_ERR_PERSIST_FOREIGN');
    assert.match(e.message, /not an edgemq database.*users/);
    // Left as it was.
    const again = new Database(dbFile(dir.path), { readonly: true });
    assert.deepEqual(again.prepare('SELECT name FROM users').all(), [{ name: 'a' }]);
    again.close();
  } finally {
    dir.remove();
  }
});

test('a database of a newer schema: EMQ_ERR_PERSIST_VERSION', async () => {
  const dir = tempDir();
  try {
    const p = new SqlitePersistence({ dataDir: dir.path });
    p.open();
    p.database.prepare('UPDATE schema_version SET version = 99').run();
    p.close();
    const e = await startError(dir.path);
    assert.equal(e.code, 'EMQ_ERR_PERSIST_VERSION');
    assert.match(e.message, /schema version 99/);
  } finally {
    dir.remove();
  }
});

test('a corrupt database (damaged pages): EMQ_ERR_PERSIST_CORRUPT', async () => {
  const dir = tempDir();
  try {
    const p = new SqlitePersistence({ dataDir: dir.path });
    p.open();
    p.upsertSession({ clientId: 'a', expiryInterval: 60, expiresAt: 0 });
    for (let i = 0; i < 200; i++) {
      const id = p.allocateMessageId();
      p.storeMessage(id, {
        topic: `t/${i}`,
        payload: Buffer.alloc(500, i),
        qos: 1,
        retain: false,
        properties: null,
        expiresAt: 0,
        origin: '',
      });
      p.enqueue('a', id, 1, false, null, null, 0, 0);
    }
    p.close(); // checkpoints the WAL into the file
    // Overwrite pages 2..6 (b-tree pages of the schema's tables) with garbage.
    const fd = openSync(dbFile(dir.path), 'r+');
    writeSync(fd, Buffer.alloc(4096 * 5, 0xa5), 0, 4096 * 5, 4096);
    closeSync(fd);
    const e = await startError(dir.path);
    assert.equal(e.code, 'EMQ_ERR_PERSIST_CORRUPT');
    assert.match(e.message, /edgemq\.db/);
  } finally {
    dir.remove();
  }
});

test('a database locked by another process: EMQ_ERR_PERSIST_LOCKED', async () => {
  const dir = tempDir();
  const children = new Children();
  try {
    const created = new SqlitePersistence({ dataDir: dir.path });
    created.open();
    created.close();
    const holder = children.spawn(process.execPath, [
      '-e',
      `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(dbFile(dir.path))});
       db.exec('BEGIN EXCLUSIVE'); db.prepare('SELECT count(*) FROM sessions').get();
       console.log('LOCKED'); setInterval(() => {}, 1000);`,
    ]);
    await holder.waitUntil((c) => c.stdout.includes('LOCKED'), 'lock holder', 10_000);
    const e = await startError(dir.path);
    assert.equal(e.code, 'EMQ_ERR_PERSIST_LOCKED');
    assert.match(e.message, /locked by another process/);
  } finally {
    await children.killAll();
    dir.remove();
  }
});

test('a second broker on the data directory of a running one: EMQ_ERR_PERSIST_LOCKED', async () => {
  const dir = tempDir();
  const first = createBroker(options(dir.path));
  try {
    await first.start();
    const e = await startError(dir.path);
    assert.equal(e.code, 'EMQ_ERR_PERSIST_LOCKED');
  } finally {
    await first.stop();
    dir.remove();
  }
});

test('a read-only data directory: EMQ_ERR_PERSIST_READONLY, one line, exit 2', async () => {
  const dir = tempDir();
  const children = new Children();
  try {
    const ro = join(dir.path, 'ro');
    mkdirSync(ro);
    chmodSync(dir.path, 0o755);
    chmodSync(ro, 0o555);
    // root writes anywhere: run the broker as nobody then.
    const asRoot = process.getuid?.() === 0;
    for (const dataDir of [ro, join(ro, 'sub')]) {
      const child = children.spawn(
        asRoot ? 'setpriv' : process.execPath,
        asRoot
          ? [
              '--reuid=65534',
              '--regid=65534',
              '--clear-groups',
              process.execPath,
              '--import',
              'tsx',
              CHILD,
              dataDir,
            ]
          : ['--import', 'tsx', CHILD, dataDir],
      );
      const exit = await child.wait(20_000);
      assert.equal(exit.code, 2, child.describe());
      const lines = child.stderr.trim().split('\n');
      assert.equal(lines.length, 1, child.describe());
      assert.match(lines[0] ?? '', /^ERROR EMQ_ERR_PERSIST_READONLY .*read-only/);
      assert.ok((lines[0] ?? '').includes(dataDir), 'names the path');
    }
  } finally {
    await children.killAll();
    chmodSync(join(dir.path, 'ro'), 0o755);
    dir.remove();
  }
});

test('disk full at run time: 0x97 for v5, closed for 3.1.1, logged, the broker goes on', async () => {
  const dir = tempDir();
  const lines: string[] = [];
  const record =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push(`${level} ${msg ?? ''} ${JSON.stringify(obj)}`);
    };
  const logger: Logger = {
    trace: () => {},
    debug: () => {},
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    isLevelEnabled: () => true,
  };
  const broker = createBroker(options(dir.path, { maxPageCount: 60 }), { logger });
  try {
    const [bound] = await broker.start();
    const port = (bound as { port: number }).port;
    const sub = await RawClient.open(port, 5);
    await sub.connect({
      clientId: 'full-sub',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    sub.send(subscribe(1, [{ topicFilter: 'big/#', qos: 1 }]));
    await sub.next(PacketType.SUBACK);
    sub.close();
    const big = Buffer.alloc(512 * 1024, 1);
    const v5 = await RawClient.open(port, 5);
    await v5.connect({ clientId: 'full-v5', clean: true });
    v5.send(publish('big/1', big, 1, 1));
    assert.equal((await v5.next(PacketType.PUBACK)).reasonCode, ReasonCode.QUOTA_EXCEEDED);
    v5.send(publish('big/2', big, 2, 2));
    assert.equal((await v5.next(PacketType.PUBREC)).reasonCode, ReasonCode.QUOTA_EXCEEDED);
    // The QoS 2 flow ended: the id is free again.
    assert.equal(broker.sessions.get('full-v5')?.awaitingRelease.size, 0);
    const v4 = await RawClient.open(port, 4);
    await v4.connect({ clientId: 'full-v4', clean: true });
    v4.send(publish('big/3', big, 1, 1));
    await v4.waitClosed();
    assert.equal(
      v4.packets.some((p) => p.type === PacketType.PUBACK),
      false,
      'no PUBACK',
    );
    assert.ok(broker.metrics.persistenceFailures >= 2);
    assert.ok(
      lines.some((l) => l.startsWith('error persistence: commit failed')),
      lines.join('\n'),
    );
    // What fits still works, and clean sessions never needed the disk.
    v5.send(publish('big/small', 'x', 1, 3));
    assert.equal((await v5.next(PacketType.PUBACK)).reasonCode, 0);
    const clean = await RawClient.open(port, 5);
    await clean.connect({ clientId: 'clean', clean: true });
    clean.send(subscribe(1, [{ topicFilter: 'c', qos: 1 }]));
    await clean.next(PacketType.SUBACK);
    v5.send(publish('c', big, 1, 4));
    assert.equal((await v5.next(PacketType.PUBACK)).reasonCode, 0);
    const got = await clean.next(PacketType.PUBLISH);
    assert.equal(got.payload.length, big.length);
    clean.send(ack(PacketType.PUBACK, got.packetId));
    for (const c of [v5, clean]) c.close();
  } finally {
    await broker.stop();
    dir.remove();
  }
});
