// The run directory holds the pid file through which `stop`, `restart` and `reload` find
// the running broker (NanoMQ keeps its pid file under /tmp the same way).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PidRecord {
  pid: number;
  /** The `start` arguments (without -d), so `reload` and `restart` reuse them. */
  args: string[];
  cwd: string;
}

/** `EDGEMQ_RUN_DIR`, else `<tmp>/edgemq`. */
export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EDGEMQ_RUN_DIR ?? join(tmpdir(), 'edgemq');
}

export function pidFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(runDir(env), 'edgemq.pid');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive but not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed broker whose parent has not reaped it yet is a zombie: it is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust the signal check
  }
}

/** The running broker's record, or null when there is none (a stale file is ignored). */
export function readPidFile(env: NodeJS.ProcessEnv = process.env): PidRecord | null {
  let text: string;
  try {
    text = readFileSync(pidFilePath(env), 'utf8');
  } catch {
    return null;
  }
  try {
    const record = JSON.parse(text) as PidRecord;
    return Number.isInteger(record.pid) && isAlive(record.pid) ? record : null;
  } catch {
    return null;
  }
}

export function writePidFile(record: PidRecord, env: NodeJS.ProcessEnv = process.env): void {
  mkdirSync(runDir(env), { recursive: true });
  writeFileSync(pidFilePath(env), JSON.stringify(record));
}

/** Removes the pid file if it is still ours. */
export function removePidFile(pid: number, env: NodeJS.ProcessEnv = process.env): void {
  try {
    const record = JSON.parse(readFileSync(pidFilePath(env), 'utf8')) as PidRecord;
    if (record.pid === pid) rmSync(pidFilePath(env), { force: true });
  } catch {
    // already gone
  }
}

/** Waits until `pid` has exited; false after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
