// The flags of `nanomq start` (reference b.10) for `edgemq start`, parsed with
// node:util parseArgs, and how each one maps onto the config.
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConfigDraft } from './draft.js';
import { ConfigError, type Origin } from './errors.js';
import { parseListenerUrl, type ListenerType } from './listener-url.js';
import { getPath, isRawObject, pathKey, type RawValue } from './raw.js';

/** parseArgs options of `edgemq start`. */
export const START_OPTIONS = {
  conf: { type: 'string' },
  old_conf: { type: 'string' },
  url: { type: 'string', multiple: true },
  daemon: { type: 'boolean', short: 'd' },
  tq_thread: { type: 'string', short: 't' },
  max_tq_thread: { type: 'string', short: 'T' },
  parallel: { type: 'string', short: 'n' },
  property_size: { type: 'string', short: 's' },
  msq_len: { type: 'string', short: 'S' },
  qos_duration: { type: 'string', short: 'D' },
  http: { type: 'string' },
  port: { type: 'string', short: 'p' },
  cacert: { type: 'string' },
  cert: { type: 'string', short: 'E' },
  key: { type: 'string' },
  keypass: { type: 'string' },
  verify: { type: 'string' },
  fail: { type: 'string' },
  log_level: { type: 'string' },
  log_file: { type: 'string' },
  log_stdout: { type: 'string' },
  log_syslog: { type: 'string' },
  'data-dir': { type: 'string' },
  'no-persistence': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof START_OPTIONS;

/** Parsed `edgemq start` flags. */
export type StartFlags = {
  [K in OptionName]?: (typeof START_OPTIONS)[K] extends { multiple: true }
    ? string[] | undefined
    : (typeof START_OPTIONS)[K] extends { type: 'boolean' }
      ? boolean | undefined
      : string | undefined;
};

/** Flags that take an optional `true|false` (`--http`, `--http true`, `--verify`). */
const OPTIONAL_BOOLEAN = new Set(['--http', '--verify', '--fail']);
const BOOLEAN_WORD = /^(true|false|yes|no|on|off|1|0)$/i;

/** Rewrites `--http` (no value) to `--http=true` and `--http false` to `--http=false`. */
function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!OPTIONAL_BOOLEAN.has(arg)) {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && BOOLEAN_WORD.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(`${arg}=true`);
  }
  return out;
}

/** Parses `edgemq start` arguments; throws on an unknown flag or a missing value (message names it). */
export function parseStartArgs(argv: readonly string[]): StartFlags {
  const { values } = parseArgs({
    args: normalizeArgv(argv),
    options: START_OPTIONS,
    strict: true,
    allowPositionals: false,
  });
  return values;
}

/** Flags that set one key, with the key (also used by the docs page). */
export const FLAG_KEYS: readonly { flag: string; option: OptionName; path: readonly string[] }[] = [
  { flag: '-d, --daemon', option: 'daemon', path: ['system', 'daemon'] },
  { flag: '-t, --tq_thread', option: 'tq_thread', path: ['system', 'num_taskq_thread'] },
  { flag: '-T, --max_tq_thread', option: 'max_tq_thread', path: ['system', 'max_taskq_thread'] },
  { flag: '-n, --parallel', option: 'parallel', path: ['system', 'parallel'] },
  { flag: '-s, --property_size', option: 'property_size', path: ['mqtt', 'property_size'] },
  { flag: '-S, --msq_len', option: 'msq_len', path: ['mqtt', 'max_mqueue_len'] },
  { flag: '-D, --qos_duration', option: 'qos_duration', path: ['mqtt', 'retry_interval'] },
  { flag: '-p, --port', option: 'port', path: ['http_server', 'port'] },
  { flag: '--cacert', option: 'cacert', path: ['listeners', 'ssl', 'cacertfile'] },
  { flag: '-E, --cert', option: 'cert', path: ['listeners', 'ssl', 'certfile'] },
  { flag: '--key', option: 'key', path: ['listeners', 'ssl', 'keyfile'] },
  { flag: '--keypass', option: 'keypass', path: ['listeners', 'ssl', 'key_password'] },
  { flag: '--verify', option: 'verify', path: ['listeners', 'ssl', 'verify_peer'] },
  { flag: '--fail', option: 'fail', path: ['listeners', 'ssl', 'fail_if_no_peer_cert'] },
  { flag: '--log_level', option: 'log_level', path: ['log', 'level'] },
];

