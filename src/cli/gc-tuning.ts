// V8 settings for the broker process that depend on the cores it may run on.
import { availableParallelism } from 'node:os';

/**
 * On one core (e.g. `taskset -c 0`, or a one-vCPU edge box), V8's parallel scavenger only
 * adds helper threads that take turns with the main thread: measured on the latency
 * benchmark (10 pairs, QoS 1, 10k msg/s, broker pinned to one core), a young-generation GC
 * took 0.53 ms with helpers and 0.18 ms without, and p99 latency fell from ~350 to ~200 us
 * (docs/benchmarks.md). `parallel_scavenge` is read at every scavenge, so setting it after
 * start-up takes effect. Returns the flags it set.
 */
export async function tuneGcForCores(cores = availableParallelism()): Promise<string[]> {
  if (cores > 1) return [];
  // node:v8 costs ~0.35 MB of RSS: loaded only when there is something to set.
  const { setFlagsFromString } = await import('node:v8');
  const flags = ['--no-parallel-scavenge'];
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
