// MQTT.js (npm `mqtt`) as an independent client for integration tests: connect with a
// bounded wait and the CONNACK in hand, record what arrives, and close everything a test
// opened in one call.
import mqtt, {
  type IClientOptions,
  type IConnackPacket,
  type IDisconnectPacket,
  type IClientSubscribeOptions,
  type IClientSubscribeProperties,
  type IPublishPacket,
  type ISubscriptionMap,
  type MqttClient,
  type Packet as MqttPacket,
} from 'mqtt';
import type { IUnsubackPacket } from 'mqtt-packet';
import type { ProtocolVersion } from '../../src/codec/index.js';
import type { BrokerOptions } from '../../src/broker/options.js';
import { startBroker, type RunningBroker } from './broker.js';
import { RawClient } from './raw-client.js';
import { waitFor, within } from './wait.js';

/** One message as MQTT.js handed it to the application. */
export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly properties: IPublishPacket['properties'];
  readonly at: number;
}

/** A connected MQTT.js client with what the broker told it. */
export interface Connected {
  readonly client: MqttClient;
  readonly connack: IConnackPacket;
  /** Every message received, in order. */
  readonly inbox: Inbox;
  /** DISCONNECT packets the broker sent (v5). */
  readonly disconnects: IDisconnectPacket[];
  /** Every packet MQTT.js received (acks included), in order. */
  readonly received: MqttPacket[];
  /** Errors MQTT.js emitted after CONNACK. */
  readonly errors: Error[];
  /** True once the socket closed. */
  closed(): boolean;
}

let seq = 0;
/** A client id unique within this process, readable in broker logs. */
export function uniqueId(prefix = 'mqttjs'): string {
  seq++;
  return `${prefix}-${process.pid}-${seq}-${Math.random().toString(16).slice(2, 8)}`;
}

/** The messages a client received, with bounded waits on them. */
export class Inbox {
  readonly messages: Received[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({
        topic,
        payload: payload.toString(),
        qos: packet.qos,
        retain: packet.retain,
        dup: packet.dup,
        properties: packet.properties,
        at: Date.now(),
      });
    });
  }

  /** Messages on `topic` (all when omitted). */
  on(topic?: string): Received[] {
    return topic === undefined ? this.messages : this.messages.filter((m) => m.topic === topic);
  }

  payloads(topic?: string): string[] {
    return this.on(topic).map((m) => m.payload);
  }

  /** Waits until at least `count` messages arrived on `topic` (or in all). */
  async waitCount(count: number, topic?: string, timeoutMs = 3000): Promise<Received[]> {
    await waitFor(
      () => this.on(topic).length >= count,
      `${count} message(s)${topic === undefined ? '' : ` on ${topic}`}`,
      timeoutMs,
    );
    return this.on(topic);
  }

  /** Waits for a message with this payload (on `topic` if given) and returns it. */
  async waitPayload(payload: string, topic?: string, timeoutMs = 3000): Promise<Received> {
    await waitFor(
      () => this.on(topic).some((m) => m.payload === payload),
      `payload ${payload}`,
      timeoutMs,
    );
    return this.on(topic).find((m) => m.payload === payload) as Received;
  }
}

/** MQTT.js's CONNACK refusal: the error carries the reason / return code. */
interface CodedError extends Error {
  code?: number;
}

/** Opens MQTT.js and raw clients for one test and closes all of them in `closeAll`. */
export class Clients {
  private readonly mqttjs: MqttClient[] = [];
  private readonly raws: RawClient[] = [];
  private readonly url: string;
  private readonly port: number;

  constructor(url: string, port: number) {
    this.url = url;
    this.port = port;
  }