/** Flags with their own mapping, for the docs page. */
export const FLAG_NOTES: readonly { flag: string; effect: string }[] = [
  { flag: '--conf FILE', effect: 'read a HOCON nanomq.conf (else `NANOMQ_CONF_PATH`)' },
  { flag: '--old_conf FILE', effect: 'read a legacy key=value nanomq_old.conf' },
  {
    flag: '--url URL',
    effect:
      'repeatable; replaces every listener of the file: `nmq-tcp://` (listeners.tcp), `tls+nmq-tcp://` (listeners.ssl), `nmq-ws://HOST:PORT/PATH` (listeners.ws), `nmq-wss://HOST:PORT/PATH` (listeners.wss); IPv6 hosts in brackets. The TLS settings of the file and the TLS flags apply to the TLS URLs (to nmq-wss:// when no tls+nmq-tcp:// is given)',
  },
  { flag: '--http [true|false]', effect: 'turns the http_server block on or off' },
  { flag: '--log_file PATH', effect: 'sets log.dir and log.file and adds `file` to log.to' },
  { flag: '--log_stdout true|false', effect: 'adds or removes `console` in log.to' },
  { flag: '--log_syslog true|false', effect: 'adds or removes `syslog` in log.to' },
];

function flagBoolean(flag: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  throw new ConfigError(
    'EMQ_ERR_CONFIG_INVALID',
    `${flag} ${value}: not a boolean (expected true or false)`,
  );
}

function origin(name: string, value: string): Origin {
  return { kind: 'flag', name, value };
}

/** The current `log.to` of the draft as a list of names. */
function logTargets(draft: ConfigDraft): string[] {
  const raw = getPath(draft.raw, ['log', 'to']);
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === 'string')
    return raw
      .split(/[,|]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return ['console'];
}

function toggleTarget(draft: ConfigDraft, target: string, on: boolean, from: Origin): void {
  const targets = logTargets(draft).filter((t) => t !== target);
  if (on) targets.push(target);
  draft.replace(['log', 'to'], targets, from);
}

/** The TLS keys of listeners.ssl that wss shares (and that --url keeps for the URLs' listeners). */
const TLS_KEYS = [
  'keyfile',
  'certfile',
  'cacertfile',
  'key_password',
  'verify_peer',
  'fail_if_no_peer_cert',
] as const;

interface KeptValue {
  key: string;
  value: RawValue;
  origin: Origin | undefined;
}

/** The TLS keys set on `listeners.<type>` itself, with where they came from. */
function tlsKeysOf(draft: ConfigDraft, type: 'ssl' | 'wss'): KeptValue[] {
  const block = getPath(draft.raw, ['listeners', type]);
  if (!isRawObject(block)) return [];
  const out: KeptValue[] = [];
  for (const key of TLS_KEYS) {
    const value = Object.hasOwn(block, key) ? block[key] : undefined;
    if (value === undefined || value === null) continue;
    out.push({ key, value, origin: draft.origins.get(pathKey(['listeners', type, key])) });
  }
  return out;
}

/**
 * `--url` replaces every listener of the file, but the TLS settings of the file's
 * listeners.ssl / listeners.wss stay for a `tls+nmq-tcp://` or `nmq-wss://` URL (a wss URL
 * without an ssl one takes the ssl settings itself). Returns the listener types the URLs name.
 */
