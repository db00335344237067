import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SharedGroup } from './member-list.js';
import { SubscriptionTrie } from './trie.js';

function matchedFilters(trie: SubscriptionTrie<string, number>, topic: string): string[] {
  const out: string[] = [];
  trie.match(topic, (_value, key, filter) => out.push(`${filter}|${key}`));
  return out.sort();
}

function single(filter: string, topic: string): boolean {
  const trie = new SubscriptionTrie<string, number>();
  trie.add(filter, 'c', 1);
  return trie.match(topic, () => undefined) === 1;
}

// [filter, topic, matches, why]
const cases: [string, string, boolean, string][] = [
  // §4.7.1.2 examples: '#' matches the parent and any number of levels [MQTT-4.7.1-2]
  ['sport/tennis/player1/#', 'sport/tennis/player1', true, '[MQTT-4.7.1-2] parent level'],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true, '[MQTT-4.7.1-2] one level'],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true, '[MQTT-4.7.1-2] two'],
  ['sport/#', 'sport', true, '[MQTT-4.7.1-2] sport/# matches sport'],
  ['sport/#', 'sports', false, 'no prefix match'],
  ['sport/tennis/player1/#', 'sport/tennis', false, 'not the grandparent'],
  ['#', 'a/b/c', true, '# matches all'],
  ['#', '/', true, '# matches empty levels'],
  ['a/#', 'a/', true, '# matches an empty last level'],
  // §4.7.1.3 examples: '+' is exactly one level [MQTT-4.7.1-3]
  ['sport/tennis/+', 'sport/tennis/player1', true, '[MQTT-4.7.1-3] one level'],
  ['sport/tennis/+', 'sport/tennis/player2', true, '[MQTT-4.7.1-3] one level'],
  ['sport/tennis/+', 'sport/tennis/player1/ranking', false, '[MQTT-4.7.1-3] not two levels'],
  ['sport/+', 'sport', false, '[MQTT-4.7.1-3] sport/+ not sport'],
  ['sport/+', 'sport/', true, '[MQTT-4.7.1-3] sport/+ matches sport/'],
  ['+/+', '/finance', true, '[MQTT-4.7.1-3] +/+ matches /finance'],
  ['/+', '/finance', true, '[MQTT-4.7.1-3] /+ matches /finance'],
  ['+', '/finance', false, '[MQTT-4.7.1-3] + does not match /finance'],
  ['+', 'finance', true, '+ matches one level'],
  ['+/#', 'a', true, '+/# matches one level'],
  ['+/+/#', 'a', false, '+/+/# needs two levels'],
  ['a/+/c', 'a//c', true, 'empty middle level is a level'],
  ['a//c', 'a//c', true, 'literal empty level'],
  ['a//c', 'a/c', false, 'a//c has three levels'],
  ['/a', 'a', false, '/a differs from a'],
  // §4.7.2: $-topics [MQTT-4.7.2-1]
  ['#', '$SYS/monitor/Clients', false, '[MQTT-4.7.2-1] # vs $SYS'],
  ['#', '$SYS', false, '[MQTT-4.7.2-1] # vs $SYS alone'],
  ['+/monitor/Clients', '$SYS/monitor/Clients', false, '[MQTT-4.7.2-1] + vs $SYS'],
  ['+', '$', false, '[MQTT-4.7.2-1] + vs $'],
  ['+/#', '$SYS/x', false, '[MQTT-4.7.2-1] +/# vs $SYS'],
  ['$SYS/#', '$SYS/monitor/Clients', true, '[MQTT-4.7.2-1] $SYS/# matches'],
  ['$SYS/#', '$SYS', true, '[MQTT-4.7.2-1] $SYS/# matches $SYS'],
  ['$SYS/monitor/+', '$SYS/monitor/Clients', true, '[MQTT-4.7.2-1] $SYS/monitor/+'],
  ['a/+', 'a/$x', true, '$ only matters in the first level'],
  ['a/#', 'a/$x/y', true, '$ only matters in the first level (#)'],
  // §4.7.3: exact, case-sensitive, no normalisation [MQTT-4.7.3-4]
  ['ACCOUNTS', 'Accounts', false, '[MQTT-4.7.3-4] case sensitive'],
  ['Accounts payable', 'Accounts payable', true, 'spaces are characters'],
  ['café', 'cafe\u0301', false, '[MQTT-4.7.3-4] no Unicode normalisation'],
  ['a/b', 'a/b/', false, 'trailing empty level counts'],
];

