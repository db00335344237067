// MqttClient.publishNoWait(), the bench's per-message path: no Promise, a reusable payload,
// an optional completion callback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MqttClient, MqttClientError, type ReceivedMessage } from '../../src/client/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { waitFor } from '../helpers/wait.js';

describe('MqttClient.publishNoWait', () => {
  let broker: RunningBroker;
  let sub: MqttClient;
  let pub: MqttClient;
  const got: ReceivedMessage[] = [];
  before(async () => {
    broker = await startBroker();
    const options = { host: '127.0.0.1', port: broker.port, reconnect: false as const };
    sub = new MqttClient(options);
    sub.on('message', (m) => got.push(m));
    await sub.connect();
    await sub.subscribe('nw/#', { qos: 2 });
    pub = new MqttClient(options);
    await pub.connect();
  });
  after(async () => {
    await Promise.all([sub.end(true), pub.end(true)]);
    await broker.close();
  });

  test('the payload may be rewritten right after the call, at every QoS and size', async () => {
    got.length = 0;
    const small = Buffer.from('aaaa');
    const large = Buffer.alloc(5000, 0x61);
    const acks: (Error | null)[] = [];
    for (const qos of [0, 1, 2] as const) {
      for (const payload of [small, large]) {
        pub.publishNoWait(`nw/${qos}`, payload, { qos }, (error) => acks.push(error));
        payload.fill(0x7a); // rewritten at once: 'z' must not reach the broker
        payload.fill(0x61);
      }
    }
    pub.publishNoWait('nw/forget', small); // QoS 0 without a callback
    await waitFor(() => got.length === 7 && acks.length === 6, 'all messages and callbacks');
    assert.deepEqual(acks, [null, null, null, null, null, null]);
    for (const m of got)
      assert.ok(
        m.payload.every((b) => b === 0x61),
        m.topic,
      );
  });

  test('bad arguments: thrown without a callback, passed to it otherwise', () => {
    assert.throws(() => {
      pub.publishNoWait('nw/+', Buffer.from('x'));
    }, MqttClientError);
    const errors: (Error | null)[] = [];
    pub.publishNoWait('nw/#', Buffer.from('x'), { qos: 1 }, (e) => errors.push(e));
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof MqttClientError);
  });
});
