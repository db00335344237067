import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerOptions } from '../broker/options.js';
import { parseStartArgs } from '../config/flags.js';
import { loadConfig } from '../config/load.js';
import { persistenceOptions, toRuntimeOptions } from '../config/to-broker-options.js';
import { createLogger } from '../logging/index.js';
import { createBroker, reloadCertificates } from '../server.js';
import { CliError } from './cli-error.js';
import { tuneGcForCores } from './gc-tuning.js';
import { readPidFile, removePidFile, runDir, writePidFile } from './run-dir.js';

export const START_HELP = `Usage: edgemq start [--conf FILE | --old_conf FILE] [options]

Starts the broker (in the foreground unless -d). Settings come from, lowest
first: defaults, the config file, environment variables (NANOMQ_*, EDGEMQ_<KEY>), flags.
See docs/reference/configuration.md.

Options:
  --conf FILE            HOCON config file (nanomq.conf); default $NANOMQ_CONF_PATH
  --old_conf FILE        legacy key=value config file (nanomq_old.conf)
  --url URL              listener, repeatable; replaces the file's listeners:
                         nmq-tcp://HOST:PORT (also mqtt-tcp://, tcp://),
                         tls+nmq-tcp://, nmq-ws://HOST:PORT/PATH, nmq-wss://
                         default nmq-tcp://0.0.0.0:1883
  -d, --daemon           run in the background (system.daemon)
  -t, --tq_thread N      system.num_taskq_thread
  -T, --max_tq_thread N  system.max_taskq_thread
  -n, --parallel N       system.parallel
  -s, --property_size N  mqtt.property_size
  -S, --msq_len N        mqtt.max_mqueue_len
  -D, --qos_duration D   mqtt.retry_interval (seconds, or 10s, 500ms, ...)
  --http [true|false]    HTTP server on / off; -p, --port N its port
  --cacert FILE          listeners.ssl.cacertfile
  -E, --cert FILE        listeners.ssl.certfile
  --key FILE             listeners.ssl.keyfile
  --keypass PASSWORD     listeners.ssl.key_password
  --verify [true|false]  listeners.ssl.verify_peer
  --fail [true|false]    listeners.ssl.fail_if_no_peer_cert
  --log_level LEVEL      trace | debug | info | warn | error | fatal (default warn)
  --log_file PATH        log to this file (log.dir, log.file, adds file to log.to)
  --log_stdout BOOL      console logging on / off
  --log_syslog BOOL      syslog logging on / off
  --data-dir DIR         SQLite data directory (sqlite.mounted_file_path; default ./data)
  --no-persistence       keep everything in memory (no SQLite)
  -h, --help             this help
`;

/** The BrokerOptions that `reload` may change on a running broker (NanoMQ's hot knobs). */
const HOT_KEYS = [
  'maxPacketSize',
  'maxMqueueLen',
  'retryInterval',
  'keepaliveMultiplier',
  'maxTopicAlias',
  'maxInflight',
  'allowAnonymous',
] as const;

function withoutDaemonFlag(argv: string[]): string[] {
  return argv.filter((a) => a !== '-d' && a !== '--daemon' && !a.startsWith('--daemon='));
}

/** `edgemq start`: runs until SIGTERM / SIGINT, then shuts down cleanly (exit 0). */
export async function runStart(argv: string[]): Promise<number> {
  const flags = parseStartArgs(argv);
  if (flags.help === true) {
    process.stdout.write(START_HELP);
    return 0;
  }
  // A ConfigError propagates to main(): one line on stderr, exit code 2.
  const { config, warnings } = loadConfig({ env: process.env, argvFlags: flags });
  const runtime = toRuntimeOptions(config);
  runtime.broker.persistence = persistenceOptions(config, flags);
  const running = readPidFile();
  if (running !== null) throw new CliError(`edgemq is already running (pid ${running.pid})`, 1);
  if (runtime.daemon && process.env.EDGEMQ_DAEMON_CHILD !== '1') {
    return daemonize(withoutDaemonFlag(argv));
  }
  for (const warning of warnings) process.stderr.write(`edgemq: warning: ${warning}\n`);
  await tuneGcForCores();
  const log = createLogger(runtime.log);
  const broker = createBroker(runtime.broker, { logger: log.logger });
  let bound;
  try {
    bound = await broker.start();
  } catch (error) {
    // An unreadable key file or a port in use: close what did start, so the process exits
    // with main()'s one line and code 2.
    await broker.stop();
    await log.close();
    throw error;
  }
  // SIGHUP (from `edgemq reload`): re-read the configuration and apply what can change live.
  const onReload = (): void => {
    // TLS listeners re-read their key, certificate and CA files (the paths they started with)
    // for new handshakes; connected clients stay. reloadCertificates logs each listener's
    // outcome: info when reloaded, error (keeping its current certificate) when a file fails.
    reloadCertificates(broker);
    try {
      const args = readPidFile()?.args ?? argv;
      const next = toRuntimeOptions(
        loadConfig({ env: process.env, argvFlags: parseStartArgs(args) }).config,
      );
      const hot: Partial<BrokerOptions> = {};
      for (const key of HOT_KEYS) Object.assign(hot, { [key]: next.broker[key] });
      broker.reconfigure(hot);
      log.setLevel(next.log.level);
      log.logger.info({ keys: HOT_KEYS }, 'configuration reloaded');
    } catch (error) {
      log.logger.error({ err: error }, 'reload failed; keeping the current configuration');
    }
  };
  process.on('SIGHUP', onReload);
  // The handlers are in place before the listening lines and the pid file announce the
  // broker: whoever sends SIGTERM as soon as it reads them gets a clean stop (exit 0).
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  for (const b of bound) {
    process.stderr.write(`edgemq listening on ${b.kind}://${b.host}:${b.port}\n`);
  }
  writePidFile({ pid: process.pid, args: withoutDaemonFlag(argv), cwd: process.cwd() });
  await stopRequested;
  process.off('SIGHUP', onReload);
  await broker.stop();
  removePidFile(process.pid);
  await log.close();
  return 0;
}

/**
 * `-d`: starts the same command detached, with its output in the run directory, and
 * returns once it is listening (exit 0) or has failed (its error, exit 2).
 */
async function daemonize(args: string[]): Promise<number> {
  mkdirSync(runDir(), { recursive: true });
  const outPath = join(runDir(), 'edgemq.out');
  const out = openSync(outPath, 'w');
  const { spawn } = await import('node:child_process'); // only -d needs it (idle RSS)
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1] ?? '', 'start', ...args],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, EDGEMQ_DAEMON_CHILD: '1' },
    },
  );
  closeSync(out);
  const pid = child.pid ?? 0;
  const status = { exited: false };
  child.once('exit', () => {
    status.exited = true;
  });
  const deadline = Date.now() + 20_000;
  while (readPidFile()?.pid !== pid) {
    if (status.exited || Date.now() > deadline) {
      const lines = readFileSync(outPath, 'utf8').trim().split('\n');
      throw new CliError(lines.at(-1)?.replace(/^edgemq: /, '') ?? 'the daemon did not start', 2);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.unref();
  process.stdout.write(`edgemq started in the background (pid ${pid}); output in ${outPath}\n`);
  return 0;
}
