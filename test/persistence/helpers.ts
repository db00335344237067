// Temp data directories for the persistence tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty directory under the OS temp dir; `remove()` deletes it. */
export function tempDir(prefix = 'edgemq-persist-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
