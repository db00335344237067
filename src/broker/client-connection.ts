import {
  ConnackReturnCode,
  FrameDecoder,
  MalformedPacketError,
  PacketType,
  ReasonCode,
  encodeConnack,
  encodeDisconnect,
  encodePubAckLike,
  type Packet,
  type PacketSink,
  type Properties,
  type ProtocolVersion,
} from '../codec/index.js';
import { InboundAliases, OutboundAliases } from '../topic/index.js';
import type { ClientInfo } from '../hooks/types.js';
import type { Connection, ConnectionHandlers, PeerCertificate } from '../transport/types.js';
import type { Broker } from './broker.js';
import type { Message } from './message.js';
import type { Session } from './session.js';
import { Timer, type TimerTarget } from './timer-wheel.js';
import { dispatchPacket } from './dispatch.js';

export const ClientState = {
  /** Socket open, CONNECT not yet received. */
  CONNECTING: 0,
  /** CONNECT received; authentication (maybe async, maybe AUTH exchange) in progress. */
  AUTHENTICATING: 1,
  CONNECTED: 2,
  CLOSED: 3,
} as const;

/** Output batched per event-loop turn is concatenated into one write up to this size. */
const COALESCE_LIMIT = 64 * 1024;

/**
 * After the broker ends a connection, how long the peer gets to read what is left and close
 * its side before the socket is destroyed. A peer that never reads would otherwise keep the
 * socket (and broker.stop(), which waits for every socket) open forever.
 */
const CLOSE_LINGER_MS = 1000;

/**
 * One client connection: the frame decoder feeding the packet handlers, the batched write
 * path, keepalive, and the one place where a protocol failure becomes a CONNACK or
 * DISCONNECT reason code (3.1.1 clients just get the socket closed).
 */
export class ClientConnection implements PacketSink, ClientInfo, ConnectionHandlers, TimerTarget {
  readonly broker: Broker;
  readonly conn: Connection;
  readonly decoder: FrameDecoder;
  state: number;
  protocolVersion: ProtocolVersion;
  clientId: string;
  username: string | null;
  session: Session | null;
  keepalive: number;
  /** When the last complete Control Packet arrived (keep alive counts packets, not bytes). */
  lastActivity: number;
  /** A packet arrived since lastActivity was last set (one Date.now() per chunk, not per packet). */
  private packetSeen: boolean;
  readonly keepaliveTimer: Timer;
  /** Every retry_interval: 3.1.1 redelivery and the drain timeout of a congested socket. */
  readonly maintenanceTimer: Timer;
  /** The will, until a normal DISCONNECT discards it [MQTT-3.1.2-10]. */
  will: Message | null;
  willDelay: number;
  /** Will's Message Expiry Interval in seconds, 0 = none; applied when it is published. */
  willExpiry: number;
  /** Session expiry interval from CONNECT (v5), for the DISCONNECT update rules. */
  connectSessionExpiry: number;
  inboundAliases: InboundAliases | null;
  outboundAliases: OutboundAliases | null;
  /** Largest packet this client accepts (its Maximum Packet Size) [MQTT-3.1.2-24]. */
  maxPacketSizeOut: number;
  /** Outbound QoS>0 window: min(client's Receive Maximum, broker cap) [MQTT-3.3.4-7]. */
  sendWindow: number;
  /** Reason strings and user properties on errors only when allowed [MQTT-3.1.2-29]. */
  requestProblemInformation: boolean;
  authMethod: string | null;
  authStep: number;
  /** Set once the broker sent DISCONNECT or the client did: no further packets are handled. */
  private closing: boolean;
  /** This turn's output: `out[0 .. outCount)` (the array is kept: no allocation per turn). */
  private readonly out: (Buffer | undefined)[];
  private outCount: number;
  private outBytes: number;
  flushQueued: boolean;
  /** Listed for the turn's first flush pass (it has a delivery to write). */
  private deliveryQueued: boolean;
  congestedSince: number;
  private lingerTimer: ReturnType<typeof setTimeout> | null;

