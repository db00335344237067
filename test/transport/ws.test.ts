// WebSocket listener: only the configured path upgrades (404 elsewhere), plain HTTP gets 400,
// subprotocols mqtt / mqttv3.1, MQTT packets split across frames and several in one frame,
// a frame above the maximum packet size closes that connection, text frames are refused,
// ping/pong; Python paho over ws and wss; mutual TLS identity over wss.
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { FrameDecoder, PacketType, encodePacket, type Packet } from '../../src/codec/index.js';
import type { ConnectContext } from '../../src/hooks/types.js';
import type { BrokerOptions, ListenerSpec } from '../../src/broker/options.js';
import { brokerListeners } from '../../src/server.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { testCerts } from '../helpers/certs.js';
import { Children } from '../helpers/child.js';
import { subscribe } from '../helpers/mqttjs.js';
import { findPahoPython, requirePeer } from '../helpers/peers.js';
import { TransportClients, listenerSpec, serverTls } from '../helpers/transports.js';
import { waitFor, within } from '../helpers/wait.js';

const certs = testCerts();
const PAHO = fileURLToPath(new URL('./paho/roundtrip.py', import.meta.url));

async function withWs(
  fn: (running: RunningBroker) => Promise<void>,
  options: Partial<BrokerOptions> = {},
  spec: ListenerSpec = listenerSpec('ws'),
): Promise<void> {
  const running = await startBroker(options, [spec]);
  try {
    await fn(running);
  } finally {
    await within(running.close(), 'broker stop', 3000);
  }
}

const rejected = (running: RunningBroker): number =>
  brokerListeners(running.broker)[0]?.stats.rejected ?? -1;

/** A raw WebSocket MQTT 5 client: sends frames exactly as asked, decodes what comes back. */
class WsRaw {
  readonly packets: Packet[] = [];
  closeCode: number | null = null;
  private readonly decoder: FrameDecoder;
  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.decoder = new FrameDecoder(
      {
        onPacket: (p) => this.packets.push(p),
        onError: () => {},
      },
      { version: 5 },
    );
    ws.on('message', (data: Buffer) => {
      this.decoder.push(data);
    });
    ws.on('close', (code) => {
      this.closeCode = code;
    });
  }

  static async open(url: string, protocols: string[] = ['mqtt']): Promise<WsRaw> {
    const ws = new WebSocket(url, protocols);
    await within(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      'WebSocket open',
    );
    return new WsRaw(ws);
  }

  static bytes(packet: Packet): Buffer {
    return encodePacket(packet, 5);
  }

  async next<T extends Packet['type']>(type: T): Promise<Extract<Packet, { type: T }>> {
    await waitFor(() => this.packets.some((p) => p.type === type), `packet type ${type}`, 3000);
    const i = this.packets.findIndex((p) => p.type === type);
    return this.packets.splice(i, 1)[0] as Extract<Packet, { type: T }>;
  }

  async closed(): Promise<number> {
    await waitFor(() => this.closeCode !== null, 'WebSocket close', 3000);
    return this.closeCode ?? -1;
  }
}

const CONNECT: Packet = {
  type: PacketType.CONNECT,
  protocolName: 'MQTT',
  protocolVersion: 5,
  clean: true,
  keepalive: 30,
  clientId: 'ws-raw',
  username: null,
  password: null,
  will: null,
  properties: null,
};

