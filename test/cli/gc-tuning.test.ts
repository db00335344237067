// `edgemq start` turns V8's parallel scavenger off when the process may use one core only.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tuneGcForCores, usableCores } from '../../src/cli/gc-tuning.js';

test('one core: the parallel scavenger is turned off; more cores: V8 defaults stay', async () => {
  assert.deepEqual(await tuneGcForCores(2), []);
  assert.deepEqual(await tuneGcForCores(8), []);
  assert.deepEqual(await tuneGcForCores(1), ['--no-parallel-scavenge']);
});

test('the flags it sets exist in this V8 (setFlagsFromString ignores unknown ones)', () => {
  const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  assert.match(known, /^\s*--parallel-scavenge \(/m);
});

test('usable cores: a cgroup CPU quota caps the affinity (v2 cpu.max, v1 cfs files)', () => {
  const root = mkdtempSync(join(tmpdir(), 'edgemq-cgroup-'));
  try {
    const all = availableParallelism();
    assert.equal(usableCores(join(root, 'none')), all, 'no cgroup files: the affinity');
    writeFileSync(join(root, 'cpu.max'), 'max 100000\n');
    assert.equal(usableCores(root), all, 'no quota');
    writeFileSync(join(root, 'cpu.max'), '100000 100000\n');
    assert.equal(usableCores(root), 1);
    writeFileSync(join(root, 'cpu.max'), '50000 100000\n');
    assert.equal(usableCores(root), 1, 'half a core is one');
    writeFileSync(join(root, 'cpu.max'), `${(all + 4) * 100000} 100000\n`);
    assert.equal(usableCores(root), all, 'a quota above the affinity');
    rmSync(join(root, 'cpu.max'));
    mkdirSync(join(root, 'cpu'));
    writeFileSync(join(root, 'cpu', 'cpu.cfs_quota_us'), '100000\n');
    writeFileSync(join(root, 'cpu', 'cpu.cfs_period_us'), '100000\n');
    assert.equal(usableCores(root), 1, 'cgroup v1');
    writeFileSync(join(root, 'cpu', 'cpu.cfs_quota_us'), '-1\n');
    assert.equal(usableCores(root), all, 'cgroup v1, no quota');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
