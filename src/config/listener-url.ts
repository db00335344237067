// NanoMQ listener URLs (`--url`, NANOMQ_BROKER_URL, the legacy `url=` keys) as a listener
// type and a `bind` string of the config: `nmq-tcp://0.0.0.0:1883` → tcp, "0.0.0.0:1883".

export type ListenerType = 'tcp' | 'ssl' | 'ws' | 'wss';

const SCHEMES: Readonly<Record<string, ListenerType>> = {
  'nmq-tcp:': 'tcp',
  'mqtt-tcp:': 'tcp',
  'tcp:': 'tcp',
  'mqtt:': 'tcp',
  'tls+nmq-tcp:': 'ssl',
  'tls+mqtt-tcp:': 'ssl',
  'mqtts:': 'ssl',
  'ssl:': 'ssl',
  'nmq-ws:': 'ws',
  'ws:': 'ws',
  'nmq-wss:': 'wss',
  'wss:': 'wss',
};

const DEFAULT_PORTS: Readonly<Record<ListenerType, number>> = {
  tcp: 1883,
  ssl: 8883,
  ws: 8083,
  wss: 8086,
};

export interface ListenerUrl {
  type: ListenerType;
  /** `host:port`, plus `/path` for WebSocket. */
  bind: string;
}

/**
 * Parses a listener URL; throws an Error whose message starts with `label` (e.g.
 * `--url http://x: unsupported scheme http: (expected ...)`).
 */
export function parseListenerUrl(url: string, label = url): ListenerUrl {
  let parsed: URL;
  const m = /^([a-z][a-z0-9+.-]*:)\/\/(\[[^\]]*\]|[^/:]*)(?::(\d*))?(\/.*)?$/i.exec(url.trim());
  if (m?.[3] !== undefined && m[3] !== '' && Number(m[3]) > 65_535) {
    throw new Error(`${label}: invalid port ${m[3]} (expected 0 to 65535)`);
  }
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new Error(`${label}: not a URL (expected nmq-tcp://HOST:PORT)`);
  }
  const type = SCHEMES[parsed.protocol.toLowerCase()];
  if (type === undefined) {
    throw new Error(
      `${label}: unsupported scheme ${parsed.protocol} (expected nmq-tcp://, tls+nmq-tcp://, nmq-ws:// or nmq-wss://)`,
    );
  }
  // URL normalises away default ports of special schemes (ws: 80), so read the port ourselves.
  const portText = m?.[3] ?? '';
  const port = portText === '' ? DEFAULT_PORTS[type] : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`${label}: invalid port ${portText} (expected 0 to 65535)`);
  const rawHost = m?.[2] ?? parsed.hostname;
  const host = rawHost === '' ? '0.0.0.0' : rawHost;
  const path = type === 'ws' || type === 'wss' ? (m?.[4] ?? '/mqtt') : '';
  return { type, bind: `${host}:${port}${path}` };
}