describe('match', () => {
  for (const [filter, topic, expected, why] of cases) {
    test(`${why}: ${JSON.stringify(filter)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(topic)}`, () => {
      assert.equal(single(filter, topic), expected);
    });
  }

  test('one walk finds every matching filter once', () => {
    const trie = new SubscriptionTrie<string, number>();
    const filters = [
      'a/b/c',
      'a/+/c',
      '+/b/c',
      'a/#',
      '#',
      '+/+/+',
      'a/b/+',
      'a/b/c/#',
      'a/c',
      'x/#',
    ];
    for (const f of filters) trie.add(f, 'k', 1);
    assert.deepEqual(
      matchedFilters(trie, 'a/b/c'),
      ['#', '+/+/+', '+/b/c', 'a/#', 'a/+/c', 'a/b/+', 'a/b/c', 'a/b/c/#']
        .map((f) => `${f}|k`)
        .sort(),
    );
  });

  test('match returns the number of visits and passes the context', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/+', 'c1', 1);
    trie.add('a/+', 'c2', 2);
    trie.add('a/b', 'c1', 3);
    const ctx = { sum: 0 };
    const n = trie.match('a/b', (v, _k, _f, c) => (c.sum += v), ctx);
    assert.equal(n, 3);
    assert.equal(ctx.sum, 6);
  });

  test('a visitor may call match again (re-entrant stack)', () => {
    const trie = new SubscriptionTrie<string, number>();
    for (const f of ['a/+/c', 'a/b/#', '+/b/c', 'a/b/c']) trie.add(f, 'k', 1);
    const outer: string[] = [];
    trie.match('a/b/c', (_v, _k, filter) => {
      outer.push(filter);
      assert.equal(matchedFilters(trie, 'a/b/c').length, 4);
    });
    assert.deepEqual(outer.sort(), ['+/b/c', 'a/+/c', 'a/b/#', 'a/b/c']);
  });

  test('a throwing visitor leaves the trie usable', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/+', 'k', 1);
    trie.add('a/b', 'k', 1);
    assert.throws(() =>
      trie.match('a/b', () => {
        throw new Error('boom');
      }),
    );
    assert.equal(matchedFilters(trie, 'a/b').length, 2);
  });

  test('deep topics do not overflow the call stack', () => {
    const trie = new SubscriptionTrie<string, number>();
    const deep = 'a/'.repeat(30000) + 'a';
    trie.add(deep, 'k', 1);
    trie.add('+/'.repeat(30000) + '#', 'k', 2);
    assert.equal(
      trie.match(deep, () => undefined),
      2,
    );
    assert.equal(trie.remove(deep, 'k'), true);
  });
});

