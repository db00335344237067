import { pino, destination } from 'pino';
import { parseStartArgs } from '../config/flags.js';
import { loadConfig } from '../config/load.js';
import { toRuntimeOptions } from '../config/to-broker-options.js';
import { createBroker } from '../server.js';

export const START_HELP = `Usage: edgemq start [--conf FILE | --old_conf FILE] [options]

Starts the broker in the foreground with in-memory state. Settings come from, lowest
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
  -h, --help             this help
`;

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
  for (const warning of warnings) process.stderr.write(`edgemq: warning: ${warning}\n`);
  const elsewhere = runtime.log.to.filter((t) => t !== 'console');
  if (elsewhere.length > 0) {
    process.stderr.write(
      `edgemq: warning: log.to: ${elsewhere.join(', ')} output is not wired up yet (logging to stderr)\n`,
    );
  }
  const logger = pino({ level: runtime.log.level, base: null }, destination(2));
  const broker = createBroker(runtime.broker, { logger });
  const bound = await broker.start();
  for (const b of bound)
    process.stderr.write(`edgemq listening on ${b.kind}://${b.host}:${b.port}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await broker.stop();
  return 0;
}
