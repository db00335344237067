// A seeded, bounded fuzz of the FrameDecoder. Inputs are a mix of
//   (a) random bytes behind a valid-looking first byte,
//   (b) one valid packet (all types, decoder in state 0 = before CONNECT, 3, 4 or 5) with
//       random mutations: bit flips, byte changes, insertions, deletions, truncation,
//       Remaining Length and Property Length tampering,
//   (c) several valid packets back to back, mutated half of the time,
// each fed in random chunk sizes, sometimes with pause()/resume() between packets. The
// decoder must never throw, report at most one MalformedPacketError with a known reason
// code and a spec clause, emit only well-formed packets whose bytes come from the input and
// that survive encodePacket -> decode unchanged, decode unmutated input exactly, and finish
// every input quickly.
//
// Reproduce a failure with FUZZ_SEED=<seed> (and FUZZ_INPUT=<index> for just that input);
// FUZZ_INPUTS=<n> changes the number of inputs.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import {
  FrameDecoder,
  MalformedPacketError,
  PacketType,
  encodePacket,
  type Packet,
  type Properties,
  type ProtocolVersion,
} from '../../src/codec/index.js';
import { FUZZ_OPTIONS, PacketGenerator } from '../helpers/packet-gen.js';
import { Prng, hex32, seedFromEnv } from '../helpers/prng.js';

const DEFAULT_SEED = 0xf022ed01;
const SEED = seedFromEnv('FUZZ_SEED', DEFAULT_SEED);
const DEFAULT_INPUTS = 300_000;
const INPUTS = Number(process.env.FUZZ_INPUTS ?? DEFAULT_INPUTS);
const ONLY = process.env.FUZZ_INPUT === undefined ? -1 : Number(process.env.FUZZ_INPUT);
/** No single input may take longer than this to decode. */
const MAX_INPUT_MS = 100;
/** Reason codes the codec may report for bad input. */
const KNOWN_REASON_CODES = new Set([0x81, 0x82, 0x84, 0x94, 0x95]);
const DECODER_STATES: readonly (0 | ProtocolVersion)[] = [0, 3, 4, 5];

// ---- building inputs ---------------------------------------------------------------------

function varint(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

/** Value and length of the Variable Byte Integer at `at` (length 1 when it is not one). */
function readVarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4 && at + i < buf.length; i++) {
    const byte = buf[at + i]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return [value, i + 1];
    multiplier *= 128;
  }
  return [buf[at] ?? 0, 1];
}

/** A valid frame and where its Property Length sits (-1: none, or not at a fixed place). */
interface Frame {
  readonly packet: Packet;
  readonly bytes: Buffer;
  readonly propertyLengthAt: number;
}

function frame(packet: Packet, version: ProtocolVersion): Frame {
  const bytes = encodePacket(packet, version);
  const [remaining, rlLength] = readVarint(bytes, 1);
  const h = 1 + rlLength;
  let at = -1;
  if (version === 5) {
    switch (packet.type) {
      case PacketType.CONNECT:
        at = h + 10; // "MQTT", level, flags, keep alive
        break;
      case PacketType.PUBLISH:
        at = h + 2 + Buffer.byteLength(packet.topic) + (packet.qos > 0 ? 2 : 0);
        break;
      case PacketType.CONNACK:
      case PacketType.SUBSCRIBE:
      case PacketType.SUBACK:
      case PacketType.UNSUBSCRIBE:
      case PacketType.UNSUBACK:
        at = h + 2;
        break;
      case PacketType.PUBACK:
      case PacketType.PUBREC:
      case PacketType.PUBREL:
      case PacketType.PUBCOMP:
        at = remaining > 3 ? h + 3 : -1;
        break;
      case PacketType.DISCONNECT:
      case PacketType.AUTH:
        at = remaining > 1 ? h + 1 : -1;
        break;
      case PacketType.PINGREQ:
      case PacketType.PINGRESP:
        break;
    }
  }
  return { packet, bytes, propertyLengthAt: at };
}

