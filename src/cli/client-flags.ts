// Flag handling shared by `edgemq pub | sub | conn` (and the generic parts by `edgemq bench`):
// a table of flags that drives node:util parseArgs, the --help text, NanoMQ's alternative
// spellings, and the conversion of the values into client options. Bad input becomes a
// CliError: one line on stderr and exit code 2 (usage) or 1 (the broker said no).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  tlsTransport,
  wsTransport,
  type ClientOptions,
  type TlsClientOptions,
  type Transport,
} from '../client/index.js';
import type { ConnectProperties, PublishProperties } from '../client/index.js';
import type { ProtocolVersion, QoS, UserProperty } from '../codec/index.js';
import { CliError } from './cli-error.js';

export { CliError };

// ------------------------------------------------------------------ the generic flag table

export interface FlagSpec<C extends string = string> {
  /** Long name: the key of the parsed values. */
  readonly name: string;
  readonly short?: string;
  /** Other long names that mean the same (NanoMQ's spellings). */
  readonly aliases?: readonly string[];
  /** 'value' takes an argument; 'switch' none; 'bool' an optional true/false (default true). */
  readonly kind: 'value' | 'switch' | 'bool';
  /** Argument name shown in --help. */
  readonly arg?: string;
  readonly help: string;
  /** The commands that accept the flag; all when absent. */
  readonly for?: readonly C[];
}

const BOOL_WORDS = /^(true|false|yes|no|on|off|1|0)$/i;

/** The parsed flags of one command line: raw strings per flag, every occurrence kept. */
export class Flags {
  private readonly values: Map<string, string[]>;

  constructor(values: Map<string, string[]>) {
    this.values = values;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Every value given, in order (repeatable flags). */
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /** The last value given. */
  str(name: string): string | undefined {
    return this.values.get(name)?.at(-1);
  }

  int(name: string, min: number, max: number): number | undefined;
  int(name: string, min: number, max: number, fallback: number): number;
  int(name: string, min: number, max: number, fallback?: number): number | undefined {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    return parseIntArg(`--${name}`, raw, min, max);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    return parseBoolArg(`--${name}`, raw);
  }
}

export function parseIntArg(flag: string, raw: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliError(`${flag}: expected an integer in ${min}..${max}, got '${raw}'`, 2);
  }
  return value;
}

export function parseBoolArg(flag: string, raw: string): boolean {
  if (!BOOL_WORDS.test(raw)) throw new CliError(`${flag}: expected true or false, got '${raw}'`, 2);
  return /^(true|yes|on|1)$/i.test(raw);
}

/** A parseArgs error message in one short sentence. */
function parseArgsMessage(error: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option ${quoted ?? error.message}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (error.message.includes('argument missing')) return `option ${quoted ?? ''} needs a value`;
    if (error.message.includes('does not take an argument')) {
      return `option ${quoted ?? ''} takes no value`;
    }
    const dashed = /use '([^']+)'/.exec(error.message)?.[1];
    if (dashed !== undefined) {
      return `option ${quoted ?? ''} needs a value (one starting with '-' is written ${dashed})`;
    }
    return `option ${quoted ?? ''}: invalid value`;
  }
  return error.message.split('\n')[0] ?? 'invalid arguments';
}

/**
 * Parses `argv` against `specs` (those meant for `command`). 'bool' flags may stand alone
 * (`-r`) or take true/false (`-r false`, `--retain=false`), as NanoMQ's tools accept.
 */
