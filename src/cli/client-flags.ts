// Flag handling shared by `edgemq pub | sub | conn` (and the generic parts by `edgemq bench`):
// a table of flags that drives node:util parseArgs, the --help text, NanoMQ's alternative
// spellings, and the conversion of the values into client options. Bad input becomes a
// CliError: one line on stderr and exit code 2 (usage) or 1 (the broker said no).
//
// The pieces live in flag-table.ts (the generic table), client-flag-table.ts (the pub / sub /
// conn flags), client-setup.ts (flags -> client options) and command-process.ts (running a
// command); this module gathers them for the tools.
export { CliError } from './cli-error.js';
export {
  Flags,
  flagHelp,
  parseBoolArg,
  parseFlags,
  parseIntArg,
  type FlagSpec,
} from './flag-table.js';
export { CLIENT_FLAGS, clientHelp, type ClientCommand } from './client-flag-table.js';
export {
  DEFAULT_PORTS,
  clientSetup,
  messageCount,
  parseQos,
  parseUserProperties,
  publishProperties,
  readPem,
  transportFor,
  type ClientSetup,
  type TransportKind,
} from './client-setup.js';
export { guardStdout, onStopSignal, reportFailure } from './command-process.js';
