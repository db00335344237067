// `edgemq stop | restart | reload`: signals to the broker recorded in the pid file.
import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';
import { readPidFile, waitForExit, writePidFile } from './run-dir.js';
import { runStart } from './start.js';

export const STOP_HELP = `Usage: edgemq stop

Stops the running broker (SIGTERM: v5 clients get DISCONNECT 0x8B) and waits for it to exit.
The broker is found through the pid file in $EDGEMQ_RUN_DIR (default <tmp>/edgemq).
`;

export const RELOAD_HELP = `Usage: edgemq reload [--conf FILE | --old_conf FILE]

Makes the running broker re-read its configuration (or FILE) and apply the hot-updatable
keys (mqtt.* knobs, log level, auth) without dropping any client.
`;

export const RESTART_HELP = `Usage: edgemq restart [start options]

Stops the running broker, then starts one with the given options (or, with none, the
options the stopped broker was started with).
`;

function helpOnly(argv: string[], help: string): boolean {
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help === true) process.stdout.write(help);
  return values.help === true;
}

export async function runStop(argv: string[]): Promise<number> {
  if (helpOnly(argv, STOP_HELP)) return 0;
  const record = readPidFile();
  if (record === null) throw new CliError('edgemq is not running (no live pid file)', 1);
  process.kill(record.pid, 'SIGTERM');
  if (!(await waitForExit(record.pid, 15_000))) {
    throw new CliError(`edgemq (pid ${record.pid}) did not stop within 15 s`, 1);
  }
  process.stdout.write(`edgemq stopped (pid ${record.pid})\n`);
  return 0;
}

export function runReload(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      conf: { type: 'string' },
      old_conf: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(RELOAD_HELP);
    return 0;
  }
  const record = readPidFile();
  if (record === null) throw new CliError('edgemq is not running (no live pid file)', 1);
  if (values.conf !== undefined || values.old_conf !== undefined) {
    // The broker re-reads its start arguments on SIGHUP: point them at the new file.
    const args = withoutConfigFile(record.args);
    if (values.conf !== undefined) args.push('--conf', values.conf);
    if (values.old_conf !== undefined) args.push('--old_conf', values.old_conf);
    writePidFile({ ...record, args });
  }
  process.kill(record.pid, 'SIGHUP');
  process.stdout.write(`edgemq (pid ${record.pid}) reloading\n`);
  return 0;
}

export async function runRestart(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(RESTART_HELP);
    return 0;
  }
  const record = readPidFile();
  let args = argv;
  if (record !== null) {
    process.kill(record.pid, 'SIGTERM');
    if (!(await waitForExit(record.pid, 15_000))) {
      throw new CliError(`edgemq (pid ${record.pid}) did not stop within 15 s`, 1);
    }
    // Only -d (or nothing) given: start again with the stopped broker's own options.
    const daemon = argv.some((a) => a === '-d' || a.startsWith('--daemon'));
    if (argv.length === (daemon ? 1 : 0)) args = daemon ? [...record.args, '-d'] : record.args;
  }
  return runStart(args);
}

function withoutConfigFile(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--conf' || a === '--old_conf') {
      i++;
      continue;
    }
    if (a.startsWith('--conf=') || a.startsWith('--old_conf=')) continue;
    out.push(a);
  }
  return out;
}
