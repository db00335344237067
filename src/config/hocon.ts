// A small HOCON parser for nanomq.conf and the files it includes. It covers what NanoMQ's
// files use and the core of the HOCON spec: objects with or without braces, arrays, dotted
// keys (nested), later keys override (objects merge), `=` / `:` / nothing before `{`, `+=`,
// `#` and `//` comments, quoted, triple-quoted and unquoted strings, value concatenation,
// numbers, booleans, null, `include "file"` (also file(...) and required(...)), and
// substitutions `${path}` / `${?path}` (falling back to environment variables).
// Units (`10s`, `256MB`) stay strings here: the schema converts them.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, type Origin } from './errors.js';
import { readConfigFile } from './read-config-file.js';
import {
  isNodeObject,
  mergeNodes,
  Resolver,
  Subst,
  type Node,
  type NodeObject,
  type Ref,
} from './hocon-nodes.js';
import { pathKey, type RawObject } from './raw.js';

export interface HoconOptions {
  /** Name used in messages; also the base directory for relative includes. */
  file: string;
  /** Gets `${?VAR}` fallbacks; defaults to none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives non-fatal problems (an optional include that does not exist). */
  onWarning?: (message: string) => void;
}

export interface HoconResult {
  value: RawObject;
  /** Where each value (by dotted path) was written, for error messages. */
  origins: Map<string, Origin>;
}

interface Context {
  readonly file: string;
  readonly absFile: string;
  readonly stack: readonly string[];
  readonly origins: Map<string, Origin>;
  readonly onWarning: (message: string) => void;
}

