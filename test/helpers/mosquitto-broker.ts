// A real Mosquitto (Debian `mosquitto`) as the independent broker for client tests: a
// generated config on a free loopback port, a bounded wait for the port, and cleanup by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './peers.js';
import { freePort } from './free-port.js';

export const MOSQUITTO_PATH = findBinary('mosquitto', ['/usr/sbin/mosquitto']);

export interface MosquittoOptions {
  /** Reuse a port (to restart on the same one); default: a free port chosen by the OS. */
  port?: number;
  /** Extra mosquitto.conf lines, e.g. `max_inflight_messages 2`. */
  config?: string[];
  /** Default true. */
  allowAnonymous?: boolean;
  /** Contents of an ACL file, written beside the config and named by `acl_file`. */
  acl?: string;
  /** Bound on the wait for the port, ms. Default 5000. */
  startTimeoutMs?: number;
}

export interface RunningMosquitto {
  readonly port: number;
  readonly pid: number;
  readonly url: string;
  /** What mosquitto printed (it logs to stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after a bound; removes the generated config. Idempotent. */
  close(): Promise<void>;
  /** SIGKILL: the broker dies without saying goodbye to its clients. */
  kill(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => {
      resolve();
    });
  });
}

/** Starts mosquitto; throws if the binary is missing (check MOSQUITTO_PATH / requirePeer first). */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  if (MOSQUITTO_PATH === null) throw new Error('mosquitto is not installed');
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'edgemq-mosquitto-'));
  // Running as root, mosquitto drops to its own user before reading the ACL file.
  chmodSync(dir, 0o755);
  const confPath = join(dir, 'mosquitto.conf');
  const aclPath = join(dir, 'acl');
  if (options.acl !== undefined) writeFileSync(aclPath, options.acl, { mode: 0o644 });
  writeFileSync(
    confPath,
    [
      `listener ${port} 127.0.0.1`,
      `allow_anonymous ${options.allowAnonymous === false ? 'false' : 'true'}`,
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(options.acl === undefined ? [] : [`acl_file ${aclPath}`]),
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  const proc = spawn(MOSQUITTO_PATH, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (proc.pid === undefined) throw new Error('could not spawn mosquitto');
  const pid = proc.pid;
  let output = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (s: string) => {
    output += s;
  });

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
      const gone = exited(proc);
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
  while (!(await canConnect(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`mosquitto did not listen on 127.0.0.1:${port}: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    pid,
    url: `mqtt://127.0.0.1:${port}`,
    output: () => output,
    close: () => stop('SIGTERM'),
    kill: () => stop('SIGKILL'),
  };
}
