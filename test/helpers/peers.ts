// Real third-party peers (mosquitto_pub/sub, Python paho). A missing peer skips the test
// with a visible reason locally, but fails under CI=true: CI never passes by skipping.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

export function findBinary(name: string, candidates: string[] = []): string | null {
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Debian's python3 (which has python3-paho-mqtt), not a pyenv shim that lacks it. */
export function findPahoPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** Returns the peer's path, or marks the test skipped (locally) / throws (CI=true). */
export function requirePeer(t: TestContext, name: string, path: string | null): string | null {
  if (path !== null) return path;
  const why = `${name} is not installed (apt-get install -y mosquitto-clients mosquitto python3-paho-mqtt)`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI must have every peer`);
  t.skip(why);
  return null;
}