  constructor(broker: Broker, conn: Connection) {
    this.broker = broker;
    this.conn = conn;
    this.decoder = new FrameDecoder(this, { maxPacketSize: broker.options.maxPacketSize });
    this.state = ClientState.CONNECTING;
    this.protocolVersion = 4;
    this.clientId = '';
    this.username = null;
    this.session = null;
    this.keepalive = 0;
    this.lastActivity = Date.now();
    this.packetSeen = false;
    this.keepaliveTimer = new Timer(this);
    this.maintenanceTimer = new Timer(this);
    this.will = null;
    this.willDelay = 0;
    this.willExpiry = 0;
    this.connectSessionExpiry = 0;
    this.inboundAliases = null;
    this.outboundAliases = null;
    this.maxPacketSizeOut = 268_435_460;
    this.sendWindow = broker.options.maxInflight;
    this.requestProblemInformation = true;
    this.authMethod = null;
    this.authStep = 0;
    this.closing = false;
    this.out = [];
    this.outCount = 0;
    this.outBytes = 0;
    this.flushQueued = false;
    this.deliveryQueued = false;
    this.congestedSince = 0;
    this.lingerTimer = null;
    // The connection calls our methods directly: no closure per connection.
    conn.setHandlers(this);
    // [MQTT-3.1.4-?] a socket that never sends CONNECT is closed after connectTimeout.
    broker.timers.schedule(this.keepaliveTimer, broker.options.connectTimeout * 1000);
  }

  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  get remotePort(): number {
    return this.conn.remotePort;
  }

  get transport(): string {
    return this.conn.kind;
  }

  /** The verified client certificate (mutual TLS), null otherwise. */
  get certificate(): PeerCertificate | null {
    return this.conn.peerCertificate;
  }

  get connected(): boolean {
    return this.state === ClientState.CONNECTED;
  }

  // ---------------------------------------------------------------- input

  onData(chunk: Buffer): void {
    this.broker.metrics.bytesReceived += chunk.length;
    try {
      this.decoder.push(chunk);
      // Keep alive is reset by a whole Control Packet, not by bytes: a client dribbling a
      // packet that never completes is still timed out [MQTT-3.1.2-22].
      if (this.packetSeen) {
        this.packetSeen = false;
        this.lastActivity = Date.now();
      }
    } catch (error) {
      // A bug in a handler, not bad input: close this client only, keep the broker up.
      this.broker.log.error(
        { err: error, clientId: this.clientId },
        'internal error handling a packet',
      );
      this.fail(ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, 'internal error');
    }
  }

  onPacket(packet: Packet): void {
    if (this.closing) return;
    this.packetSeen = true;
    dispatchPacket(this, packet);
  }

  onError(error: MalformedPacketError): void {
    this.broker.log.debug(
      {
        clientId: this.clientId,
        remote: this.remoteAddress,
        reasonCode: error.reasonCode,
        spec: error.specRef,
      },
      `protocol error: ${error.message}`,
    );
    if (this.state === ClientState.CONNECTING && error.protocolLevel !== 0) {
      this.protocolVersion = error.protocolLevel === 5 ? 5 : 4;
    }
    this.fail(error.reasonCode, error.message);
  }

  // ---------------------------------------------------------------- failure

  /**
   * Ends this connection because of something the client did (or a broker-side reason).
   * Before CONNACK: v5 gets CONNACK with the reason code, 3.1.1 gets the matching return
   * code when one exists (0x01 for an unsupported version) [MQTT-3.2.2-5]. After CONNACK:
   * v5 gets DISCONNECT with the reason code [MQTT-4.13.1-1], 3.1.1 a closed socket.
   */
  fail(reasonCode: number, reason: string): void {
    if (this.closing || this.state === ClientState.CLOSED) return;
    if (reasonCode === ReasonCode.MALFORMED_PACKET || reasonCode === ReasonCode.PROTOCOL_ERROR) {
      this.broker.metrics.protocolErrors++;
    }
    if (this.state !== ClientState.CONNECTED) {
      this.refuseConnect(reasonCode, reason);
      return;
    }
    this.disconnect(reasonCode, reason);
  }

  /** Sends the refusing CONNACK (when the client can understand one) and closes. */
  refuseConnect(reasonCode: number, reason: string): void {
    if (this.closing) return;
    if (this.protocolVersion === 5) {
      const properties: Properties | null = this.problemInfo(reason);
      let bytes = encodeConnack(
        { type: PacketType.CONNACK, sessionPresent: false, reasonCode, properties },
        5,
      );
      // No Reason String beyond the client's Maximum Packet Size [MQTT-3.2.2-19].
      if (bytes.length > this.maxPacketSizeOut)
        bytes = encodeConnack(
          { type: PacketType.CONNACK, sessionPresent: false, reasonCode, properties: null },
          5,
        );
      this.sendNow(bytes);
    } else {
      const code = v4ConnackCode(reasonCode);
      if (code !== 0) {
        this.sendNow(
          encodeConnack(
            { type: PacketType.CONNACK, sessionPresent: false, reasonCode: code, properties: null },
            4,
          ),
        );
      }
    }
    this.close(reasonCode);
  }