export function parseFlags<C extends string>(
  argv: readonly string[],
  specs: readonly FlagSpec<C>[],
  command: C,
  helpHint: string,
): Flags {
  const mine = specs.filter((s) => s.for === undefined || s.for.includes(command));
  const canonical = new Map<string, string>();
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple: true }> =
    {};
  const boolTokens = new Set<string>();
  for (const s of mine) {
    const type = s.kind === 'switch' ? 'boolean' : 'string';
    for (const name of [s.name, ...(s.aliases ?? [])]) {
      options[name] = { type, multiple: true };
      canonical.set(name, s.name);
      if (s.kind === 'bool') boolTokens.add(`--${name}`);
    }
    if (s.short !== undefined) {
      options[s.name] = { type, short: s.short, multiple: true };
      if (s.kind === 'bool') boolTokens.add(`-${s.short}`);
    }
  }
  // A 'bool' flag without a true/false word after it means true.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    args.push(token);
    if (token === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (boolTokens.has(token) && !BOOL_WORDS.test(argv[i + 1] ?? '')) args.push('true');
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new CliError(`${parseArgsMessage(error as Error)} (${helpHint})`, 2);
  }
  if (parsed.positionals.length > 0) {
    throw new CliError(`unexpected argument '${parsed.positionals[0]}' (${helpHint})`, 2);
  }
  const values = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(parsed.values)) {
    const key = canonical.get(name) ?? name;
    const list = (raw as (string | boolean)[]).map(String);
    values.set(key, [...(values.get(key) ?? []), ...list]);
  }
  return new Flags(values);
}

/** The option lines of a --help text. */
export function flagHelp<C extends string>(specs: readonly FlagSpec<C>[], command: C): string {
  const rows = specs
    .filter((s) => s.for === undefined || s.for.includes(command))
    .map((s) => {
      const names = [
        ...(s.short === undefined ? [] : [`-${s.short}`]),
        `--${s.name}`,
        ...(s.aliases ?? []).map((a) => `--${a}`),
      ].join(', ');
      const arg = s.kind === 'value' ? ` ${s.arg ?? 'VALUE'}` : s.kind === 'bool' ? ' [BOOL]' : '';
      return [`${names}${arg}`, s.help];
    });
  const width = Math.min(Math.max(...rows.map(([left]) => (left as string).length)) + 2, 44);
  return rows
    .map(([left, help]) => {
      const l = left as string;
      return l.length + 2 > width
        ? `  ${l}\n  ${' '.repeat(width)}${help}`
        : `  ${l.padEnd(width)}${help}`;
    })
    .join('\n');
}

// ------------------------------------------------------------------ pub / sub / conn flags

export type ClientCommand = 'pub' | 'sub' | 'conn';

const PUB: ClientCommand[] = ['pub'];
const SUB: ClientCommand[] = ['sub'];
const PUB_SUB: ClientCommand[] = ['pub', 'sub'];