/** Characters that end an unquoted key. */
const KEY_STOP = /[\s.=:{}[\],"#+$`^?!@*&\\]/;
/** Characters that end an unquoted value (`:` and `$` not followed by `{` are allowed, unlike strict HOCON). */
const VALUE_STOP = /[\s{}[\],"#=]/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function describeChar(c: string): string {
  if (c === '') return 'end of file';
  if (c === '\n') return 'end of line';
  return `'${c}'`;
}

class Parser {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  private readonly src: string;
  private readonly ctx: Context;

  constructor(src: string, ctx: Context) {
    this.src = src;
    this.ctx = ctx;
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /** The whole document: an object with or without braces. */
  document(prefix: readonly string[]): NodeObject {
    this.skipAll();
    if (this.peek() === '[') this.fail('the root of a config file must be an object, not an array');
    if (this.peek() === '{') {
      const obj = this.braced(prefix);
      this.skipAll();
      if (!this.eof()) this.fail(`unexpected ${describeChar(this.peek())} after the root object`);
      return obj;
    }
    return this.fields(prefix, null);
  }

  // ---- positions and errors ----

  private origin(pos = this.pos): Origin {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return {
      kind: 'file',
      file: this.ctx.file,
      line: lo + 1,
      column: pos - (this.lineStarts[lo] ?? 0) + 1,
    };
  }

  private where(pos: number): string {
    const o = this.origin(pos);
    return o.kind === 'file' ? `${o.line}:${o.column}` : '';
  }

  private fail(message: string, pos = this.pos): never {
    const o = this.origin(pos);
    const at = o.kind === 'file' ? `${o.file}:${o.line}:${o.column}` : this.ctx.file;
    throw new ConfigError('EMQ_ERR_CONFIG_SYNTAX', `${at}: ${message}`);
  }

  // ---- characters ----

  private eof(): boolean {
    return this.pos >= this.src.length;
  }

  private peek(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }

  private startsWith(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  private atComment(): boolean {
    return this.peek() === '#' || this.startsWith('//');
  }

  /** Spaces, tabs, CR and comments, but not newlines. */
  private skipInline(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\ufeff') this.pos++;
      else if (this.atComment()) {
        while (!this.eof() && this.peek() !== '\n') this.pos++;
      } else return;
    }
  }

  /** Whitespace, newlines and comments. */
  private skipAll(): void {
    for (;;) {
      this.skipInline();
      if (this.peek() === '\n') this.pos++;
      else return;
    }
  }

  // ---- objects ----

  private braced(path: readonly string[]): NodeObject {
    const open = this.pos;
    this.pos++; // '{'
    return this.fields(path, open);
  }

  /** Fields up to the `}` matching `open` (or to end of file when open is null). */
  private fields(path: readonly string[], open: number | null): NodeObject {
    const obj: NodeObject = {};
    for (;;) {
      this.skipAll();
      if (this.eof()) {
        if (open !== null) this.fail(`expected '}' to close the '{' at ${this.where(open)}`);
        return obj;
      }
      const c = this.peek();
      if (c === '}') {
        if (open === null) this.fail("unexpected '}' (no object is open)");
        this.pos++;
        return obj;
      }
      if (c === ',') this.fail("unexpected ',' (expected a key)");
      if (this.atInclude()) this.include(obj, path);
      else this.field(obj, path);
      this.afterItem(open === null ? '' : '}');
    }
  }

  /** After a field or element: a comma, a newline, the closing bracket or end of file. */
  private afterItem(close: string): void {
    this.skipInline();
    const c = this.peek();
    if (c === ',') {
      this.pos++;
      return;
    }
    if (c === '\n' || this.eof() || (close !== '' && c === close)) return;
    const expected = close === '' ? "',' or a new line" : `',', a new line or '${close}'`;
    this.fail(`expected ${expected}, found ${describeChar(c)}`);
  }

  private field(obj: NodeObject, path: readonly string[]): void {
    const keyPos = this.pos;
    const key = this.key();
    const full = [...path, ...key];
    this.skipInline();
    let value: Node;
    let append = false;
    const c = this.peek();
    if (c === '{') {
      value = this.value(full);
    } else if (c === '=' || c === ':') {
      this.pos++;
      this.skipAll();
      value = this.value(full);
    } else if (c === '+' && this.peek(1) === '=') {
      this.pos += 2;
      this.skipAll();
      value = this.value(full);
      append = true;
    } else {
      this.fail(
        `expected '=', ':' or '{' after the key '${key.join('.')}', found ${describeChar(c)}`,
      );
    }
    this.assign(obj, key, value, append, keyPos, path);
  }

  /** Writes `key` (dotted: nested) into `obj`; objects merge with an earlier object, anything else replaces. */
  private assign(
    obj: NodeObject,
    key: readonly string[],
    value: Node,
    append: boolean,
    keyPos: number,
    path: readonly string[],
  ): void {
    let node = obj;
    for (const k of key.slice(0, -1)) {
      const next = Object.hasOwn(node, k) ? node[k] : undefined;
      if (isNodeObject(next)) node = next;
      else {
        const created: NodeObject = {};
        node[k] = created;
        node = created;
      }
    }
    const last = key[key.length - 1] ?? '';
    const existing = Object.hasOwn(node, last) ? node[last] : undefined;
    const full = pathKey([...path, ...key]);
    if (append) {
      if (existing === undefined) node[last] = [value];
      else if (Array.isArray(existing)) existing.push(value);
      else
        this.fail(
          `'+=' needs an array at '${full}', which already holds a non-array value`,
          keyPos,
        );
    } else if (isNodeObject(existing) && isNodeObject(value)) {
      mergeNodes(existing, value);
    } else {
      node[last] = value;
    }
    if (!this.ctx.origins.has(full) || !isNodeObject(value))
      this.ctx.origins.set(full, this.origin(keyPos));
  }

  /** A key: unquoted or quoted elements separated by dots. */
  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      const start = this.pos;
      let part: string;
      if (this.peek() === '"') {
        part = this.startsWith('"""')
          ? this.fail('a key cannot be a triple-quoted string')
          : this.quoted();
      } else {
        while (!this.eof() && !KEY_STOP.test(this.peek()) && !this.startsWith('//')) this.pos++;
        part = this.src.slice(start, this.pos);
        if (part === '') {
          const c = this.peek();
          this.fail(
            c === '.'
              ? 'empty key element (two dots in a row?)'
              : `expected a key, found ${describeChar(c)}`,
          );
        }
      }
      if (part === '__proto__') this.fail("the key '__proto__' is not allowed", start);
      parts.push(part);
      if (this.peek() !== '.') return parts;
      this.pos++;
    }
  }

  // ---- include ----

  private atInclude(): boolean {
    if (!this.startsWith('include')) return false;
    const after = this.src.slice(this.pos + 7, this.pos + 40);
    return /^[ \t]+(?:"|file\(|required\(|url\(|classpath\()/.test(after);
  }

  private include(obj: NodeObject, path: readonly string[]): void {
    const at = this.pos;
    this.pos += 7;
    this.skipInline();
    let required = false;
    let closers = 0;
    if (this.startsWith('required(')) {
      required = true;
      this.pos += 9;
      closers++;
      this.skipInline();
    }
    if (this.startsWith('url(') || this.startsWith('classpath(')) {
      this.fail('only file includes are supported (include "path" or include file("path"))');
    }
    if (this.startsWith('file(')) {
      this.pos += 5;
      closers++;
      this.skipInline();
    }
    if (this.peek() !== '"')
      this.fail(`expected a quoted file name after include, found ${describeChar(this.peek())}`);
    const name = this.quoted();
    for (; closers > 0; closers--) {
      this.skipInline();
      if (this.peek() !== ')')
        this.fail(`expected ')' after the include file name, found ${describeChar(this.peek())}`);
      this.pos++;
    }
    const target = isAbsolute(name) ? name : resolve(dirname(this.ctx.absFile), name);
    const atText = `${this.ctx.file}:${this.where(at)}`;
    if (this.ctx.stack.includes(target)) {
      this.fail(`include cycle: ${[...this.ctx.stack, target].join(' -> ')}`, at);
    }
    let text: string;
    try {
      text = readFileSync(target, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) {
        this.ctx.onWarning(`${atText}: include "${name}": file not found (ignored)`);
        return;
      }
      throw new ConfigError(
        'EMQ_ERR_CONFIG_FILE',
        `${atText}: include "${name}": cannot read ${target} (${code ?? String(error)})`,
      );
    }
    const child = new Parser(text, {
      ...this.ctx,
      file: isAbsolute(name) ? name : target,
      absFile: target,
      stack: [...this.ctx.stack, target],
    });
    mergeNodes(obj, child.document(path));
  }

  // ---- values ----

  private value(path: readonly string[]): Node {
    this.skipInline();
    const c = this.peek();
    if (c === '{') {
      const obj = this.braced(path);
      for (;;) {
        this.skipInline();
        if (this.peek() !== '{') return obj;
        mergeNodes(obj, this.braced(path));
      }
    }
    if (c === '[') {
      let arr = this.array(path);
      for (;;) {
        this.skipInline();
        if (this.peek() !== '[') return arr;
        arr = [...arr, ...this.array(path)];
      }
    }
    return this.simple();
  }

  private array(path: readonly string[]): Node[] {
    const open = this.pos;
    this.pos++; // '['
    const out: Node[] = [];
    for (;;) {
      this.skipAll();
      if (this.eof()) this.fail(`expected ']' to close the '[' at ${this.where(open)}`);
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      if (this.peek() === ',') this.fail("unexpected ',' (expected a value)");
      const start = this.pos;
      const element = this.value([...path, String(out.length)]);
      this.ctx.origins.set(pathKey([...path, out.length]), this.origin(start));
      out.push(element);
      this.afterItem(']');
    }
  }

  /** One or more simple values on the same line, concatenated as HOCON does. */
  private simple(): Node {
    const start = this.pos;
    const pieces: (string | Ref)[] = [];
    let unquotedOnly = true;
    let count = 0;
    let pendingSpace = '';
    for (;;) {
      const c = this.peek();
      if (this.eof() || c === '\n' || c === ',' || c === '}' || c === ']' || this.atComment())
        break;
      if (c === ' ' || c === '\t' || c === '\r') {
        const wsStart = this.pos;
        while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\r') this.pos++;
        pendingSpace = this.src.slice(wsStart, this.pos).replace(/\r/g, '');
        continue;
      }
      if (count > 0 && pendingSpace !== '') pieces.push(pendingSpace);
      pendingSpace = '';
      count++;
      if (c === '"') {
        unquotedOnly = false;
        pieces.push(this.startsWith('"""') ? this.tripleQuoted() : this.quoted());
      } else if (c === '$' && this.peek(1) === '{') {
        unquotedOnly = false;
        pieces.push(this.substitution());
      } else if (c === '{' || c === '[') {
        this.fail(`cannot concatenate ${describeChar(c)} with a string`);
      } else if (c === '=') {
        this.fail("unexpected '=' in a value (a missing ']', '}' or new line before it?)");
      } else {
        const tokStart = this.pos;
        while (!this.eof()) {
          const d = this.peek();
          if (VALUE_STOP.test(d) || this.startsWith('//') || (d === '$' && this.peek(1) === '{'))
            break;
          this.pos++;
        }
        pieces.push(this.src.slice(tokStart, this.pos));
      }
    }
    if (count === 0) this.fail(`expected a value, found ${describeChar(this.peek())}`);
    if (pieces.some((p) => typeof p !== 'string')) {
      return new Subst(pieces, this.origin(start), this.src.slice(start, this.pos).trim());
    }
    const text = (pieces as string[]).join('');
    if (count === 1 && unquotedOnly) return literal(text);
    return text;
  }

  private quoted(): string {
    const open = this.pos;
    this.pos++; // '"'
    let out = '';
    for (;;) {
      const c = this.peek();
      if (this.eof() || c === '\n')
        this.fail(`unterminated string (opened at ${this.where(open)})`);
      this.pos++;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.peek();
      this.pos++;
      if (e === 'u') {
        const hex = this.src.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex))
          this.fail('expected 4 hex digits after \\u', this.pos - 2);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) this.fail(`unknown escape '\\${e}' in a string`, this.pos - 2);
        out += r;
      }
    }
  }

  private tripleQuoted(): string {
    const open = this.pos;
    const end = this.src.indexOf('"""', this.pos + 3);
    if (end < 0) this.fail('unterminated """ string', open);
    let stop = end + 3;
    while (this.src[stop] === '"') stop++; // extra quotes belong to the string
    this.pos = stop;
    return this.src.slice(open + 3, stop - 3);
  }

  private substitution(): Ref {
    const open = this.pos;
    this.pos += 2; // '${'
    const optional = this.peek() === '?';
    if (optional) this.pos++;
    this.skipInline();
    const path = this.key();
    this.skipInline();
    if (this.peek() !== '}')
      this.fail(`expected '}' to close the substitution at ${this.where(open)}`);
    this.pos++;
    return { path, optional };
  }
}

/** An unquoted token: true / false / null / a number / a string. */
function literal(text: string): string | number | boolean | null {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (NUMBER.test(text)) return Number(text);
  return text;
}

export function parseHocon(text: string, options: HoconOptions): HoconResult {
  const origins = new Map<string, Origin>();
  const absFile = resolve(options.file);
  const parser = new Parser(text, {
    file: options.file,
    absFile,
    stack: [absFile],
    origins,
    onWarning: options.onWarning ?? (() => undefined),
  });
  const root = parser.document([]);
  new Resolver(root, options.env ?? {}).resolve(root);
  return { value: root as RawObject, origins };
}

/** Reads and parses a HOCON file; a missing or unreadable file is EMQ_ERR_CONFIG_FILE. */
export function parseHoconFile(
  file: string,
  options: Omit<HoconOptions, 'file'> = {},
): HoconResult {
  const text = readConfigFile(file);
  return parseHocon(text, { ...options, file });
}
