// `edgemq <command>`: the only place that may exit the process.
import { CliError } from './cli-error.js';

const HELP = `Usage: edgemq <command> [options]

Commands:
  start     start the broker (edgemq start --help)
  stop      stop the running broker
  restart   stop it, then start again
  reload    re-read the configuration of the running broker
  pub       publish messages (NanoMQ's nanomq_cli pub flags)
  sub       subscribe and print messages
  conn      connect clients and print their CONNACK
  bench     load generator: bench pub | sub | conn | pubsub

Run 'edgemq <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    // Each command is loaded on demand: the client tools never load the broker.
    case 'start':
      return (await import('./start.js')).runStart(rest);
    case 'stop':
      return (await import('./control.js')).runStop(rest);
    case 'restart':
      return (await import('./control.js')).runRestart(rest);
    case 'reload':
      return (await import('./control.js')).runReload(rest);
    case 'pub':
      return (await import('./pub.js')).runPub(rest);
    case 'sub':
      return (await import('./sub.js')).runSub(rest);
    case 'conn':
      return (await import('./conn.js')).runConn(rest);
    case 'bench':
      return (await import('./bench/index.js')).runBench(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`edgemq: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`edgemq: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 2;
  },
);
