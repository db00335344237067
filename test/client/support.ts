// Shared bits of the client suites: clients that are always ended, bounded waits on events.
import type { TestContext } from 'node:test';
import { MqttClient, type ClientOptions, type ReceivedMessage } from '../../src/client/index.js';
import { within } from '../helpers/wait.js';

/** A client on 127.0.0.1:port, ended (forcefully) when the test finishes. */
export function client(t: TestContext, port: number, options: ClientOptions = {}): MqttClient {
  const c = new MqttClient({ host: '127.0.0.1', port, keepalive: 30, ...options });
  c.on('error', () => {}); // tests assert on errors explicitly where they matter
  t.after(() => c.end(true));
  return c;
}

/** Every message the client receives, in order. */
export function inbox(c: MqttClient): ReceivedMessage[] {
  const got: ReceivedMessage[] = [];
  c.on('message', (m) => got.push(m));
  return got;
}

type Observed = 'connect' | 'offline' | 'close' | 'reconnect' | 'error' | 'disconnect' | 'message';

/** The arguments of the next `event`, within `timeoutMs`. */
export function next(c: MqttClient, event: Observed, timeoutMs = 5000): Promise<unknown[]> {
  return within(
    new Promise<unknown[]>((resolve) => {
      c.once(event, (...args: unknown[]) => {
        resolve(args);
      });
    }),
    `'${event}' from the client`,
    timeoutMs,
  );
}

export { waitFor, within } from '../helpers/wait.js';
