import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSize, parseDuration, parseSize } from './units.js';

test('sizes: binary units, any case, optional B, bare bytes', () => {
  assert.equal(parseSize('1024'), 1024);
  assert.equal(parseSize('1KB'), 1024);
  assert.equal(parseSize('1kb'), 1024);
  assert.equal(parseSize('1K'), 1024);
  assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
  assert.equal(parseSize('256MB'), 268_435_456);
  assert.equal(parseSize('1GB'), 1024 ** 3);
  assert.equal(parseSize('12B'), 12);
  assert.equal(parseSize(' 1.5 KB '), 1536);
  for (const bad of ['', 'MB', '1TB', '-1KB', '1 2KB', 'abc'])
    assert.equal(parseSize(bad), null, bad);
});

test('durations: ms, s, m, h, d into seconds or milliseconds; bare numbers are in the unit', () => {
  assert.equal(parseDuration('10s', 's'), 10);
  assert.equal(parseDuration('500ms', 's'), 0.5);
  assert.equal(parseDuration('5m', 's'), 300);
  assert.equal(parseDuration('1h', 's'), 3600);
  assert.equal(parseDuration('1d', 's'), 86_400);
  assert.equal(parseDuration('10', 's'), 10);
  assert.equal(parseDuration('800ms', 'ms'), 800);
  assert.equal(parseDuration('2s', 'ms'), 2000);
  assert.equal(parseDuration('5000', 'ms'), 5000);
  assert.equal(parseDuration('10S', 's'), 10);
  for (const bad of ['', 's', '10 years', '-5s', 'abc'])
    assert.equal(parseDuration(bad, 's'), null, bad);
});

test('formatSize picks the largest exact unit', () => {
  assert.equal(formatSize(268_435_456), '256MB');
  assert.equal(formatSize(1024), '1KB');
  assert.equal(formatSize(1536), '1536B');
  assert.equal(formatSize(0), '0B');
});
