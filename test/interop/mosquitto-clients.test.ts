// Interop with Eclipse Mosquitto's command-line clients (Debian mosquitto-clients), an
// independent MQTT 3.1.1 / 5.0 implementation: mosquitto_pub publishes, mosquitto_sub
// subscribes and prints each message with -F, against a broker on port 0.
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { Children, type Child } from '../helpers/child.js';
import { findBinary, requirePeer } from '../helpers/peers.js';
import { isSubscribed } from '../helpers/subscribed.js';

const PUB_PATH = findBinary('mosquitto_pub', ['/usr/bin/mosquitto_pub']);
const SUB_PATH = findBinary('mosquitto_sub', ['/usr/bin/mosquitto_sub']);

type Version = 'mqttv311' | 'mqttv5';
const VERSIONS: readonly Version[] = ['mqttv311', 'mqttv5'];

/** One field per message property we check; '|' never occurs in the test data. */
const FORMAT = '%t|%q|%r|%p';
const V5_FORMAT = '%t|%q|%r|%P|%C|%E|%F|%R|%D|%p';

interface Peers {
  readonly pub: string;
  readonly sub: string;
}

let broker: RunningBroker;
let seq = 0;

before(async () => {
  broker = await startBroker();
});

after(async () => {
  await broker.close();
});

/** The mosquitto binaries, or null when the test was skipped (locally) for lack of them. */
function peers(t: TestContext): Peers | null {
  const pub = requirePeer(t, 'mosquitto_pub', PUB_PATH);
  const sub = requirePeer(t, 'mosquitto_sub', SUB_PATH);
  return pub === null || sub === null ? null : { pub, sub };
}

function unique(prefix: string): string {
  seq++;
  return `${prefix}-${process.pid}-${seq}`;
}

function common(version: Version, clientId: string): string[] {
  return ['-h', '127.0.0.1', '-p', String(broker.port), '-V', version, '-i', clientId];
}

interface SubOptions {
  readonly version: Version;
  readonly filters: readonly string[];
  readonly count: number;
  readonly qos?: 0 | 1 | 2;
  readonly format?: string;
  readonly timeoutS?: number;
  readonly extra?: readonly string[];
}

/** Starts mosquitto_sub (-C count, -W timeout) and waits until the broker holds its subscriptions. */
async function subscribe(children: Children, p: Peers, o: SubOptions): Promise<Child> {
  const id = unique('sub');
  const args = [
    ...common(o.version, id),
    '-q',
    String(o.qos ?? 2),
    '-C',
    String(o.count),
    '-W',
    String(o.timeoutS ?? 10),
    '-F',
    o.format ?? FORMAT,
    ...o.filters.flatMap((f) => ['-t', f]),
    ...(o.extra ?? []),
  ];
  const child = children.spawn(p.sub, args);
  await child.waitUntil(
    () => isSubscribed(broker.broker, id, o.filters),
    `mosquitto_sub ${id} subscribed to ${o.filters.join(', ')}`,
  );
  return child;
}

interface PubOptions {
  readonly version: Version;
  readonly topic: string;
  /** One message per entry (mosquitto_pub -l); an empty list sends one zero-length message (-n). */
  readonly messages: readonly string[];
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
  readonly extra?: readonly string[];
}

/** Runs mosquitto_pub to completion and checks it succeeded (for QoS>0: every ack received). */
async function publish(children: Children, p: Peers, o: PubOptions): Promise<void> {
  const args = [
    ...common(o.version, unique('pub')),
    '-q',
    String(o.qos ?? 0),
    '-t',
    o.topic,
    ...(o.retain === true ? ['-r'] : []),
    ...(o.messages.length === 0 ? ['-n'] : ['-l']),
    ...(o.extra ?? []),
  ];
  const input = o.messages.length === 0 ? '' : `${o.messages.join('\n')}\n`;
  const child = await children.run(p.pub, args, { input });
  assert.equal(child.exit?.code, 0, child.describe());
}

