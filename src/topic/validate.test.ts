import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TopicErrorCode,
  TopicErrors,
  TopicReasonCode,
  exceedsUtf8Limit,
  isSysTopic,
  isWildcardFilter,
  validateTopicFilter,
  validateTopicName,
} from './validate.js';

type Code = (typeof TopicErrorCode)[keyof typeof TopicErrorCode] | null;

const nameCases: [string, Code, string][] = [
  ['a', null, 'one level'],
  ['sport/tennis/player1', null, 'levels'],
  ['/', null, 'two empty levels'],
  ['/finance', null, 'leading empty level'],
  ['a//b', null, 'empty middle level'],
  ['a/', null, 'trailing empty level'],
  ['$SYS/broker/uptime', null, '$-topic is a valid name'],
  ['ünï/cødé/日本', null, 'non-ASCII'],
  [' ', null, 'a space is a level'],
  ['', TopicErrorCode.Empty, '[MQTT-4.7.3-1] empty'],
  ['a/+', TopicErrorCode.WildcardInName, '[MQTT-3.3.2-2] +'],
  ['#', TopicErrorCode.WildcardInName, '[MQTT-3.3.2-2] #'],
  ['a/b#', TopicErrorCode.WildcardInName, '[MQTT-3.3.2-2] # inside a level'],
  ['a+b', TopicErrorCode.WildcardInName, '[MQTT-3.3.2-2] + inside a level'],
  ['a\u0000b', TopicErrorCode.NullChar, '[MQTT-4.7.3-2] U+0000'],
];

describe('validateTopicName', () => {
  for (const [name, code, why] of nameCases) {
    test(`${why}: ${JSON.stringify(name)}`, () => {
      const err = validateTopicName(name);
      assert.equal(err?.code ?? null, code);
      if (err !== null) assert.equal(err.reasonCode, TopicReasonCode.TopicNameInvalid);
    });
  }

  test('[MQTT-4.7.3-3] 65535 UTF-8 bytes is the limit', () => {
    assert.equal(validateTopicName('a'.repeat(65535)), null);
    assert.equal(validateTopicName('a'.repeat(65536)), TopicErrors.tooLong.name);
    // 3-byte characters: 21845 * 3 = 65535 bytes.
    assert.equal(validateTopicName('€'.repeat(21845)), null);
    assert.equal(validateTopicName('€'.repeat(21845) + 'a'), TopicErrors.tooLong.name);
    // Surrogate pairs: 4 bytes per 2 code units.
    assert.equal(validateTopicName('😀'.repeat(16383) + 'abc'), null);
    assert.equal(validateTopicName('😀'.repeat(16384)), TopicErrors.tooLong.name);
  });

  test('maxLevels limit', () => {
    assert.equal(validateTopicName('a/b/c', { maxLevels: 3 }), null);
    assert.equal(validateTopicName('a/b/c/', { maxLevels: 3 }), TopicErrors.tooManyLevels.name);
    assert.equal(validateTopicName('a/b/c/d', { maxLevels: 0 }), null);
    assert.equal(validateTopicName('a/b/c/d', {}), null);
  });

  test('errors are shared frozen objects with a clause', () => {
    const a = validateTopicName('');
    assert.equal(a, validateTopicName(''));
    assert.ok(Object.isFrozen(a));
    assert.equal(a?.clause, 'MQTT-4.7.3-1');
  });
});

const filterCases: [string, Code, string][] = [
  ['a', null, 'plain'],
  ['#', null, '# alone'],
  ['+', null, '+ alone'],
  ['+/+', null, 'two +'],
  ['/+', null, '+ after empty level'],
  ['+/', null, '+ before empty level'],
  ['sport/tennis/#', null, '# last'],
  ['sport/+/player1', null, '+ in the middle'],
  ['+/tennis/#', null, '+ and #'],
  ['/#', null, '# after empty level'],
  ['//', null, 'empty levels'],
  ['$SYS/#', null, '$-filter'],
  ['', TopicErrorCode.Empty, '[MQTT-4.7.3-1] empty'],
  ['sport/tennis#', TopicErrorCode.HashPosition, '[MQTT-4.7.1-2] # not alone'],
  ['sport/tennis/#/ranking', TopicErrorCode.HashPosition, '[MQTT-4.7.1-2] # not last'],
  ['#/', TopicErrorCode.HashPosition, '[MQTT-4.7.1-2] # followed by /'],
  ['##', TopicErrorCode.HashPosition, '[MQTT-4.7.1-2] ##'],
  ['a#', TopicErrorCode.HashPosition, '[MQTT-4.7.1-2] a#'],
  ['sport+', TopicErrorCode.PlusPosition, '[MQTT-4.7.1-3] + after text'],
  ['+sport', TopicErrorCode.PlusPosition, '[MQTT-4.7.1-3] + before text'],
  ['a/+b/c', TopicErrorCode.PlusPosition, '[MQTT-4.7.1-3] + inside a level'],
  ['++', TopicErrorCode.PlusPosition, '[MQTT-4.7.1-3] ++'],
  ['+#', TopicErrorCode.PlusPosition, '[MQTT-4.7.1-3] +#'],
  ['a/\u0000', TopicErrorCode.NullChar, '[MQTT-4.7.3-2] U+0000'],
];

describe('validateTopicFilter', () => {
  for (const [filter, code, why] of filterCases) {
    test(`${why}: ${JSON.stringify(filter)}`, () => {
      const err = validateTopicFilter(filter);
      assert.equal(err?.code ?? null, code);
      if (err !== null) assert.equal(err.reasonCode, TopicReasonCode.TopicFilterInvalid);
    });
  }

  test('[MQTT-4.7.3-3] 65535 UTF-8 bytes is the limit', () => {
    assert.equal(validateTopicFilter('a/'.repeat(32767) + '#'), null);
    assert.equal(validateTopicFilter('ä'.repeat(32768)), TopicErrors.tooLong.filter);
  });

  test('maxLevels limit', () => {
    assert.equal(validateTopicFilter('a/+/#', { maxLevels: 3 }), null);
    assert.equal(
      validateTopicFilter('a/+/b/#', { maxLevels: 3 }),
      TopicErrors.tooManyLevels.filter,
    );
  });
});

describe('helpers', () => {
  test('exceedsUtf8Limit', () => {
    assert.equal(exceedsUtf8Limit(''), false);
    assert.equal(exceedsUtf8Limit('a'.repeat(65535)), false);
    assert.equal(exceedsUtf8Limit('a'.repeat(65536)), true);
    assert.equal(exceedsUtf8Limit('é'.repeat(32767) + 'a'), false);
    assert.equal(exceedsUtf8Limit('é'.repeat(32768)), true);
  });

  test('isSysTopic: $-prefixed topics [MQTT-4.7.2-1]', () => {
    assert.equal(isSysTopic('$SYS/broker'), true);
    assert.equal(isSysTopic('$'), true);
    assert.equal(isSysTopic('$share/g/a'), true);
    assert.equal(isSysTopic('a/$SYS'), false);
    assert.equal(isSysTopic(''), false);
  });

  test('isWildcardFilter', () => {
    assert.equal(isWildcardFilter('a/b'), false);
    assert.equal(isWildcardFilter('a/+'), true);
    assert.equal(isWildcardFilter('#'), true);
  });
});
