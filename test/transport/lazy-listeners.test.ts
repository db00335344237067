// src/server.ts imports the TLS and WebSocket transports only when the broker starts with
// such a listener, and then creates every listener before any of them binds: a bad TLS file
// stops start-up with nothing bound, as when the listeners were created up front.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { brokerListeners, createBroker } from '../../src/server.js';
import { TransportError } from '../../src/transport/errors.js';
import { serverTls } from '../helpers/transports.js';
import { freePort } from '../helpers/free-port.js';

/** Resolves when a TCP connection to `port` opens (then closes it), rejects with its error. */
function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

test('a bad TLS file stops start-up before the TCP listener listed first binds', async () => {
  const port = await freePort();
  const broker = createBroker({
    sysInterval: 0,
    listeners: [
      { kind: 'tcp', host: '127.0.0.1', port },
      {
        kind: 'tls',
        host: '127.0.0.1',
        port: 0,
        tls: { ...serverTls(), keyFile: '/nonexistent/edgemq/key.pem' },
      },
    ],
  });
  try {
    assert.deepEqual(brokerListeners(broker), [], 'no listener before start');
    await assert.rejects(broker.start(), (error: unknown) => {
      assert.ok(error instanceof TransportError, String(error));
      assert.equal(error.code, 'EMQ_ERR_TLS_FILE');
      return true;
    });
    // Checked before stop(), which would close a bound listener anyway.
    await assert.rejects(connectOnce(port), /ECONNREFUSED/);
    assert.deepEqual(brokerListeners(broker), []);
  } finally {
    await broker.stop();
  }
});

test('after start, brokerListeners lists the real listeners in order', async () => {
  const broker = createBroker({
    sysInterval: 0,
    listeners: [
      { kind: 'tcp', host: '127.0.0.1', port: 0, name: 'a' },
      { kind: 'ws', host: '127.0.0.1', port: 0, name: 'b' },
    ],
  });
  try {
    const bound = await broker.start();
    assert.deepEqual(
      brokerListeners(broker).map((l) => [l.kind, l.info.name]),
      [
        ['tcp', 'tcp:a'],
        ['ws', 'ws:b'],
      ],
    );
    await connectOnce(bound[1]?.port ?? 0);
  } finally {
    await broker.stop();
  }
});
