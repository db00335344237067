// Persistence benchmarks: restore time and broker RSS while a stored backlog drains.
//   node --import tsx bench/persistence/backlog.ts [messages=1000000] [payload bytes=64]
// 1. Writes <messages> queued QoS 1 messages for one persistent 3.1.1 session straight into
//    a new SQLite store (as a broker would have left them), in a temp directory.
// 2. Starts bench/persistence/broker.ts on it (a child process, SQLite, synchronous=full)
//    and reports how long start() took (open + integrity check + restore) until listening.
// 3. Connects the session's subscriber (our MqttClient, QoS 1, acks every message), drains
//    the backlog and samples the broker's RSS (/proc/<pid>/status) every 100 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MqttClient } from '../../src/client/index.js';
import { OutboundState, SqlitePersistence } from '../../src/persistence/index.js';

const total = Number(process.argv[2] ?? 1_000_000);
const size = Number(process.argv[3] ?? 64);
const dir = mkdtempSync(join(tmpdir(), 'edgemq-backlog-'));
const clientId = 'backlog-sub';

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]);
}

try {
  // 1. The backlog.
  let t = Date.now();
  const store = new SqlitePersistence({ dataDir: dir, synchronous: 'off' });
  store.open();
  store.upsertSession({ clientId, expiryInterval: 0xffffffff, expiresAt: 0 });
  store.addSubscription(clientId, {
    rawFilter: 'backlog/#',
    qos: 1,
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
    subscriptionId: 0,
  });
  const payload = Buffer.alloc(size, 0x61);
  for (let i = 0; i < total; i++) {
    const id = store.allocateMessageId();
    store.storeMessage(id, {
      topic: `backlog/${i % 16}`,
      payload,
      qos: 1,
      retain: false,
      properties: null,
      expiresAt: 0,
      origin: 'bench',
    });
    store.enqueue(clientId, id, 1, false, null, null, OutboundState.QUEUED, 0);
    if (i % 10_000 === 9_999) store.commit();
  }
  store.close();
  const dbMb = statSync(join(dir, 'edgemq.db')).size / 1e6;
  console.log(
    `backlog: ${total} x ${size} B written in ${Date.now() - t} ms; edgemq.db ${dbMb.toFixed(1)} MB`,
  );

  // 2. Restore.
  t = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/persistence/broker.ts'], {
    env: { ...process.env, PORT: '0', PERSIST: '1', DATA_DIR: dir, SYNC: 'full' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = child.pid as number;
  const ready = await new Promise<{ port: number; ms: number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+) (\d+)/.exec(out);
      if (m !== null) resolve({ port: Number(m[1]), ms: Number(m[2]) });
    });
    child.on('exit', () => {
      reject(new Error(`broker exited: ${out}`));
    });
  });
  const rssReady = rssKb(pid);
  console.log(
    `restore: broker.start() ${ready.ms} ms (open, quick_check, restore, listen); ` +
      `${Date.now() - t} ms from spawn; RSS ${(rssReady / 1024).toFixed(0)} MB when listening`,
  );

  // 3. Drain.
  const samples: number[] = [];
  let peak = rssReady;
  const sampler = setInterval(() => {
    const kb = rssKb(pid);
    samples.push(kb);
    peak = Math.max(peak, kb);
  }, 100);
  const sub = new MqttClient({
    port: ready.port,
    host: '127.0.0.1',
    protocolVersion: 4,
    clientId,
    clean: false,
    reconnect: false,
  });
  let got = 0;
  t = Date.now();
  const done = new Promise<void>((resolve) => {
    sub.on('message', () => {
      got++;
      if (got === total) resolve();
    });
  });
  await sub.connect();
  await done;
  const ms = Date.now() - t;
  clearInterval(sampler);
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(
    `drain: ${got} messages in ${ms} ms (${Math.round((got / ms) * 1000)} msg/s); broker RSS ` +
      `peak ${(peak / 1024).toFixed(0)} MB, median ${(median / 1024).toFixed(0)} MB, ` +
      `${samples.length} samples`,
  );
  await sub.end();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
