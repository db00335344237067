import { parseArgs } from 'node:util';
import { pino, destination } from 'pino';
import { createBroker } from '../server.js';
import type { ListenerSpec } from '../broker/options.js';
import { parseListenerUrl } from './parse-url.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export const START_HELP = `Usage: edgemq start [options]

Starts the broker in the foreground with in-memory state.

Options:
  --url URL            listener, repeatable: nmq-tcp://HOST:PORT (also mqtt-tcp://, tcp://)
                       default nmq-tcp://0.0.0.0:1883
  --log_level LEVEL    trace | debug | info | warn | error | fatal (default warn)
  -h, --help           this help
`;

/** `edgemq start`: runs until SIGTERM / SIGINT, then shuts down cleanly (exit 0). */
export async function runStart(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', multiple: true },
      log_level: { type: 'string', default: 'warn' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const level = values.log_level;
  if (!LEVELS.includes(level))
    throw new Error(`--log_level ${level}: expected one of ${LEVELS.join(', ')}`);
  const listeners: ListenerSpec[] = (values.url ?? ['nmq-tcp://0.0.0.0:1883']).map(
    parseListenerUrl,
  );
  const logger = pino({ level, base: null }, destination(2));
  const broker = createBroker({ listeners }, { logger });
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
