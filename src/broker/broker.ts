import { ReasonCode, type ConnectPacket } from '../codec/index.js';
import { HookRegistry } from '../hooks/registry.js';
import type { Persistence } from '../persistence/types.js';
import type { Connection, Listener } from '../transport/types.js';
import { ClientConnection, ClientState } from './client-connection.js';
import { Delivery } from './delivery.js';
import { Durability } from './durability.js';
import { FlushList } from './flush-list.js';
import { SILENT_LOGGER, type Logger } from './logger.js';
import { Message } from './message.js';
import { Metrics } from './metrics.js';
import { resolveOptions, type BrokerOptions } from './options.js';
import { RetainedStore } from './retain.js';
import { Router } from './router.js';
import {
  NEVER_EXPIRES,
  type Session,
  type SessionOwner,
  type SubscriptionRecord,
} from './session.js';
import { SessionRegistry } from './session-registry.js';
import { SysTopics } from './sys-topics.js';
import { TimerWheel } from './timer-wheel.js';

/**
 * Creates the listeners for the broker (the CLI passes the transport layer's factory); it
 * may load transports first. Called by start(), after restore and before any listener binds.
 */
export type ListenerFactory = (broker: Broker) => Listener[] | Promise<Listener[]>;

export interface BrokerDeps {
  logger?: Logger;
  listeners?: ListenerFactory;
  /**
   * The store behind persistent sessions and retained messages. Default: SQLite in
   * `options.persistence.dataDir` when `options.persistence.enabled`, else none (memory
   * only, and nothing written). Tests and embedders may pass a MemoryPersistence.
   */
  persistence?: Persistence;
}

/**
 * The broker core: owns sessions, subscriptions, retained messages, wills, timers and the
 * per-turn write batching. Transports hand it connections through `accept`.
 */
export class Broker implements SessionOwner {
  readonly options: BrokerOptions;
  readonly log: Logger;
  readonly hooks: HookRegistry;
  readonly metrics: Metrics;
  readonly timers: TimerWheel;
  readonly delivery: Delivery;
  readonly router: Router;
  readonly retained: RetainedStore;
  readonly sessions: SessionRegistry;
  readonly sys: SysTopics;
  readonly clients: Set<ClientConnection>;
  /**
   * Persistence (durability.ts), or null: nothing is written anywhere. Set by the
   * constructor (BrokerDeps.persistence) or by start() (SQLite, loaded only then).
   */
  durable: Durability | null;
  private readonly listenerFactory: ListenerFactory | null;
  private listeners: Listener[];
  /** Connections with deliveries (PUBLISH to subscribers) to write: flushed first. */
  private readonly delivering: FlushList;
  /** Every connection with output to write (acks, control packets, deliveries). */
  private readonly dirty: FlushList;
  private flushScheduled: boolean;
  private committing: boolean;
  private stopping: boolean;
  private readonly flushAll: () => void;

  constructor(options: Partial<BrokerOptions> = {}, deps: BrokerDeps = {}) {
    this.options = resolveOptions(options);
    this.log = deps.logger ?? SILENT_LOGGER;
    this.hooks = new HookRegistry();
    this.hooks.onObserverError = (hook, error) => {
      this.log.warn({ hook, err: error }, 'observer hook threw');
    };
    this.metrics = new Metrics(Date.now());
    this.timers = new TimerWheel();
    this.delivery = new Delivery(this);
    this.router = new Router(this.delivery, this.options.sharedSubscriptionStrategy);
    this.retained = new RetainedStore();
    this.sessions = new SessionRegistry(this);
    this.sys = new SysTopics(this);
    this.clients = new Set();
    // The SQLite store is created by start(): better-sqlite3 loads only when it is used.
    const store = deps.persistence ?? null;
    this.durable = store === null ? null : new Durability(this, store);
    this.listenerFactory = deps.listeners ?? null;
    this.listeners = [];
    this.delivering = new FlushList();
    this.dirty = new FlushList();
    this.flushScheduled = false;
    this.committing = false;
    this.stopping = false;
    this.flushAll = () => {
      if (this.durable !== null) {
        // Group commit: this turn's writes in one transaction, committed before any ack
        // they cover is written below (held acks are released into the clients' output).
        this.committing = true;
        this.durable.commitTurn();
        this.committing = false;
      }
      this.flushScheduled = false;
      // Deliveries first: a subscriber's PUBLISH does not wait behind the publishers' acks
      // of the same turn (publish -> receive latency); a connection's own bytes keep their
      // order, and one already flushed has nothing left when its turn in `dirty` comes.
      this.delivering.flushAll();
      this.dirty.flushAll();
    };
  }

  /** Opens the listeners; resolves with their bound addresses. */
  async start(): Promise<{ kind: string; host: string; port: number }[]> {
    this.timers.start();
    const p = this.options.persistence;
    if (this.durable === null && p.enabled) {
      const { SqlitePersistence } = await import('../persistence/sqlite/store.js');
      if (this.stopping) return []; // stop() came while SQLite was loading: do not open it
      const store = new SqlitePersistence({
        dataDir: p.dataDir,
        synchronous: p.synchronous,
        inflightGraceMs: p.inflightGraceMs,
        integrityCheck: p.integrityCheck,
        ...(p.maxPageCount > 0 ? { maxPageCount: p.maxPageCount } : {}),
      });
      this.durable = new Durability(this, store);
    }
    // Restore before any listener opens (throws PersistenceError: the CLI exits with it).
    this.durable?.restore();
    this.sys.start();
    this.listeners = this.listenerFactory === null ? [] : await this.listenerFactory(this);
    if (this.stopping) return []; // stop() came while the transports were loading
    const bound = [];
    for (const listener of this.listeners) {
      const address = await listener.listen();
      bound.push({ kind: listener.kind, ...address });
      this.log.info({ kind: listener.kind, ...address }, 'listening');
    }
    return bound;
  }

