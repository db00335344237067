// QoS 0 throughput over tcp, tls, ws and wss, as ratios to plain TCP (docs/benchmarks.md).
//   node --import tsx bench/transport-throughput.ts [--seconds 3] [--rounds 2]
// The broker runs in a child process (its own event loop and core) with all four listeners
// on loopback. In this process one raw publisher sends 64 B QoS 0 PUBLISH packets in
// batches of 100 (one write, which is one WebSocket frame on ws/wss) to one raw subscriber,
// keeping at most WINDOW messages in flight so that none is dropped; the subscriber's
// received messages per second are the figure. Quote ratios, not absolute rates: the
// machines are shared. `--serve` is the child's mode.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { PacketType, encodePacket, type Packet } from '../src/codec/index.js';
import type { ListenerSpec, ListenerTlsSpec } from '../src/broker/options.js';
import { createBroker } from '../src/server.js';
import { generateCerts } from '../test/helpers/certs.js';

const KINDS = ['tcp', 'tls', 'ws', 'wss'] as const;
type Kind = (typeof KINDS)[number];
const PAYLOAD = 64;
const BATCH = 100;
const WINDOW = 20_000;
const TOPIC = 'bench/t';

// ---------------------------------------------------------------- child: the broker

async function serve(keyFile: string, certFile: string): Promise<void> {
  const tls: ListenerTlsSpec = { keyFile, certFile, verifyPeer: false, failIfNoPeerCert: false };
  const listeners: ListenerSpec[] = [
    { kind: 'tcp', host: '127.0.0.1', port: 0 },
    { kind: 'tls', host: '127.0.0.1', port: 0, tls },
    { kind: 'ws', host: '127.0.0.1', port: 0 },
    { kind: 'wss', host: '127.0.0.1', port: 0, tls },
  ];
  const broker = createBroker({ listeners, sysInterval: 0 });
  const bound = await broker.start();
  process.stdout.write(`${JSON.stringify(bound.map((b) => b.port))}\n`);
  // Runs until the parent closes stdin.
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await broker.stop();
}

// ---------------------------------------------------------------- parent: the clients

/** A byte pipe to the broker over any of the four transports. */
interface Pipe {
  write(data: Buffer): boolean;
  onData(fn: (chunk: Buffer) => void): void;
  onDrain(fn: () => void): void;
  close(): void;
}

async function openPipe(kind: Kind, port: number, ca: Buffer): Promise<Pipe> {
  if (kind === 'tcp' || kind === 'tls') {
    const socket =
      kind === 'tcp'
        ? netConnect({ port, host: '127.0.0.1', noDelay: true })
        : tlsConnect({ port, host: '127.0.0.1', ca, servername: 'localhost' });
    await new Promise((resolve, reject) => {
      socket.once(kind === 'tcp' ? 'connect' : 'secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return {
      write: (d) => socket.write(d),
      onData: (fn) => socket.on('data', fn),
      onDrain: (fn) => socket.on('drain', fn),
      close: () => socket.destroy(),
    };
  }
  const scheme = kind === 'ws' ? 'ws' : 'wss';
  const ws = new WebSocket(`${scheme}://127.0.0.1:${port}/mqtt`, ['mqtt'], { ca });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  // The socket under the WebSocket gives backpressure and drain.
  const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  return {
    write: (d) => {
      ws.send(d);
      return !socket.writableNeedDrain;
    },
    onData: (fn) => ws.on('message', fn),
    onDrain: (fn) => socket.on('drain', fn),
    close: () => {
      ws.terminate();
    },
  };
}

function encode(packet: Packet): Buffer {
  return encodePacket(packet, 4);
}

function connectBytes(clientId: string): Buffer {
  return encode({
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId,
    username: null,
    password: null,
    will: null,
    properties: null,
  });
}

const PUBLISH = encode({
  type: PacketType.PUBLISH,
  topic: TOPIC,
  payload: Buffer.alloc(PAYLOAD, 0x61),
  qos: 0,
  retain: false,
  dup: false,
  packetId: 0,
  properties: null,
});
const BATCH_BYTES = Buffer.concat(Array<Buffer>(BATCH).fill(PUBLISH));
const CONNACK_LEN = 4;
const SUBACK_LEN = 5;

/** Messages per second received by one subscriber from one publisher over `kind`. */
async function measure(kind: Kind, port: number, ca: Buffer, seconds: number): Promise<number> {
  const sub = await openPipe(kind, port, ca);
  let subBytes = 0;
  let ready: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const preamble = CONNACK_LEN + SUBACK_LEN;
  let received = 0;
  let pump: () => void = () => {};
  sub.onData((chunk) => {
    subBytes += chunk.length;
    if (subBytes >= preamble) {
      ready();
      const n = Math.floor((subBytes - preamble) / PUBLISH.length);
      if (n !== received) {
        received = n;
        pump();
      }
    }
  });
  sub.write(connectBytes(`bench-sub-${kind}`));
  sub.write(
    encode({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        { topicFilter: TOPIC, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
      properties: null,
    }),
  );
  await subscribed;

  const pub = await openPipe(kind, port, ca);
  let pubAcked = false;
  pub.onData(() => {
    pubAcked = true;
  });
  pub.write(connectBytes(`bench-pub-${kind}`));
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (pubAcked) resolve();
      else setTimeout(check, 1);
    };
    check();
  });

  let sent = 0;
  let blocked = false;
  let running = true;
  let scheduled = false;
  pump = () => {
    if (!running || blocked || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (running && !blocked && sent - received < WINDOW) {
        sent += BATCH;
        if (!pub.write(BATCH_BYTES)) blocked = true;
      }
    });
  };
  pub.onDrain(() => {
    blocked = false;
    pump();
  });
  pump();
  await new Promise((resolve) => setTimeout(resolve, 300)); // warm-up
  const startCount = received;
  const start = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = (received - startCount) / elapsed;
  running = false;
  pub.close();
  sub.close();
  return rate;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '2' },
      only: { type: 'string', multiple: true },
    },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const certs = generateCerts();
  const child = spawn(
    process.execPath,
    // The parent's flags (--import tsx, and --cpu-prof when profiling) apply to the broker too.
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--serve',
      certs.serverKey,
      certs.serverCert,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => {
        reject(new Error(`broker exited (${String(code)})`));
      });
    });
    const ports = JSON.parse(line) as number[];
    const ca = readFileSync(certs.caCert);
    const best = new Map<Kind, number>();
    for (let r = 0; r < rounds; r++) {
      for (const [i, kind] of KINDS.entries()) {
        if (values.only !== undefined && !values.only.includes(kind)) continue;
        const rate = await measure(kind, ports[i] ?? 0, ca, seconds);
        process.stderr.write(`round ${r + 1} ${kind}: ${Math.round(rate)} msg/s\n`);
        best.set(kind, Math.max(best.get(kind) ?? 0, rate));
      }
    }
    const tcp = best.get('tcp') ?? 1;
    console.log(
      `QoS 0, ${PAYLOAD} B payload, 1 publisher -> 1 subscriber, best of ${rounds} x ${seconds} s`,
    );
    console.log('| transport | msg/s | ratio to tcp |');
    console.log('|---|---:|---:|');
    for (const kind of KINDS) {
      const rate = best.get(kind) ?? 0;
      console.log(`| ${kind} | ${Math.round(rate)} | ${(rate / tcp).toFixed(2)} |`);
    }
  } finally {
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(certs.dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] ?? '', process.argv[4] ?? '');
} else {
  await main();
}
