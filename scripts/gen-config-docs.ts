// `npm run docs:config`: writes docs/reference/configuration.md from the config schema.
// test/config/docs-fresh.test.ts calls buildConfigDocs() and compares with the committed page.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { renderConfigReference } from '../src/config/docs-page.js';

export const CONFIG_DOCS_PATH = fileURLToPath(
  new URL('../docs/reference/configuration.md', import.meta.url),
);

/** The page as committed: rendered from the schema, then formatted with the repo's prettier settings. */
export async function buildConfigDocs(): Promise<string> {
  const options = (await resolveConfig(CONFIG_DOCS_PATH)) ?? {};
  return format(renderConfigReference(), { ...options, parser: 'markdown' });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(CONFIG_DOCS_PATH, await buildConfigDocs());
  process.stdout.write(`wrote ${CONFIG_DOCS_PATH}\n`);
}