/** NanoMQ's nanomq_cli pub/sub/conn flags (reference b.10) plus MQTT 5 properties. */
export const CLIENT_FLAGS: readonly FlagSpec<ClientCommand>[] = [
  { name: 'host', short: 'h', kind: 'value', arg: 'HOST', help: 'broker host (default localhost)' },
  {
    name: 'port',
    short: 'p',
    kind: 'value',
    arg: 'PORT',
    help: 'broker port (default 1883; 8883 with -s; ws 8083, wss 8086)',
  },
  {
    name: 'url',
    kind: 'value',
    arg: 'URL',
    help: 'instead of -h/-p: mqtt-tcp://HOST:PORT, tls+mqtt-tcp://..., ws://HOST:PORT/PATH, wss://...',
  },
  {
    name: 'version',
    short: 'V',
    kind: 'value',
    arg: '3|4|5',
    help: 'MQTT version: 3 (3.1), 4 (3.1.1, default) or 5',
  },
  {
    name: 'parallel',
    short: 'n',
    kind: 'value',
    arg: 'N',
    help: 'number of clients (default 1)',
  },
  {
    name: 'verbose',
    short: 'v',
    kind: 'switch',
    help: 'sub: topic, QoS, retain and properties with each message; status on stderr',
  },
  {
    name: 'user',
    short: 'u',
    aliases: ['username'],
    kind: 'value',
    arg: 'USER',
    help: 'user name',
  },
  { name: 'password', short: 'P', kind: 'value', arg: 'PASSWORD', help: 'password' },
  {
    name: 'identifier',
    short: 'i',
    aliases: ['id'],
    kind: 'value',
    arg: 'ID',
    help: 'client identifier (default random; -N appended with several clients)',
  },
  {
    name: 'keepalive',
    short: 'k',
    kind: 'value',
    arg: 'SECONDS',
    help: 'keep alive (default 300)',
  },
  {
    name: 'clean_session',
    short: 'c',
    aliases: ['clean-session', 'clean-start'],
    kind: 'bool',
    help: 'clean session / clean start (default true)',
  },
  {
    name: 'topic',
    short: 't',
    kind: 'value',
    arg: 'TOPIC',
    help: 'topic; sub: repeatable filter',
    for: PUB_SUB,
  },
  {
    name: 'msg',
    short: 'm',
    kind: 'value',
    arg: 'MESSAGE',
    help: 'the message to publish',
    for: PUB,
  },
  {
    name: 'file',
    short: 'f',
    kind: 'value',
    arg: 'FILE',
    help: 'publish the contents of FILE',
    for: PUB,
  },
  {
    name: 'stdin-line',
    short: 'l',
    kind: 'switch',
    help: 'publish each line of stdin as a message (blank lines are skipped)',
    for: PUB,
  },
  {
    name: 'qos',
    short: 'q',
    kind: 'value',
    arg: '0|1|2',
    help: 'QoS (pub default 0, sub default 2)',
    for: PUB_SUB,
  },
  { name: 'retain', short: 'r', kind: 'bool', help: 'publish retained (default false)', for: PUB },
  {
    name: 'count',
    short: 'C',
    kind: 'value',
    arg: 'N',
    help: 'pub: messages per client (default 1); sub: exit after N messages; conn: clients',
  },
  {
    name: 'limit',
    short: 'L',
    kind: 'value',
    arg: 'N',
    help: 'same as --count (NanoMQ)',
    for: PUB_SUB,
  },
  {
    name: 'interval',
    short: 'I',
    kind: 'value',
    arg: 'MS',
    help: 'pub: ms between messages; sub/conn: ms between connects (default 10)',
  },
  { name: 'will-topic', aliases: ['will_topic'], kind: 'value', arg: 'TOPIC', help: 'will topic' },
  { name: 'will-msg', aliases: ['will_msg'], kind: 'value', arg: 'MESSAGE', help: 'will payload' },
  {
    name: 'will-qos',
    aliases: ['will_qos'],
    kind: 'value',
    arg: '0|1|2',
    help: 'will QoS (default 0)',
  },
  { name: 'will-retain', aliases: ['will_retain'], kind: 'bool', help: 'retained will' },
  {
    name: 'will-delay',
    aliases: ['will_delay_interval'],
    kind: 'value',
    arg: 'SECONDS',
    help: 'v5 Will Delay Interval',
  },
  {
    name: 'format',
    kind: 'value',
    arg: 'text|json',
    help: 'text (default; -v adds details) or json: one JSON object per line',
    for: SUB,
  },
  {
    name: 'hold',
    kind: 'value',
    arg: 'SECONDS|forever',
    help: 'stay connected this long before disconnecting (default 0), or until Ctrl-C',
    for: ['conn'],
  },
  // MQTT 5 properties
  {
    name: 'user-property',
    aliases: ['user_property'],
    kind: 'value',
    arg: 'KEY=VALUE',
    help: 'v5 user property (repeatable): of PUBLISH (pub), SUBSCRIBE (sub), CONNECT (conn)',
  },
  {
    name: 'session-expiry',
    aliases: ['session_expiry_interval'],
    kind: 'value',
    arg: 'SECONDS',
    help: 'v5 Session Expiry Interval',
  },
  {
    name: 'receive-maximum',
    aliases: ['receive_maximum'],
    kind: 'value',
    arg: 'N',
    help: 'v5 Receive Maximum',
  },
  {
    name: 'maximum-packet-size',
    aliases: ['maximum_packet_size'],
    kind: 'value',
    arg: 'BYTES',
    help: 'v5 Maximum Packet Size',
  },
  {
    name: 'topic-alias-maximum',
    aliases: ['topic_alias_maximum'],
    kind: 'value',
    arg: 'N',
    help: 'v5 Topic Alias Maximum',
  },
  {
    name: 'message-expiry',
    aliases: ['message_expiry_interval'],
    kind: 'value',
    arg: 'SECONDS',
    help: 'v5 Message Expiry Interval',
    for: PUB,
  },
  {
    name: 'response-topic',
    aliases: ['response_topic'],
    kind: 'value',
    arg: 'TOPIC',
    help: 'v5 Response Topic',
    for: PUB,
  },
  {
    name: 'correlation-data',
    aliases: ['correlation_data'],
    kind: 'value',
    arg: 'DATA',
    help: 'v5 Correlation Data',
    for: PUB,
  },
  {
    name: 'content-type',
    aliases: ['content_type'],
    kind: 'value',
    arg: 'TYPE',
    help: 'v5 Content Type',
    for: PUB,
  },
  {
    name: 'payload-format',
    aliases: ['payload_format_indicator'],
    kind: 'value',
    arg: '0|1',
    help: 'v5 Payload Format Indicator (1 = UTF-8)',
    for: PUB,
  },
  {
    name: 'subscription-id',
    aliases: ['subscription_identifier'],
    kind: 'value',
    arg: 'N',
    help: 'v5 Subscription Identifier',
    for: SUB,
  },
  { name: 'no-local', kind: 'switch', help: 'v5 No Local subscription option', for: SUB },
  {
    name: 'retain-as-published',
    kind: 'switch',
    help: 'v5 Retain As Published subscription option',
    for: SUB,
  },
  {
    name: 'retain-handling',
    kind: 'value',
    arg: '0|1|2',
    help: 'v5 Retain Handling subscription option',
    for: SUB,
  },
  // Transports
  {
    name: 'secure',
    short: 's',
    aliases: ['ssl'],
    kind: 'switch',
    help: 'TLS (with a ws:// --url: wss)',
  },
  { name: 'cafile', kind: 'value', arg: 'FILE', help: 'TLS: CA certificates (PEM)' },
  { name: 'cert', short: 'E', kind: 'value', arg: 'FILE', help: 'TLS: client certificate (PEM)' },
  { name: 'key', kind: 'value', arg: 'FILE', help: 'TLS: client private key (PEM)' },
  { name: 'keypass', kind: 'value', arg: 'PASSWORD', help: 'TLS: private key password' },
  { name: 'quic', kind: 'switch', help: 'MQTT over QUIC (not supported)' },
  { name: 'help', kind: 'switch', help: 'this help' },
];

