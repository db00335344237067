// `edgemq <command>`: the only place that may exit the process.
import { runStart, START_HELP } from './start.js';

const HELP = `Usage: edgemq <command> [options]

Commands:
  start     start the broker (edgemq start --help)

Run 'edgemq <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return runStart(rest);
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
    process.exitCode = 2;
  },
);

export { START_HELP };
