// The error-code page lists every code the source raises (DESIGN.md: one registry, one page).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

test('docs/reference/errors.md lists every EMQ_ERR_ code used in src/', () => {
  const page = readFileSync(join(ROOT, 'docs/reference/errors.md'), 'utf8');
  const used = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    // A code ending in '_' is a prefix that completes a name listed elsewhere.
    for (const m of readFileSync(file, 'utf8').matchAll(/EMQ_ERR_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_])/g))
      used.add(m[0]);
  }
  assert.ok(used.size > 10, 'the scan finds the codes');
  const missing = [...used].filter((code) => !page.includes(`\`${code}\``));
  assert.deepEqual(missing, [], 'codes missing from docs/reference/errors.md');
});
