// `edgemq start` turns V8's parallel scavenger off when the process may use one core only.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { tuneGcForCores } from '../../src/cli/gc-tuning.js';

test('one core: the parallel scavenger is turned off; more cores: V8 defaults stay', async () => {
  assert.deepEqual(await tuneGcForCores(2), []);
  assert.deepEqual(await tuneGcForCores(8), []);
  assert.deepEqual(await tuneGcForCores(1), ['--no-parallel-scavenge']);
});

test('the flags it sets exist in this V8 (setFlagsFromString ignores unknown ones)', () => {
  const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  assert.match(known, /^\s*--parallel-scavenge \(/m);
});
