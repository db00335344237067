// PROXY protocol v1 (text) and v2 (binary) headers, as sent by HAProxy, AWS NLB, nginx and
// Traefik in front of a TCP or TLS listener (haproxy.org/download/2.9/doc/proxy-protocol.txt).
// The header comes before any other byte (before the TLS ClientHello on a TLS listener).
import { isIPv4, isIPv6, type Socket } from 'node:net';
import { TransportError } from './errors.js';

/** The client as the proxy saw it; null address = use the socket's own (LOCAL, UNKNOWN). */
export interface ProxyHeader {
  readonly sourceAddress: string | null;
  readonly sourcePort: number;
  /** Bytes the header took. */
  readonly length: number;
}

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** A v1 line is at most 107 bytes, CRLF included. */
const V1_MAX = 107;
const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const V2_FIXED = 16;

function bad(message: string): TransportError {
  return new TransportError('EMQ_ERR_PROXY_PROTOCOL', `PROXY protocol: ${message}`);
}

/** True when `buf` (possibly short) still agrees with the first bytes of `prefix`. */
function agrees(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.compare(prefix, 0, n, 0, n) === 0;
}

/**
 * Parses a PROXY header at the start of `buf`. Returns null when more bytes are needed;
 * throws TransportError (EMQ_ERR_PROXY_PROTOCOL) as soon as the bytes cannot be one.
 */
export function parseProxyHeader(buf: Buffer): ProxyHeader | null {
  if (buf.length === 0) return null;
  if (buf[0] === 0x50) return parseV1(buf);
  if (buf[0] === 0x0d) return parseV2(buf);
  throw bad('no PROXY header (first byte 0x' + (buf[0] ?? 0).toString(16).padStart(2, '0') + ')');
}

function parseV1(buf: Buffer): ProxyHeader | null {
  if (!agrees(buf, V1_PREFIX)) throw bad('v1 header does not start with "PROXY "');
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end === -1) {
    if (buf.length >= V1_MAX) throw bad(`v1 header longer than ${V1_MAX} bytes`);
    return null;
  }
  if (end + 2 > V1_MAX) throw bad(`v1 header longer than ${V1_MAX} bytes`);
  const parts = buf.toString('latin1', 0, end).split(' ');
  const length = end + 2;
  const family = parts[1];
  if (family === 'UNKNOWN') return { sourceAddress: null, sourcePort: 0, length };
  if (family !== 'TCP4' && family !== 'TCP6') throw bad(`v1 unknown protocol ${String(family)}`);
  if (parts.length !== 6) throw bad('v1 header needs 4 fields after the protocol');
  const [, , src, dst, srcPort, dstPort] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const valid = family === 'TCP4' ? isIPv4 : isIPv6;
  if (!valid(src) || !valid(dst)) throw bad(`v1 bad ${family} address`);
  const sourcePort = parsePort(srcPort);
  if (sourcePort < 0 || parsePort(dstPort) < 0) throw bad('v1 bad port');
  return { sourceAddress: src, sourcePort, length };
}

/** A decimal port without sign or leading zeros; -1 when invalid. */
function parsePort(text: string): number {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return -1;
  const port = Number(text);
  return port <= 65_535 ? port : -1;
}

function parseV2(buf: Buffer): ProxyHeader | null {
  if (!agrees(buf, V2_SIGNATURE)) throw bad('v2 signature mismatch');
  if (buf.length < V2_FIXED) return null;
  const versionCommand = buf[12] ?? 0;
  if (versionCommand >> 4 !== 2) throw bad(`v2 unsupported version ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command > 1) throw bad(`v2 unknown command ${command}`);
  const familyProto = buf[13] ?? 0;
  const addressLength = buf.readUInt16BE(14);
  const length = V2_FIXED + addressLength;
  if (buf.length < length) return null;
  // LOCAL: the proxy's own connection (health check); keep the socket's address.
  if (command === 0) return { sourceAddress: null, sourcePort: 0, length };
  const family = familyProto >> 4;
  const at = V2_FIXED;
  if (family === 1) {
    if (addressLength < 12) throw bad('v2 INET address block too short');
    const address = `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
    return { sourceAddress: address, sourcePort: buf.readUInt16BE(at + 8), length };
  }
  if (family === 2) {
    if (addressLength < 36) throw bad('v2 INET6 address block too short');
    return {
      sourceAddress: formatIPv6(buf.subarray(at, at + 16)),
      sourcePort: buf.readUInt16BE(at + 32),
      length,
    };
  }
  if (family === 0 || family === 3) return { sourceAddress: null, sourcePort: 0, length };
  throw bad(`v2 unknown address family ${family}`);
}

