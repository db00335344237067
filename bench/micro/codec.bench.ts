// Codec micro-benchmarks: decode and encode of the packets on the broker's hot path, each
// side by side with mqtt-packet (the codec of MQTT.js and Aedes) in the same run.
//
// Decode, ours: one FrameDecoder fed the whole frame with push(), its sink keeping the last
// packet. Decode, mqtt-packet: one parser fed with parse(), a 'packet' listener keeping it.
// Encode: encodePacket vs mqttPacket.generate, both into one right-sized buffer; and
// encodePublishHeader alone, which is how the broker writes a PUBLISH (header + shared
// payload in one writev), against the same generate().
import { Buffer } from 'node:buffer';
import mqttPacket from 'mqtt-packet';
import {
  FrameDecoder,
  PacketType,
  encodePacket,
  encodePublishHeader,
  type MalformedPacketError,
  type Packet,
  type PacketSink,
  type ProtocolVersion,
  type PublishPacket,
  type QoS,
} from '../../src/codec/index.js';
import {
  compare,
  type BenchRow,
  type Body,
  type Comparison,
  type HarnessOptions,
} from './harness.js';

const BASELINE = 'mqtt-packet';

interface CodecCase {
  name: string;
  version: ProtocolVersion;
  ours: Packet;
  theirs: mqttPacket.Packet;
  /** PUBLISH only: also measure encodePublishHeader. */
  headerOnly: boolean;
}

class LastPacketSink implements PacketSink {
  last: Packet | null = null;
  onPacket(packet: Packet): void {
    this.last = packet;
  }
  onError(error: MalformedPacketError): void {
    throw error;
  }
}

function oursDecode(bytes: Buffer, version: ProtocolVersion): Body {
  const sink = new LastPacketSink();
  const decoder = new FrameDecoder(sink, { version });
  return (n) => {
    for (let i = 0; i < n; i++) decoder.push(bytes);
    return sink.last;
  };
}

function theirsDecode(bytes: Buffer, version: ProtocolVersion): Body {
  const parser = mqttPacket.parser({ protocolVersion: version });
  let last: mqttPacket.Packet | null = null;
  parser.on('packet', (packet) => {
    last = packet;
  });
  parser.on('error', (error: unknown) => {
    throw error;
  });
  return (n) => {
    for (let i = 0; i < n; i++) parser.parse(bytes);
    return last;
  };
}

function oursEncode(packet: Packet, version: ProtocolVersion): Body {
  return (n) => {
    let out: Buffer | null = null;
    for (let i = 0; i < n; i++) out = encodePacket(packet, version);
    return out;
  };
}

function oursEncodeHeader(packet: PublishPacket, version: ProtocolVersion): Body {
  return (n) => {
    let out: Buffer | null = null;
    for (let i = 0; i < n; i++) out = encodePublishHeader(packet, version);
    return out;
  };
}

function theirsEncode(packet: mqttPacket.Packet, version: ProtocolVersion): Body {
  const opts = { protocolVersion: version };
  return (n) => {
    let out: Buffer | null = null;
    for (let i = 0; i < n; i++) out = mqttPacket.generate(packet, opts);
    return out;
  };
}

const TOPIC = 'sensors/building-7/floor-3/room-42/temperature';

function publishCase(version: ProtocolVersion, qos: QoS, payloadSize: number): CodecCase {
  const payload = Buffer.alloc(payloadSize, 0x61);
  const packetId = qos === 0 ? 0 : 4242;
  const size = payloadSize >= 1024 ? `${payloadSize / 1024} KiB` : `${payloadSize} B`;
  const ours: PublishPacket = {
    type: PacketType.PUBLISH,
    topic: TOPIC,
    payload,
    qos,
    retain: false,
    dup: false,
    packetId,
    properties: null,
  };
  const theirs: mqttPacket.IPublishPacket = {
    cmd: 'publish',
    topic: TOPIC,
    payload,
    qos,
    retain: false,
    dup: false,
  };
  if (qos > 0) theirs.messageId = packetId;
  const level = version === 5 ? 'v5' : 'v3.1.1';
  return {
    name: `PUBLISH ${level} QoS ${qos}, ${size} payload`,
    version,
    ours,
    theirs,
    headerOnly: true,
  };
}

