// Nodes of a parsed HOCON document before substitutions are resolved, and the resolver for
// `${path}` / `${?path}` (looked up in the document, then in the environment).
import { ConfigError, type Origin } from './errors.js';

export interface Ref {
  path: string[];
  optional: boolean;
}

/** An unresolved `${...}` value (possibly concatenated with strings). */
export class Subst {
  readonly pieces: readonly (string | Ref)[];
  readonly origin: Origin;
  readonly text: string;

  constructor(pieces: readonly (string | Ref)[], origin: Origin, text: string) {
    this.pieces = pieces;
    this.origin = origin;
    this.text = text;
  }
}

export type Node = string | number | boolean | null | Subst | Node[] | NodeObject;
export interface NodeObject {
  [key: string]: Node;
}

export function isNodeObject(value: unknown): value is NodeObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Subst)
  );
}

/** Merges `source` into `target` (objects merge key by key, anything else replaces). */
export function mergeNodes(target: NodeObject, source: NodeObject): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isNodeObject(existing) && isNodeObject(value)) mergeNodes(existing, value);
    else target[key] = value;
  }
}

// ---- substitutions ----

/** Replaces every Subst of a document. */
export class Resolver {
  private readonly resolving = new Set<Subst>();
  private readonly root: NodeObject;
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(root: NodeObject, env: Readonly<Record<string, string | undefined>>) {
    this.root = root;
    this.env = env;
  }

  /** The tree with every Subst replaced; optional substitutions that find nothing drop their key. */
  resolve(node: Node): Node | undefined {
    if (node instanceof Subst) return this.subst(node);
    if (Array.isArray(node)) {
      const out: Node[] = [];
      for (const item of node) {
        const r = this.resolve(item);
        if (r !== undefined) out.push(r);
      }
      return out;
    }
    if (isNodeObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        const r = this.resolve(value);
        if (r === undefined) Reflect.deleteProperty(node, key);
        else node[key] = r;
      }
      return node;
    }
    return node;
  }

  private subst(s: Subst): Node | undefined {
    if (this.resolving.has(s)) throw this.error(s, `substitution cycle in ${s.text}`);
    this.resolving.add(s);
    try {
      const only = s.pieces.length === 1 ? s.pieces[0] : undefined;
      if (only !== undefined && typeof only !== 'string') return this.lookup(only, s);
      let out = '';
      for (const piece of s.pieces) {
        if (typeof piece === 'string') {
          out += piece;
          continue;
        }
        const v = this.lookup(piece, s);
        if (v === undefined) continue;
        if (typeof v === 'object' && v !== null) {
          throw this.error(
            s,
            `\${${piece.path.join('.')}} is an object or list and cannot be joined with text`,
          );
        }
        out += v === null ? 'null' : String(v);
      }
      return out;
    } finally {
      this.resolving.delete(s);
    }
  }

  private lookup(ref: Ref, s: Subst): Node | undefined {
    let node: Node | undefined = this.root;
    for (const key of ref.path) {
      if (node instanceof Subst) node = this.subst(node);
      node = isNodeObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
      if (node === undefined) break;
    }
    if (node !== undefined) return this.resolve(node);
    const fromEnv = this.env[ref.path.join('.')];
    if (fromEnv !== undefined) return fromEnv;
    if (ref.optional) return undefined;
    throw this.error(
      s,
      `cannot resolve \${${ref.path.join('.')}} (no such key or environment variable)`,
    );
  }

  private error(s: Subst, message: string): ConfigError {
    const o = s.origin;
    const at = o.kind === 'file' ? `${o.file}:${o.line}:${o.column}: ` : '';
    return new ConfigError('EMQ_ERR_CONFIG_SYNTAX', `${at}${message}`);
  }
}

/** Parses HOCON `text`; throws ConfigError (EMQ_ERR_CONFIG_SYNTAX with file:line:column). */
