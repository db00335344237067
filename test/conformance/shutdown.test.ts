// Broker shutdown (what SIGTERM runs) and clients that stop reading: v5 clients are told
// DISCONNECT 0x8B, every socket is closed, and no socket can hold the broker open.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { startBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { within } from '../helpers/wait.js';
import {
  GoodClient,
  connected,
  expectClientCount,
  expectDisconnect,
  expectSilentClose,
  publish,
  subscribed,
} from './support.js';

test('[MQTT-4.13.2-1] broker.stop(): v5 clients get DISCONNECT 0x8B, all sockets close, new connections are refused', async () => {
  const b = await startBroker();
  const v5 = await connected(b.port, 5);
  const v5b = await connected(b.port, 5, { properties: { sessionExpiryInterval: 60 } });
  const v4 = await connected(b.port, 4);
  const v3 = await connected(b.port, 3);
  const waiting = await RawClient.open(b.port, 5); // no CONNECT yet
  await expectClientCount(b.broker, 5);
  const stopped = within(b.close(), 'broker.stop()', 3000);
  await Promise.all([
    expectDisconnect(v5, ReasonCode.SERVER_SHUTTING_DOWN),
    expectDisconnect(v5b, ReasonCode.SERVER_SHUTTING_DOWN),
    expectSilentClose(v4),
    expectSilentClose(v3),
    expectSilentClose(waiting),
  ]);
  await stopped;
  assert.equal(b.broker.clients.size, 0);
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port: b.port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => {
      resolve(true);
    });
  });
  assert.equal(refused, true, 'nothing listens after stop()');
});

/** A subscriber that stops reading its socket while a publisher fills it. */
async function stuckSubscriber(port: number): Promise<{ stuck: RawClient; pub: RawClient }> {
  const stuck = await connected(port, 5);
  await subscribed(stuck, 'flood/#', 0);
  stuck.socket.pause();
  const pub = await connected(port, 5);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  // 48 MiB at QoS 0: far more than the kernel buffers on loopback plus the high-water mark.
  for (let i = 0; i < 768; i++) {
    pub.send(publish('flood/a', chunk, 0));
    if (i % 64 === 63) {
      pub.sendRaw('c0 00');
      await pub.next(PacketType.PINGRESP, 5000); // let the broker keep up
    }
  }
  return { stuck, pub };
}

test('[MQTT-4.13.2-1] broker.stop() completes even when a client never reads its socket', async () => {
  const b = await startBroker({ socketHighWaterMark: 256 * 1024, drainTimeout: 60 });
  const { stuck, pub } = await stuckSubscriber(b.port);
  const stopped = within(b.close(), 'broker.stop() with a client that does not read', 8000);
  await expectDisconnect(pub, ReasonCode.SERVER_SHUTTING_DOWN);
  await stopped;
  assert.equal(b.broker.clients.size, 0);
  stuck.close();
});

test('[DESIGN slow consumer] a client that does not read is disconnected after drainTimeout; others are unaffected', async () => {
  const b = await startBroker({
    socketHighWaterMark: 256 * 1024,
    drainTimeout: 1,
    retryInterval: 1,
  });
  const good = await GoodClient.open(b.port);
  const { stuck, pub } = await stuckSubscriber(b.port);
  await good.roundTrip('while one client is stuck');
  await expectClientCount(b.broker, 2, 'the stuck client removed');
  assert.ok(b.broker.metrics.messagesDropped > 0, 'QoS 0 to a congested socket is dropped');
  await good.roundTrip('after the stuck client was removed');
  pub.close();
  good.close();
  // The stuck socket itself is released too: stop() does not wait for it.
  await within(b.close(), 'broker.stop()', 3000);
  stuck.close();
});
