// A synchronous log file with NanoMQ-style rotation by size and count: when a line would take
// the file past `maxSize` bytes, nanomq.log.(count-1) → .count (the oldest is dropped), ...,
// nanomq.log.1 → .2, nanomq.log → nanomq.log.1, and a fresh nanomq.log is opened. Writes are
// plain fs.writeSync calls: after write() returns the line is in the kernel, nothing to flush.
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LogConfigError } from './levels.js';

export interface RotatingFileOptions {
  readonly dir: string;
  readonly file: string;
  /** Rotate before a write that would take the file past this many bytes; 0 = never. */
  readonly maxSize: number;
  /** Rotated files kept (file.1 .. file.count); 0 = truncate in place instead. */
  readonly count: number;
  /** Told about a write or rotation failure (once per kind of failure); logging goes on. */
  readonly onError?: (message: string) => void;
}

function errorCode(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string')
    return e.code;
  return e instanceof Error ? e.message : String(e);
}

export class RotatingFileStream {
  /** Absolute or cwd-relative path of the live file. */
  readonly path: string;
  private readonly maxSize: number;
  private readonly count: number;
  private readonly onError: (message: string) => void;
  private readonly reported = new Set<string>();
  private fd: number;
  private size: number;
  private closed = false;

  /** Creates the directory and opens (appends to) the file; throws LogConfigError if it cannot. */
  constructor(options: RotatingFileOptions) {
    if (options.file === '' || /[/\\]/.test(options.file))
      throw new LogConfigError(`log.file ${JSON.stringify(options.file)}: expected a file name`);
    this.path = join(options.dir === '' ? '.' : options.dir, options.file);
    this.maxSize = options.maxSize > 0 ? options.maxSize : 0;
    this.count = Math.max(0, Math.floor(options.count));
    this.onError = options.onError ?? (() => {});
    try {
      mkdirSync(options.dir === '' ? '.' : options.dir, { recursive: true });
    } catch (e) {
      throw new LogConfigError(
        `log.dir ${JSON.stringify(options.dir)}: cannot create the directory (${errorCode(e)})`,
        { cause: e },
      );
    }
    try {
      this.fd = openSync(this.path, 'a');
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      throw new LogConfigError(
        `log.file ${JSON.stringify(this.path)}: cannot open for writing (${errorCode(e)})`,
        { cause: e },
      );
    }
  }

  /** Appends one line (pino hands over whole lines), rotating first if it would not fit. */
  write(line: string): void {
    if (this.closed) return;
    if (this.fd < 0) this.reopen();
    const data = Buffer.from(line, 'utf8');
    if (this.maxSize > 0 && this.size > 0 && this.size + data.length > this.maxSize) this.rotate();
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
      this.size += data.length;
    } catch (e) {
      this.report('write', `log file ${this.path}: write failed (${errorCode(e)})`);
    }
  }

  /** Shifts the rotated files and reopens an empty live file. */
  rotate(): void {
    if (this.closed) return;
    try {
      closeSync(this.fd);
    } catch {
      // the descriptor is gone either way
    }
    try {
      if (this.count === 0) {
        this.fd = openSync(this.path, 'w');
      } else {
        this.unlinkIfPresent(`${this.path}.${this.count}`);
        for (let i = this.count - 1; i >= 1; i--)
          this.renameIfPresent(`${this.path}.${i}`, `${this.path}.${i + 1}`);
        renameSync(this.path, `${this.path}.1`);
        this.fd = openSync(this.path, 'a');
      }
      this.size = 0;
    } catch (e) {
      this.report('rotate', `log file ${this.path}: rotation failed (${errorCode(e)})`);
      // Keep logging into whatever is at the path; try to rotate again after maxSize more bytes.
      this.fd = -1;
      this.reopen();
      this.size = 0;
    }
  }

  private reopen(): void {
    try {
      this.fd = openSync(this.path, 'a');
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      this.report('open', `log file ${this.path}: cannot reopen (${errorCode(e)})`);
      this.fd = -1;
    }
  }

  /** Flushes to disk and closes; later writes are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd < 0) return;
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync is best effort (some filesystems refuse it)
    }
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = -1;
  }

  private unlinkIfPresent(path: string): void {
    try {
      unlinkSync(path);
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') throw e;
    }
  }

  private renameIfPresent(from: string, to: string): void {
    try {
      renameSync(from, to);
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') throw e;
    }
  }

  private report(kind: string, message: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.onError(message);
  }
}
