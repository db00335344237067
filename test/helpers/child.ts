// Child processes for interop tests (mosquitto_pub/sub, Python paho, the CLI): output is
// collected as text, every wait is bounded, and a child is killed by its PID.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every child gets its own edgemq run directory and SQLite data directory, so brokers
 * started by tests running in parallel never share a pid file or a database (unless a test
 * sets EDGEMQ_RUN_DIR / EDGEMQ_SQLITE_MOUNTED_FILE_PATH itself).
 */
function isolatedEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const base = { ...(env ?? process.env) };
  base.EDGEMQ_RUN_DIR ??= mkdtempSync(join(tmpdir(), 'edgemq-run-'));
  base.EDGEMQ_SQLITE_MOUNTED_FILE_PATH ??= join(base.EDGEMQ_RUN_DIR, 'data');
  return base;
}

export interface ChildExit {
  /** Exit code, or null when the child was ended by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Without it stdin is closed at once. */
  readonly input?: string;
}

/** A running child process with its output so far. */
export class Child {
  readonly pid: number;
  readonly command: string;
  stdout = '';
  stderr = '';
  exit: ChildExit | null = null;
  readonly exited: Promise<ChildExit>;
  private waiters: (() => void)[] = [];

  constructor(cmd: string, args: readonly string[], options: SpawnOptions = {}) {
    this.command = [cmd, ...args].join(' ');
    const proc = spawn(cmd, args, {
      cwd: options.cwd,
      env: isolatedEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (proc.pid === undefined) throw new Error(`could not spawn ${this.command}`);
    this.pid = proc.pid;
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (s: string) => {
      this.stdout += s;
      this.wake();
    });
    proc.stderr.on('data', (s: string) => {
      this.stderr += s;
      this.wake();
    });
    proc.stdin.on('error', () => {
      // the child may exit before reading its input
    });
    proc.stdin.end(options.input);
    this.exited = new Promise<ChildExit>((resolve) => {
      // 'close' comes after the output streams have ended, so the output is complete.
      proc.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve(this.exit);
      });
    });
  }

  /** Sends `signal` to the child by PID; a child that is already gone is fine. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exit !== null) return;
    try {
      process.kill(this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /**
   * Waits until `predicate(this)` holds; fails on timeout or if the child exits first. The
   * predicate may also look at other state (the broker's sessions, say).
   */
  async waitUntil(predicate: (c: Child) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (this.exit !== null)
        throw new Error(`${this.describe()} exited while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${this.describe()}`);
      // Woken by output or exit; also re-checked every few ms, for predicates on other state.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 10));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the child to exit; kills it (SIGKILL) and fails when it takes too long. */
  async wait(timeoutMs = 10_000): Promise<ChildExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, timeoutMs);
    });
    try {
      const result = await Promise.race([this.exited, timeout]);
      if (result === 'timeout') {
        this.kill('SIGKILL');
        throw new Error(`timed out after ${timeoutMs} ms waiting for exit: ${this.describe()}`);
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Command, exit status and output, for assertion messages. */
  describe(): string {
    const status =
      this.exit === null ? 'running' : `exit ${this.exit.code ?? this.exit.signal ?? '?'}`;
    return `${this.command} (${status})\nstdout: ${this.stdout}\nstderr: ${this.stderr}`;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/**
 * The children a test started; `killAll()` in `finally` ends each one still running, by
 * its PID, and waits for it so no process outlives its test.
 */
export class Children {
  private readonly list: Child[] = [];

  spawn(cmd: string, args: readonly string[], options: SpawnOptions = {}): Child {
    const child = new Child(cmd, args, options);
    this.list.push(child);
    return child;
  }

  /** Runs a child to completion within `timeoutMs` (killed and failed after that). */
  async run(
    cmd: string,
    args: readonly string[],
    options: SpawnOptions & { timeoutMs?: number } = {},
  ): Promise<Child> {
    const child = this.spawn(cmd, args, options);
    await child.wait(options.timeoutMs ?? 10_000);
    return child;
  }

  async killAll(): Promise<void> {
    for (const child of this.list) child.kill('SIGKILL');
    await Promise.all(this.list.map((c) => c.exited));
  }
}
