// The public client: an async API over one session that outlives its connections.
// Lifecycle (connect, reconnect with backoff, end) lives here; the QoS flows are in
// outbound.ts / inbound.ts, the wire in connection.ts.
import { EventEmitter } from 'node:events';
import {
  MAX_PACKET_SIZE,
  PacketType,
  ReasonCode,
  encodeConnect,
  encodeDisconnect,
  type ConnackPacket,
  type MalformedPacketError,
  type Packet,
  type Properties,
  type ProtocolVersion,
  type Subscription,
} from '../codec/index.js';
import { Backoff } from './backoff.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { dispatchOnline, type PacketFlows } from './dispatch.js';
import {
  ClientErrorCode,
  MqttClientError,
  closedError,
  connectFailure,
  invalid,
} from './errors.js';
import type { ClientEvents } from './events.js';
import { Inbound } from './inbound.js';
import { KeepAlive, type KeepAliveOwner } from './keepalive.js';
import { BrokerLimits, NO_LIMITS } from './limits.js';
import { OutgoingMessage, publishQos } from './message.js';
import {
  buildConnect,
  resolveOptions,
  toBuffer,
  type ClientOptions,
  type EndOptions,
  type PublishOptions,
  type ResolvedOptions,
  type UnsubscribeOptions,
} from './options.js';
import { INLINE_PAYLOAD, Outbound } from './outbound.js';
import { connackReasonName } from './reason-codes.js';
import { SessionState } from './session-state.js';
import { Requests, type RequestKind } from './requests.js';
import {
  SubscriptionRegistry,
  subscribeRequest,
  type SubscribeOptions,
  type SubscriptionRequest,
} from './subscriptions.js';

export type ClientStatus =
  'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closing' | 'closed';

const PINGREQ = Buffer.from([PacketType.PINGREQ << 4, 0]);

export class MqttClient extends EventEmitter<ClientEvents> {
  readonly options: ResolvedOptions;
  private status: ClientStatus;
  /** The connection being set up or in use; null between connections. */
  private conn: Connection | null;
  /** True from an accepted CONNACK until that connection closes. */
  private online: boolean;
  private everConnected: boolean;
  private clientId: string;
  private connack: ConnackPacket | null;
  private limits: BrokerLimits;
  /** Why the current attempt failed, when we know better than the socket (refusal, timeout). */
  private failure: MqttClientError | null;
  private connectPromise: Promise<ConnackPacket> | null;
  private connectSettle: ((error: Error | null, connack: ConnackPacket | null) => void) | null;
  private connectTimer: NodeJS.Timeout | null;
  private reconnectTimer: NodeJS.Timeout | null;
  private endPromise: Promise<void> | null;
  private closeWaiters: (() => void)[];
  private readonly backoff: Backoff | null;
  private readonly session: SessionState;
  private readonly outbound: Outbound;
  private readonly inbound: Inbound;
  private readonly requests: Requests;
  private readonly keepAlive: KeepAlive;
  /** Where the packets of an accepted connection go (dispatch.ts). */
  private readonly flows: PacketFlows;
  /** What connections report to (kept off the public surface). */
  private readonly owner: ConnectionOwner;
  private readonly target: string;