function connectCase(): CodecCase {
  const password = Buffer.from('s3cret-passw0rd');
  const ours: Packet = {
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 60,
    clientId: 'edgemq-bench-client-0001',
    username: 'device-0001',
    password,
    will: null,
    properties: {
      sessionExpiryInterval: 3600,
      receiveMaximum: 100,
      topicAliasMaximum: 16,
      userProperties: [
        ['region', 'eu-west-1'],
        ['firmware', '1.4.2'],
      ],
      maximumPacketSize: 1_048_576,
    },
  };
  // mqtt-packet writes properties in key order: keep it the same as ours (identifier order).
  const theirs: mqttPacket.IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 60,
    clientId: 'edgemq-bench-client-0001',
    username: 'device-0001',
    password,
    properties: {
      sessionExpiryInterval: 3600,
      receiveMaximum: 100,
      topicAliasMaximum: 16,
      userProperties: { region: 'eu-west-1', firmware: '1.4.2' },
      maximumPacketSize: 1_048_576,
    },
  };
  return { name: 'CONNECT v5 with properties', version: 5, ours, theirs, headerOnly: false };
}

const FILTERS = [
  'devices/+/telemetry',
  'devices/+/status',
  'site/3/#',
  'alerts/critical/+',
  'fleet/truck-17/gps',
  'fleet/truck-17/engine/+',
  'home/kitchen/+/temperature',
  'cmd/edge-gw-0042/#',
  'factory/line-2/station/+/state',
  '$share/workers/jobs/#',
];

function subscribeCase(): CodecCase {
  const ours: Packet = {
    type: PacketType.SUBSCRIBE,
    packetId: 17,
    subscriptions: FILTERS.map((topicFilter, i) => ({
      topicFilter,
      qos: (i % 3) as QoS,
      noLocal: i % 4 === 1,
      retainAsPublished: i % 5 === 2,
      retainHandling: (i % 3) as 0 | 1 | 2,
    })),
    properties: { subscriptionIdentifiers: [7] },
  };
  const theirs: mqttPacket.ISubscribePacket = {
    cmd: 'subscribe',
    messageId: 17,
    subscriptions: FILTERS.map((topic, i) => ({
      topic,
      qos: (i % 3) as QoS,
      nl: i % 4 === 1,
      rap: i % 5 === 2,
      rh: i % 3,
    })),
    properties: { subscriptionIdentifier: 7 },
  };
  return { name: 'SUBSCRIBE v5, 10 filters', version: 5, ours, theirs, headerOnly: false };
}

function codecCases(): CodecCase[] {
  const cases: CodecCase[] = [];
  for (const qos of [0, 1] as const) {
    for (const size of [64, 1024, 65_536]) cases.push(publishCase(4, qos, size));
  }
  cases.push(publishCase(5, 0, 64), publishCase(5, 1, 64), connectCase(), subscribeCase());
  return cases;
}

/**
 * Both codecs must produce the same bytes and read each other's, or the comparison would
 * not be of the same work. Throws when they differ.
 */
function checkSameWire(c: CodecCase): Buffer {
  const ours = encodePacket(c.ours, c.version);
  const theirs = mqttPacket.generate(c.theirs, { protocolVersion: c.version });
  if (!ours.equals(theirs)) {
    throw new Error(
      `${c.name}: encodings differ\n ours ${ours.toString('hex')}\n mqtt-packet ${theirs.toString('hex')}`,
    );
  }
  const ourDecode = oursDecode(ours, c.version)(1) as Packet | null;
  const theirDecode = theirsDecode(ours, c.version)(1) as mqttPacket.Packet | null;
  if (ourDecode?.type !== c.ours.type || theirDecode?.cmd !== c.theirs.cmd) {
    throw new Error(`${c.name}: a decoder did not return the packet`);
  }
  if (c.ours.type === PacketType.PUBLISH) {
    const header = encodePublishHeader(c.ours, c.version);
    if (!Buffer.concat([header, c.ours.payload]).equals(ours)) {
      throw new Error(`${c.name}: encodePublishHeader + payload differs from encodePacket`);
    }
  }
  return ours;
}

function row(name: string, op: string, c: Comparison): BenchRow {
  return {
    name,
    op,
    ours: c.ours,
    baseline: c.baseline,
    baselineName: BASELINE,
    speedup: c.speedup,
  };
}

/** Runs every codec case; in quick mode each takes a few tens of milliseconds. */
export function runCodecBench(opts: HarnessOptions = {}): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const c of codecCases()) {
    const bytes = checkSameWire(c);
    rows.push(
      row(
        c.name,
        'decode',
        compare(oursDecode(bytes, c.version), theirsDecode(bytes, c.version), opts),
      ),
    );
    const theirsEnc = theirsEncode(c.theirs, c.version);
    rows.push(row(c.name, 'encode', compare(oursEncode(c.ours, c.version), theirsEnc, opts)));
    if (c.headerOnly && c.ours.type === PacketType.PUBLISH) {
      rows.push(
        row(c.name, 'encode header', compare(oursEncodeHeader(c.ours, c.version), theirsEnc, opts)),
      );
    }
  }
  return rows;
}