/** Rewrites the Variable Byte Integer at `at`: off by a little, random, huge, non-minimal, 5 bytes. */
function tamperVarint(buf: Buffer, at: number, rng: Prng): Buffer {
  if (at >= buf.length) return buf;
  const [old, length] = readVarint(buf, at);
  let enc: number[];
  switch (rng.int(6)) {
    case 0:
      enc = varint(Math.max(0, old + rng.pick([-3, -2, -1, 1, 2, 3])));
      break;
    case 1:
      enc = varint(rng.int(old * 2 + 10));
      break;
    case 2:
      enc = varint(rng.chance(0.5) ? 0 : rng.range(1, 268_435_455));
      break;
    case 3: {
      // Not minimally encoded [MQTT-1.5.5-1]: a trailing 0x00 after a continuation bit.
      const e = varint(old);
      if (e.length < 4) {
        e[e.length - 1]! |= 0x80;
        e.push(0);
      }
      enc = e;
      break;
    }
    case 4:
      enc = [0xff, 0xff, 0xff, 0xff, 0x7f];
      break;
    default:
      enc = [rng.int(256)];
  }
  return Buffer.concat([buf.subarray(0, at), Buffer.from(enc), buf.subarray(at + length)]);
}

/** One random mutation anywhere in `buf`. */
function mutateBytes(buf: Buffer, rng: Prng): Buffer {
  if (buf.length === 0) return buf;
  const i = rng.int(buf.length);
  switch (rng.int(7)) {
    case 0: {
      const out = Buffer.from(buf);
      out[i]! ^= 1 << rng.int(8);
      return out;
    }
    case 1: {
      const out = Buffer.from(buf);
      out[i] = rng.pick([0, 0x7f, 0x80, 0xff, rng.int(256)]);
      return out;
    }
    case 2:
      return Buffer.concat([buf.subarray(0, i), Buffer.from([rng.int(256)]), buf.subarray(i)]);
    case 3:
      return Buffer.concat([buf.subarray(0, i), buf.subarray(i + 1)]);
    case 4:
      return buf.subarray(0, Math.max(1, i));
    case 5: {
      // Two zero bytes: a zero packet identifier, topic alias, string length...
      const out = Buffer.from(buf);
      out[i] = 0;
      if (i + 1 < out.length) out[i + 1] = 0;
      return out;
    }
    default:
      return Buffer.concat([buf, rng.bytes(rng.range(1, 8))]);
  }
}

/** Structural tampering first (while frame offsets hold), then 0..2 random mutations. */
function mutate(frames: readonly Frame[], rng: Prng): Buffer {
  let offset = 0;
  const starts = frames.map((f) => {
    const s = offset;
    offset += f.bytes.length;
    return s;
  });
  let buf: Buffer = Buffer.concat(frames.map((f) => f.bytes));
  const pickFrame = rng.int(frames.length);
  const f = frames[pickFrame]!;
  const start = starts[pickFrame]!;
  const structural = rng.int(5);
  if (structural === 0) buf = tamperVarint(buf, start + 1, rng);
  else if (structural === 1 && f.propertyLengthAt >= 0) {
    buf = tamperVarint(buf, start + f.propertyLengthAt, rng);
  } else if (structural === 2 && f.propertyLengthAt >= 0) {
    // Zero two bytes inside the property list: a Topic Alias, Receive Maximum or
    // Subscription Identifier of 0, a string length of 0, a property identifier of 0...
    const [length, n] = readVarint(buf, start + f.propertyLengthAt);
    if (length > 0) {
      const at = start + f.propertyLengthAt + n + rng.int(length);
      buf = Buffer.from(buf);
      buf.fill(0, at, Math.min(at + 2, buf.length));
    }
  }
  const n = structural >= 3 ? rng.range(1, 3) : rng.int(3);
  for (let i = 0; i < n; i++) buf = mutateBytes(buf, rng);
  return buf;
}