  /** Server-initiated DISCONNECT (v5) and close; the will is published unless discarded. */
  disconnect(reasonCode: number, reason = ''): void {
    if (this.closing) return;
    if (this.protocolVersion === 5) {
      const properties = reason === '' ? null : this.problemInfo(reason);
      let bytes = encodeDisconnect({ type: PacketType.DISCONNECT, reasonCode, properties }, 5);
      // The Reason String is left out when it would exceed the client's Maximum Packet Size [MQTT-3.14.2-3].
      if (bytes.length > this.maxPacketSizeOut)
        bytes = encodeDisconnect({ type: PacketType.DISCONNECT, reasonCode, properties: null }, 5);
      this.sendNow(bytes);
    }
    this.close(reasonCode);
  }

  /** Reason String property, when the client allows problem information [MQTT-3.1.2-29]. */
  problemInfo(reason: string): Properties | null {
    return this.requestProblemInformation && reason !== '' ? { reasonString: reason } : null;
  }

  /**
   * Stops reading, flushes what was written, ends the socket and settles the session now
   * (not when the socket's close event arrives, so a takeover sees a detached session).
   */
  close(reasonCode: number): void {
    if (this.closing) return;
    this.closing = true;
    this.decoder.destroy();
    this.flush();
    this.conn.end();
    this.lingerTimer = setTimeout(() => {
      this.conn.destroy();
    }, CLOSE_LINGER_MS);
    this.lingerTimer.unref();
    this.broker.connectionLost(this, reasonCode);
  }

  onClose(): void {
    if (!this.closing) {
      this.closing = true;
      this.decoder.destroy();
      this.broker.connectionLost(this, ReasonCode.UNSPECIFIED_ERROR);
    }
    this.stopTimers();
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.state = ClientState.CLOSED;
  }

  // ---------------------------------------------------------------- keepalive

  onTimer(timer: Timer): void {
    if (timer === this.keepaliveTimer) this.checkKeepalive();
    else this.maintain();
  }

  /** Starts keepalive enforcement at keepalive x multiplier [MQTT-3.1.2-22], and upkeep. */
  startTimers(): void {
    const timers = this.broker.timers;
    timers.cancel(this.keepaliveTimer);
    if (this.keepalive !== 0) timers.schedule(this.keepaliveTimer, this.keepaliveLimitMs());
    timers.schedule(this.maintenanceTimer, this.broker.options.retryInterval * 1000);
  }

  stopTimers(): void {
    this.broker.timers.cancel(this.keepaliveTimer);
    this.broker.timers.cancel(this.maintenanceTimer);
  }

  /**
   * A socket that stayed congested past drain_timeout is closed: a consumer that never
   * reads must not hold broker memory. 3.1.1 clients get unacknowledged QoS 1/2 messages
   * resent after retry_interval; MQTT 5 forbids resending except on reconnect [MQTT-4.4.0-1].
   */
  private maintain(): void {
    if (this.closing || this.state !== ClientState.CONNECTED) return;
    const options = this.broker.options;
    const now = Date.now();
    if (this.congestedSince !== 0 && now - this.congestedSince > options.drainTimeout * 1000) {
      this.broker.log.debug({ clientId: this.clientId }, 'drain timeout');
      this.disconnect(ReasonCode.QUOTA_EXCEEDED, 'client does not read');
      return;
    }
    if (this.protocolVersion !== 5 && this.session !== null && !this.congested) {
      this.broker.delivery.retry(this.session, now - options.retryInterval * 1000);
    }
    this.broker.timers.schedule(this.maintenanceTimer, options.retryInterval * 1000);
  }

  private keepaliveLimitMs(): number {
    return this.keepalive * 1000 * this.broker.options.keepaliveMultiplier;
  }