/** The flags that only make sense with MQTT 5. */
const V5_ONLY = [
  'user-property',
  'session-expiry',
  'receive-maximum',
  'maximum-packet-size',
  'topic-alias-maximum',
  'message-expiry',
  'response-topic',
  'correlation-data',
  'content-type',
  'payload-format',
  'subscription-id',
  'no-local',
  'retain-as-published',
  'retain-handling',
  'will-delay',
];

export function clientHelp(command: ClientCommand, usage: string): string {
  return `${usage}\n\nOptions:\n${flagHelp(CLIENT_FLAGS, command)}\n`;
}

// ------------------------------------------------------------------ flags -> client options

/** What pub, sub and conn share: where to connect, how, and how many clients. */
export interface ClientSetup {
  readonly host: string;
  readonly port: number;
  readonly target: string;
  readonly version: ProtocolVersion;
  readonly clients: number;
  readonly verbose: boolean;
  /** ClientOptions for client `index` (0-based). */
  options(index: number): ClientOptions;
}

export function parseQos(flag: string, raw: string | undefined, fallback: QoS): QoS {
  return raw === undefined ? fallback : (parseIntArg(flag, raw, 0, 2) as QoS);
}

export function parseUserProperties(values: readonly string[]): UserProperty[] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new CliError(`--user-property: expected KEY=VALUE, got '${v}'`, 2);
    return [v.slice(0, eq), v.slice(eq + 1)] as UserProperty;
  });
}

/** A PEM file's bytes; a CliError (exit 2) naming the flag when it cannot be read. */
export function readPem(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(`${flag}: cannot read ${path} (${code})`, 2);
  }
}

export type TransportKind = 'tcp' | 'tls' | 'ws' | 'wss';

/** NanoMQ's default ports: nmq-tcp 1883, tls+nmq-tcp 8883, nmq-ws 8083, nmq-wss 8086. */
export const DEFAULT_PORTS: Readonly<Record<TransportKind, number>> = {
  tcp: 1883,
  tls: 8883,
  ws: 8083,
  wss: 8086,
};

