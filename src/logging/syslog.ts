// RFC 5424 syslog messages over UDP (RFC 5426). One datagram per log line:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
// PRI = facility * 8 + severity (severity from the pino level). Sending never throws: UDP to a
// port nobody listens on is silently lost, and socket errors are reported once.
import type { Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import { isoTime, parseRecord, renderBody } from './console-format.js';
import { LogConfigError, syslogSeverity } from './levels.js';

const require = createRequire(import.meta.url);

export interface SyslogOptions {
  /** Receiver host (default 127.0.0.1). */
  readonly host?: string;
  /** Receiver UDP port (default 514). */
  readonly port?: number;
  /** Facility 0..23 (default 1, user-level messages). */
  readonly facility?: number;
  /** APP-NAME field (default `edgemq`). */
  readonly appName?: string;
}

export const SYSLOG_DEFAULTS = { host: '127.0.0.1', port: 514, facility: 1, appName: 'edgemq' };

/** RFC 5426 §3.2: receivers SHOULD take 2048-octet messages; longer ones are cut there. */
export const SYSLOG_MAX_OCTETS = 2048;

/** RFC 5424 header field: printable US-ASCII without space, at most `max` octets, or `-`. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** Cuts a UTF-8 buffer to at most `max` octets without splitting a character. */
function truncateUtf8(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = max;
  // step back over continuation bytes (10xxxxxx) to the start of the cut character
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

export interface SyslogHeader {
  readonly facility: number;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
}

/**
 * One pino JSON line → one RFC 5424 message: MSGID and STRUCTURED-DATA are `-`, MSG is
 * `msg key=value ...` (objects, errors included, as one-line JSON), not BOM-prefixed (MSG-ANY).
 */
export function formatSyslogMessage(line: string, header: SyslogHeader): Buffer {
  const record = parseRecord(line);
  const severity = syslogSeverity(record?.level);
  const pri = header.facility * 8 + severity;
  const time = isoTime(record?.time);
  const body = record === null ? line.trimEnd() : renderBody(record, false).text;
  const head = `<${pri}>1 ${headerField(time, 64)} ${headerField(header.hostname, 255)} ${headerField(header.appName, 48)} ${headerField(header.procId, 128)} - -`;
  const text = body === '' ? head : `${head} ${body}`;
  return truncateUtf8(Buffer.from(text, 'utf8'), SYSLOG_MAX_OCTETS);
}

export class SyslogStream {
  private readonly socket: Socket;
  private readonly host: string;
  private readonly port: number;
  private readonly header: SyslogHeader;
  private readonly onError: (message: string) => void;
  private reported = false;
  private pending = 0;
  private drained: (() => void) | null = null;
  private closed = false;

  constructor(options: SyslogOptions = {}, onError: (message: string) => void = () => {}) {
    this.host = options.host ?? SYSLOG_DEFAULTS.host;
    this.port = options.port ?? SYSLOG_DEFAULTS.port;
    const facility = options.facility ?? SYSLOG_DEFAULTS.facility;
    if (!Number.isInteger(facility) || facility < 0 || facility > 23)
      throw new LogConfigError(`syslog facility ${facility}: expected an integer 0..23`);
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535)
      throw new LogConfigError(`syslog port ${this.port}: expected an integer 1..65535`);
    this.header = {
      facility,
      hostname: hostname(),
      appName: options.appName ?? SYSLOG_DEFAULTS.appName,
      procId: String(process.pid),
    };
    this.onError = onError;
    // node:dgram is required here, not imported: only a syslog target pays for it (idle RSS).
    const { createSocket } = require('node:dgram') as typeof import('node:dgram');
    this.socket = createSocket(isIPv6(this.host) ? 'udp6' : 'udp4');
    this.socket.on('error', (e) => {
      this.report(e);
    });
    // A logger must not keep the process alive.
    this.socket.unref();
  }

  write(line: string): void {
    if (this.closed) return;
    const msg = formatSyslogMessage(line, this.header);
    this.pending++;
    try {
      this.socket.send(msg, this.port, this.host, (e) => {
        if (e !== null) this.report(e);
        this.settle();
      });
    } catch (e) {
      this.report(e);
      this.settle();
    }
  }

  /** Waits (at most `timeoutMs`) for the datagrams already handed over, then closes. */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pending > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => {
          resolve();
        });
      } catch {
        resolve(); // never bound, or already closed
      }
    });
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0 && this.drained !== null) {
      const done = this.drained;
      this.drained = null;
      done();
    }
  }

  private report(e: unknown): void {
    if (this.reported) return;
    this.reported = true;
    const why = e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e);
    this.onError(
      `syslog ${this.host}:${this.port}: ${why}; further syslog errors are not reported`,
    );
  }
}