  /** Connects MQTT.js (no automatic reconnect) and waits for a successful CONNACK. */
  async connect(
    options: IClientOptions = {},
    setup?: (client: MqttClient) => void,
  ): Promise<Connected> {
    const client = mqtt.connect(this.url, {
      reconnectPeriod: 0,
      connectTimeout: 3000,
      clientId: uniqueId(),
      ...options,
      manualConnect: true,
    });
    this.mqttjs.push(client);
    const errors: Error[] = [];
    const disconnects: IDisconnectPacket[] = [];
    let isClosed = false;
    const received: MqttPacket[] = [];
    client.on('packetreceive', (p) => received.push(p));
    client.on('disconnect', (p) => disconnects.push(p));
    client.on('close', () => {
      isClosed = true;
    });
    const inbox = new Inbox(client);
    setup?.(client);
    const connack = await within(
      new Promise<IConnackPacket>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('error', reject);
        client.once('close', () => {
          reject(new Error('connection closed before CONNACK'));
        });
        client.connect();
      }),
      'CONNACK',
      4000,
    );
    client.on('error', (e) => errors.push(e));
    return { client, connack, inbox, received, disconnects, errors, closed: () => isClosed };
  }

  /** Connects and expects the CONNACK to refuse; returns the reason / return code. */
  async refused(
    options: IClientOptions = {},
    setup?: (client: MqttClient) => void,
  ): Promise<number> {
    try {
      await this.connect(options, setup);
    } catch (error) {
      const code = (error as CodedError).code;
      if (typeof code !== 'number') throw error;
      return code;
    }
    throw new Error('CONNECT was accepted, expected a refusal');
  }

  /** A raw client on our codec, for "never ack" and byte-precise steps. */
  async raw(version: ProtocolVersion = 5): Promise<RawClient> {
    const raw = await RawClient.open(this.port, version);
    this.raws.push(raw);
    return raw;
  }

  /** Forcibly closes everything this test opened (no DISCONNECT is sent). */
  async closeAll(): Promise<void> {
    for (const raw of this.raws) raw.close();
    await Promise.all(
      this.mqttjs.map((c) =>
        within(c.endAsync(true), 'MQTT.js end', 2000).catch(() => {
          c.stream.destroy();
        }),
      ),
    );
  }
}

/** Kills the client's socket without DISCONNECT: an abnormal loss for the broker. */
export function dropConnection(client: MqttClient): void {
  client.stream.destroy();
}

/** Subscribes; returns the SUBACK's codes in order (granted QoS or failure codes). */
export async function subscribe(
  client: MqttClient,
  topics: string | string[] | ISubscriptionMap,
  options: IClientSubscribeOptions | IClientSubscribeProperties = { qos: 0 },
): Promise<number[]> {
  return within(
    new Promise<number[]>((resolve, reject) => {
      client.subscribe(topics, options, (err, _granted, packet) => {
        if (packet !== undefined) resolve(packet.granted.map(Number));
        else reject(err ?? new Error('no SUBACK'));
      });
    }),
    'SUBACK',
  );
}

/** Unsubscribes; returns the UNSUBACK's reason codes (v5) or an empty list (3.1.1). */
export async function unsubscribe(
  client: MqttClient,
  topics: string | string[],
): Promise<number[]> {
  const packet = (await within(client.unsubscribeAsync(topics), 'UNSUBACK')) as
    IUnsubackPacket | undefined;
  return packet?.granted ?? [];
}

/** A running broker and the clients of one test, all closed when `fn` ends. */
export interface TestBroker {
  readonly broker: RunningBroker['broker'];
  readonly url: string;
  readonly port: number;
  readonly clients: Clients;
}

/** Runs `fn` against a fresh broker on port 0; clients and broker are closed in `finally`. */
export async function withBroker(
  options: Partial<BrokerOptions>,
  fn: (t: TestBroker) => Promise<void>,
): Promise<void> {
  const running = await startBroker(options);
  const clients = new Clients(running.url, running.port);
  try {
    await fn({ broker: running.broker, url: running.url, port: running.port, clients });
  } finally {
    await clients.closeAll();
    await within(running.close(), 'broker stop', 3000);
  }
}

/**
 * Proves a negative without a blind sleep: publishes `marker` on `topic` through
 * `publisher` and waits until `inbox` has it. Anything the broker would have sent before
 * the marker on this path has arrived by then.
 */
export async function barrier(
  publisher: MqttClient,
  inbox: Inbox,
  topic: string,
  marker = uniqueId('marker'),
): Promise<void> {
  await within(publisher.publishAsync(topic, marker, { qos: 1 }), 'barrier PUBACK');
  await inbox.waitPayload(marker, topic);
}
