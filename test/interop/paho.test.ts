// Interop with Eclipse Paho Python (Debian python3-paho-mqtt 1.6), an independent MQTT
// 3.1.1 / 5.0 client: the scripts in ./paho/ drive paho clients against a broker on port 0
// and print what they saw as JSON lines.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { Children, type Child } from '../helpers/child.js';
import { findPahoPython, requirePeer } from '../helpers/peers.js';

const PYTHON = findPahoPython();
const SCRIPTS = fileURLToPath(new URL('./paho/', import.meta.url));

interface PahoMessage {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  properties?: {
    UserProperty?: [string, string][];
    ResponseTopic?: string;
    CorrelationData?: string;
    ContentType?: string;
    PayloadFormatIndicator?: number;
    MessageExpiryInterval?: number;
    SubscriptionIdentifier?: number[];
  };
}

let broker: RunningBroker;
let seq = 0;

before(async () => {
  broker = await startBroker();
});

after(async () => {
  await broker.close();
});

function python(t: TestContext): string | null {
  return requirePeer(t, 'python3 with paho-mqtt (Debian python3-paho-mqtt)', PYTHON);
}

function unique(prefix: string): string {
  seq++;
  return `paho/${prefix}/${process.pid}-${seq}`;
}

function script(children: Children, py: string, name: string, args: (string | number)[]): Child {
  return children.spawn(py, [`${SCRIPTS}${name}`, String(broker.port), ...args.map(String)]);
}

