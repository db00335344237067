// From the parsed flags of `edgemq pub | sub | conn` (and the generic parts of `edgemq
// bench`) to client options: transport, TLS files, will, CONNECT and PUBLISH properties.
// Bad input becomes a CliError: one line on stderr and exit code 2.
import { readFileSync } from 'node:fs';
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
import { V5_ONLY, type ClientCommand } from './client-flag-table.js';
import { parseIntArg, type Flags } from './flag-table.js';

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