/** Fixed-header flags each type must carry [MQTT-2.1.3-1]; PUBLISH's vary. */
const FLAGS = [0, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** (a) Random bytes behind a plausible fixed header, often with a matching Remaining Length. */
function randomInput(rng: Prng, state: 0 | ProtocolVersion): Buffer {
  const type = state === 0 && rng.chance(0.5) ? 1 : rng.range(1, 15);
  const required = FLAGS[type]!;
  const flags = required === -1 || rng.chance(0.2) ? rng.int(16) : required;
  let body = rng.bytes(rng.chance(0.9) ? rng.int(48) : rng.int(400));
  if (type === 1 && rng.chance(0.5)) {
    // A believable CONNECT start, so the fuzz reaches the flags and the payload.
    const level = rng.pick([3, 4, 5, 5, 5, rng.int(256)]);
    const name = level === 3 ? 'MQIsdp' : 'MQTT';
    const head = Buffer.from([0, name.length, ...Buffer.from(name), level]);
    body = Buffer.concat([head, body]);
  }
  let rl: number[];
  const mode = rng.int(10);
  if (mode < 7) rl = varint(body.length);
  else if (mode < 9) rl = varint(rng.int(body.length + 20));
  else rl = [...rng.bytes(rng.range(1, 5))];
  return Buffer.concat([Buffer.from([(type << 4) | flags, ...rl]), body]);
}

/** Valid frames for a decoder in `state`: a CONNECT first when it has seen none. */
function validFrames(gen: PacketGenerator, state: 0 | ProtocolVersion, count: number): Frame[] {
  const rng = gen.rng;
  const frames: Frame[] = [];
  let version: ProtocolVersion = state === 0 ? rng.pick([3, 4, 5] as const) : state;
  if (state === 0) frames.push(frame(gen.packet(PacketType.CONNECT, version), version));
  while (frames.length < count) {
    const p = gen.any(version);
    frames.push(frame(p, version));
    if (state === 0 && p.type === PacketType.CONNECT) version = p.protocolVersion;
  }
  return frames;
}

/** Chunk sizes: whole, byte by byte, small or medium pieces. */
function chunks(buf: Buffer, rng: Prng, whole: boolean): Buffer[] {
  const mode = whole ? 0 : rng.int(4);
  if (mode === 0 || buf.length <= 1) return [buf];
  const max = mode === 1 ? 1 : mode === 2 ? 8 : 64;
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length;) {
    const n = rng.range(1, max);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

// ---- checking outputs --------------------------------------------------------------------

const isU16 = (v: unknown): boolean =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff;
const isByte = (v: unknown): boolean =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xff;
const isQos = (v: unknown): boolean => v === 0 || v === 1 || v === 2;
const isId = (v: unknown): boolean => isU16(v) && v !== 0;

const KEYS: Record<number, string> = {
  1: 'clean,clientId,keepalive,password,properties,protocolName,protocolVersion,type,username,will',
  2: 'properties,reasonCode,sessionPresent,type',
  3: 'dup,packetId,payload,properties,qos,retain,topic,type',
  4: 'packetId,properties,reasonCode,type',
  5: 'packetId,properties,reasonCode,type',
  6: 'packetId,properties,reasonCode,type',
  7: 'packetId,properties,reasonCode,type',
  8: 'packetId,properties,subscriptions,type',
  9: 'packetId,properties,reasonCodes,type',
  10: 'packetId,properties,topicFilters,type',
  11: 'packetId,properties,reasonCodes,type',
  12: 'type',
  13: 'type',
  14: 'properties,reasonCode,type',
  15: 'properties,reasonCode,type',
};

/** Every Buffer a packet holds (payloads, binary fields), to check they come from the input. */
function buffersOf(p: Packet): Buffer[] {
  const out: Buffer[] = [];
  const props = (x: Properties | null): void => {
    if (x?.correlationData !== undefined) out.push(x.correlationData);
    if (x?.authenticationData !== undefined) out.push(x.authenticationData);
  };
  if (p.type === PacketType.PUBLISH) out.push(p.payload);
  if (p.type === PacketType.CONNECT) {
    if (p.password !== null) out.push(p.password);
    if (p.will !== null) {
      out.push(p.will.payload);
      props(p.will.properties);
    }
  }
  if ('properties' in p) props(p.properties);
  return out;
}

function propertiesProblem(x: Properties | null, version: number): string | null {
  if (x === null) return null;
  if (version !== 5) return 'properties before MQTT 5';
  if (Object.keys(x).length === 0) return 'an empty properties object (should be null)';
  for (const [key, value] of Object.entries(x)) {
    if (value === undefined) return `property ${key} present but undefined`;
    const ok =
      typeof value === 'string' ||
      Buffer.isBuffer(value) ||
      (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff_ffff) ||
      (Array.isArray(value) && value.length > 0);
    if (!ok) return `property ${key} = ${String(value)}`;
  }
  return null;
}

/** What is wrong with the shape of a decoded packet, or null. */
function shapeProblem(p: Packet, version: ProtocolVersion): string | null {
  if (!Number.isInteger(p.type) || p.type < 1 || p.type > 15) return `type ${String(p.type)}`;
  const keys = Object.keys(p).sort().join(',');
  if (keys !== KEYS[p.type]) return `fields ${keys}`;
  switch (p.type) {
    case PacketType.CONNECT: {
      const nameOk =
        (p.protocolName === 'MQTT' && (p.protocolVersion === 4 || p.protocolVersion === 5)) ||
        (p.protocolName === 'MQIsdp' && p.protocolVersion === 3);
      if (!nameOk) return `protocol ${p.protocolName} level ${p.protocolVersion}`;
      if (typeof p.clean !== 'boolean' || !isU16(p.keepalive) || typeof p.clientId !== 'string') {
        return 'CONNECT fields';
      }
      if (p.username !== null && typeof p.username !== 'string') return 'username';
      if (p.password !== null && !Buffer.isBuffer(p.password)) return 'password';
      if (p.will !== null) {
        const w = p.will;
        if (typeof w.topic !== 'string' || !Buffer.isBuffer(w.payload) || !isQos(w.qos))
          return 'will';
        const wp = propertiesProblem(w.properties, p.protocolVersion);
        if (wp !== null) return `will ${wp}`;
      }
      return propertiesProblem(p.properties, p.protocolVersion);
    }
    case PacketType.CONNACK:
      if (typeof p.sessionPresent !== 'boolean' || !isByte(p.reasonCode)) return 'CONNACK fields';
      break;
    case PacketType.PUBLISH:
      if (typeof p.topic !== 'string' || !Buffer.isBuffer(p.payload) || !isQos(p.qos))
        return 'PUBLISH';
      if (p.qos === 0 ? p.packetId !== 0 || p.dup : !isId(p.packetId)) return 'PUBLISH qos/id/dup';
      break;
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      if (!isId(p.packetId) || !isByte(p.reasonCode)) return 'ack fields';
      if (version !== 5 && p.reasonCode !== 0) return 'reason code before MQTT 5';
      break;
    case PacketType.SUBSCRIBE:
      if (!isId(p.packetId) || p.subscriptions.length === 0) return 'SUBSCRIBE';
      for (const s of p.subscriptions) {
        if (typeof s.topicFilter !== 'string' || !isQos(s.qos)) return 'subscription';
        const rh: number = s.retainHandling;
        if (!Number.isInteger(rh) || rh < 0 || rh > 2) return `retain handling ${rh}`;
        if (version !== 5 && (s.noLocal || s.retainAsPublished || s.retainHandling !== 0)) {
          return 'v5 subscription options before MQTT 5';
        }
      }
      break;
    case PacketType.SUBACK:
    case PacketType.UNSUBACK:
      if (!isId(p.packetId) || !p.reasonCodes.every(isByte)) return 'ack codes';
      if ((p.reasonCodes.length === 0) !== (p.type === PacketType.UNSUBACK && version !== 5)) {
        return `${p.reasonCodes.length} reason codes`;
      }
      break;
    case PacketType.UNSUBSCRIBE:
      if (!isId(p.packetId) || p.topicFilters.length === 0) return 'UNSUBSCRIBE';
      if (!p.topicFilters.every((f) => typeof f === 'string')) return 'topic filters';
      break;
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return null;
    case PacketType.DISCONNECT:
    case PacketType.AUTH:
      if (!isByte(p.reasonCode)) return 'reason code';
      if (p.type === PacketType.AUTH && version !== 5) return 'AUTH before MQTT 5';
      break;
  }
  return propertiesProblem(p.properties, version);
}

interface Emitted {
  readonly packet: Packet;
  /** The version the packet was decoded for (CONNECT: its own). */
  readonly version: ProtocolVersion;
}

function decodeAll(
  bytes: Buffer,
  state: 0 | ProtocolVersion,
): { packets: Packet[]; errors: unknown[] } {
  const packets: Packet[] = [];
  const errors: unknown[] = [];
  new FrameDecoder(
    { onPacket: (p) => packets.push(p), onError: (e) => errors.push(e) },
    { version: state },
  ).push(bytes);
  return { packets, errors };
}

/** encodePacket, then a fresh decoder, must give the same packet back. */
function roundTripProblem(e: Emitted): string | null {
  const p = e.packet;
  let bytes: Buffer;
  try {
    bytes = encodePacket(p, e.version);
  } catch (error) {
    return `encodePacket threw: ${String(error)}`;
  }
  const again = decodeAll(bytes, p.type === PacketType.CONNECT ? 0 : e.version);
  if (again.errors.length !== 0) return `re-decoding failed: ${String(again.errors[0])}`;
  if (again.packets.length !== 1) return `re-decoding gave ${again.packets.length} packets`;
  try {
    assert.deepStrictEqual(again.packets[0], p);
  } catch (error) {
    return `re-encoded packet differs: ${error instanceof Error ? error.message : String(error)}`;
  }
  return null;
}

/** Index of the first frame larger than `max` (the number of frames when none is). */
function firstTooLarge(sizes: readonly number[], max: number | undefined): number {
  const i = max === undefined ? -1 : sizes.findIndex((n) => n > max);
  return i === -1 ? sizes.length : i;
}

// ---- the fuzz loop -----------------------------------------------------------------------

type Category = 'random' | 'mutated' | 'valid' | 'stream' | 'mutated-stream';

interface Totals {
  inputs: Record<Category, number>;
  bytes: number;
  packets: number;
  roundTrips: number;
  errors: Record<string, number>;
  maxInputMs: number;
}

function inputSeed(i: number): number {
  return (SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
}

interface Run {
  readonly problems: string[];
  readonly emitted: Emitted[];
  readonly errors: unknown[];
  readonly decoder: FrameDecoder;
  readonly ms: number;
}

/**
 * Feeds one input to a fresh decoder, chunk by chunk, timing the pushes. With `pauseSeed`
 * the sink also pauses the decoder after some packets (as the broker does around an async
 * auth hook) and the feeder resumes it after each chunk, which must not change the output.
 */
function feed(
  pieces: readonly Buffer[],
  state: 0 | ProtocolVersion,
  maxPacketSize: number | undefined,
  pauseSeed: number | null,
): Run {
  const problems: string[] = [];
  const emitted: Emitted[] = [];
  const errors: unknown[] = [];
  const pauses = pauseSeed === null ? null : new Prng(pauseSeed);
  let paused = false;
  const options =
    maxPacketSize === undefined ? { version: state } : { version: state, maxPacketSize };
  const decoder: FrameDecoder = new FrameDecoder(
    {
      onPacket(packet) {
        if (errors.length > 0) problems.push('onPacket after onError');
        if (paused) problems.push('onPacket while paused');
        const version =
          packet.type === PacketType.CONNECT ? packet.protocolVersion : decoder.version;
        if (version === 0) problems.push(`${packet.type} decoded before CONNECT`);
        else emitted.push({ packet, version });
        if (pauses?.chance(0.5) === true) {
          paused = true;
          decoder.pause();
        }
      },
      onError(error) {
        errors.push(error);
      },
    },
    options,
  );
  const resume = (): void => {
    while (paused) {
      paused = false;
      decoder.resume();
    }
  };
  const started = performance.now();
  try {
    for (const piece of pieces) {
      decoder.push(piece);
      if (pauses?.chance(0.7) === true) resume();
    }
    resume();
  } catch (error) {
    problems.push(
      `push threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  return { problems, emitted, errors, decoder, ms: performance.now() - started };
}

/** Runs input #i; returns a description of what went wrong, or null. */
function runInput(i: number, totals: Totals): string | null {
  const rng = new Prng(inputSeed(i));
  const gen = new PacketGenerator(rng, FUZZ_OPTIONS);
  const state = rng.pick(DECODER_STATES);
  const maxPacketSize = rng.chance(0.1) ? rng.range(2, 300) : undefined;

  let category: Category;
  let input: Buffer;
  let expected: Packet[] | null = null; // exact output for unmutated input
  let expectedBytes: number[] = [];
  const r = rng.int(10);
  if (r < 3) {
    category = 'random';
    input = randomInput(rng, state);
  } else if (r < 7) {
    const frames = validFrames(gen, state, state === 0 ? 2 : 1);
    if (rng.chance(0.1)) {
      category = 'valid';
      input = Buffer.concat(frames.map((f) => f.bytes));
      expected = frames.map((f) => f.packet);
      expectedBytes = frames.map((f) => f.bytes.length);
    } else {
      category = 'mutated';
      input = mutate(frames, rng);
    }
  } else {
    const frames = validFrames(gen, state, rng.range(2, 6));
    if (rng.chance(0.5)) {
      category = 'stream';
      input = Buffer.concat(frames.map((f) => f.bytes));
      expected = frames.map((f) => f.packet);
      expectedBytes = frames.map((f) => f.bytes.length);
    } else {
      category = 'mutated-stream';
      input = mutate(frames, rng);
    }
  }
  totals.inputs[category]++;
  totals.bytes += input.length;

  const pieces = chunks(input, rng, category === 'random' && rng.chance(0.5));
  const pauseSeed = rng.chance(0.2) ? rng.u32() : null;
  const run = feed(pieces, state, maxPacketSize, pauseSeed);
  const { problems, emitted, errors, decoder } = run;
  let ms = run.ms;
  // A slow input is timed again on fresh decoders: a real blow-up is slow every time, a
  // descheduled process or a GC pause (this machine is shared) is not.
  for (let retry = 0; retry < 2 && ms > MAX_INPUT_MS; retry++) {
    ms = Math.min(ms, feed(pieces, state, maxPacketSize, pauseSeed).ms);
  }
  if (ms > totals.maxInputMs) totals.maxInputMs = ms;
  if (ms > MAX_INPUT_MS) problems.push(`decoding took ${ms.toFixed(1)} ms, three times`);

  // Errors: at most one, a MalformedPacketError with a known reason code and a clause.
  if (errors.length > 1) problems.push(`${errors.length} errors from one decoder`);
  for (const error of errors) {
    if (!(error instanceof MalformedPacketError)) {
      problems.push(`onError got ${String(error)}`);
      continue;
    }
    if (!KNOWN_REASON_CODES.has(error.reasonCode))
      problems.push(`reason code 0x${error.reasonCode.toString(16)}`);
    if (!/^\[MQTT-[0-9][0-9.-]*\]$/.test(error.specRef))
      problems.push(`specRef "${error.specRef}"`);
    const key = `0x${error.reasonCode.toString(16)}`;
    totals.errors[key] = (totals.errors[key] ?? 0) + 1;
  }

  // Packets: sane shape, bytes from the input, and a faithful encode/decode round trip.
  for (const e of emitted) {
    totals.packets++;
    const shape = shapeProblem(e.packet, e.version);
    if (shape !== null) {
      problems.push(`bad packet (${shape}): ${inspect(e.packet)}`);
      continue;
    }
    for (const b of buffersOf(e.packet)) {
      if (b.length > input.length || (b.length > 0 && input.indexOf(b) === -1)) {
        problems.push(`a ${b.length}-byte field that is not in the input`);
      }
    }
    const rt = roundTripProblem(e);
    totals.roundTrips++;
    if (rt !== null) problems.push(rt);
  }

  // Unmutated input decodes exactly; only a frame over maxPacketSize may stop it, with 0x95.
  if (expected !== null) {
    const all = expected.length;
    const fits = expected.filter((_, n) => n < firstTooLarge(expectedBytes, maxPacketSize));
    try {
      assert.deepStrictEqual(
        emitted.map((e) => e.packet),
        fits,
      );
    } catch (error) {
      problems.push(
        `valid input decoded differently: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const codes = errors.map((e) => (e instanceof MalformedPacketError ? e.reasonCode : -1));
    if (fits.length < all) {
      if (codes.length !== 1 || codes[0] !== 0x95)
        problems.push(`expected 0x95, got ${codes.join()}`);
    } else {
      if (codes.length !== 0) problems.push(`valid input failed: ${String(errors[0])}`);
      if (decoder.bufferedBytes !== 0) problems.push(`${decoder.bufferedBytes} bytes left over`);
    }
  }

  if (problems.length === 0) return null;
  return (
    `input #${i} (${category}, decoder state ${state}, maxPacketSize ${String(maxPacketSize)}, ` +
    `${pauseSeed === null ? 'no pauses' : 'pauses'}, ` +
    `${pieces.length} chunks; reproduce with FUZZ_SEED=${hex32(SEED)} FUZZ_INPUT=${i}):\n  ` +
    problems.slice(0, 5).join('\n  ') +
    `\n  input ${input.length} bytes: ${input.subarray(0, 256).toString('hex')}`
  );
}

function inspect(p: Packet): string {
  return JSON.stringify(p, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && 'type' in v && v.type === 'Buffer' ? '<buffer>' : v,
  ).slice(0, 300);
}

test('[MQTT-2.1] [MQTT-1.5] [MQTT-2.2.2] FrameDecoder fuzz: random, mutated and chunked input', (t) => {
  const totals: Totals = {
    inputs: { random: 0, mutated: 0, valid: 0, stream: 0, 'mutated-stream': 0 },
    bytes: 0,
    packets: 0,
    roundTrips: 0,
    errors: {},
    maxInputMs: 0,
  };
  const started = performance.now();
  const first = ONLY >= 0 ? ONLY : 0;
  const end = ONLY >= 0 ? ONLY + 1 : INPUTS;
  const failures: string[] = [];
  for (let i = first; i < end; i++) {
    const failure = runInput(i, totals);
    if (failure !== null) {
      failures.push(failure);
      if (failures.length >= 3) break;
    }
  }
  const elapsed = performance.now() - started;
  t.diagnostic(`seed ${hex32(SEED)} (FUZZ_SEED), ${end - first} inputs, ${totals.bytes} bytes`);
  t.diagnostic(`inputs by kind ${JSON.stringify(totals.inputs)}`);
  t.diagnostic(`${totals.packets} packets decoded, ${totals.roundTrips} re-encoded and re-decoded`);
  t.diagnostic(`errors by reason code ${JSON.stringify(totals.errors)}`);
  t.diagnostic(`${elapsed.toFixed(0)} ms in all, slowest input ${totals.maxInputMs.toFixed(2)} ms`);
  assert.deepStrictEqual(failures, []);
  if (ONLY < 0)
    assert.ok(totals.packets > INPUTS / 4, 'a good share of the inputs decoded to packets');
  if (ONLY < 0 && SEED === DEFAULT_SEED && INPUTS === DEFAULT_INPUTS) {
    // The fuzz reaches the malformed, protocol error, version, topic alias and size paths.
    for (const code of ['0x81', '0x82', '0x84', '0x94', '0x95']) {
      assert.ok((totals.errors[code] ?? 0) > 0, `no error with reason code ${code}`);
    }
  }
});
