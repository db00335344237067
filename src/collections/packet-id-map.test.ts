// PacketIdMap against a JS Map as the model: seeded random sets and deletes (dense and
// sparse ids, wrapping probe runs, growth), lookups, and iteration in insertion order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketIdMap } from './packet-id-map.js';

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function check(map: PacketIdMap<string>, model: Map<number, string>): void {
  assert.equal(map.size, model.size);
  assert.deepEqual(map.values(), [...model.values()]);
  for (const [k, v] of model) assert.equal(map.get(k), v);
}

test('random sets and deletes agree with a Map, values in insertion order', () => {
  for (const [seed, range] of [
    [1, 40], // dense: long probe runs that wrap around the table
    [2, 65_535], // sparse
    [3, 300],
  ] as const) {
    const next = rng(seed);
    const map = new PacketIdMap<string>();
    const model = new Map<number, string>();
    for (let i = 0; i < 20_000; i++) {
      const id = 1 + Math.floor(next() * range);
      if (next() < 0.55) {
        map.set(id, `v${i}`);
        // A Map keeps a replaced key's place, as PacketIdMap does.
        model.set(id, `v${i}`);
      } else {
        assert.equal(map.delete(id), model.delete(id), `delete ${id} (seed ${seed})`);
      }
      assert.equal(map.has(id), model.has(id));
      if (i % 997 === 0) check(map, model);
    }
    check(map, model);
    map.clear();
    assert.equal(map.size, 0);
    assert.deepEqual(map.values(), []);
  }
});

test('grows past its first table and keeps every entry; ids outside 1..65535 are refused', () => {
  const map = new PacketIdMap<number>();
  for (let id = 1; id <= 65_535; id++) map.set(id, id);
  assert.equal(map.size, 65_535);
  assert.equal(map.get(1), 1);
  assert.equal(map.get(65_535), 65_535);
  for (let id = 1; id <= 65_535; id += 2) map.delete(id);
  assert.equal(map.size, 32_767);
  assert.equal(map.has(3), false);
  assert.equal(map.get(4), 4);
  assert.throws(() => map.set(0, 0), RangeError);
  assert.throws(() => map.set(65_536, 0), RangeError);
});
