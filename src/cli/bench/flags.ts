// The flags of `edgemq bench pub | sub | conn | pubsub`: those of NanoMQ's nano_bench
// (0.6.6 release notes: host, port, version, count, interval, interval_of_msg, username,
// password, topic, size, qos, retain, keepalive, clean, ssl, certfile, keyfile, ws) plus
// duration, limit, warm-up and flow-control knobs for measurements.
import type { ProtocolVersion, QoS } from '../../codec/index.js';
import { validateTopicFilter, validateTopicName } from '../../topic/index.js';
import {
  CliError,
  DEFAULT_PORTS,
  flagHelp,
  parseFlags,
  parseQos,
  type FlagSpec,
  type TransportKind,
} from '../client-flags.js';

export type BenchMode = 'pub' | 'sub' | 'conn' | 'pubsub';

const MSG: BenchMode[] = ['pub', 'sub', 'pubsub'];
const SENDS: BenchMode[] = ['pub', 'pubsub'];

export const BENCH_FLAGS: readonly FlagSpec<BenchMode>[] = [
  { name: 'host', short: 'h', kind: 'value', arg: 'HOST', help: 'broker host (default localhost)' },
  {
    name: 'port',
    short: 'p',
    kind: 'value',
    arg: 'PORT',
    help: 'broker port (default 1883, 8883 with -S, 8083 with --ws, 8086 with both)',
  },
  { name: 'version', short: 'V', kind: 'value', arg: '3|4|5', help: 'MQTT version (default 5)' },
  {
    name: 'count',
    short: 'c',
    kind: 'value',
    arg: 'N',
    help: 'clients (default 200); pubsub: publisher/subscriber pairs',
  },
  {
    name: 'interval',
    short: 'i',
    kind: 'value',
    arg: 'MS',
    help: 'ms between connects (default 10; 0 = 100 handshakes at a time)',
  },
  {
    name: 'interval_of_msg',
    short: 'I',
    aliases: ['interval-of-msg'],
    kind: 'value',
    arg: 'MS',
    help: 'ms between messages per client (default 1000; 0 = as fast as flow control allows)',
    for: SENDS,
  },
  {
    name: 'username',
    short: 'u',
    aliases: ['user'],
    kind: 'value',
    arg: 'USER',
    help: 'user name',
  },
  { name: 'password', short: 'P', kind: 'value', arg: 'PASSWORD', help: 'password' },
  {
    name: 'topic',
    short: 't',
    kind: 'value',
    arg: 'TOPIC',
    help: 'topic (required); %i = client index, %c = client id',
    for: MSG,
  },
  {
    name: 'size',
    short: 's',
    kind: 'value',
    arg: 'BYTES',
    help: 'payload size (default 256; >= 8 carries the send time for latency)',
    for: SENDS,
  },
  { name: 'qos', short: 'q', kind: 'value', arg: '0|1|2', help: 'QoS (default 0)', for: MSG },
  {
    name: 'retain',
    short: 'r',
    kind: 'bool',
    help: 'retained messages (default false)',
    for: SENDS,
  },
  {
    name: 'keepalive',
    short: 'k',
    kind: 'value',
    arg: 'SECONDS',
    help: 'keep alive (default 300)',
  },
  { name: 'clean', short: 'C', kind: 'bool', help: 'clean session / clean start (default true)' },
  {
    name: 'ssl',
    short: 'S',
    kind: 'bool',
    help: 'TLS (the broker certificate is not verified)',
  },
  { name: 'certfile', kind: 'value', arg: 'FILE', help: 'TLS client certificate (PEM)' },
  { name: 'keyfile', kind: 'value', arg: 'FILE', help: 'TLS client key (PEM)' },
  {
    name: 'ws',
    kind: 'bool',
    help: 'MQTT over WebSocket, ws://HOST:PORT/mqtt (wss with -S; default port 8083, wss 8086)',
  },
  {
    name: 'duration',
    short: 'd',
    kind: 'value',
    arg: 'SECONDS',
    help: 'stop after this long once connected (default: until Ctrl-C)',
  },
  {
    name: 'limit',
    short: 'n',
    kind: 'value',
    arg: 'N',
    help: 'messages per client, then stop (pub: sent, sub: received)',
    for: MSG,
  },
  {
    name: 'warmup',
    kind: 'value',
    arg: 'SECONDS',
    help: 'run this long before measuring (default 0)',
  },
  {
    name: 'inflight',
    kind: 'value',
    arg: 'N',
    help: 'QoS 1/2 messages unacknowledged per publisher (default 64)',
    for: SENDS,
  },
  {
    name: 'window',
    kind: 'value',
    arg: 'N',
    help: 'pubsub: messages sent but not yet received per pair (default max(64, 4000/pairs))',
    for: ['pubsub'],
  },
  {
    name: 'prefix',
    kind: 'value',
    arg: 'TEXT',
    help: 'client id prefix (default bench-PID-)',
  },
  { name: 'help', kind: 'switch', help: 'this help' },
];

