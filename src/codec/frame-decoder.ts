import { ReasonCode, type ProtocolVersion } from './constants.js';
import { MalformedPacketError, malformed } from './errors.js';
import { decodePacket } from './decode-packet.js';
import type { Packet } from './packets.js';
import { Reader } from './reader.js';

export interface PacketSink {
  onPacket(packet: Packet): void;
  /** Called once; the decoder ignores all input afterwards. */
  onError(error: MalformedPacketError): void;
}

export interface FrameDecoderOptions {
  /** Largest whole packet accepted, checked before the body is buffered [MQTT-3.1.2-24]. */
  maxPacketSize?: number;
  /** 0 (the default) waits for CONNECT, which then sets the version. Clients pass theirs. */
  version?: 0 | ProtocolVersion;
}

/**
 * One Reader serves every decoder: a frame is decoded synchronously from start to end and
 * never re-entrantly, so per-connection readers would only cost memory.
 */
const SHARED_READER = new Reader();

/** The largest packet MQTT can express: 1 + 4 + 268,435,455 bytes. */
export const MAX_PACKET_SIZE = 268_435_460;

/**
 * Streaming MQTT frame decoder, modelled on the `ws` receiver: it keeps the chunks it was
 * given, decodes every complete frame inside a chunk as a view (no copy), and copies only a
 * frame that spans chunks. Limits are enforced from the fixed header, before any body byte
 * is buffered. It never throws on bad input: the sink gets one MalformedPacketError.
 *
 * The sink may set `version`, call `pause()` (e.g. while an async auth hook runs; bytes
 * after the current packet stay buffered until `resume()`) or `destroy()` from onPacket.
 */
export class FrameDecoder {
  version: 0 | ProtocolVersion;
  maxPacketSize: number;
  private readonly sink: PacketSink;
  private chunks: Buffer[];
  private buffered: number;
  private paused: boolean;
  private stopped: boolean;

  constructor(sink: PacketSink, options: FrameDecoderOptions = {}) {
    this.sink = sink;
    this.version = options.version ?? 0;
    this.maxPacketSize = options.maxPacketSize ?? MAX_PACKET_SIZE;
    this.chunks = [];
    this.buffered = 0;
    this.paused = false;
    this.stopped = false;
  }

  /** Bytes held for an incomplete frame (or while paused). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    if (this.buffered === 0 && !this.paused) {
      this.parseChunk(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (!this.paused) this.drainBuffered();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.drainBuffered();
  }

  /** Stops decoding for good and drops buffered bytes. */
  destroy(): void {
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
  }

  /** Fast path: frames that lie wholly inside one chunk are decoded in place. */
  private parseChunk(chunk: Buffer): void {
    let offset = 0;
    const length = chunk.length;
    while (offset < length) {
      const frame = this.frameLength(chunk, offset, length);
      if (frame === -2) return; // error already reported
      if (frame === -1 || offset + frame > length) break;
      if (!this.emit(chunk, offset, frame)) return;
      offset += frame;
      if (this.paused) break;
    }
    if (offset < length) {
      this.chunks.push(offset === 0 ? chunk : chunk.subarray(offset));
      this.buffered += length - offset;
    }
  }

  /** Slow path: frames that span chunks are copied into one buffer, then decoded. */
  private drainBuffered(): void {
    while (this.buffered > 0 && !this.paused && !this.stopped) {
      const head = this.chunks[0] as Buffer;
      if (this.chunks.length === 1) {
        this.chunks = [];
        this.buffered = 0;
        this.parseChunk(head);
        return;
      }
      const header = this.peekHeader();
      const frame = this.frameLength(header, 0, header.length);
      if (frame === -2) return;
      if (frame === -1 || frame > this.buffered) return;
      if (head.length >= frame) {
        this.consume(frame);
        if (!this.emit(head, 0, frame)) return;
      } else {
        const copy = this.consume(frame);
        if (!this.emit(copy, 0, frame)) return;
      }
    }
  }

  /** Up to the first 5 bytes across chunks: enough for the type byte and Remaining Length. */
  private peekHeader(): Buffer {
    const head = this.chunks[0] as Buffer;
    if (head.length >= 5) return head;
    const out = Buffer.allocUnsafe(Math.min(5, this.buffered));
    let filled = 0;
    for (const c of this.chunks) {
      const n = Math.min(c.length, out.length - filled);
      c.copy(out, filled, 0, n);
      filled += n;
      if (filled === out.length) break;
    }
    return out;
  }

  /** Removes `n` bytes from the front of the chunk list; copies only when they span chunks. */
  private consume(n: number): Buffer {
    this.buffered -= n;
    const head = this.chunks[0] as Buffer;
    if (head.length > n) {
      this.chunks[0] = head.subarray(n);
      return head;
    }
    if (head.length === n) {
      this.chunks.shift();
      return head;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const take = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, take);
      filled += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    return out;
  }

  /**
   * Whole frame length (fixed header + Remaining Length) starting at `offset`, -1 when the
   * header is not complete yet, -2 after reporting an error.
   */
  private frameLength(buf: Buffer, offset: number, end: number): number {
    let remaining = 0;
    let multiplier = 1;
    for (let i = 1; i <= 4; i++) {
      if (offset + i >= end) return -1;
      const byte = buf[offset + i] as number;
      remaining += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 1) {
          return this.fail(
            malformed('[MQTT-1.5.5-1]', 'remaining length is not minimally encoded'),
          );
        }
        const total = 1 + i + remaining;
        if (total > this.maxPacketSize) {
          return this.fail(
            new MalformedPacketError(
              ReasonCode.PACKET_TOO_LARGE,
              '[MQTT-3.1.2-24]',
              `packet of ${total} bytes exceeds the maximum packet size ${this.maxPacketSize}`,
            ),
          );
        }
        return total;
      }
      multiplier *= 128;
    }
    return this.fail(malformed('[MQTT-2.1.4]', 'remaining length is longer than 4 bytes'));
  }

  /** Decodes one frame and hands it to the sink; false when decoding must stop. */
  private emit(buf: Buffer, offset: number, frame: number): boolean {
    const first = buf[offset] as number;
    let headerLength = 2;
    while (((buf[offset + headerLength - 1] as number) & 0x80) !== 0) headerLength++;
    let packet: Packet;
    try {
      packet = decodePacket(
        SHARED_READER.reset(buf, offset + headerLength, offset + frame),
        first,
        this.version,
      );
    } catch (error) {
      if (error instanceof MalformedPacketError) {
        this.fail(error);
        return false;
      }
      throw error; // a bug, not bad input: let the owner's guard see it
    }
    if (this.version === 0 && packet.type === 1) this.version = packet.protocolVersion;
    this.sink.onPacket(packet);
    return !this.stopped;
  }

  private fail(error: MalformedPacketError): -2 {
    this.destroy();
    this.sink.onError(error);
    return -2;
  }
}
