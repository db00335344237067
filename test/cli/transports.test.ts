// The client tools over TLS (-s / --cafile; bench -S) and WebSocket (--url ws://; bench
// --ws) against edgemq's TLS and WebSocket listeners.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { testCerts, type TestCerts } from '../helpers/certs.js';
import { assertOneErrorLine, lines, run } from './cli.js';

describe('CLI tools over TLS and WebSocket', { concurrency: true }, () => {
  let broker: RunningBroker;
  let certs: TestCerts;
  let tls: string[];
  let wsPort: string;
  before(async () => {
    certs = testCerts();
    broker = await startBroker({}, [
      {
        kind: 'tls',
        host: '127.0.0.1',
        port: 0,
        tls: {
          keyFile: certs.serverKey,
          certFile: certs.serverCert,
          verifyPeer: false,
          failIfNoPeerCert: false,
        },
      },
      { kind: 'ws', host: '127.0.0.1', port: 0, path: '/mqtt' },
    ]);
    tls = ['-h', '127.0.0.1', '-p', String(broker.listeners[0]!.port)];
    wsPort = String(broker.listeners[1]!.port);
  });
  after(async () => {
    await broker.close();
  });

  test('conn -s --cafile verifies the broker and connects', async () => {
    const conn = await run(['conn', ...tls, '-s', '--cafile', certs.caCert, '-i', 'tls-1']);
    assert.equal(conn.exit?.code, 0, conn.describe());
    assert.deepEqual(lines(conn.stdout), [
      'tls-1 CONNACK return-code=0 (accepted) session-present=0',
    ]);
  });

  test('conn -s without the CA: exit 1, one line (the certificate is not trusted)', async () => {
    assertOneErrorLine(await run(['conn', ...tls, '-s']), 1, /^edgemq conn: .*certificate/);
  });

  test('conn --url ws://HOST:PORT/mqtt', async () => {
    const conn = await run(['conn', '--url', `ws://127.0.0.1:${wsPort}/mqtt`, '-i', 'ws-1']);
    assert.equal(conn.exit?.code, 0, conn.describe());
    assert.match(conn.stdout, /^ws-1 CONNACK return-code=0/);
  });

  test('bench conn -S and --ws connect (bench does not verify the broker)', async () => {
    const [overTls, overWs] = await Promise.all([
      run(['bench', 'conn', ...tls, '-S', '-c', '2', '-i', '0', '-d', '1']),
      run([
        'bench',
        'conn',
        '-h',
        '127.0.0.1',
        '-p',
        wsPort,
        '--ws',
        '-c',
        '2',
        '-i',
        '0',
        '-d',
        '1',
      ]),
    ]);
    for (const b of [overTls, overWs]) {
      assert.equal(b.exit?.code, 0, b.describe());
      assert.match(b.stdout, /^connected 2\/2 in /m, b.describe());
    }
  });
});