export interface BenchConfig {
  readonly mode: BenchMode;
  readonly host: string;
  readonly port: number;
  readonly version: ProtocolVersion;
  readonly count: number;
  readonly connectIntervalMs: number;
  readonly messageIntervalMs: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly topic: string;
  readonly size: number;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly keepalive: number;
  readonly clean: boolean;
  readonly transport: TransportKind;
  readonly certfile: string | undefined;
  readonly keyfile: string | undefined;
  /** Seconds after connecting (and warming up); 0 = until Ctrl-C. */
  readonly duration: number;
  /** Messages per client; 0 = no limit. */
  readonly limit: number;
  readonly warmup: number;
  readonly inflight: number;
  readonly window: number;
  readonly prefix: string;
}

const USAGE: Record<BenchMode, string> = {
  pub: `Usage: edgemq bench pub -t TOPIC [options]

Connects -c clients that each publish a -s byte message every -I ms to TOPIC (%i = the
client's index). The first 8 bytes carry the send time, from which bench sub measures
latency.`,
  sub: `Usage: edgemq bench sub -t FILTER [options]

Connects -c clients subscribed to FILTER (%i = the client's index) and measures the rate
and end-to-end latency of what bench pub sends.`,
  conn: `Usage: edgemq bench conn [options]

Connects -c clients (-i ms apart), measures connect-to-CONNACK latency, and holds the
connections for -d seconds (or until Ctrl-C).`,
  pubsub: `Usage: edgemq bench pubsub -t TOPIC [options]

bench sub and bench pub in one process: -c pairs, publisher i publishing to TOPIC with %i
replaced by i, subscriber i subscribed to the same. Each pair keeps at most --window
messages in flight, so the broker's queues stay bounded. -I 0 is the maximum rate.`,
};

export const BENCH_HELP = `Usage: edgemq bench { pub | sub | conn | pubsub } [options]

A light load generator (NanoMQ's nano_bench flags): many clients in one process.
  pub      clients publishing to a topic
  sub      clients subscribed to a topic: rate and end-to-end latency
  conn     connection storm: connect rate and CONNACK latency
  pubsub   pub and sub in one process, paired (for one-core measurements)

Run 'edgemq bench <mode> --help' for its options. 'edgemq bench start pub' also works.
`;

export function benchHelp(mode: BenchMode): string {
  return `${USAGE[mode]}\n\nOptions:\n${flagHelp(BENCH_FLAGS, mode)}\n`;
}

/** The flags of `bench MODE`, or null when --help was asked for. */
export function parseBenchArgs(mode: BenchMode, argv: readonly string[]): BenchConfig | null {
  const flags = parseFlags(argv, BENCH_FLAGS, mode, `see 'edgemq bench ${mode} --help'`);
  if (flags.has('help')) return null;
  const ssl = flags.bool('ssl', false);
  const certfile = flags.str('certfile');
  const keyfile = flags.str('keyfile');
  if ((certfile === undefined) !== (keyfile === undefined)) {
    throw new CliError('--certfile and --keyfile go together', 2);
  }
  const count = flags.int('count', 1, 1_000_000, 200);
  let topic = '';
  if (mode !== 'conn') {
    const t = flags.str('topic');
    if (t === undefined) throw new CliError('missing -t TOPIC', 2);
    if (mode === 'pubsub' && !t.includes('%i')) {
      throw new CliError(
        '-t: bench pubsub pairs publisher i with subscriber i, so the topic needs %i',
        2,
      );
    }
    const sample = t.replaceAll('%i', '0').replaceAll('%c', 'client');
    const bad = mode === 'sub' ? validateTopicFilter(sample) : validateTopicName(sample);
    if (bad !== null) throw new CliError(`-t ${t}: ${bad.message}`, 2);
    topic = t;
  }
  const secure = ssl || certfile !== undefined;
  const ws = flags.bool('ws', false);
  const transport = ws ? (secure ? 'wss' : 'ws') : secure ? 'tls' : 'tcp';
  return {
    mode,
    host: flags.str('host') ?? 'localhost',
    port: flags.int('port', 0, 65535, DEFAULT_PORTS[transport]),
    version: flags.int('version', 3, 5, 5) as ProtocolVersion,
    count,
    connectIntervalMs: flags.int('interval', 0, 3_600_000, 10),
    messageIntervalMs: flags.int('interval_of_msg', 0, 3_600_000, 1000),
    username: flags.str('username'),
    password: flags.str('password'),
    topic,
    size: flags.int('size', 0, 268_435_000, 256),
    qos: parseQos('--qos', flags.str('qos'), 0),
    retain: flags.bool('retain', false),
    keepalive: flags.int('keepalive', 0, 65535, 300),
    clean: flags.bool('clean', true),
    transport,
    certfile,
    keyfile,
    duration: flags.int('duration', 0, 31_536_000, 0),
    limit: flags.int('limit', 0, Number.MAX_SAFE_INTEGER, 0),
    warmup: flags.int('warmup', 0, 3600, 0),
    inflight: flags.int('inflight', 1, 65535, 64),
    window: flags.int('window', 1, 1_000_000, Math.max(64, Math.floor(4000 / count))),
    prefix: flags.str('prefix') ?? `bench-${process.pid}-`,
  };
}