  constructor(options: ClientOptions = {}) {
    super();
    this.options = resolveOptions(options);
    const o = this.options;
    this.status = 'idle';
    this.conn = null;
    this.online = false;
    this.everConnected = false;
    this.clientId = o.clientId;
    this.connack = null;
    this.limits = NO_LIMITS;
    this.failure = null;
    this.connectPromise = null;
    this.connectSettle = null;
    this.connectTimer = null;
    this.reconnectTimer = null;
    this.endPromise = null;
    this.closeWaiters = [];
    this.backoff = o.reconnect === null ? null : new Backoff(o.reconnect);
    this.session = new SessionState();
    this.session.restore(o.store);
    this.outbound = new Outbound(this.session, o.store, o.maxInflight, o.topicAliases);
    this.inbound = new Inbound(this.session, (m) => {
      this.emit('message', m);
    });
    this.requests = new Requests(
      this.session,
      new SubscriptionRegistry(),
      o.protocolVersion,
      (error) => {
        this.emitError(error);
      },
    );
    this.owner = {
      onPacket: (packet, conn) => {
        this.onPacket(packet, conn);
      },
      onMalformed: (error, conn) => {
        this.onMalformed(error, conn);
      },
      onClose: (conn, error) => {
        this.onClose(conn, error);
      },
    };
    const pings: KeepAliveOwner = {
      sendPingreq: (conn) => {
        conn.send(PINGREQ);
        conn.flush();
      },
      pingTimedOut: (conn) => {
        this.pingTimedOut(conn);
      },
    };
    this.keepAlive = new KeepAlive(pings);
    this.flows = {
      inbound: this.inbound,
      outbound: this.outbound,
      requests: this.requests,
      keepAlive: this.keepAlive,
      onDisconnect: (packet) => {
        this.emit('disconnect', packet);
      },
    };
    this.target = `${o.host}:${o.port}`;
  }

  // ------------------------------------------------------------------ state

  get state(): ClientStatus {
    return this.status;
  }

  /** The protocol version this client speaks. */
  get protocolVersion(): ProtocolVersion {
    return this.options.protocolVersion;
  }

  get connected(): boolean {
    return this.online;
  }

  /** The client identifier in use (the broker's Assigned Client Identifier when it gave one). */
  get clientIdentifier(): string {
    return this.clientId;
  }

  /** The last accepted CONNACK. */
  get lastConnack(): ConnackPacket | null {
    return this.connack;
  }

  /** What the broker's last CONNACK allows. */
  get brokerLimits(): BrokerLimits {
    return this.limits;
  }

  /** Outgoing QoS 1/2 messages holding a packet identifier (sent, or to be resent). */
  get inflightCount(): number {
    return this.session.inflight.size;
  }

  /** Outgoing messages waiting for a connection or for room in the window. */
  get queuedCount(): number {
    return this.session.queue.length;
  }

  /** Bytes written but not yet taken by the kernel (a producer can throttle on it). */
  get bufferedBytes(): number {
    return this.conn?.pendingBytes ?? 0;
  }

  // ------------------------------------------------------------------ public API

  /**
   * Connects and resolves with the CONNACK. Rejects with an MqttClientError when the broker
   * refuses (CONNECT_REFUSED, with its reason code), is unreachable (UNREACHABLE) or does
   * not answer (CONNECT_TIMEOUT). Once a connection was accepted, later losses are repaired
   * by automatic reconnects (unless `reconnect: false`).
   */
  connect(): Promise<ConnackPacket> {
    if (this.status === 'closing') {
      return Promise.reject(closedError('connect() during end()'));
    }
    if (this.online && this.connack !== null) return Promise.resolve(this.connack);
    if (this.connectPromise !== null) return this.connectPromise;
    this.connectPromise = new Promise<ConnackPacket>((resolve, reject) => {
      this.connectSettle = (error, connack) => {
        this.connectSettle = null;
        this.connectPromise = null;
        if (error !== null) reject(error);
        else resolve(connack as ConnackPacket);
      };
    });
    if (this.status !== 'connecting') {
      this.clearReconnectTimer();
      this.open();
    }
    return this.connectPromise;
  }