  /**
   * Stops accepting, tells v5 clients the server is shutting down (DISCONNECT 0x8B), and
   * closes every connection.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const closing = this.listeners.map((l) => l.close());
    for (const client of [...this.clients]) {
      if (client.state === ClientState.CONNECTED)
        client.disconnect(ReasonCode.SERVER_SHUTTING_DOWN);
      else client.close(ReasonCode.SERVER_SHUTTING_DOWN);
    }
    this.sys.stop();
    this.timers.stop();
    this.durable?.close();
    await Promise.all(closing);
  }

  /**
   * Applies new values of run-time knobs (`edgemq reload`). Connected clients keep what
   * they negotiated at CONNECT; new connections and later decisions use the new values.
   */
  reconfigure(changes: Partial<BrokerOptions>): void {
    Object.assign(this.options, changes);
  }

  /** A transport accepted a connection. */
  accept(conn: Connection): void {
    if (this.stopping) {
      conn.destroy();
      return;
    }
    this.metrics.connectionsTotal++;
    this.metrics.connectionsCurrent++;
    this.clients.add(new ClientConnection(this, conn));
  }

  /** Batches a client's writes until the end of this event-loop turn. */
  scheduleFlush(client: ClientConnection): void {
    this.dirty.add(client);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /** `client` has a delivery among its output: it is flushed before the other connections. */
  scheduleDelivery(client: ClientConnection): void {
    this.delivering.add(client);
  }

  /** The persistence batch has writes: make sure a flush (which commits) runs this turn. */
  requestCommit(): void {
    if (this.flushScheduled && !this.committing) return;
    this.flushScheduled = true;
    setImmediate(this.flushAll);
  }

  /**
   * Publishes a message from a client (or the broker when `from` is null): retained store,
   * observers, routing. Returns how many sessions got a copy.
   */
  publish(message: Message, from: ClientConnection | null): number {
    this.metrics.messagesReceived++;
    if (message.retain) {
      this.retained.set(message);
      this.durable?.retained(message);
    }
    if (this.hooks.get('messagePublished') !== null)
      this.hooks.notify('messagePublished', message, from);
    return this.router.route(message);
  }

  /** Retained messages for a new subscription, with the retain flag set [MQTT-3.3.1-9]. */
  sendRetained(session: Session, record: SubscriptionRecord): void {
    const ids = record.subscriptionId === 0 ? null : [record.subscriptionId];
    for (const message of this.retained.match(record.filter, Date.now())) {
      const qos = Math.min(message.qos, record.qos) as 0 | 1 | 2;
      this.delivery.deliver(session, message, qos, true, ids, null);
    }
  }

  clientConnected(client: ClientConnection, packet: ConnectPacket): void {
    this.log.debug(
      { clientId: client.clientId, version: client.protocolVersion, remote: client.remoteAddress },
      'client connected',
    );
    this.hooks.notify('clientConnected', client);
    this.sys.connected(client, packet);
  }

  /**
   * A connection ended (either side). Publishes or schedules the will, and ends the session
   * or starts its expiry clock [MQTT-3.1.2-8, 4.1.0-?].
   */
  connectionLost(client: ClientConnection, reasonCode: number): void {
    if (!this.clients.delete(client)) return;
    this.metrics.connectionsCurrent--;
    client.stopTimers();
    const wasConnected = client.state === ClientState.CONNECTED;
    client.state = ClientState.CLOSED;
    const session = client.session;
    if (!wasConnected || session === null || session.client !== client) return;
    this.log.debug({ clientId: client.clientId, reasonCode }, 'client disconnected');
    session.client = null;
    this.hooks.notify('clientDisconnected', client, reasonCode);
    this.sys.disconnected(client, reasonCode);
    const will = client.will;
    client.will = null;
    if (will !== null) {
      const expiresAt = client.willExpiry > 0 ? Date.now() + client.willExpiry * 1000 : 0;
      const message = new Message(
        will.topic,
        will.payload,
        will.qos,
        will.retain,
        will.properties,
        expiresAt,
        will.origin,
      );
      if (client.willDelay > 0 && session.expiryInterval > 0) {
        // Sent after the delay or when the session ends, whichever comes first [MQTT-3.1.3-9].
        session.delayedWill = message;
        this.timers.schedule(session.willTimer, client.willDelay * 1000);
      } else {
        this.publish(message, null);
      }
    }
    this.durable?.detached(session, client);
    if (session.expiryInterval === 0) this.endSession(session);
    else if (session.expiryInterval !== NEVER_EXPIRES)
      this.timers.schedule(session.expiryTimer, session.expiryInterval * 1000);
  }

  sessionExpired(session: Session): void {
    this.endSession(session);
  }

  willDelayElapsed(session: Session): void {
    this.publishDelayedWill(session);
  }

  publishDelayedWill(session: Session): void {
    const will = session.delayedWill;
    session.delayedWill = null;
    if (will !== null) {
      this.durable?.willPublished(session);
      this.publish(will, null);
    }
  }

  /** A session ends: its subscriptions go, a pending will is published [MQTT-3.1.2-8]. */
  endSession(session: Session): void {
    this.durable?.ended(session);
    this.timers.cancel(session.expiryTimer);
    this.timers.cancel(session.willTimer);
    this.sessions.delete(session);
    this.router.removeAll(session);
    session.queue.clear();
    session.inflight.clear();
    session.awaitingRelease.clear();
    this.publishDelayedWill(session);
    this.hooks.notify('sessionTerminated', session.clientId);
  }
}
