// Readable single lines for a terminal, made from pino's JSON lines:
//   2026-11-22T00:40:12.345Z INFO  listening kind=tcp host=127.0.0.1 port=1883
// Only lines pino actually emits reach this code, so disabled levels cost nothing here.
import { levelLabel } from './levels.js';

export interface ConsoleFormatOptions {
  /** ANSI colours for the level and the time (a terminal without NO_COLOR). */
  readonly color?: boolean;
}

/** A parsed pino line: its level, time and message, plus every other field in order. */
export interface LogRecord {
  readonly level: unknown;
  readonly time: unknown;
  readonly msg: string | undefined;
  readonly fields: Record<string, unknown>;
}

/** Parses one pino JSON line; null when it is not a JSON object. */
export function parseRecord(line: string): LogRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { level, time, msg, ...fields } = parsed as Record<string, unknown>;
  return {
    level,
    time,
    msg: msg === undefined ? undefined : typeof msg === 'string' ? msg : JSON.stringify(msg),
    fields,
  };
}

/** pino's `time` (epoch ms by default, or a string from a custom timestamp) as ISO 8601. */
export function isoTime(time: unknown): string {
  if (typeof time === 'number' && Number.isFinite(time)) {
    const d = new Date(time);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  if (typeof time === 'string' && time !== '') return time;
  return new Date().toISOString();
}

// Control characters (newlines, ESC...) are escaped so that one record stays one line and a
// client id cannot inject terminal escapes.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const BARE = /^[^\s"=\\\u0000-\u001f\u007f]+$/;

/** A message with control characters escaped JSON-style (no quotes added). */
export function escapeText(text: string): string {
  return CONTROL.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

function renderValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return BARE.test(value) ? value : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return value === null ? 'null' : JSON.stringify(value);
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      return JSON.stringify(String(value)); // not in JSON output; here for completeness
  }
}

interface SerializedError {
  readonly type?: unknown;
  readonly message: string;
  readonly stack: string;
}

/** pino's err serializer output: `{ type, message, stack, ... }`. */
function asSerializedError(value: unknown): SerializedError | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const message = v['message'];
  const stack = v['stack'];
  if (typeof message !== 'string' || typeof stack !== 'string') return null;
  return { type: v['type'], message, stack };
}

/**
 * `msg key=value ...`: strings bare when they have no space, quote, `=` or backslash, else
 * JSON-quoted; objects as JSON. With `stacks`, an error field is shown as `err="Type: message"`
 * and its stack frames are returned separately (to go on the following lines).
 */
export function renderBody(
  record: LogRecord,
  stacks: boolean,
): { readonly text: string; readonly trailer: string } {
  const parts: string[] = [];
  if (record.msg !== undefined && record.msg !== '') parts.push(escapeText(record.msg));
  let trailer = '';
  for (const key of Object.keys(record.fields)) {
    const value = record.fields[key];
    const err = stacks ? asSerializedError(value) : null;
    if (err !== null) {
      const head = typeof err.type === 'string' ? `${err.type}: ${err.message}` : err.message;
      parts.push(`${escapeText(key)}=${JSON.stringify(head)}`);
      const nl = err.stack.indexOf('\n');
      if (nl !== -1) trailer += err.stack.slice(nl);
    } else {
      parts.push(`${escapeText(key)}=${renderValue(value)}`);
    }
  }
  return { text: parts.join(' '), trailer };
}

const RESET = '\u001b[0m';
const DIM = '\u001b[2m';
function levelColor(label: string): string {
  switch (label) {
    case 'TRACE':
      return '\u001b[90m';
    case 'DEBUG':
      return '\u001b[36m';
    case 'INFO':
      return '\u001b[32m';
    case 'WARN':
      return '\u001b[33m';
    case 'ERROR':
      return '\u001b[31m';
    case 'FATAL':
      return '\u001b[1;35m';
    default:
      return '';
  }
}

/**
 * One pino JSON line → one readable line (ending in `\n`), followed by the stack frames of
 * an error field if there is one. A line that is not JSON is passed through unchanged.
 */
export function formatConsoleLine(line: string, options: ConsoleFormatOptions = {}): string {
  const record = parseRecord(line);
  if (record === null) return line.endsWith('\n') ? line : `${line}\n`;
  const time = isoTime(record.time);
  const label = levelLabel(record.level);
  const padded = label.padEnd(5);
  const { text, trailer } = renderBody(record, true);
  const color = options.color === true;
  const head = color
    ? `${DIM}${time}${RESET} ${levelColor(label)}${padded}${RESET}`
    : `${time} ${padded}`;
  return `${head}${text === '' ? '' : ` ${text}`}\n${trailer === '' ? '' : `${trailer.slice(1)}\n`}`;
}

/** A pino destination that writes formatted lines to `sink` synchronously. */
export function createConsoleStream(
  sink: (text: string) => void,
  options: ConsoleFormatOptions = {},
): { write(line: string): void } {
  return {
    write(line: string): void {
      sink(formatConsoleLine(line, options));
    },
  };
}