/** 16 bytes as the shortest text form (RFC 5952), as Node reports socket addresses. */
function formatIPv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

// ---------------------------------------------------------------- reading from a socket

/** What `ProxyHeaderReader.take` reports: the header, or why the socket was refused. */
export interface ProxyHeaderSink {
  onProxyHeader(socket: Socket, header: ProxyHeader): void;
  onProxyError(socket: Socket, error: TransportError): void;
}

const PENDING = Symbol('edgemq.proxyHeader');
type PendingSocket = Socket & { [PENDING]: PendingHeader };

class PendingHeader {
  readonly reader: ProxyHeaderReader;
  buffered: Buffer | null;
  constructor(reader: ProxyHeaderReader) {
    this.reader = reader;
    this.buffered = null;
  }
}

// Shared listeners (`this` is the socket), removed once the header is read.
function onPendingData(this: PendingSocket, chunk: Buffer): void {
  this[PENDING].reader.onData(this, chunk);
}
function onPendingTimeout(this: PendingSocket): void {
  this[PENDING].reader.fail(this, bad('no complete header before the timeout'));
}
function onPendingClose(this: PendingSocket): void {
  this[PENDING].reader.pending.delete(this);
}
function ignoreError(): void {
  // 'close' follows every socket error; a pending socket just goes away.
}

/**
 * Reads and strips the PROXY header of each new socket before anything else sees a byte.
 * On success the socket is paused with the bytes after the header unshifted back, so the
 * next owner (a SocketConnection, or a TLS server) reads exactly what followed the header.
 */
export class ProxyHeaderReader {
  readonly pending: Set<Socket>;
  private readonly sink: ProxyHeaderSink;
  private readonly timeoutMs: number;

  constructor(sink: ProxyHeaderSink, timeoutMs: number) {
    this.sink = sink;
    this.timeoutMs = timeoutMs;
    this.pending = new Set();
  }

  take(socket: Socket): void {
    const s = socket as PendingSocket;
    s[PENDING] = new PendingHeader(this);
    this.pending.add(socket);
    socket.on('data', onPendingData);
    socket.on('error', ignoreError);
    socket.on('close', onPendingClose);
    socket.setTimeout(this.timeoutMs, onPendingTimeout);
  }

  onData(socket: PendingSocket, chunk: Buffer): void {
    const state = socket[PENDING];
    const buf = state.buffered === null ? chunk : Buffer.concat([state.buffered, chunk]);
    let header: ProxyHeader | null;
    try {
      header = parseProxyHeader(buf);
    } catch (error) {
      this.fail(socket, error as TransportError);
      return;
    }
    if (header === null) {
      state.buffered = buf;
      return;
    }
    this.release(socket);
    socket.pause();
    if (buf.length > header.length) socket.unshift(buf.subarray(header.length));
    this.sink.onProxyHeader(socket, header);
  }

  fail(socket: PendingSocket, error: TransportError): void {
    this.release(socket);
    socket.destroy();
    this.sink.onProxyError(socket, error);
  }

  /** Destroys every socket still waiting for its header (listener closing). */
  destroyPending(): void {
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
  }

  private release(socket: PendingSocket): void {
    this.pending.delete(socket);
    socket.setTimeout(0);
    socket.removeListener('data', onPendingData);
    socket.removeListener('close', onPendingClose);
    socket.removeListener('timeout', onPendingTimeout);
    socket[PENDING].buffered = null;
  }
}
