// `edgemq bench { pub | sub | conn | pubsub }` (also NanoMQ's `bench start pub`).
import { CliError, reportFailure } from '../client-flags.js';
import { BENCH_HELP, benchHelp, parseBenchArgs, type BenchMode } from './flags.js';
import { Reporter } from './report.js';
import { Bench } from './run.js';

const MODES: readonly string[] = ['pub', 'sub', 'conn', 'pubsub'];

export async function runBench(argv: string[]): Promise<number> {
  try {
    const args = argv[0] === 'start' ? argv.slice(1) : argv;
    const [mode, ...rest] = args;
    if (mode === undefined || mode === '--help' || mode === 'help') {
      process.stdout.write(BENCH_HELP);
      return mode === undefined ? 2 : 0;
    }
    if (!MODES.includes(mode)) {
      throw new CliError(`unknown mode '${mode}' (expected pub, sub, conn or pubsub)`, 2);
    }
    const cfg = parseBenchArgs(mode as BenchMode, rest);
    if (cfg === null) {
      process.stdout.write(benchHelp(mode as BenchMode));
      return 0;
    }
    return await new Bench(cfg, new Reporter(process.stdout)).run();
  } catch (error) {
    return reportFailure('bench', error);
  }
}