  private checkKeepalive(): void {
    if (this.closing) return;
    if (this.state !== ClientState.CONNECTED) {
      this.broker.log.debug({ remote: this.remoteAddress }, 'connect timeout');
      this.close(ReasonCode.MAXIMUM_CONNECT_TIME);
      return;
    }
    if (this.packetSeen) {
      // Packets decoded outside onData (after a paused decoder resumed) count as activity.
      this.packetSeen = false;
      this.lastActivity = Date.now();
    }
    const idle = Date.now() - this.lastActivity;
    const limit = this.keepaliveLimitMs();
    if (idle >= limit) {
      this.broker.log.debug({ clientId: this.clientId }, 'keepalive timeout');
      this.disconnect(ReasonCode.KEEP_ALIVE_TIMEOUT);
      return;
    }
    this.broker.timers.schedule(this.keepaliveTimer, limit - idle);
  }

  // ---------------------------------------------------------------- output

  /** Queues bytes for this turn's batched write. */
  send(data: Buffer): void {
    if (this.closing) return;
    this.out[this.outCount++] = data;
    this.outBytes += data.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.broker.scheduleFlush(this);
    }
  }

  /** Queues PUBACK, PUBREC, PUBREL or PUBCOMP (no properties). */
  sendAck(type: 4 | 5 | 6 | 7, packetId: number, reasonCode: number): void {
    this.send(
      encodePubAckLike({ type, packetId, reasonCode, properties: null }, this.protocolVersion),
    );
  }

  /** Queues a PUBLISH to this subscriber: its connection is flushed first in the turn. */
  sendDelivery(data: Buffer): void {
    this.send(data);
    if (!this.deliveryQueued && this.flushQueued) {
      this.deliveryQueued = true;
      this.broker.scheduleDelivery(this);
    }
  }

  /** Writes at once (used right before closing). */
  private sendNow(data: Buffer): void {
    this.out[this.outCount++] = data;
    this.outBytes += data.length;
    this.flush();
  }

  /** True when the socket holds more than the high-water mark of unsent bytes. */
  get congested(): boolean {
    return this.conn.writableLength + this.outBytes > this.broker.options.socketHighWaterMark;
  }

  /** Hands this turn's output to the socket: one write, or a corked batch for big ones. */
  flush(): void {
    this.flushQueued = false;
    this.deliveryQueued = false;
    const out = this.out;
    const n = this.outCount;
    if (n === 0) return;
    const bytes = this.outBytes;
    this.outCount = 0;
    this.outBytes = 0;
    this.broker.metrics.bytesSent += bytes;
    let ok: boolean;
    if (n === 1) {
      ok = this.conn.write(out[0] as Buffer);
    } else if (bytes <= COALESCE_LIMIT) {
      const joined = Buffer.allocUnsafe(bytes);
      let at = 0;
      for (let i = 0; i < n; i++) at += (out[i] as Buffer).copy(joined, at);
      ok = this.conn.write(joined);
    } else {
      this.conn.cork();
      ok = true;
      for (let i = 0; i < n; i++) ok = this.conn.write(out[i] as Buffer);
      this.conn.uncork();
    }
    for (let i = 0; i < n; i++) out[i] = undefined; // the buffers are the socket's now
    if (!ok && this.congestedSince === 0) this.congestedSince = Date.now();
  }

  onDrain(): void {
    this.congestedSince = 0;
    if (this.state === ClientState.CONNECTED && this.session !== null) {
      this.broker.delivery.pump(this.session);
    }
  }
}

/** The 3.1.1 CONNACK return code for a v5 reason code; 0 = none fits, just close. */
function v4ConnackCode(reasonCode: number): number {
  switch (reasonCode) {
    case ReasonCode.UNSUPPORTED_PROTOCOL_VERSION:
      return ConnackReturnCode.UNACCEPTABLE_PROTOCOL_VERSION;
    case ReasonCode.CLIENT_IDENTIFIER_NOT_VALID:
      return ConnackReturnCode.IDENTIFIER_REJECTED;
    case ReasonCode.BAD_USER_NAME_OR_PASSWORD:
      return ConnackReturnCode.BAD_USER_NAME_OR_PASSWORD;
    case ReasonCode.NOT_AUTHORIZED:
    case ReasonCode.BANNED:
    case ReasonCode.BAD_AUTHENTICATION_METHOD:
      return ConnackReturnCode.NOT_AUTHORIZED;
    case ReasonCode.SERVER_UNAVAILABLE:
    case ReasonCode.SERVER_BUSY:
    case ReasonCode.SERVER_SHUTTING_DOWN:
      return ConnackReturnCode.SERVER_UNAVAILABLE;
    default:
      return 0;
  }
}
