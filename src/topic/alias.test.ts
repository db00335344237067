import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AliasErrors, InboundAliases, OutboundAliases } from './alias.js';
import { TopicReasonCode } from './validate.js';

describe('InboundAliases', () => {
  test('no alias: the topic as is, empty topic is a Protocol Error (0x82)', () => {
    const a = new InboundAliases(10);
    assert.equal(a.resolve(undefined, 'a/b'), 'a/b');
    assert.equal(a.resolve(undefined, ''), AliasErrors.topicMissing);
    assert.equal(AliasErrors.topicMissing.reasonCode, TopicReasonCode.ProtocolError);
  });

  test('[MQTT-3.3.2-8] alias 0 is Topic Alias invalid (0x94)', () => {
    const a = new InboundAliases(10);
    assert.equal(a.resolve(0, 'a'), AliasErrors.zero);
    assert.equal(a.resolve(0, ''), AliasErrors.zero);
    assert.equal(AliasErrors.zero.reasonCode, TopicReasonCode.TopicAliasInvalid);
  });

  test('[MQTT-3.3.2-9] alias above the maximum is Topic Alias invalid (0x94)', () => {
    const a = new InboundAliases(10);
    assert.equal(a.resolve(11, 'a'), AliasErrors.aboveMax);
    assert.equal(a.resolve(65535, ''), AliasErrors.aboveMax);
    assert.equal(new InboundAliases(0).resolve(1, 'a'), AliasErrors.aboveMax);
    assert.equal(AliasErrors.aboveMax.reasonCode, 0x94);
  });

  test('[MQTT-3.3.2-12] every alias 1..max is accepted', () => {
    const a = new InboundAliases(5);
    for (let i = 1; i <= 5; i++) assert.equal(a.resolve(i, `t/${i}`), `t/${i}`);
    for (let i = 1; i <= 5; i++) assert.equal(a.resolve(i, ''), `t/${i}`);
  });

  test('§3.3.4 empty topic with an unknown alias is a Protocol Error (0x82)', () => {
    const a = new InboundAliases(10);
    assert.equal(a.resolve(3, ''), AliasErrors.unknown);
    assert.equal(AliasErrors.unknown.reasonCode, 0x82);
  });

  test('§3.3.4 a topic with a known alias replaces the mapping', () => {
    const a = new InboundAliases(10);
    assert.equal(a.resolve(1, 'first'), 'first');
    assert.equal(a.resolve(1, ''), 'first');
    assert.equal(a.resolve(1, 'second'), 'second');
    assert.equal(a.resolve(1, ''), 'second');
    assert.equal(a.get(1), 'second');
  });

  test('[MQTT-3.3.2-7] clear() forgets every mapping (new connection)', () => {
    const a = new InboundAliases(10);
    a.resolve(2, 'x');
    a.clear();
    assert.equal(a.resolve(2, ''), AliasErrors.unknown);
  });

  test('non-integer aliases are rejected; bad maxima throw', () => {
    assert.equal(new InboundAliases(10).resolve(1.5, 'a'), AliasErrors.aboveMax);
    assert.throws(() => new InboundAliases(-1), RangeError);
    assert.throws(() => new InboundAliases(65536), RangeError);
    assert.throws(() => new InboundAliases(1.5), RangeError);
  });
});

describe('OutboundAliases', () => {
  const pair = (o: OutboundAliases, topic: string) => {
    const r = o.assign(topic);
    return [r.alias, r.sendTopic] as const;
  };

  test('max 0: never alias, always send the topic', () => {
    const o = new OutboundAliases(0);
    assert.deepEqual(pair(o, 'a'), [0, true]);
    assert.deepEqual(pair(o, 'a'), [0, true]);
  });

  test('[MQTT-3.3.2-8] first use sends alias + topic, then alias only; 0 never used', () => {
    const o = new OutboundAliases(3);
    assert.deepEqual(pair(o, 'a'), [1, true]);
    assert.deepEqual(pair(o, 'b'), [2, true]);
    assert.deepEqual(pair(o, 'a'), [1, false]);
    assert.deepEqual(pair(o, 'b'), [2, false]);
    assert.equal(o.size, 2);
    assert.equal(o.peek('a'), 1);
    assert.equal(o.peek('zz'), 0);
  });

  test('[MQTT-3.3.2-11] never above max: the least recently used alias is remapped', () => {
    const o = new OutboundAliases(3);
    pair(o, 'a'); // 1
    pair(o, 'b'); // 2
    pair(o, 'c'); // 3
    pair(o, 'a'); // a is now the newest; b is the oldest
    assert.deepEqual(pair(o, 'd'), [2, true]);
    assert.equal(o.peek('b'), 0);
    assert.deepEqual(pair(o, 'c'), [3, false]);
    assert.deepEqual(pair(o, 'e'), [1, true]); // a was older than d and c
    assert.deepEqual(pair(o, 'b'), [2, true]); // d
    assert.equal(o.size, 3);
  });

  test('LRU agrees with a simple model over many random topics', () => {
    const max = 7;
    const o = new OutboundAliases(max);
    const order: string[] = []; // oldest first
    const aliasOf = new Map<string, number>();
    let seed = 99;
    for (let step = 0; step < 5000; step++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const topic = `t/${seed % 12}`;
      const r = o.assign(topic);
      assert.ok(r.alias >= 1 && r.alias <= max);
      const known = aliasOf.get(topic);
      if (known !== undefined) {
        assert.deepEqual([r.alias, r.sendTopic], [known, false]);
        order.splice(order.indexOf(topic), 1);
      } else {
        assert.equal(r.sendTopic, true);
        if (aliasOf.size === max) {
          const evicted = order.shift() as string;
          assert.equal(r.alias, aliasOf.get(evicted));
          aliasOf.delete(evicted);
        }
        aliasOf.set(topic, r.alias);
      }
      order.push(topic);
    }
  });

  test('clear() starts over', () => {
    const o = new OutboundAliases(2);
    pair(o, 'a');
    pair(o, 'b');
    o.clear();
    assert.equal(o.size, 0);
    assert.deepEqual(pair(o, 'b'), [1, true]);
    assert.deepEqual(pair(o, 'a'), [2, true]);
    assert.deepEqual(pair(o, 'c'), [1, true]);
  });
});