/** Waits for a mosquitto_sub started with -C to exit 0 and returns its lines. */
async function received(sub: Child): Promise<string[]> {
  const exit = await sub.wait(15_000);
  assert.equal(exit.code, 0, `mosquitto_sub did not get all its messages: ${sub.describe()}`);
  return sub.stdout.split('\n').filter((l) => l !== '');
}

describe('mosquitto_pub -> edgemq -> mosquitto_sub', () => {
  for (const version of VERSIONS) {
    for (const qos of [0, 1, 2] as const) {
      test(`${version} QoS ${qos}: delivered once each, in order, at the published QoS [MQTT-4.3.${qos + 1}] [MQTT-4.6.0-6]`, async (t) => {
        const p = peers(t);
        if (p === null) return;
        const children = new Children();
        try {
          const topic = unique(`qos${qos}`);
          const sub = await subscribe(children, p, { version, filters: [topic], count: 5, qos: 2 });
          const messages = ['m0', 'm1', 'm2', 'm3', 'm4'];
          await publish(children, p, { version, topic, messages, qos });
          assert.deepEqual(
            await received(sub),
            messages.map((m) => `${topic}|${qos}|0|${m}`),
          );
        } finally {
          await children.killAll();
        }
      });
    }

    test(`${version}: delivery QoS is the minimum of the published and the granted QoS (3.8.4)`, async (t) => {
      const p = peers(t);
      if (p === null) return;
      const children = new Children();
      try {
        const topic = unique('downgrade');
        const sub = await subscribe(children, p, { version, filters: [topic], count: 2, qos: 1 });
        await publish(children, p, { version, topic, messages: ['two'], qos: 2 });
        await publish(children, p, { version, topic, messages: ['zero'], qos: 0 });
        assert.deepEqual(await received(sub), [`${topic}|1|0|two`, `${topic}|0|0|zero`]);
      } finally {
        await children.killAll();
      }
    });

    test(`${version}: retained message goes to a new subscriber with RETAIN=1, to a live one with RETAIN=0, and an empty one clears it [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8] [MQTT-3.3.1-10]`, async (t) => {
      // Clause numbers differ between the versions: 3.1.1 -5 store, -8 RETAIN=1 for a new
      // subscription, -9 RETAIN=0 otherwise, -10 empty payload clears; 5.0 -5 store, -6
      // empty payload clears, -9 retain handling 0 sends retained, -12 RETAIN=0 without RAP.
      const p = peers(t);
      if (p === null) return;
      const children = new Children();
      try {
        const topic = unique('retained');
        await publish(children, p, { version, topic, messages: ['kept'], qos: 1, retain: true });
        // A new subscription gets the stored message with the retain flag set.
        const first = await subscribe(children, p, { version, filters: [topic], count: 2 });
        // A subscriber that is already there gets a retained publish with RETAIN=0.
        await publish(children, p, { version, topic, messages: ['live'], qos: 1, retain: true });
        assert.deepEqual(await received(first), [`${topic}|1|1|kept`, `${topic}|1|0|live`]);

        // A zero-length retained message deletes the stored one and is not stored itself.
        await publish(children, p, { version, topic, messages: [], qos: 1, retain: true });
        const second = await subscribe(children, p, { version, filters: [topic], count: 1 });
        await publish(children, p, { version, topic, messages: ['marker'], qos: 1 });
        assert.deepEqual(await received(second), [`${topic}|1|0|marker`]);
      } finally {
        await children.killAll();
      }
    });

    test(`${version}: wildcard filters match by level; '#' includes the parent level [MQTT-4.7.1-2] [MQTT-4.7.1-3]`, async (t) => {
      const p = peers(t);
      if (p === null) return;
      const children = new Children();
      try {
        const root = unique('wild');
        const sub = await subscribe(children, p, {
          version,
          filters: [`${root}/sensors/+/temp`, `${root}/alerts/#`],
          count: 4,
        });
        const topics = [
          `${root}/sensors/a/temp`, // matches +
          `${root}/sensors/a/humidity`, // no match
          `${root}/sensors/a/b/temp`, // + is one level only: no match
          `${root}/alerts`, // # matches the parent level
          `${root}/alerts/x/y`, // # matches any depth
          `${root}/sensors/temp`, // + needs a level: no match
          `${root}/alerts/end`,
        ];
        for (const topic of topics) {
          await publish(children, p, { version, topic, messages: ['x'], qos: 1 });
        }
        assert.deepEqual(
          (await received(sub)).map((l) => l.split('|')[0]),
          [`${root}/sensors/a/temp`, `${root}/alerts`, `${root}/alerts/x/y`, `${root}/alerts/end`],
        );
      } finally {
        await children.killAll();
      }
    });

    test(`${version}: '#' does not match topics starting with '$' [MQTT-4.7.2-1]`, async (t) => {
      const p = peers(t);
      if (p === null) return;
      const children = new Children();
      try {
        // Connecting the publishers below makes the broker publish $SYS/brokers/.../connected.
        const sub = await subscribe(children, p, { version, filters: ['#'], count: 1 });
        const topic = unique('after-sys');
        await publish(children, p, { version, topic, messages: ['first'], qos: 1 });
        assert.deepEqual(await received(sub), [`${topic}|1|0|first`]);
      } finally {
        await children.killAll();
      }
    });

    test(`${version}: will message is published when the client dies without DISCONNECT [MQTT-3.1.2-8]`, async (t) => {
      const p = peers(t);
      if (p === null) return;
      const children = new Children();
      try {
        const willTopic = unique('will');
        const watcher = await subscribe(children, p, { version, filters: [willTopic], count: 1 });
        const dying = await subscribe(children, p, {
          version,
          filters: [unique('idle')],
          count: 1,
          timeoutS: 30,
          extra: ['--will-topic', willTopic, '--will-payload', 'gone', '--will-qos', '1'],
        });
        dying.kill('SIGKILL');
        assert.deepEqual(await received(watcher), [`${willTopic}|1|0|gone`]);
      } finally {
        await children.killAll();
      }
    });

    test(`${version}: will message is discarded after a normal DISCONNECT [MQTT-3.1.2-10]`, async (t) => {
      const p = peers(t);
      if (p === null) return;
      const children = new Children();
      try {
        const willTopic = unique('will');
        const idle = unique('idle');
        const watcher = await subscribe(children, p, { version, filters: [willTopic], count: 1 });
        const leaving = await subscribe(children, p, {
          version,
          filters: [idle],
          count: 1,
          extra: ['--will-topic', willTopic, '--will-payload', 'gone', '--will-qos', '1'],
        });
        // One message, then mosquitto_sub (-C 1) sends DISCONNECT and exits.
        await publish(children, p, { version, topic: idle, messages: ['bye'], qos: 1 });
        assert.deepEqual(await received(leaving), [`${idle}|1|0|bye`]);
        await publish(children, p, { version, topic: willTopic, messages: ['marker'], qos: 1 });
        assert.deepEqual(await received(watcher), [`${willTopic}|1|0|marker`]);
      } finally {
        await children.killAll();
      }
    });
  }

  test('mqttv5: user properties (in order), content type, payload format, response topic, correlation data and the remaining expiry are forwarded [MQTT-3.3.2-4] [MQTT-3.3.2-6] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20]', async (t) => {
    const p = peers(t);
    if (p === null) return;
    const children = new Children();
    try {
      const topic = unique('props');
      const sub = await subscribe(children, p, {
        version: 'mqttv5',
        filters: [topic],
        count: 1,
        format: V5_FORMAT,
      });
      await publish(children, p, {
        version: 'mqttv5',
        topic,
        messages: ['{"t":21.5}'],
        qos: 1,
        extra: [
          ...['-D', 'publish', 'user-property', 'site', 'north'],
          ...['-D', 'publish', 'user-property', 'unit', 'celsius'],
          ...['-D', 'publish', 'user-property', 'site', 'south'],
          ...['-D', 'publish', 'content-type', 'application/json'],
          ...['-D', 'publish', 'payload-format-indicator', '1'],
          ...['-D', 'publish', 'message-expiry-interval', '120'],
          ...['-D', 'publish', 'response-topic', `${topic}/reply`],
          ...['-D', 'publish', 'correlation-data', 'req-42'],
        ],
      });
      const [line, ...rest] = await received(sub);
      assert.deepEqual(rest, []);
      const [t0, qos, retain, props, contentType, expiry, format, responseTopic, corr, payload] =
        line!.split('|');
      assert.deepEqual(
        { t0, qos, retain, contentType, format, responseTopic, corr, payload },
        {
          t0: topic,
          qos: '1',
          retain: '0',
          contentType: 'application/json',
          format: '1',
          responseTopic: `${topic}/reply`,
          corr: 'req-42',
          payload: '{"t":21.5}',
        },
      );
      // Order kept, duplicates kept: mosquitto_sub prints each pair as key:value.
      assert.deepEqual(props!.split(' '), ['site:north', 'unit:celsius', 'site:south']);
      // The interval the subscriber sees is what is left of it, never more [MQTT-3.3.2-6].
      const left = Number(expiry);
      assert.ok(left >= 118 && left <= 120, `message expiry interval ${expiry}`);
    } finally {
      await children.killAll();
    }
  });

  test('mqttv5: a retained message whose expiry has passed is not sent to a new subscriber [MQTT-3.3.2-5]', async (t) => {
    const p = peers(t);
    if (p === null) return;
    const children = new Children();
    try {
      const topic = unique('expiring');
      const extra = ['-D', 'publish', 'message-expiry-interval', '1'];
      await publish(children, p, {
        version: 'mqttv5',
        topic,
        messages: ['stale'],
        qos: 1,
        retain: true,
        extra,
      });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const sub = await subscribe(children, p, { version: 'mqttv5', filters: [topic], count: 1 });
      await publish(children, p, { version: 'mqttv5', topic, messages: ['fresh'], qos: 1 });
      assert.deepEqual(await received(sub), [`${topic}|1|0|fresh`]);
    } finally {
      await children.killAll();
    }
  });

  test('mqttv311 publisher -> mqttv5 subscriber: payload and QoS intact, no properties invented', async (t) => {
    const p = peers(t);
    if (p === null) return;
    const children = new Children();
    try {
      const topic = unique('v3-to-v5');
      const sub = await subscribe(children, p, {
        version: 'mqttv5',
        filters: [topic],
        count: 2,
        format: V5_FORMAT,
      });
      await publish(children, p, { version: 'mqttv311', topic, messages: ['a', 'b'], qos: 2 });
      assert.deepEqual(await received(sub), [`${topic}|2|0|||||||a`, `${topic}|2|0|||||||b`]);
    } finally {
      await children.killAll();
    }
  });

  test('mqttv5 publisher with properties -> mqttv311 subscriber: payload delivered, properties dropped', async (t) => {
    const p = peers(t);
    if (p === null) return;
    const children = new Children();
    try {
      const topic = unique('v5-to-v3');
      const sub = await subscribe(children, p, { version: 'mqttv311', filters: [topic], count: 2 });
      await publish(children, p, {
        version: 'mqttv5',
        topic,
        messages: ['a', 'b'],
        qos: 2,
        extra: [
          ...['-D', 'publish', 'user-property', 'k', 'v'],
          ...['-D', 'publish', 'content-type', 'text/plain'],
          ...['-D', 'publish', 'message-expiry-interval', '60'],
        ],
      });
      assert.deepEqual(await received(sub), [`${topic}|2|0|a`, `${topic}|2|0|b`]);
    } finally {
      await children.killAll();
    }
  });
});
