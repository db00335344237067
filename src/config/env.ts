// Environment variables: NanoMQ's Docker names (NANOMQ_*, reference b.3) and EDGEMQ_<PATH>
// for every key of the schema (upper snake of the dotted path, EDGEMQ_MQTT_MAX_PACKET_SIZE).
// EDGEMQ_* is applied after NANOMQ_*, so it wins when both name the same key.
import type { ConfigDraft } from './draft.js';
import { ConfigError, type Origin } from './errors.js';
import { parseListenerUrl } from './listener-url.js';
import { ConfigSchema } from './schema.js';
import { edgemqEnvTable } from './schema-paths.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A NANOMQ_* variable: sets `path`, or turns the block at `enables` on/off, or is a listener URL. */
export interface NanomqEnvVar {
  name: string;
  /** Key path it sets (for URL variables: the one it usually sets). */
  path?: readonly string[];
  /** Block turned on (true) or off (false). */
  enables?: readonly string[];
  /** A listener URL (`nmq-tcp://...`): sets listeners.<type>.bind for the URL's type (`path` documents the usual one). */
  url?: boolean;
  /** Ignored when this NANOMQ_*_ENABLE variable is false. */
  gate?: string;
}

const TLS = 'NANOMQ_TLS_ENABLE';
const WS = 'NANOMQ_WEBSOCKET_ENABLE';
const HTTP = 'NANOMQ_HTTP_SERVER_ENABLE';
const ssl = (key: string): readonly string[] => ['listeners', 'ssl', key];

/** NanoMQ's Docker environment variables (docs/en_US/installation/docker.md), in the order applied. */
export const NANOMQ_ENV: readonly NanomqEnvVar[] = [
  { name: 'NANOMQ_BROKER_URL', url: true, path: ['listeners', 'tcp', 'bind'] },
  { name: 'NANOMQ_DAEMON', path: ['system', 'daemon'] },
  { name: 'NANOMQ_NUM_TASKQ_THREAD', path: ['system', 'num_taskq_thread'] },
  { name: 'NANOMQ_MAX_TASKQ_THREAD', path: ['system', 'max_taskq_thread'] },
  { name: 'NANOMQ_PARALLEL', path: ['system', 'parallel'] },
  { name: 'NANOMQ_PROPERTY_SIZE', path: ['mqtt', 'property_size'] },
  { name: 'NANOMQ_MSQ_LEN', path: ['mqtt', 'max_mqueue_len'] },
  { name: 'NANOMQ_QOS_DURATION', path: ['mqtt', 'retry_interval'] },
  { name: 'NANOMQ_ALLOW_ANONYMOUS', path: ['auth', 'allow_anonymous'] },
  { name: WS, enables: ['listeners', 'ws'] },
  { name: 'NANOMQ_WEBSOCKET_URL', url: true, path: ['listeners', 'ws', 'bind'], gate: WS },
  { name: 'NANOMQ_WEBSOCKET_TLS_URL', url: true, path: ['listeners', 'wss', 'bind'], gate: WS },
  { name: HTTP, enables: ['http_server'] },
  { name: 'NANOMQ_HTTP_SERVER_PORT', path: ['http_server', 'port'], gate: HTTP },
  { name: 'NANOMQ_HTTP_SERVER_USERNAME', path: ['http_server', 'username'], gate: HTTP },
  { name: 'NANOMQ_HTTP_SERVER_PASSWORD', path: ['http_server', 'password'], gate: HTTP },
  { name: TLS, enables: ['listeners', 'ssl'] },
  { name: 'NANOMQ_TLS_URL', url: true, path: ['listeners', 'ssl', 'bind'], gate: TLS },
  { name: 'NANOMQ_TLS_CA_CERT_PATH', path: ssl('cacertfile'), gate: TLS },
  { name: 'NANOMQ_TLS_CERT_PATH', path: ssl('certfile'), gate: TLS },
  { name: 'NANOMQ_TLS_KEY_PATH', path: ssl('keyfile'), gate: TLS },
  { name: 'NANOMQ_TLS_KEY_PASSWORD', path: ssl('key_password'), gate: TLS },
  { name: 'NANOMQ_TLS_VERIFY_PEER', path: ssl('verify_peer'), gate: TLS },
  { name: 'NANOMQ_TLS_FAIL_IF_NO_PEER_CERT', path: ssl('fail_if_no_peer_cert'), gate: TLS },
  { name: 'NANOMQ_LOG_TO', path: ['log', 'to'] },
  { name: 'NANOMQ_LOG_LEVEL', path: ['log', 'level'] },
  { name: 'NANOMQ_LOG_DIR', path: ['log', 'dir'] },
  { name: 'NANOMQ_LOG_FILE', path: ['log', 'file'] },
  { name: 'NANOMQ_LOG_ROTATION_SIZE', path: ['log', 'rotation', 'size'] },
  { name: 'NANOMQ_LOG_ROTATION_COUNT', path: ['log', 'rotation', 'count'] },
];

/** The variable naming the config file when --conf is not given. */
export const CONF_PATH_ENV = 'NANOMQ_CONF_PATH';

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function envBoolean(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(
    'EMQ_ERR_CONFIG_INVALID',
    `${name}=${value}: not a boolean (expected true or false)`,
  );
}

function isOff(env: Env, gate: string | undefined): boolean {
  if (gate === undefined) return false;
  const v = env[gate];
  return v !== undefined && v.trim() !== '' && !envBoolean(gate, v);
}

/** Applies NANOMQ_* variables to `draft`. */
export function applyNanomqEnv(draft: ConfigDraft, env: Env): void {
  for (const rule of NANOMQ_ENV) {
    const value = env[rule.name];
    if (value === undefined || value.trim() === '' || isOff(env, rule.gate)) continue;
    const origin: Origin = { kind: 'env', name: rule.name, value };
    if (rule.enables !== undefined) {
      draft.set(rule.enables, envBoolean(rule.name, value) ? {} : null, origin);
    } else if (rule.url === true) {
      let parsed;
      try {
        parsed = parseListenerUrl(value, `${rule.name}=${value}`);
      } catch (error) {
        throw new ConfigError('EMQ_ERR_CONFIG_INVALID', (error as Error).message);
      }
      draft.set(['listeners', parsed.type, 'bind'], parsed.bind, origin);
    } else if (rule.path !== undefined) {
      draft.set(rule.path, value, origin);
    }
  }
}

/** Applies EDGEMQ_<PATH> variables; unknown ones that look like config keys are warned about. */
export function applyEdgemqEnv(draft: ConfigDraft, env: Env): void {
  const table = edgemqEnvTable();
  const sections = Object.keys(ConfigSchema.properties).map((s) => `EDGEMQ_${s.toUpperCase()}_`);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('EDGEMQ_') || value === undefined) continue;
    const path = table.get(name);
    if (path !== undefined) {
      draft.set(path, value, { kind: 'env', name, value });
    } else if (sections.some((s) => name.startsWith(s))) {
      draft.warnings.push(`${name}: no config key has this name (ignored)`);
    }
  }
}
