// Shared pieces of the byte-level conformance suites: packet builders, "the broker must
// answer X and close" assertions, and the good-client round trip that proves one bad
// client did not hurt the others.
import assert from 'node:assert/strict';
import {
  PacketType,
  type DisconnectPacket,
  type Packet,
  type Properties,
  type ProtocolVersion,
  type PublishPacket,
  type QoS,
  type SubscribePacket,
  type Subscription,
} from '../../src/codec/index.js';
import type { Broker } from '../../src/broker/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

export type ConnectFields = Partial<Extract<Packet, { type: 1 }>>;

let counter = 0;

/** A client id unique within the test run (and short enough for MQTT 3.1's 23 chars). */
export function uniqueId(prefix = 'c'): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Opens a raw client, connects it and checks the CONNACK accepted it. */
export async function connected(
  port: number,
  version: ProtocolVersion = 5,
  fields: ConnectFields = {},
): Promise<RawClient> {
  const client = await RawClient.open(port, version);
  const connack = await client.connect({ clientId: uniqueId(), ...fields });
  assert.equal(connack.reasonCode, 0, 'CONNACK accepts the connection');
  return client;
}

export function publish(
  topic: string,
  payload: string | Buffer,
  qos: QoS = 0,
  packetId = 0,
  properties: Properties | null = null,
  flags: { retain?: boolean; dup?: boolean } = {},
): PublishPacket {
  return {
    type: PacketType.PUBLISH,
    topic,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    qos,
    retain: flags.retain ?? false,
    dup: flags.dup ?? false,
    packetId,
    properties,
  };
}

export function subscribe(
  packetId: number,
  filters: (string | (Partial<Subscription> & { topicFilter: string }))[],
  properties: Properties | null = null,
): SubscribePacket {
  return {
    type: PacketType.SUBSCRIBE,
    packetId,
    subscriptions: filters.map((f) =>
      typeof f === 'string'
        ? { topicFilter: f, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }
        : { qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, ...f },
    ),
    properties,
  };
}

/** Subscribes and checks the SUBACK grants what was asked. */
export async function subscribed(
  client: RawClient,
  filter: string,
  qos: QoS = 0,
  packetId = 1,
): Promise<void> {
  client.send(subscribe(packetId, [{ topicFilter: filter, qos }]));
  const suback = await client.next(PacketType.SUBACK);
  assert.equal(suback.packetId, packetId);
  assert.deepEqual(suback.reasonCodes, [qos]);
}

export function ack(type: 4 | 5 | 6 | 7, packetId: number, reasonCode = 0): Packet {
  return { type, packetId, reasonCode, properties: null };
}

/** v5: the broker sends DISCONNECT with `reasonCode` and then closes the connection. */
export async function expectDisconnect(
  client: RawClient,
  reasonCode: number,
): Promise<DisconnectPacket> {
  const disconnect = await client.next(PacketType.DISCONNECT);
  assert.equal(
    disconnect.reasonCode,
    reasonCode,
    `DISCONNECT reason 0x${disconnect.reasonCode.toString(16)}, expected 0x${reasonCode.toString(16)}`,
  );
  await client.waitClosed();
  return disconnect;
}

/** v5 before CONNACK: a refusing CONNACK with `reasonCode`, then the close. */
export async function expectConnackRefusal(client: RawClient, reasonCode: number): Promise<void> {
  const connack = await client.next(PacketType.CONNACK);
  assert.equal(
    connack.reasonCode,
    reasonCode,
    `CONNACK reason 0x${connack.reasonCode.toString(16)}, expected 0x${reasonCode.toString(16)}`,
  );
  assert.equal(connack.sessionPresent, false);
  await client.waitClosed();
}

/** The broker closes the socket and sends nothing (no CONNACK, no DISCONNECT) before it. */
export async function expectSilentClose(client: RawClient, timeoutMs = 3000): Promise<void> {
  await client.waitClosed(timeoutMs);
  const answered = client.packets.filter(
    (p) => p.type === PacketType.CONNACK || p.type === PacketType.DISCONNECT,
  );
  assert.deepEqual(answered, [], 'nothing is sent before the close');
  assert.equal(client.decodeError, null, 'what the broker sent decodes');
}

/** Nothing of `type` arrives within `ms` (a bounded negative check). */
export async function expectNone(client: RawClient, type: Packet['type'], ms = 200): Promise<void> {
  const got = await client.next(type, ms).then(
    (p) => p,
    () => null,
  );
  assert.equal(got, null, `no packet of type ${type} expected, got ${JSON.stringify(got)}`);
}

/**
 * A well-behaved client that stays connected through a hostile test: round trip() proves
 * it still publishes and receives.
 */
export class GoodClient {
  readonly client: RawClient;
  private readonly topic: string;
  private nextId = 1;

  private constructor(client: RawClient, topic: string) {
    this.client = client;
    this.topic = topic;
  }

  static async open(port: number): Promise<GoodClient> {
    const client = await connected(port, 5);
    const topic = `good/${uniqueId('t')}`;
    await subscribed(client, topic, 1, 1);
    return new GoodClient(client, topic);
  }

  /** Publishes QoS 1 to its own topic and waits for PUBACK and the delivery. */
  async roundTrip(tag: string): Promise<void> {
    const id = (this.nextId = (this.nextId % 60000) + 1);
    this.client.send(publish(this.topic, tag, 1, id));
    const puback = await this.client.next(PacketType.PUBACK);
    assert.equal(puback.packetId, id);
    assert.equal(puback.reasonCode, 0);
    const delivery = await this.client.next(PacketType.PUBLISH);
    assert.equal(delivery.payload.toString(), tag, 'the good client gets its own message back');
    this.client.send(ack(PacketType.PUBACK, delivery.packetId));
  }

  close(): void {
    this.client.close();
  }
}

/** Waits until the broker holds exactly `n` client connections (no leak). */
export async function expectClientCount(
  broker: Broker,
  n: number,
  what = 'client connections',
): Promise<void> {
  await waitFor(
    () => broker.clients.size === n,
    `${what}: ${n} (have ${broker.clients.size})`,
    3000,
  );
}

/** Writes `bytes` one at a time, `gapMs` apart, stopping early if the socket closes. */
export async function dribble(client: RawClient, bytes: Buffer, gapMs: number): Promise<number> {
  let sent = 0;
  for (const byte of bytes) {
    if (client.closed) break;
    client.sendRaw(Buffer.from([byte]));
    sent++;
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return sent;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