describe('add / remove / prune', () => {
  test('add returns true for new, false for replace [MQTT-3.8.4-3]', () => {
    const trie = new SubscriptionTrie<string, string>();
    assert.equal(trie.add('a/b', 'c1', 'qos0'), true);
    assert.equal(trie.add('a/b', 'c1', 'qos1'), false);
    assert.equal(trie.add('a/b', 'c2', 'qos0'), true);
    assert.equal(trie.size, 2);
    assert.equal(trie.get('a/b', 'c1'), 'qos1');
    const seen: string[] = [];
    trie.match('a/b', (v, k) => seen.push(`${k}=${v}`));
    assert.deepEqual(seen.sort(), ['c1=qos1', 'c2=qos0']);
  });

  test('one subscriber inline, then a list, then inline again', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/b', 'c1', 1);
    assert.equal(trie.add('a/b', 'c1', 2), false);
    assert.equal(trie.add('a/b', 'c2', 3), true);
    assert.equal(trie.add('a/b', 'c3', 4), true);
    assert.equal(trie.add('a/b', 'c2', 5), false);
    assert.deepEqual(matchedFilters(trie, 'a/b'), ['a/b|c1', 'a/b|c2', 'a/b|c3']);
    assert.equal(trie.remove('a/b', 'c1'), true);
    assert.equal(trie.remove('a/b', 'c3'), true);
    assert.equal(trie.remove('a/b', 'c3'), false);
    assert.equal(trie.get('a/b', 'c2'), 5);
    assert.equal(trie.get('a/b', 'c1'), undefined);
    assert.deepEqual(matchedFilters(trie, 'a/b'), ['a/b|c2']);
    assert.equal(trie.add('a/b', 'c1', 6), true);
    assert.equal(trie.remove('a/b', 'c2'), true);
    assert.equal(trie.remove('a/b', 'c1'), true);
    assert.equal(trie.size, 0);
    assert.equal(trie.nodeCount, 1);
  });

  test('remove returns whether something was removed', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/b', 'c1', 1);
    assert.equal(trie.remove('a/b', 'c2'), false);
    assert.equal(trie.remove('a/c', 'c1'), false);
    assert.equal(trie.remove('a', 'c1'), false);
    assert.equal(trie.remove('a/b/c', 'c1'), false);
    assert.equal(trie.remove('a/b', 'c1', 'g'), false);
    assert.equal(trie.remove('a/b', 'c1'), true);
    assert.equal(trie.remove('a/b', 'c1'), false);
    assert.equal(trie.size, 0);
  });

  test('removing everything prunes back to the root', () => {
    const trie = new SubscriptionTrie<string, number>();
    const filters = [
      'a/b/c',
      'a/b',
      'a/+/c',
      'a/#',
      '#',
      '+',
      '/',
      '//',
      'a//b',
      'x/y/z/w',
      '$SYS/#',
    ];
    for (const f of filters) trie.add(f, 'k', 1);
    trie.add('a/b', 'k', 2, 'g');
    assert.ok(trie.nodeCount > 10);
    for (const f of filters) assert.equal(trie.remove(f, 'k'), true, f);
    assert.equal(trie.remove('a/b', 'k', 'g'), true);
    assert.equal(trie.size, 0);
    assert.equal(trie.nodeCount, 1);
  });

  test('pruning keeps nodes still in use', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/b/c', 'k', 1);
    trie.add('a', 'k', 1);
    const before = trie.nodeCount; // root, a, b, c
    assert.equal(before, 4);
    trie.remove('a/b/c', 'k');
    assert.equal(trie.nodeCount, 2);
    assert.deepEqual(matchedFilters(trie, 'a'), ['a|k']);
  });

  test('many literal children: Map form and back to inline', () => {
    const trie = new SubscriptionTrie<string, number>();
    for (let i = 0; i < 50; i++) trie.add(`d/${i}/t`, 'k', i);
    for (let i = 0; i < 50; i++) assert.deepEqual(matchedFilters(trie, `d/${i}/t`), [`d/${i}/t|k`]);
    for (let i = 0; i < 49; i++) trie.remove(`d/${i}/t`, 'k');
    assert.deepEqual(matchedFilters(trie, 'd/49/t'), ['d/49/t|k']);
    trie.add('d/x/t', 'k', 0);
    assert.deepEqual(matchedFilters(trie, 'd/x/t'), ['d/x/t|k']);
    assert.equal(trie.nodeCount, 6);
  });

  test('get, forEach and clear', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/+', 'c1', 1);
    trie.add('a/+', 'c2', 2, 'g');
    trie.add('#', 'c3', 3);
    assert.equal(trie.get('a/+', 'c1'), 1);
    assert.equal(trie.get('a/+', 'c2'), undefined);
    assert.equal(trie.get('a/+', 'c2', 'g'), 2);
    assert.equal(trie.get('a/b', 'c1'), undefined);
    const all: string[] = [];
    trie.forEach((v, k, f, g) => all.push(`${g ?? '-'}:${f}:${k}=${v}`));
    assert.deepEqual(all.sort(), ['-:#:c3=3', '-:a/+:c1=1', 'g:a/+:c2=2']);
    trie.clear();
    assert.equal(trie.size, 0);
    assert.equal(trie.nodeCount, 1);
    assert.equal(
      trie.match('a/b', () => undefined),
      0,
    );
  });
});

