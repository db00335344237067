// Shared bits of the config tests: fixture paths and temp files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/fixtures/nanomq-conf/ beside the project (as CI lays it out). */
export const FIXTURES = fileURLToPath(
  new URL('../../../shared/fixtures/nanomq-conf/', import.meta.url),
);

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export const HOCON_FIXTURES = [
  'nanomq.conf',
  'nanomq_example.conf',
  'nanomq_bridge.conf',
  'nanomq_acl.conf',
  'nanomq_pwd.conf',
  'nanomq_zmq_gateway.conf',
] as const;

/** Writes `files` into a new temp directory; returns the path of the first one. */
export function tempFiles(files: Record<string, string>): {
  dir: string;
  path: (name: string) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'edgemq-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, path: (name) => join(dir, name) };
}

/** A warning without its origin prefix (`file:line:column: `, `--flag value: `, `VAR=value: `). */
export function bare(warning: string): string {
  return warning.replace(/^(\S+:\d+:\d+|--\w+(?: [^:]*)?|[A-Z][A-Z0-9_]*=[^:]*): /, '');
}

/** The key paths that warnings are about (text before the first ': ' after the prefix). */
export function warnedKeys(warnings: readonly string[]): string[] {
  return warnings.map((w) => bare(w).split(': ')[0] ?? '');
}
