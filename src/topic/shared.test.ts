import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QUEUE_GROUP, SharedErrors, parseSubscriptionFilter } from './shared.js';
import { TopicError, TopicErrorCode, TopicErrors } from './validate.js';

const ok: [string, string | null, string][] = [
  ['a/b', null, 'a/b'],
  ['#', null, '#'],
  ['$SYS/#', null, '$SYS/#'],
  ['$share', null, '$share'],
  ['$shared/g/a', null, '$shared/g/a'],
  ['$SHARE/g/a', null, '$SHARE/g/a'],
  ['$queue', null, '$queue'],
  ['$share/g/a/b', 'g', 'a/b'],
  ['$share/g/#', 'g', '#'],
  ['$share/g/+/x', 'g', '+/x'],
  ['$share/g//', 'g', '/'],
  ['$share/g/$SYS/x', 'g', '$SYS/x'],
  ['$share/$queue/a', QUEUE_GROUP, 'a'],
  ['$share/グループ/a', 'グループ', 'a'],
  ['$queue/a/b', QUEUE_GROUP, 'a/b'],
  ['$queue/#', QUEUE_GROUP, '#'],
  ['$queue//', QUEUE_GROUP, '/'],
];

for (const [raw, group, filter] of ok) {
  test(`parses ${JSON.stringify(raw)}`, () => {
    assert.deepEqual(parseSubscriptionFilter(raw), { group, filter });
  });
}

const bad: [string, TopicError, string][] = [
  ['$share/', SharedErrors.shareNameEmpty, '[MQTT-4.8.2-1] empty ShareName at end'],
  ['$share//a', SharedErrors.shareNameEmpty, '[MQTT-4.8.2-1] empty ShareName'],
  ['$share/g', SharedErrors.shareFilterMissing, '[MQTT-4.8.2-2] no / after ShareName'],
  ['$share/g/', SharedErrors.shareFilterMissing, '[MQTT-4.8.2-2] no filter after /'],
  ['$share/g+/a', SharedErrors.shareNameInvalid, '[MQTT-4.8.2-2] + in ShareName'],
  ['$share/#/a', SharedErrors.shareNameInvalid, '[MQTT-4.8.2-2] # in ShareName'],
  ['$share/g\u0000/a', TopicErrors.nullChar.filter, '[MQTT-4.7.3-2] U+0000 in ShareName'],
  ['$share/g/a/#/b', TopicErrors.hashPosition, '[MQTT-4.7.1-2] inner filter checked'],
  ['$share/g/a+', TopicErrors.plusPosition, '[MQTT-4.7.1-3] inner filter checked'],
  ['$queue/', SharedErrors.shareFilterMissing, '$queue/ without a filter'],
  ['$queue/a#', TopicErrors.hashPosition, '$queue inner filter checked'],
  ['', TopicErrors.empty.filter, '[MQTT-4.7.3-1] empty'],
  ['a/#/b', TopicErrors.hashPosition, '[MQTT-4.7.1-2] plain filter checked'],
];

for (const [raw, err, why] of bad) {
  test(`rejects ${why}: ${JSON.stringify(raw)}`, () => {
    const r = parseSubscriptionFilter(raw);
    assert.ok(r instanceof TopicError);
    assert.equal(r, err);
    assert.equal(r.reasonCode, 0x8f);
  });
}

test('[MQTT-4.7.3-3] the whole shared filter counts against 65535 bytes', () => {
  const inner = 'a'.repeat(65530);
  assert.ok(!(parseSubscriptionFilter(inner) instanceof TopicError));
  const r = parseSubscriptionFilter(`$share/g/${inner}`);
  assert.ok(r instanceof TopicError);
  assert.equal(r.code, TopicErrorCode.TooLong);
  const q = parseSubscriptionFilter(`$queue/${inner}`);
  assert.ok(q instanceof TopicError);
  assert.equal(q.code, TopicErrorCode.TooLong);
});

test('maxLevels applies to the inner filter', () => {
  assert.deepEqual(parseSubscriptionFilter('$share/g/a/b', { maxLevels: 2 }), {
    group: 'g',
    filter: 'a/b',
  });
  assert.equal(
    parseSubscriptionFilter('$share/g/a/b/c', { maxLevels: 2 }),
    TopicErrors.tooManyLevels.filter,
  );
});
