import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemberList, SharedGroup } from './member-list.js';

function contents<K, V>(list: MemberList<K, V>): [K, V][] {
  const out: [K, V][] = [];
  for (let i = 0; i < list.size; i++) out.push([list.keyAt(i), list.valueAt(i)]);
  return out;
}

test('set reports new vs replaced, get/has/indexOf', () => {
  const l = new MemberList<string, number>();
  assert.equal(l.set('a', 1), true);
  assert.equal(l.set('b', 2), true);
  assert.equal(l.set('a', 3), false);
  assert.equal(l.size, 2);
  assert.equal(l.get('a'), 3);
  assert.equal(l.get('z'), undefined);
  assert.equal(l.has('b'), true);
  assert.equal(l.indexOf('b'), 1);
  assert.equal(l.indexOf('z'), -1);
});

test('delete swaps the last entry in and keeps lookups right', () => {
  const l = new MemberList<string, number>();
  for (const [k, v] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const) {
    l.set(k, v);
  }
  assert.equal(l.delete('a'), true);
  assert.equal(l.delete('a'), false);
  assert.deepEqual(contents(l), [
    ['c', 3],
    ['b', 2],
  ]);
  assert.equal(l.get('c'), 3);
  assert.equal(l.delete('b'), true);
  assert.equal(l.delete('c'), true);
  assert.equal(l.size, 0);
});

test('keys compare by identity (objects as keys)', () => {
  const a = { id: 'x' };
  const b = { id: 'x' };
  const l = new MemberList<object, number>();
  l.set(a, 1);
  assert.equal(l.set(b, 2), true);
  assert.equal(l.get(a), 1);
  assert.equal(l.get(b), 2);
});

test('large lists (indexed) stay consistent through growth and shrink', () => {
  const l = new MemberList<number, string>();
  const model = new Map<number, string>();
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let step = 0; step < 5000; step++) {
    const k = rnd(60);
    if (rnd(3) === 0) {
      assert.equal(l.delete(k), model.delete(k));
    } else {
      const v = `v${step}`;
      assert.equal(l.set(k, v), !model.has(k));
      model.set(k, v);
    }
    assert.equal(l.size, model.size);
  }
  for (const [k, v] of model) assert.equal(l.get(k), v);
  assert.deepEqual(new Map(contents(l)), model);
});

test('SharedGroup carries name, filter and a cursor', () => {
  const g = new SharedGroup<string, number>('g', 'a/+');
  assert.equal(g.name, 'g');
  assert.equal(g.filter, 'a/+');
  assert.equal(g.cursor, 0);
  g.set('c1', 1);
  assert.equal(g.size, 1);
});
