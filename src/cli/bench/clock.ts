// The bench clock: send times are `performance.timeOrigin + performance.now()` in microseconds. Within
// one process (pubsub) that is a monotonic clock. Between processes (bench pub + bench sub)
// both start from the wall clock at process start (timeOrigin, sub-millisecond precision),
// so latencies are right to within the two processes' wall-clock readings, normally far
// below a millisecond on one machine; hrtime alone would not be comparable across processes.
import { performance } from 'node:perf_hooks';

/** Microseconds on the shared clock described above. */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}
