// The raw config being assembled from the layers (file, env, flags), with where each value
// came from.
import type { Origin } from './errors.js';
import { pathKey, setPath, type RawObject, type RawValue } from './raw.js';

export class ConfigDraft {
  readonly raw: RawObject;
  readonly origins: Map<string, Origin>;
  readonly warnings: string[] = [];

  constructor(raw: RawObject = {}, origins = new Map<string, Origin>()) {
    this.raw = raw;
    this.origins = origins;
  }

  /** Sets `path` (objects merge into an existing object) and records its origin. */
  set(path: readonly string[], value: RawValue, origin: Origin): void {
    setPath(this.raw, path, value);
    this.origins.set(pathKey(path), origin);
  }

  /** Replaces whatever is at `path` (no merge). */
  replace(path: readonly string[], value: RawValue, origin: Origin): void {
    setPath(this.raw, path, null);
    this.set(path, value, origin);
  }
}
