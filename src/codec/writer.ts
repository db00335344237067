import { MAX_VARIABLE_BYTE_INTEGER } from './constants.js';

/** Bytes a Variable Byte Integer takes on the wire [MQTT-1.5.5]. */
export function varintSize(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}

/** Size of a UTF-8 Encoded String field: two length bytes plus the encoded text. */
export function stringSize(s: string): number {
  return 2 + Buffer.byteLength(s);
}

/**
 * A fill-only cursor over one right-sized buffer: encoders compute the packet's size
 * first, allocate once, then write every field here without further checks.
 */
export class Writer {
  readonly buf: Buffer;
  pos: number;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
  }

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }

  u32(v: number): void {
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  varint(v: number): void {
    if (v > MAX_VARIABLE_BYTE_INTEGER) throw new RangeError(`variable byte integer ${v} too large`);
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) byte |= 0x80;
      this.buf[this.pos++] = byte;
    } while (v > 0);
  }

  utf8(s: string): void {
    const n = this.buf.write(s, this.pos + 2, 'utf8');
    this.u16(n);
    this.pos += n;
  }

  binary(b: Uint8Array): void {
    this.u16(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Fixed header: type/flags byte and Remaining Length [MQTT-2.1.1]. */
  fixedHeader(typeAndFlags: number, remainingLength: number): void {
    this.u8(typeAndFlags);
    this.varint(remainingLength);
  }
}

/** Total size of a packet whose Remaining Length is `remaining`. */
export function packetSize(remaining: number): number {
  return 1 + varintSize(remaining) + remaining;
}
