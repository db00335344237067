import type { ListenerSpec } from '../broker/options.js';

const TCP_SCHEMES = new Set(['nmq-tcp:', 'mqtt-tcp:', 'tcp:', 'mqtt:']);

/**
 * A NanoMQ listener URL (`nmq-tcp://0.0.0.0:1883`, also `mqtt-tcp://` and `tcp://`) as a
 * listener spec; throws an Error naming the URL and what was expected.
 */
export function parseListenerUrl(url: string): ListenerSpec {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--url ${url}: not a URL (expected nmq-tcp://HOST:PORT)`);
  }
  if (!TCP_SCHEMES.has(parsed.protocol)) {
    throw new Error(
      `--url ${url}: unsupported scheme ${parsed.protocol} (expected nmq-tcp://, mqtt-tcp:// or tcp://)`,
    );
  }
  const port = parsed.port === '' ? 1883 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--url ${url}: invalid port`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { kind: 'tcp', host: host === '' ? '0.0.0.0' : host, port };
}