/** The JSON objects a script printed, one per line. */
function lines(child: Child): Record<string, unknown>[] {
  return child.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Runs a script to completion, checks exit 0, and returns its single JSON result. */
async function result<T>(child: Child): Promise<T> {
  const exit = await child.wait(20_000);
  assert.equal(exit.code, 0, child.describe());
  const out = lines(child);
  assert.equal(out.length, 1, child.describe());
  return out[0] as T;
}

function messagesOf(child: Child): PahoMessage[] {
  return lines(child)
    .filter((o) => 'message' in o)
    .map((o) => o.message as PahoMessage);
}

interface RoundTrip {
  connacks: { rc: number; flags: Record<string, number> }[];
  granted: number[];
  completed: number;
  messages: PahoMessage[];
}

describe('paho (Python) clients through edgemq', () => {
  for (const version of ['311', '5'] as const) {
    for (const [pubQos, subQos] of [
      [0, 2],
      [1, 1],
      [2, 2],
      [2, 1],
    ] as const) {
      const delivered = Math.min(pubQos, subQos);
      test(`MQTT ${version}: connect, subscribe QoS ${subQos}, publish QoS ${pubQos} -> delivered at QoS ${delivered}, in order [MQTT-3.2.2-1] [MQTT-4.3.${pubQos + 1}] [MQTT-4.6.0-6]`, async (t) => {
        const py = python(t);
        if (py === null) return;
        const children = new Children();
        try {
          const topic = unique(`rt${version}q${pubQos}${subQos}`);
          const out = await result<RoundTrip>(
            script(children, py, 'roundtrip.py', [version, pubQos, subQos, 10, topic]),
          );
          // CONNACK success on a clean session: Session Present 0 [MQTT-3.2.2-1 (3.1.1)] [MQTT-3.2.2-2 (5.0)].
          assert.deepEqual(
            out.connacks.map((c) => c.rc),
            [0, 0],
          );
          assert.deepEqual(
            out.connacks.map((c) => c.flags['session present']),
            [0, 0],
          );
          // The broker supports QoS 2, so SUBACK grants what was asked.
          assert.deepEqual(out.granted, [subQos]);
          assert.equal(out.completed, 10);
          assert.deepEqual(
            out.messages.map((m) => [m.topic, m.payload, m.qos, m.retain]),
            Array.from({ length: 10 }, (_, i) => [topic, `msg-${i}`, delivered, false]),
          );
        } finally {
          await children.killAll();
        }
      });
    }
  }

  test('MQTT 5: request/response properties round trip: response topic, binary correlation data, user properties in order, content type, payload format, expiry [MQTT-3.3.2-4] [MQTT-3.3.2-6] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20]', async (t) => {
    const py = python(t);
    if (py === null) return;
    const children = new Children();
    try {
      const prefix = unique('rr');
      const out = await result<{
        request: PahoMessage;
        reply: PahoMessage;
        sent_correlation: string;
      }>(script(children, py, 'request_reply.py', [prefix]));
      const req = out.request;
      assert.equal(req.topic, `${prefix}/request`);
      assert.equal(req.payload, 'ping');
      assert.equal(req.qos, 2);
      const { MessageExpiryInterval: expiry, ...rest } = req.properties ?? {};
      assert.deepEqual(rest, {
        ResponseTopic: `${prefix}/reply`,
        CorrelationData: out.sent_correlation,
        UserProperty: [
          ['trace', 'a'],
          ['lang', 'py'],
          ['trace', 'b'],
        ],
        ContentType: 'text/plain; charset=utf-8',
        PayloadFormatIndicator: 1,
      });
      assert.ok(expiry !== undefined && expiry <= 300 && expiry >= 298, `expiry ${expiry}`);

      const reply = out.reply;
      assert.equal(reply.topic, `${prefix}/reply`);
      assert.equal(reply.payload, 'pong');
      assert.equal(reply.qos, 1);
      assert.deepEqual(reply.properties, {
        CorrelationData: out.sent_correlation,
        UserProperty: [['status', 'ok']],
      });
    } finally {
      await children.killAll();
    }
  });

  for (const version of ['311', '5'] as const) {
    test(`MQTT ${version}: $share/g/t splits the messages between two paho subscribers, each exactly once, while a plain subscriber gets all (4.8.2)`, async (t) => {
      const py = python(t);
      if (py === null) return;
      const children = new Children();
      try {
        const topic = unique(`shared${version}`);
        const group = `$share/g/${topic}`;
        const subs = [
          script(children, py, 'subscriber.py', [
            version,
            `${topic}-a`.replaceAll('/', '-'),
            group,
            1,
            20,
          ]),
          script(children, py, 'subscriber.py', [
            version,
            `${topic}-b`.replaceAll('/', '-'),
            group,
            1,
            20,
          ]),
          script(children, py, 'subscriber.py', [
            version,
            `${topic}-all`.replaceAll('/', '-'),
            topic,
            1,
            20,
          ]),
        ];
        for (const sub of subs) {
          await sub.waitUntil((c) => c.stdout.includes('"ready"'), 'paho SUBACK');
          assert.deepEqual(lines(sub)[0], { ready: [1] });
        }
        const count = 20;
        const pub = await result<{ completed: number }>(
          script(children, py, 'publisher.py', [version, topic, 1, count]),
        );
        assert.equal(pub.completed, count);

        const [a, b, all] = subs as [Child, Child, Child];
        await all.waitUntil(
          (c) => messagesOf(c).length >= count,
          'all messages at the plain subscriber',
        );
        await a.waitUntil(
          () => messagesOf(a).length + messagesOf(b).length >= count,
          'all messages at the shared group',
        );
        for (const sub of subs) sub.kill('SIGTERM');
        for (const sub of subs) {
          const exit = await sub.wait(10_000);
          assert.equal(exit.code, 0, sub.describe());
        }
        const expected = Array.from({ length: count }, (_, i) => String(i));
        const fromA = messagesOf(a).map((m) => m.payload);
        const fromB = messagesOf(b).map((m) => m.payload);
        assert.ok(
          fromA.length > 0 && fromB.length > 0,
          `a got ${fromA.length}, b got ${fromB.length}`,
        );
        assert.deepEqual(
          [...fromA, ...fromB].sort((x, y) => Number(x) - Number(y)),
          expected,
          'each message goes to exactly one member of the group',
        );
        assert.deepEqual(
          messagesOf(all).map((m) => m.payload),
          expected,
        );
      } finally {
        await children.killAll();
      }
    });
  }
});