/** The transport for `kind` (undefined: the client's plain TCP). */
export function transportFor(
  kind: TransportKind,
  host: string,
  port: number,
  path: string,
  tls: TlsClientOptions,
): Transport | undefined {
  if (kind === 'tcp') return undefined;
  if (kind === 'tls') return tlsTransport({ ...tls, host, port });
  const h = host.includes(':') ? `[${host}]` : host;
  return wsTransport({ ...tls, url: `${kind}://${h}:${port}${path}` });
}

const URL_KINDS: Readonly<Record<string, TransportKind>> = {
  'mqtt-tcp': 'tcp',
  'nmq-tcp': 'tcp',
  mqtt: 'tcp',
  tcp: 'tcp',
  'tls+mqtt-tcp': 'tls',
  'tls+nmq-tcp': 'tls',
  mqtts: 'tls',
  ssl: 'tls',
  tls: 'tls',
  ws: 'ws',
  'nmq-ws': 'ws',
  wss: 'wss',
  'nmq-wss': 'wss',
};

/** --url: host, port (if given), path and transport kind. */
function fromUrl(raw: string): {
  host: string;
  port: number | undefined;
  path: string;
  kind: TransportKind;
} {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--url ${raw}: not a URL (expected mqtt-tcp://HOST:PORT)`, 2);
  }
  const scheme = url.protocol.slice(0, -1);
  const kind = URL_KINDS[scheme];
  if (kind === undefined) {
    if (scheme.includes('quic')) throw new CliError(`--url ${raw}: QUIC is not supported`, 2);
    throw new CliError(
      `--url ${raw}: unsupported scheme ${scheme}:// (expected mqtt-tcp://, tls+mqtt-tcp://, ws:// or wss://)`,
      2,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host: host === '' ? 'localhost' : host,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname === '/' || url.pathname === '' ? '/mqtt' : url.pathname,
    kind,
  };
}

/**
 * Connection settings from the flags. `properties` are the command's v5 CONNECT
 * properties beyond the common ones (conn puts its user properties there).
 */
export function clientSetup(flags: Flags, command: ClientCommand): ClientSetup {
  if (flags.has('quic')) throw new CliError('--quic: QUIC is not supported', 2);
  const versionRaw = flags.int('version', 3, 5, 4);
  const version = versionRaw as ProtocolVersion;
  if (version !== 5) {
    const v5 = V5_ONLY.find((f) => flags.has(f));
    if (v5 !== undefined) throw new CliError(`--${v5} needs MQTT 5 (add -V 5)`, 2);
  }
  const url = flags.str('url');
  const fromU = url === undefined ? undefined : fromUrl(url);
  let kind: TransportKind = fromU?.kind ?? 'tcp';
  if (flags.has('secure')) kind = kind === 'ws' ? 'wss' : kind === 'tcp' ? 'tls' : kind;
  const host = fromU?.host ?? flags.str('host') ?? 'localhost';
  const port =
    flags.has('port') || fromU?.port === undefined
      ? flags.int('port', 0, 65535, DEFAULT_PORTS[kind])
      : fromU.port;
  const clients =
    command === 'conn' && !flags.has('parallel')
      ? flags.int('count', 1, 1_000_000, 1)
      : flags.int('parallel', 1, 1_000_000, 1);
  const keepalive = flags.int('keepalive', 0, 65535, 300);
  const clean = flags.bool('clean_session', true);
  const id = flags.str('identifier');
  if (id !== undefined && clients > 1 && id === '') {
    throw new CliError('--identifier: an empty client id cannot be shared by several clients', 2);
  }
  const username = flags.str('user');
  const password = flags.str('password');
  const secure = kind === 'tls' || kind === 'wss';
  if (!secure && (flags.has('cafile') || flags.has('cert') || flags.has('key'))) {
    throw new CliError('--cafile, --cert and --key need TLS: --secure (-s) or a tls URL', 2);
  }
  const ca = readPem('--cafile', flags.str('cafile'));
  const cert = readPem('--cert', flags.str('cert'));
  const key = readPem('--key', flags.str('key'));
  const passphrase = flags.str('keypass');
  const transport = transportFor(kind, host, port, fromU?.path ?? '/mqtt', {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(passphrase === undefined ? {} : { passphrase }),
  });

  const willTopic = flags.str('will-topic');
  if (willTopic === undefined) {
    const stray = ['will-msg', 'will-qos', 'will-retain', 'will-delay'].find((f) => flags.has(f));
    if (stray !== undefined) throw new CliError(`--${stray} needs --will-topic`, 2);
  }
  const willDelay = flags.int('will-delay', 0, 0xffffffff);
  const will =
    willTopic === undefined
      ? undefined
      : {
          topic: willTopic,
          payload: flags.str('will-msg') ?? '',
          qos: parseQos('--will-qos', flags.str('will-qos'), 0),
          retain: flags.bool('will-retain', false),
          ...(willDelay === undefined ? {} : { properties: { willDelayInterval: willDelay } }),
        };

  const properties: ConnectProperties = {};
  const sessionExpiry = flags.int('session-expiry', 0, 0xffffffff);
  if (sessionExpiry !== undefined) properties.sessionExpiryInterval = sessionExpiry;
  const receiveMaximum = flags.int('receive-maximum', 1, 65535);
  if (receiveMaximum !== undefined) properties.receiveMaximum = receiveMaximum;
  const maxPacket = flags.int('maximum-packet-size', 1, 268_435_455);
  if (maxPacket !== undefined) properties.maximumPacketSize = maxPacket;
  const aliasMax = flags.int('topic-alias-maximum', 0, 65535);
  if (aliasMax !== undefined) properties.topicAliasMaximum = aliasMax;
  if (command === 'conn' && flags.has('user-property')) {
    properties.userProperties = parseUserProperties(flags.all('user-property'));
  }
  const hasProps = Object.keys(properties).length > 0;

  return {
    host,
    port,
    target: `${host}:${port}`,
    version,
    clients,
    verbose: flags.has('verbose'),
    options(index: number): ClientOptions {
      return {
        host,
        port,
        protocolVersion: version,
        ...(id === undefined ? {} : { clientId: clients > 1 ? `${id}-${index}` : id }),
        clean,
        keepalive,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...(will === undefined ? {} : { will }),
        ...(hasProps ? { properties } : {}),
        ...(transport === undefined ? {} : { transport }),
        reconnect: false,
        connectTimeoutMs: 10_000,
      };
    },
  };
}

/** The v5 PUBLISH properties of pub's flags, or undefined. */
export function publishProperties(flags: Flags): PublishProperties | undefined {
  const p: PublishProperties = {};
  if (flags.has('user-property'))
    p.userProperties = parseUserProperties(flags.all('user-property'));
  const expiry = flags.int('message-expiry', 0, 0xffffffff);
  if (expiry !== undefined) p.messageExpiryInterval = expiry;
  const responseTopic = flags.str('response-topic');
  if (responseTopic !== undefined) p.responseTopic = responseTopic;
  const correlation = flags.str('correlation-data');
  if (correlation !== undefined) p.correlationData = Buffer.from(correlation);
  const contentType = flags.str('content-type');
  if (contentType !== undefined) p.contentType = contentType;
  const format = flags.int('payload-format', 0, 1);
  if (format !== undefined) p.payloadFormatIndicator = format;
  return Object.keys(p).length > 0 ? p : undefined;
}

/** -C / -L (the same knob under NanoMQ's two names). */
export function messageCount(flags: Flags): number | undefined {
  const count = flags.int('count', 1, Number.MAX_SAFE_INTEGER);
  const limit = flags.int('limit', 1, Number.MAX_SAFE_INTEGER);
  if (count !== undefined && limit !== undefined && count !== limit) {
    throw new CliError('--count and --limit mean the same; give one of them', 2);
  }
  return count ?? limit;
}

// ------------------------------------------------------------------ running a command

/** Writes the one error line of a failed command and returns its exit code. */
export function reportFailure(tool: string, error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`edgemq ${tool}: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`edgemq ${tool}: ${message.split('\n')[0] ?? message}\n`);
  return 1;
}

/** Calls `stop` on SIGINT / SIGTERM; the returned function removes the handlers. */
export function onStopSignal(stop: () => void): () => void {
  const handler = (): void => {
    stop();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Stdout that turns EPIPE (`edgemq sub | head`) into a quiet stop instead of a crash. */
export function guardStdout(onClosed: () => void): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') onClosed();
  });
}