describe('shared subscriptions', () => {
  function groups(trie: SubscriptionTrie<string, number>, topic: string): string[] {
    const out: string[] = [];
    trie.matchShared(topic, (g: SharedGroup<string, number>) => {
      const members: string[] = [];
      for (let i = 0; i < g.size; i++) members.push(`${g.keyAt(i)}=${g.valueAt(i)}`);
      out.push(`${g.name}:${g.filter}:[${members.sort().join(',')}]`);
    });
    return out.sort();
  }

  test('members are grouped by ShareName per filter [MQTT-4.8.2-1]', () => {
    const trie = new SubscriptionTrie<string, number>();
    assert.equal(trie.add('a/+', 'c1', 1, 'g1'), true);
    assert.equal(trie.add('a/+', 'c2', 2, 'g1'), true);
    assert.equal(trie.add('a/+', 'c3', 3, 'g2'), true);
    assert.equal(trie.add('a/b', 'c4', 4, 'g1'), true);
    assert.equal(trie.add('a/+', 'c1', 5, 'g1'), false);
    assert.equal(trie.size, 4);
    assert.deepEqual(groups(trie, 'a/b'), ['g1:a/+:[c1=5,c2=2]', 'g1:a/b:[c4=4]', 'g2:a/+:[c3=3]']);
    assert.equal(trie.getGroup('a/+', 'g1')?.size, 2);
  });

  test('shared and non-shared subscriptions on one filter are separate', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/b', 'c1', 1);
    trie.add('a/b', 'c1', 2, 'g');
    assert.equal(trie.size, 2);
    assert.deepEqual(matchedFilters(trie, 'a/b'), ['a/b|c1']);
    assert.deepEqual(groups(trie, 'a/b'), ['g:a/b:[c1=2]']);
    trie.remove('a/b', 'c1');
    assert.deepEqual(matchedFilters(trie, 'a/b'), []);
    assert.deepEqual(groups(trie, 'a/b'), ['g:a/b:[c1=2]']);
  });

  test('$queue is just the group named $queue', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('jobs/#', 'w1', 1, '$queue');
    trie.add('jobs/#', 'w2', 1, '$queue');
    assert.deepEqual(groups(trie, 'jobs/1'), ['$queue:jobs/#:[w1=1,w2=1]']);
  });

  test('[MQTT-4.7.2-1] shared # does not match $-topics either', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('#', 'c1', 1, 'g');
    assert.deepEqual(groups(trie, '$SYS/x'), []);
    assert.deepEqual(groups(trie, 'x'), ['g:#:[c1=1]']);
  });

  test('empty groups disappear and nodes are pruned', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/b', 'c1', 1, 'g');
    trie.add('a/b', 'c2', 1, 'g');
    assert.equal(trie.remove('a/b', 'c1', 'g'), true);
    assert.equal(trie.remove('a/b', 'c1', 'g'), false);
    assert.equal(trie.remove('a/b', 'c2', 'other'), false);
    assert.equal(trie.remove('a/b', 'c2', 'g'), true);
    assert.equal(trie.getGroup('a/b', 'g'), undefined);
    assert.equal(trie.nodeCount, 1);
  });

  test('matchAll visits both kinds in one walk', () => {
    const trie = new SubscriptionTrie<string, number>();
    trie.add('a/#', 'c1', 1);
    trie.add('a/+', 'c2', 2, 'g');
    const ctx = { subs: [] as string[], groups: [] as string[] };
    const n = trie.matchAll(
      'a/b',
      (_v, k, f, c) => c.subs.push(`${f}|${k}`),
      (g, c) => c.groups.push(`${g.name}:${g.filter}`),
      ctx,
    );
    assert.equal(n, 2);
    assert.deepEqual(ctx, { subs: ['a/#|c1'], groups: ['g:a/+'] });
    assert.equal(trie.matchAll('a/b', null, null, undefined), 0);
  });
});
