// The raw config tree every loader produces (HOCON, legacy, env, flags) before the schema
// converts and validates it, and the few operations the loaders share.

export type RawValue = string | number | boolean | null | RawValue[] | RawObject;
export interface RawObject {
  [key: string]: RawValue;
}

export function isRawObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `source` into `target`: objects merge key by key, anything else replaces. */
export function deepMerge(target: RawObject, source: RawObject): RawObject {
  for (const [key, value] of Object.entries(source)) {
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isRawObject(existing) && isRawObject(value)) deepMerge(existing, value);
    else target[key] = value;
  }
  return target;
}

/** The value at `path`, or undefined. */
export function getPath(root: RawObject, path: readonly string[]): RawValue | undefined {
  let node: RawValue = root;
  for (const key of path) {
    if (!isRawObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key] as RawValue;
  }
  return node;
}

/** Sets `path` to `value`, creating (or replacing non-object) parents; objects merge. */
export function setPath(root: RawObject, path: readonly string[], value: RawValue): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (isRawObject(next)) node = next;
    else {
      const created: RawObject = {};
      node[key] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  const existing = Object.hasOwn(node, last) ? node[last] : undefined;
  if (isRawObject(existing) && isRawObject(value)) deepMerge(existing, value);
  else node[last] = value;
}

/** `a.b.c` for a path. */
export function pathKey(path: readonly (string | number)[]): string {
  return path.join('.');
}
