// Syslog over UDP: a real socket on 127.0.0.1, port 0, receives RFC 5424 messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { createLogger, formatSyslogMessage, type LogOptions } from '../../src/logging/index.js';

// RFC 5424 §6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (-|\[.+\])(?: (.*))?$/s;

async function receiver(): Promise<{ socket: Socket; port: number; next(): Promise<string> }> {
  const socket = createSocket('udp4');
  const queue: string[] = [];
  const waiters: ((m: string) => void)[] = [];
  socket.on('message', (buf) => {
    const w = waiters.shift();
    if (w !== undefined) w(buf.toString('utf8'));
    else queue.push(buf.toString('utf8'));
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    socket,
    port: socket.address().port,
    next: () => {
      const m = queue.shift();
      if (m !== undefined) return Promise.resolve(m);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error('no syslog datagram within 2 s'));
        }, 2000);
        waiters.push((msg) => {
          clearTimeout(timer);
          resolve(msg);
        });
      });
    },
  };
}

function syslogOptions(port: number, facility?: number): LogOptions {
  return {
    to: ['syslog'],
    level: 'info',
    dir: '.',
    file: 'unused.log',
    rotation: { size: 0, count: 0 },
    syslog: facility === undefined ? { port } : { port, facility },
  };
}

test('error and info arrive as RFC 5424 messages with PRI facility*8+severity', async (t) => {
  const rx = await receiver();
  t.after(() => {
    rx.socket.close();
  });
  const { logger, close } = createLogger(syslogOptions(rx.port));
  const before = Date.now();
  logger.error({ clientId: 'c 1' }, 'accept failed');
  const err = await rx.next();
  logger.info({ port: 1883 }, 'listening');
  const info = await rx.next();
  await close();

  const e = RFC5424.exec(err);
  assert.ok(e !== null, `well-formed: ${err}`);
  assert.equal(e[1], '11'); // user (1) * 8 + error (3)
  assert.ok(Math.abs(Date.parse(e[2]!) - before) < 5000);
  assert.equal(
    e[3],
    hostname()
      .replace(/[^\x21-\x7e]/g, '')
      .slice(0, 255) || '-',
  );
  assert.equal(e[4], 'edgemq');
  assert.equal(e[5], String(process.pid));
  assert.equal(e[6], '-');
  assert.equal(e[7], '-');
  assert.equal(e[8], 'accept failed clientId="c 1"');

  const i = RFC5424.exec(info);
  assert.ok(i !== null, `well-formed: ${info}`);
  assert.equal(i[1], '14'); // user (1) * 8 + informational (6)
  assert.equal(i[8], 'listening port=1883');
});

test('facility and app name are configurable; fatal/warn/debug map to 2/4/7', () => {
  const header = { facility: 16, hostname: 'h', appName: 'my app', procId: '42' };
  const msg = (level: number): string =>
    formatSyslogMessage(JSON.stringify({ level, time: 0, msg: 'm' }), header).toString();
  assert.equal(msg(60), '<130>1 1970-01-01T00:00:00.000Z h myapp 42 - - m');
  assert.equal(msg(40), '<132>1 1970-01-01T00:00:00.000Z h myapp 42 - - m');
  assert.equal(msg(20), '<135>1 1970-01-01T00:00:00.000Z h myapp 42 - - m');
  assert.equal(msg(10), '<135>1 1970-01-01T00:00:00.000Z h myapp 42 - - m');
});

test('long messages are cut to 2048 octets without splitting a UTF-8 character', () => {
  const header = { facility: 1, hostname: 'h', appName: 'a', procId: '1' };
  const buf = formatSyslogMessage(
    JSON.stringify({ level: 30, time: 0, msg: 'é'.repeat(3000) }),
    header,
  );
  assert.ok(buf.length <= 2048 && buf.length >= 2046);
  assert.equal(buf.toString('utf8').includes('\ufffd'), false);
});

test('nobody listening: logging and close() neither throw nor hang', async () => {
  const probe = createSocket('udp4');
  probe.bind(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = probe.address().port;
  await new Promise<void>((resolve) => {
    probe.close(() => {
      resolve();
    });
  });

  const errors: string[] = [];
  const { logger, close } = createLogger(syslogOptions(port), { onError: (m) => errors.push(m) });
  for (let i = 0; i < 20; i++) logger.error({ i }, 'into the void');
  await close();
  assert.ok(errors.length <= 1);
});

test('close() waits for datagrams already handed to the socket', async (t) => {
  const rx = await receiver();
  t.after(() => {
    rx.socket.close();
  });
  const { logger, close } = createLogger(syslogOptions(rx.port, 3));
  logger.warn({}, 'last words');
  await close();
  const m = RFC5424.exec(await rx.next());
  assert.ok(m !== null);
  assert.equal(m[1], String(3 * 8 + 4));
});
