// Running a command-line tool: its one error line and exit code, stop signals, and a stdout
// that may be closed under it.
import { CliError } from './cli-error.js';

/** Writes the one error line of a failed command and returns its exit code. */
export function reportFailure(tool: string, error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`edgemq ${tool}: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`edgemq ${tool}: ${message.split('\n')[0] ?? message}\n`);
  return 1;
}

/** Calls `stop` on SIGINT / SIGTERM; the returned function removes the handlers. */
export function onStopSignal(stop: () => void): () => void {
  const handler = (): void => {
    stop();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Stdout that turns EPIPE (`edgemq sub | head`) into a quiet stop instead of a crash. */
export function guardStdout(onClosed: () => void): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') onClosed();
  });
}
