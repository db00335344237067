import { isUtf8 } from 'node:buffer';
import { MalformedPacketError, malformed } from './errors.js';
import { ReasonCode } from './constants.js';

/**
 * A bounds-checked cursor over one packet body. Every read checks `end` first, so a
 * truncated or lying packet becomes a MalformedPacketError, never a read past the buffer.
 * The frame decoder owns one instance and resets it per packet (no allocation per packet).
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor() {
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.end = 0;
  }

  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw malformed('[MQTT-1.5]', `packet ends inside ${what}`);
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  u16(what = 'a two byte integer'): number {
    this.need(2, what);
    const b = this.buf;
    const v = ((b[this.pos] as number) << 8) | (b[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  u32(what = 'a four byte integer'): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Variable Byte Integer: at most 4 bytes, minimally encoded [MQTT-1.5.5-1]. */
  varint(what = 'a variable byte integer'): number {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 4; i++) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0)
          throw malformed('[MQTT-1.5.5-1]', `${what} is not minimally encoded`);
        return value;
      }
      multiplier *= 128;
    }
    throw malformed('[MQTT-1.5.5]', `${what} is longer than 4 bytes`);
  }

  /**
   * UTF-8 Encoded String: well-formed UTF-8 (which excludes surrogates) [MQTT-1.5.4-1] and
   * no U+0000 [MQTT-1.5.4-2]. Pure ASCII, the common case, is checked in a JS loop.
   */
  utf8(what = 'a string'): string {
    const len = this.u16(what);
    this.need(len, what);
    const buf = this.buf;
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    for (let i = start; i < end; i++) {
      const b = buf[i] as number;
      if (b === 0) throw malformed('[MQTT-1.5.4-2]', `${what} contains U+0000`);
      if (b >= 0x80) {
        const rest = buf.subarray(i, end);
        if (rest.indexOf(0) !== -1) throw malformed('[MQTT-1.5.4-2]', `${what} contains U+0000`);
        if (!isUtf8(rest)) throw malformed('[MQTT-1.5.4-1]', `${what} is not well-formed UTF-8`);
        return buf.toString('utf8', start, end);
      }
    }
    return buf.toString('latin1', start, end);
  }

  /** Binary Data: two byte length then bytes, returned as a view [MQTT-1.5.6]. */
  binary(what = 'binary data'): Buffer {
    const len = this.u16(what);
    this.need(len, what);
    const view = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return view;
  }

  /** The rest of the packet as a view (a PUBLISH payload). */
  rest(): Buffer {
    const view = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return view;
  }

  /** Trailing bytes after a complete packet are malformed. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw new MalformedPacketError(
        ReasonCode.MALFORMED_PACKET,
        '[MQTT-2.1.4]',
        `${what} has ${this.end - this.pos} unexpected trailing bytes`,
      );
    }
  }
}