  /**
   * Publishes. Resolves when QoS 0 was written to the socket, on PUBACK (QoS 1) or PUBCOMP
   * (QoS 2). Rejects with PUBLISH_FAILED when a v5 broker acks with a failure reason code,
   * NOT_SUPPORTED when the broker's CONNACK forbids the message, CLOSED after end().
   * While offline the message waits (QoS 1/2 in the store) and is sent after reconnecting.
   */
  publish(
    topic: string,
    payload: Buffer | Uint8Array | string,
    options: PublishOptions = {},
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const refused = this.enqueue(topic, toBuffer(payload), options, (error) => {
        if (error === null) resolve();
        else reject(error);
      });
      if (refused !== null) reject(refused);
    });
  }

  /**
   * publish() without a Promise, for tight loops (the bench tool): nothing is allocated per
   * message beyond the packet. `callback`, when given, runs when publish() would settle;
   * without one the message is sent and forgotten (failures are not reported). `payload`
   * may be changed or reused as soon as this returns: it is copied when the client keeps
   * it. Invalid arguments and a closed client go to the callback, or are thrown without one.
   */
  publishNoWait(
    topic: string,
    payload: Buffer,
    options: PublishOptions = {},
    callback?: (error: Error | null) => void,
  ): void {
    // Packets copy payloads up to INLINE_PAYLOAD; what is kept beyond this call is copied here.
    const kept =
      (options.qos ?? 0) > 0 || payload.length > INLINE_PAYLOAD ? Buffer.from(payload) : payload;
    const refused = this.enqueue(topic, kept, options, callback ?? null);
    if (refused === null) return;
    if (callback === undefined) throw refused;
    callback(refused);
  }

  /**
   * Subscribes; resolves with one SUBACK reason code per filter (a granted QoS, or a
   * failure code >= 0x80 [MQTT-3.9.3-1]). Needs a connection (NOT_CONNECTED otherwise).
   */
  subscribe(
    filters: string | string[] | SubscriptionRequest[],
    options: SubscribeOptions = {},
  ): Promise<number[]> {
    const req = subscribeRequest(filters, options);
    if (typeof req === 'string') return Promise.reject(invalid(req));
    return this.request('subscribe', req.subscriptions, [], req.properties);
  }

  /** Unsubscribes; resolves with the v5 UNSUBACK reason codes (all 0x00 for 3.1.1). */
  unsubscribe(filters: string | string[], options: UnsubscribeOptions = {}): Promise<number[]> {
    const list = Array.isArray(filters) ? filters : [filters];
    if (list.length === 0) return Promise.reject(invalid('unsubscribe() needs a topic filter'));
    const properties =
      options.userProperties === undefined ? null : { userProperties: options.userProperties };
    return this.request('unsubscribe', [], list, properties);
  }

  /**
   * Sends DISCONNECT and closes. Without `force`, first waits until every QoS 1/2 publish in
   * flight or queued is completed (or the connection drops). Pending publishes are then
   * rejected with CLOSED; their messages stay in the store for a later connect().
   */
  end(force = false, options: EndOptions = {}): Promise<void> {
    if (this.endPromise !== null) return this.endPromise;
    if (this.status === 'closed' || this.status === 'idle') {
      this.status = 'closed';
      this.outbound.abandon(closedError('end() was called'));
      return Promise.resolve();
    }
    this.status = 'closing';
    this.clearReconnectTimer();
    this.endPromise = this.shutdown(force, options).finally(() => {
      this.endPromise = null;
    });
    return this.endPromise;
  }

  // ------------------------------------------------------------------ connection lifecycle

  private open(): void {
    this.status = 'connecting';
    this.failure = null;
    const o = this.options;
    const maxIn = o.properties?.maximumPacketSize ?? MAX_PACKET_SIZE;
    let conn: Connection;
    try {
      conn = new Connection(o.transport(), this.owner, o.protocolVersion, maxIn);
    } catch (error) {
      // A transport that throws is a failed attempt like any other, reported asynchronously.
      const failure = connectFailure(this.target, error as Error);
      setImmediate(() => {
        if (this.status === 'connecting' && this.conn === null) this.attemptFailed(failure);
      });
      return;
    }
    this.conn = conn;
    conn.send(encodeConnect(buildConnect(o, this.clientId)));
    conn.flush();
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      this.failure = new MqttClientError(
        ClientErrorCode.CONNECT_TIMEOUT,
        `no CONNACK from ${this.target} within ${o.connectTimeoutMs} ms`,
      );
      conn.destroy();
    }, o.connectTimeoutMs);
  }

  private onConnack(p: ConnackPacket, conn: Connection): void {
    this.clearConnectTimer();
    const version = this.options.protocolVersion;
    if (p.reasonCode !== 0) {
      const why = p.properties?.reasonString;
      this.failure = new MqttClientError(
        ClientErrorCode.CONNECT_REFUSED,
        `connection refused by ${this.target}: ${connackReasonName(p.reasonCode, version)}${why === undefined ? '' : ` - ${why}`}`,
        p.reasonCode,
      );
      conn.destroy();
      return;
    }
    this.connack = p;
    this.limits = version === 5 ? new BrokerLimits(p) : NO_LIMITS;
    const assigned = p.properties?.assignedClientIdentifier;
    if (assigned !== undefined) this.clientId = assigned; // reused by reconnects
    this.online = true;
    this.everConnected = true;
    this.status = 'connected';
    this.backoff?.reset();
    if (!p.sessionPresent) {
      // The broker has no session: it will not send PUBREL for our received QoS 2 ids.
      this.session.inboundQos2.clear();
      if (this.options.resubscribe) this.requests.resubscribe(conn);
    }
    this.inbound.attach(version, this.options.properties?.topicAliasMaximum ?? 0);
    this.keepAlive.start(
      conn,
      this.limits.serverKeepAlive ?? this.options.keepalive, // [MQTT-3.2.2-21]
      this.options.pingTimeoutMs,
    );
    // Unfinished QoS 1/2 messages are resent whether or not the session survived: they are
    // the application's, and the store exists so that none is lost [MQTT-4.4.0-1].
    this.outbound.attach(conn, version, this.limits);
    this.connectSettle?.(null, p);
    this.emit('connect', p);
  }

  private onClose(conn: Connection, error: Error | null): void {
    if (conn !== this.conn) return;
    this.conn = null;
    this.clearConnectTimer();
    this.keepAlive.stop();
    if (this.online) {
      this.online = false;
      this.outbound.detach();
      this.requests.failAll(
        new MqttClientError(ClientErrorCode.CONNECTION_LOST, `connection to ${this.target} lost`),
      );
      this.outbound.onIdle?.(); // end() stops waiting for acks that cannot come now
      if (this.status !== 'closing') this.emit('offline');
      this.afterClose();
    } else {
      this.attemptFailed(this.failure ?? connectFailure(this.target, error));
    }
  }

  /** A connection attempt ended without an accepted CONNACK. */
  private attemptFailed(failure: MqttClientError): void {
    this.conn = null;
    if (this.connectSettle !== null) this.connectSettle(failure, null);
    else if (this.status !== 'closing') this.emitError(failure);
    this.afterClose();
  }

  private afterClose(): void {
    this.emit('close');
    if (this.status === 'closing') {
      const waiters = this.closeWaiters;
      this.closeWaiters = [];
      for (const w of waiters) w();
      return;
    }
    if (this.backoff !== null && this.everConnected) {
      this.scheduleReconnect(this.backoff);
    } else {
      this.status = 'idle';
    }
  }

  private scheduleReconnect(backoff: Backoff): void {
    this.status = 'reconnecting';
    const delay = backoff.next();
    const attempt = backoff.attempt;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.emit('reconnect', attempt);
      this.open();
    }, delay);
  }

  private async shutdown(force: boolean, options: EndOptions): Promise<void> {
    this.connectSettle?.(closedError('end() before CONNACK'), null);
    if (this.online && !force && !this.outbound.idle) {
      await new Promise<void>((resolve) => {
        this.outbound.onIdle = resolve;
      });
      this.outbound.onIdle = null;
    }
    const conn = this.conn;
    if (conn !== null) {
      const closed = new Promise<void>((resolve) => {
        this.closeWaiters.push(resolve);
      });
      if (this.online) {
        conn.send(
          encodeDisconnect(
            {
              type: PacketType.DISCONNECT,
              reasonCode: options.reasonCode ?? ReasonCode.NORMAL_DISCONNECTION,
              properties: options.properties ?? null,
            },
            this.options.protocolVersion,
          ),
        );
        conn.closeSoon(); // [MQTT-3.14.4-1]: close after DISCONNECT
        await closed;
      } else {
        conn.destroy();
        await closed;
      }
    }
    const error = closedError('end() was called');
    this.outbound.abandon(error);
    this.requests.failAll(error);
    this.status = 'closed';
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  // ------------------------------------------------------------------ packets in

  private onPacket(packet: Packet, conn: Connection): void {
    if (conn !== this.conn) return;
    if (packet.type === PacketType.CONNACK && !this.online) {
      this.onConnack(packet, conn);
      return;
    }
    if (!this.online) {
      // The first packet from the server must be CONNACK [MQTT-3.2.0-1].
      this.failure = new MqttClientError(
        ClientErrorCode.PROTOCOL,
        `${this.target} sent packet type ${packet.type} before CONNACK [MQTT-3.2.0-1]`,
      );
      conn.destroy();
      return;
    }
    const violation = dispatchOnline(packet, conn, this.flows);
    if (violation !== null) this.protocolError(conn, violation.message, violation.reasonCode);
  }

  private onMalformed(error: MalformedPacketError, conn: Connection): void {
    if (conn !== this.conn) return;
    if (!this.online) {
      this.failure = new MqttClientError(
        ClientErrorCode.PROTOCOL,
        `malformed packet from ${this.target}: ${error.message}`,
        error.reasonCode,
        { cause: error },
      );
      conn.destroy();
      return;
    }
    this.protocolError(conn, `malformed packet: ${error.message}`, error.reasonCode);
  }

  /** The broker broke the protocol: tell it why (v5), report, close; reconnect follows. */
  private protocolError(
    conn: Connection,
    message: string,
    reasonCode: number = ReasonCode.PROTOCOL_ERROR,
  ): void {
    this.emitError(
      new MqttClientError(ClientErrorCode.PROTOCOL, `${this.target}: ${message}`, reasonCode),
    );
    if (this.options.protocolVersion === 5) {
      conn.send(encodeDisconnect({ type: PacketType.DISCONNECT, reasonCode, properties: null }, 5));
    }
    conn.closeSoon();
  }

  private pingTimedOut(conn: Connection): void {
    const error = new MqttClientError(
      ClientErrorCode.KEEPALIVE_TIMEOUT,
      `no PINGRESP from ${this.target} within ${this.options.pingTimeoutMs} ms`,
    );
    this.emitError(error);
    conn.destroy(error);
  }

  // ------------------------------------------------------------------ publish

  /**
   * Validates and hands a message to the outbound flow; returns why it was refused (then
   * `settle` is not called), or null. A null `settle` means nobody waits for the outcome.
   */
  private enqueue(
    topic: string,
    payload: Buffer,
    options: PublishOptions,
    settle: ((error: Error | null) => void) | null,
  ): MqttClientError | null {
    if (this.status === 'closing' || this.status === 'closed') {
      return closedError('publish() after end()');
    }
    const qos = publishQos(topic, options.qos);
    if (typeof qos !== 'number') return qos;
    this.outbound.publish(
      new OutgoingMessage(
        qos === 0 ? 0 : this.session.takeSeq(),
        topic,
        payload,
        qos,
        options.retain ?? false,
        options.properties ?? null,
        settle,
      ),
    );
    return null;
  }

  // ------------------------------------------------------------------ subscribe / unsubscribe

  private request(
    kind: RequestKind,
    subs: Subscription[],
    filters: string[],
    properties: Properties | null,
  ): Promise<number[]> {
    const conn = this.conn;
    if (!this.online || conn === null) {
      return Promise.reject(
        new MqttClientError(
          this.status === 'closing' || this.status === 'closed'
            ? ClientErrorCode.CLOSED
            : ClientErrorCode.NOT_CONNECTED,
          `${kind}() needs a connection to ${this.target}`,
        ),
      );
    }
    return this.requests.request(conn, kind, subs, filters, properties);
  }

  private emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}