function applyUrls(draft: ConfigDraft, urls: readonly string[]): Set<ListenerType> {
  const kept = { ssl: tlsKeysOf(draft, 'ssl'), wss: tlsKeysOf(draft, 'wss') };
  const counts = new Map<ListenerType, number>();
  for (const type of ['tcp', 'ssl', 'ws', 'wss'] as const)
    draft.replace(['listeners', type], null, origin('--url', urls[0] ?? ''));
  for (const url of urls) {
    let parsed;
    try {
      parsed = parseListenerUrl(url, `--url ${url}`);
    } catch (error) {
      throw new ConfigError('EMQ_ERR_CONFIG_INVALID', (error as Error).message);
    }
    const n = (counts.get(parsed.type) ?? 0) + 1;
    counts.set(parsed.type, n);
    const path =
      n === 1 ? ['listeners', parsed.type, 'bind'] : ['listeners', parsed.type, `url_${n}`, 'bind'];
    draft.set(path, parsed.bind, origin('--url', url));
  }
  const restore = (type: 'ssl' | 'wss', values: readonly KeptValue[]): void => {
    for (const { key, value, origin: from } of values) {
      if (getPath(draft.raw, ['listeners', type, key]) !== undefined) continue;
      draft.set(['listeners', type, key], value, from ?? origin('--url', urls[0] ?? ''));
    }
  };
  if (counts.has('ssl')) restore('ssl', kept.ssl);
  if (counts.has('wss')) {
    restore('wss', kept.wss);
    const ownKeyMaterial = kept.wss.some((v) => v.key === 'keyfile' || v.key === 'certfile');
    if (!counts.has('ssl') && !ownKeyMaterial) restore('wss', kept.ssl);
  }
  return new Set(counts.keys());
}

/**
 * Where the TLS flags (--cert, --key, ...) go: listeners.ssl, or with `--url` and no
 * tls+nmq-tcp:// URL, the nmq-wss:// listener; null when no URL names a TLS listener.
 */
function tlsFlagTarget(urlTypes: Set<ListenerType> | null): 'ssl' | 'wss' | null {
  if (urlTypes === null || urlTypes.has('ssl')) return 'ssl';
  return urlTypes.has('wss') ? 'wss' : null;
}

/** Applies parsed flags to `draft` (flags win over everything else). */
export function applyFlags(draft: ConfigDraft, flags: StartFlags): void {
  const urlTypes =
    flags.url !== undefined && flags.url.length > 0 ? applyUrls(draft, flags.url) : null;
  const tlsTarget = tlsFlagTarget(urlTypes);
  for (const { option, path: keyPath } of FLAG_KEYS) {
    const value = flags[option];
    if (value === undefined || Array.isArray(value)) continue;
    const name = `--${option}`;
    let path = keyPath;
    if (keyPath[0] === 'listeners' && keyPath[1] === 'ssl') {
      if (tlsTarget === null) {
        draft.warnings.push(
          `${name}: no tls+nmq-tcp:// or nmq-wss:// --url to apply it to (ignored)`,
        );
        continue;
      }
      path = ['listeners', tlsTarget, ...keyPath.slice(2)];
    }
    if (typeof value === 'boolean') draft.set(path, value, origin(name, ''));
    else if (option === 'verify' || option === 'fail')
      draft.set(path, flagBoolean(name, value), origin(name, value));
    else draft.set(path, value, origin(name, value));
  }
  if (flags.http !== undefined) {
    draft.set(
      ['http_server'],
      flagBoolean('--http', flags.http) ? {} : null,
      origin('--http', flags.http),
    );
  }
  if (flags.log_file !== undefined) {
    const from = origin('--log_file', flags.log_file);
    draft.set(['log', 'dir'], dirname(flags.log_file), from);
    draft.set(['log', 'file'], basename(flags.log_file), from);
    toggleTarget(draft, 'file', true, from);
  }
  if (flags.log_stdout !== undefined) {
    const from = origin('--log_stdout', flags.log_stdout);
    toggleTarget(draft, 'console', flagBoolean('--log_stdout', flags.log_stdout), from);
  }
  if (flags.log_syslog !== undefined) {
    const from = origin('--log_syslog', flags.log_syslog);
    toggleTarget(draft, 'syslog', flagBoolean('--log_syslog', flags.log_syslog), from);
  }
}
