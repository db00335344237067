// docs/reference/configuration.md is generated from the schema; it must not go stale.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildConfigDocs, CONFIG_DOCS_PATH } from '../../scripts/gen-config-docs.js';
import { schemaNodes } from '../../src/config/schema-paths.js';

test('docs/reference/configuration.md matches the schema (run `npm run docs:config`)', async () => {
  const committed = readFileSync(CONFIG_DOCS_PATH, 'utf8');
  const fresh = await buildConfigDocs();
  assert.ok(
    committed === fresh,
    'docs/reference/configuration.md is stale: run `npm run docs:config`',
  );
});

test('every key of the schema has a description and appears on the page', async () => {
  const page = await buildConfigDocs();
  for (const node of schemaNodes()) {
    const key = node.path.join('.').replace(/\.\[\]/g, '[]');
    assert.ok(
      typeof node.schema.description === 'string' && node.schema.description !== '',
      `${key} has no description`,
    );
    assert.ok(page.includes(`\`${key}\``), `${key} is not on the page`);
  }
});
