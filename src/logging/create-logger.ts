// The broker's logger, built from the `log { to, level, dir, file, rotation }` settings:
// pino, with one synchronous destination per target (joined by pino.multistream when there are
// several). pino does no formatting or serialization for a disabled level, so a debug() call
// on the hot path costs one level comparison when debug is off.
import { destination, multistream, pino, type DestinationStream, type StreamEntry } from 'pino';
import type { Logger } from '../broker/logger.js';
import { createConsoleStream } from './console-format.js';
import { LogConfigError, isLogLevel, type LogLevel } from './levels.js';
import { RotatingFileStream } from './rotating-file.js';
import { SyslogStream, type SyslogOptions } from './syslog.js';

export const LOG_TARGETS = ['console', 'file', 'syslog'] as const;
export type LogTarget = (typeof LOG_TARGETS)[number];

export interface LogOptions {
  to: LogTarget[];
  level: LogLevel;
  /** Directory of the log file (created if missing). */
  dir: string;
  /** File name inside `dir`. */
  file: string;
  rotation: {
    /** Bytes; the file is rotated before it would grow past this (0 = never). */
    size: number;
    /** Rotated files kept: file.1 (newest) .. file.count. */
    count: number;
  };
  syslog?: SyslogOptions;
}

/** NanoMQ's defaults: console, warn, nanomq.log, 10 MB × 5. */
export const DEFAULT_LOG_OPTIONS: LogOptions = {
  to: ['console'],
  level: 'warn',
  dir: '.',
  file: 'nanomq.log',
  rotation: { size: 10 * 1024 * 1024, count: 5 },
};

/** What stands in for the process's stderr (tests pass their own). */
export interface LogStderr {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

export interface LoggerEnvironment {
  /** Console target; default process.stderr (readable lines on a TTY, JSON lines otherwise). */
  readonly stderr?: LogStderr;
  /** ANSI colours on a TTY; default: on unless NO_COLOR is set. */
  readonly color?: boolean;
  /** Told about file / syslog failures after start-up; default: one line on stderr. */
  readonly onError?: (message: string) => void;
}

export type EdgeLogger = Logger & {
  level: string;
  fatal(obj: object, msg?: string): void;
};

export interface LoggerHandle {
  readonly logger: EdgeLogger;
  /** Changes the level at run time (`edgemq reload`). */
  readonly setLevel: (level: LogLevel) => void;
  /** Flushes and closes the file and the syslog socket; later log calls are dropped. */
  readonly close: () => Promise<void>;
}

function consoleDestination(env: LoggerEnvironment): {
  stream: DestinationStream;
  flush(): void;
} {
  const stderr = env.stderr;
  const tty = stderr !== undefined ? stderr.isTTY === true : process.stderr.isTTY;
  const color =
    env.color ?? (process.env['NO_COLOR'] === undefined || process.env['NO_COLOR'] === '');
  if (stderr !== undefined) {
    const sink = (text: string): void => {
      stderr.write(text);
    };
    return {
      stream: tty ? createConsoleStream(sink, { color }) : { write: sink },
      flush: () => {},
    };
  }
  if (tty) {
    // process.stderr on a TTY writes synchronously (POSIX).
    const sink = (text: string): void => {
      process.stderr.write(text);
    };
    return { stream: createConsoleStream(sink, { color }), flush: () => {} };
  }
  const sonic = destination({ dest: 2, sync: true });
  return {
    stream: sonic,
    flush: () => {
      try {
        sonic.flushSync();
      } catch {
        // nothing buffered, or stderr is gone
      }
    },
  };
}

/** Builds the logger; throws LogConfigError for bad settings or a log file it cannot open. */
export function createLogger(options: LogOptions, env: LoggerEnvironment = {}): LoggerHandle {
  if (!isLogLevel(options.level))
    throw new LogConfigError(
      `log.level ${JSON.stringify(options.level)}: expected one of trace, debug, info, warn, error, fatal`,
    );
  const targets = new Set<LogTarget>();
  for (const t of options.to) {
    if (!(LOG_TARGETS as readonly string[]).includes(t))
      throw new LogConfigError(
        `log.to ${JSON.stringify(t)}: expected a list of console, file, syslog`,
      );
    targets.add(t);
  }
  const { size, count } = options.rotation;
  if (!Number.isSafeInteger(size) || size < 0)
    throw new LogConfigError(`log.rotation.size ${size}: expected a byte count >= 0`);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new LogConfigError(`log.rotation.count ${count}: expected an integer >= 0`);

  const onError =
    env.onError ??
    ((message: string): void => {
      process.stderr.write(`edgemq: ${message}\n`);
    });

  const streams: DestinationStream[] = [];
  const closers: (() => void | Promise<void>)[] = [];
  if (targets.has('console')) {
    const c = consoleDestination(env);
    streams.push(c.stream);
    closers.push(() => {
      c.flush();
    });
  }
  if (targets.has('file')) {
    const file = new RotatingFileStream({
      dir: options.dir,
      file: options.file,
      maxSize: size,
      count,
      onError,
    });
    streams.push(file);
    closers.push(() => {
      file.close();
    });
  }
  if (targets.has('syslog')) {
    const syslog = new SyslogStream(options.syslog, onError);
    streams.push(syslog);
    closers.push(() => syslog.close());
  }

  let stream: DestinationStream;
  if (streams.length === 1 && streams[0] !== undefined) stream = streams[0];
  else if (streams.length === 0) stream = { write: () => {} };
  else {
    // Every stream takes every level; the logger's own level is the one filter (setLevel).
    const entries: StreamEntry[] = streams.map((s) => ({ level: 'trace', stream: s }));
    stream = multistream(entries);
  }

  const logger = pino({ level: options.level, base: null }, stream);
  let closed: Promise<void> | null = null;
  return {
    logger,
    setLevel: (level: LogLevel): void => {
      if (!isLogLevel(level))
        throw new LogConfigError(
          `log.level ${JSON.stringify(level)}: expected one of trace, debug, info, warn, error, fatal`,
        );
      logger.level = level;
    },
    close: (): Promise<void> => {
      closed ??= (async () => {
        logger.level = 'silent';
        for (const close of closers) await close();
      })();
      return closed;
    },
  };
}
