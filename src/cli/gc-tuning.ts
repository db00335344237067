// V8 settings for the broker process that depend on the cores it may run on.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The cores this process may use: the CPU affinity (`taskset`, which
 * `os.availableParallelism()` honours) capped by a cgroup CPU quota (`docker --cpus=1`,
 * Kubernetes limits), which Node 20 does not look at. `root` is the cgroup mount.
 */
export function usableCores(root = '/sys/fs/cgroup'): number {
  const cores = availableParallelism();
  const quota = cgroupQuota(root);
  return quota === null ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}

/** The cgroup CPU quota in cores (v2 `cpu.max`, else v1 `cpu.cfs_*`), or null for none. */
function cgroupQuota(root: string): number | null {
  const v2 = readOrNull(`${root}/cpu.max`); // "max 100000" or "<quota> <period>"
  if (v2 !== null) {
    const [quota, period] = v2.trim().split(/\s+/);
    return ratio(quota, period);
  }
  return ratio(
    readOrNull(`${root}/cpu/cpu.cfs_quota_us`),
    readOrNull(`${root}/cpu/cpu.cfs_period_us`),
  );
}

function ratio(quota: string | null | undefined, period: string | null | undefined): number | null {
  const q = Number(quota?.trim());
  const p = Number(period?.trim());
  if (!Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return null; // "max", -1
  return q / p;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * On one core (e.g. `taskset -c 0`, `docker --cpus=1`, or a one-vCPU edge box), V8's
 * parallel scavenger only adds helper threads that take turns with the main thread:
 * measured on the latency benchmark (10 pairs, QoS 1, 10k msg/s, broker pinned to one
 * core), a young-generation GC took 0.53 ms with helpers and 0.18 ms without, and p99
 * latency fell from ~350 to ~200 us (docs/benchmarks.md). `parallel_scavenge` is read at
 * every scavenge, so setting it after start-up takes effect. Returns the flags it set.
 */
export async function tuneGcForCores(cores = usableCores()): Promise<string[]> {
  if (cores > 1) return [];
  // node:v8 costs ~0.35 MB of RSS: loaded only when there is something to set.
  const { setFlagsFromString } = await import('node:v8');
  const flags = ['--no-parallel-scavenge'];
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
