// Seeded randomized check: trie.match against a brute-force matcher written straight from
// §4.7, over a few thousand random filters and topics, through adds, replaces and removes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SubscriptionTrie } from './trie.js';
import { validateTopicFilter, validateTopicName } from './validate.js';

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0;
  };
}

const splits = new Map<string, string[]>();
function levels(s: string): string[] {
  let l = splits.get(s);
  if (l === undefined) splits.set(s, (l = s.split('/')));
  return l;
}

/** The reference: split both and compare level by level. */
function refMatch(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1]
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = levels(filter);
  const t = levels(topic);
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // also when t has no level i: 'a/#' matches 'a'
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const WORDS = ['a', 'b', 'c', '', 'dd', '$s', 'é'];
const KEYS = Array.from({ length: 40 }, (_, i) => `client${i}`);
const GROUPS = [null, null, null, 'g1', 'g2'];

function randomTopic(r: (n: number) => number): string {
  const levels = 1 + r(5);
  const parts: string[] = [];
  for (let i = 0; i < levels; i++) parts.push(WORDS[r(WORDS.length)] as string);
  const t = parts.join('/');
  return t.length === 0 ? 'a' : t;
}

function randomFilter(r: (n: number) => number): string {
  const levels = 1 + r(5);
  const parts: string[] = [];
  for (let i = 0; i < levels; i++) {
    const x = r(10);
    parts.push(x < 3 ? '+' : (WORDS[r(WORDS.length)] as string));
  }
  if (r(4) === 0) parts.push('#');
  const f = parts.join('/');
  return f.length === 0 ? '#' : f;
}

type Entry = { filter: string; key: string; group: string | null; value: number };
const id = (e: { filter: string; key: string; group: string | null }) =>
  `${e.group ?? '-'}\u0001${e.filter}\u0001${e.key}`;

function check(trie: SubscriptionTrie<string, number>, model: Map<string, Entry>, topic: string) {
  const expected: string[] = [];
  for (const e of model.values()) {
    if (refMatch(e.filter, topic)) expected.push(`${id(e)}=${e.value}`);
  }
  const got: string[] = [];
  trie.matchAll(
    topic,
    (value, key, filter) => got.push(`${id({ filter, key, group: null })}=${value}`),
    (g) => {
      for (let i = 0; i < g.size; i++) {
        got.push(`${id({ filter: g.filter, key: g.keyAt(i), group: g.name })}=${g.valueAt(i)}`);
      }
    },
    undefined,
  );
  assert.deepEqual(got.sort(), expected.sort(), `topic ${JSON.stringify(topic)}`);
}

test('randomized: trie.match agrees with a brute-force matcher (seed 20240601)', () => {
  const r = rng(20240601);
  const trie = new SubscriptionTrie<string, number>();
  const model = new Map<string, Entry>();
  const topics = Array.from({ length: 1500 }, () => randomTopic(r));
  for (const t of topics) assert.equal(validateTopicName(t), null, t);

  for (let i = 0; i < 3000; i++) {
    const e: Entry = {
      filter: randomFilter(r),
      key: KEYS[r(KEYS.length)] as string,
      group: GROUPS[r(GROUPS.length)] as string | null,
      value: i,
    };
    assert.equal(validateTopicFilter(e.filter), null, e.filter);
    const isNew = !model.has(id(e));
    assert.equal(trie.add(e.filter, e.key, e.value, e.group), isNew);
    model.set(id(e), e);
  }
  assert.equal(trie.size, model.size);
  for (const t of topics) check(trie, model, t);

  // Remove about half, including some never added.
  for (let i = 0; i < 2500; i++) {
    const probe = {
      filter: randomFilter(r),
      key: KEYS[r(KEYS.length)] as string,
      group: GROUPS[r(GROUPS.length)] as string | null,
    };
    assert.equal(trie.remove(probe.filter, probe.key, probe.group), model.delete(id(probe)));
  }
  const entries = [...model.values()];
  for (let i = 0; i < entries.length; i += 2) {
    const e = entries[i] as Entry;
    assert.equal(trie.remove(e.filter, e.key, e.group), true);
    model.delete(id(e));
  }
  assert.equal(trie.size, model.size);
  for (const t of topics) check(trie, model, t);

  for (const e of model.values()) assert.equal(trie.remove(e.filter, e.key, e.group), true);
  assert.equal(trie.size, 0);
  assert.equal(trie.nodeCount, 1);
});