/** Status code of a request on the listener (an upgrade when `upgrade`). */
function statusOf(port: number, path: string, upgrade: boolean): Promise<number> {
  if (upgrade) {
    return within(
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, ['mqtt']);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          ws.terminate();
        });
        ws.on('open', () => {
          reject(new Error('upgraded'));
        });
        ws.on('error', () => {});
      }),
      'upgrade response',
    );
  }
  return within(
    new Promise<number>((resolve, reject) => {
      httpGet({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    }),
    'HTTP response',
  );
}

describe('WebSocket listener: HTTP side', () => {
  test('an upgrade on another path gets 404; the MQTT path upgrades', async () => {
    await withWs(async (running) => {
      assert.equal(await statusOf(running.port, '/wrong', true), 404);
      assert.equal(await statusOf(running.port, '/mqtt/extra', true), 404);
      assert.equal(rejected(running), 2);
      const ok = await WsRaw.open(`${running.url}?x=1`);
      ok.ws.send(WsRaw.bytes(CONNECT));
      assert.equal((await ok.next(PacketType.CONNACK)).reasonCode, 0);
      ok.ws.terminate();
    });
  });

  test('a plain HTTP request gets 400 on the MQTT path and 404 elsewhere', async () => {
    await withWs(async (running) => {
      assert.equal(await statusOf(running.port, '/mqtt', false), 400);
      assert.equal(await statusOf(running.port, '/', false), 404);
      assert.equal(rejected(running), 2);
      assert.equal(running.broker.clients.size, 0);
    });
  });

  test('[MQTT-6.0.0-3] the subprotocol offered (mqtt or mqttv3.1) is the one answered', async () => {
    await withWs(async (running) => {
      for (const [offered, chosen] of [
        [['mqtt'], 'mqtt'],
        [['mqttv3.1'], 'mqttv3.1'],
        [['mqttv3.1', 'mqtt'], 'mqtt'],
      ] as const) {
        const raw = await WsRaw.open(running.url, [...offered]);
        assert.equal(raw.ws.protocol, chosen);
        raw.ws.terminate();
      }
    });
  });
});

describe('WebSocket listener: framing', () => {
  test('[MQTT-6.0.0-2] a packet split across two frames and several packets in one frame', async () => {
    await withWs(async (running) => {
      const raw = await WsRaw.open(running.url);
      const connect = WsRaw.bytes(CONNECT);
      raw.ws.send(connect.subarray(0, 5));
      raw.ws.send(connect.subarray(5));
      assert.equal((await raw.next(PacketType.CONNACK)).reasonCode, 0);

      const three = Buffer.concat([
        WsRaw.bytes({
          type: PacketType.SUBSCRIBE,
          packetId: 1,
          subscriptions: [
            {
              topicFilter: 'frames/t',
              qos: 0,
              noLocal: false,
              retainAsPublished: false,
              retainHandling: 0,
            },
          ],
          properties: null,
        }),
        WsRaw.bytes({
          type: PacketType.PUBLISH,
          topic: 'frames/t',
          payload: Buffer.from('in one frame'),
          qos: 0,
          retain: false,
          dup: false,
          packetId: 0,
          properties: null,
        }),
        WsRaw.bytes({ type: PacketType.PINGREQ }),
      ]);
      raw.ws.send(three);
      await raw.next(PacketType.SUBACK);
      const pub = await raw.next(PacketType.PUBLISH);
      assert.equal(pub.payload.toString(), 'in one frame');
      await raw.next(PacketType.PINGRESP);
      raw.ws.terminate();
    });
  });

  test('a frame larger than the maximum packet size closes that connection only (1009)', async () => {
    await withWs(
      async (running) => {
        const bystander = await WsRaw.open(running.url);
        bystander.ws.send(WsRaw.bytes({ ...CONNECT, clientId: 'bystander' }));
        await bystander.next(PacketType.CONNACK);
        const raw = await WsRaw.open(running.url);
        raw.ws.send(Buffer.alloc(4096, 0x30));
        assert.equal(await raw.closed(), 1009);
        bystander.ws.send(WsRaw.bytes({ type: PacketType.PINGREQ }));
        await bystander.next(PacketType.PINGRESP);
        bystander.ws.terminate();
      },
      { maxPacketSize: 1024 },
    );
  });

  test('[MQTT-6.0.0-1] a text frame closes the connection', async () => {
    await withWs(async (running) => {
      const raw = await WsRaw.open(running.url);
      raw.ws.send('not binary');
      assert.equal(await raw.closed(), 1003);
    });
  });

  test('WebSocket ping is answered with pong', async () => {
    await withWs(async (running) => {
      const raw = await WsRaw.open(running.url);
      const pong = new Promise<Buffer>((resolve) => raw.ws.once('pong', resolve));
      raw.ws.ping(Buffer.from('hi'));
      assert.equal((await within(pong, 'pong')).toString(), 'hi');
      raw.ws.terminate();
    });
  });
});

describe('WebSocket listener: wss and independent clients', () => {
  test('wss with mutual TLS: the certificate CN reaches the authenticate hook', async () => {
    const spec: ListenerSpec = {
      kind: 'wss',
      host: '127.0.0.1',
      port: 0,
      tls: serverTls(certs, { verifyPeer: true, failIfNoPeerCert: true }),
    };
    await withWs(
      async (running) => {
        const seen: ConnectContext[] = [];
        running.broker.hooks.add('authenticate', (ctx) => {
          seen.push(ctx);
          return 'next';
        });
        const clients = new TransportClients(running.url, running.port, { ca: certs.ca });
        try {
          await assert.rejects(clients.connect({ protocolVersion: 5 }));
          const c = await clients.connect({
            protocolVersion: 5,
            key: readFileSync(certs.clientKey),
            cert: readFileSync(certs.clientCert),
          });
          await subscribe(c.client, 'wss/t', { qos: 1 });
          assert.equal(seen.length, 1);
          assert.equal(seen[0]?.certificate?.cn, 'device-1');
          assert.equal(seen[0].transport, 'wss');
          assert.equal(brokerListeners(running.broker)[0]?.stats.rejected, 1);
        } finally {
          await clients.closeAll();
        }
      },
      {},
      spec,
    );
  });

  for (const kind of ['ws', 'wss'] as const) {
    test(`Python paho over ${kind === 'ws' ? 'websockets' : 'secure websockets'}`, async (t) => {
      const py = requirePeer(t, 'python3 with paho-mqtt', findPahoPython());
      if (py === null) return;
      await withWs(
        async (running) => {
          const children = new Children();
          try {
            const tlsArgs = kind === 'wss' ? [certs.caCert, '-', '-'] : ['-', '-', '-'];
            const topic = `paho/${kind}`;
            const args = ['websockets', '127.0.0.1', String(running.port), '/mqtt', ...tlsArgs];
            const c = await children.run(py, [PAHO, ...args, topic]);
            assert.equal(c.exit?.code, 0, c.describe());
            assert.deepEqual(JSON.parse(c.stdout), {
              topic,
              payload: 'hello from paho over websockets',
              qos: 1,
            });
          } finally {
            await children.killAll();
          }
        },
        {},
        listenerSpec(kind),
      );
    });
  }
});
