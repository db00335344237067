import {
  PacketType,
  encodePublishHeader,
  publishPacketIdOffset,
  type Properties,
  type PublishPacket,
  type QoS,
} from '../codec/index.js';
import type { Broker } from './broker.js';
import type { ClientConnection } from './client-connection.js';
import type { Message } from './message.js';
import { OutState, Outbound, type Session, type SharedGroupRef } from './session.js';

/**
 * The outbound side of QoS [MQTT-4.3]: writes deliveries to online clients, keeps QoS 1/2
 * messages in flight within the client's window, queues the rest (bounded by
 * max_mqueue_len), and redelivers on session resume.
 */
export class Delivery {
  private readonly broker: Broker;
  /** Deliveries refused because the persistence store is full (handlers/publish.ts: 0x97). */
  refusals: number;

  constructor(broker: Broker) {
    this.broker = broker;
    this.refusals = 0;
  }

  /** One copy of `message` for `session`, at the QoS and retain flag its subscription gives. */
  deliver(
    session: Session,
    message: Message,
    qos: QoS,
    retain: boolean,
    subscriptionIds: number[] | null,
    group: SharedGroupRef | null,
  ): void {
    const client = session.client;
    const online = client !== null && client.connected;
    if (qos === 0) {
      // QoS 0 is neither queued for offline sessions nor for congested sockets: it is dropped.
      if (!online || client.congested) {
        this.drop(session, message, online ? 'congested' : 'offline');
        return;
      }
      this.writePublish(client, message, 0, retain, subscriptionIds, 0, false);
      return;
    }
    const durable = this.broker.durable !== null && session.persisted ? this.broker.durable : null;
    if (durable !== null) {
      // A persistent session: every delivery gets a row, bounded by disk_cache_size; the
      // queue in memory is a window, the rest waits in the store (durability.ts).
      if (!durable.admit(session)) {
        this.refusals++;
        this.drop(session, message, 'store full');
        return;
      }
    } else if (session.pendingCount >= this.broker.options.maxMqueueLen) {
      this.drop(session, message, 'queue full');
      return;
    }
    message.own();
    const out = new Outbound(message, qos, retain, subscriptionIds, group);
    // Straight out only when nothing waits ahead of it (in memory or, `spilled`, in the store).
    if (online && session.queue.length === 0 && session.spilled === 0 && hasRoom(client, session)) {
      this.send(client, session, out);
    } else if (durable !== null) {
      durable.queue(session, out);
      if (session.spilled > 0 && online) this.pump(session);
    } else {
      session.queue.push(out);
    }
  }

  /** Sends queued messages while the window and the socket allow [MQTT-4.9.0-?]. */
  pump(session: Session): void {
    const client = session.client;
    if (client === null || !client.connected) return;
    for (;;) {
      while (session.queue.length > 0 && hasRoom(client, session)) {
        this.send(client, session, session.queue.shift() as Outbound);
      }
      // The memory window ran dry with more in the store: read the next page.
      if (session.spilled === 0 || session.queue.length > 0 || this.broker.durable === null) break;
      if (!hasRoom(client, session)) break;
      if (!this.broker.durable.refill(session)) break;
    }
  }

  /** After CONNACK on a resumed session: resend in-flight PUBLISH (DUP) and PUBREL [MQTT-4.4.0-1]. */
  resume(session: Session): void {
    this.retry(session, Infinity);
    this.pump(session);
  }

  /** Resends in-flight messages sent before `olderThan` (PUBLISH with DUP, or PUBREL). */
  retry(session: Session, olderThan: number): void {
    const client = session.client;
    if (client === null) return;
    const now = Date.now();
    for (const out of session.inflight.values()) {
      if (out.sentAt > olderThan) continue;
      out.sentAt = now;
      if (out.state === OutState.RELEASED) {
        client.sendAck(PacketType.PUBREL, out.packetId, 0);
      } else if (
        !this.writePublish(
          client,
          out.message,
          out.qos,
          out.retain,
          out.subscriptionIds,
          out.packetId,
          true,
        )
      ) {
        // Too large for this connection's Maximum Packet Size: done as if sent [MQTT-3.1.2-25],
        // so it does not hold a window slot and a packet id forever.
        session.inflight.delete(out.packetId);
        this.broker.durable?.done(session, out);
      }
    }
  }

  /** The acknowledgement flow for `out` finished: free its id and send the next one. */
  complete(session: Session, out: Outbound): void {
    session.inflight.delete(out.packetId);
    this.broker.durable?.done(session, out);
    this.broker.hooks.notify('messageAcked', session.clientId, out.message);
    this.pump(session);
  }

  private send(client: ClientConnection, session: Session, out: Outbound): void {
    const now = Date.now();
    if (out.message.isExpired(now)) {
      this.broker.metrics.messagesExpired++;
      this.drop(session, out.message, 'expired');
      this.broker.durable?.done(session, out);
      return;
    }
    const id = session.allocatePacketId();
    if (id === 0) {
      session.queue.push(out);
      return;
    }
    out.packetId = id;
    out.state = OutState.PUBLISHED;
    out.sentAt = now;
    if (
      this.writePublish(client, out.message, out.qos, out.retain, out.subscriptionIds, id, false)
    ) {
      session.inflight.set(id, out);
      // Persisted before the turn's flush writes this PUBLISH (Broker.flushAll commits first).
      if (session.persisted) this.broker.durable?.sent(session, out);
    } else {
      this.broker.durable?.done(session, out);
    }
  }

  /** A delivery of `session` leaves it without being completed (shared-group handover). */
  forget(session: Session, out: Outbound): void {
    this.broker.durable?.done(session, out);
  }

  /** Counts a message dropped for `session` and tells the observers. */
  dropped(session: Session, message: Message, why: string): void {
    this.drop(session, message, why);
  }

  private drop(session: Session, message: Message, why: string): void {
    this.broker.metrics.messagesDropped++;
    this.broker.hooks.notify('messageDropped', session.clientId, message, why);
  }

  /**
   * Writes one PUBLISH as header + shared payload. Headers are cached on the message per
   * wire form (version, QoS, retain) when nothing per-delivery varies; QoS>0 copies the
   * cached header and patches in its packet id. Returns false when the message was dropped.
   */
  writePublish(
    client: ClientConnection,
    message: Message,
    qos: QoS,
    retain: boolean,
    subscriptionIds: number[] | null,
    packetId: number,
    dup: boolean,
  ): boolean {
    const now = Date.now();
    // Expiry stops a first delivery only; once sent, a PUBLISH is resent as it is [MQTT-4.3.3-7].
    if (!dup && message.isExpired(now)) {
      this.broker.metrics.messagesExpired++;
      return false;
    }
    const v5 = client.protocolVersion === 5;
    const perDelivery =
      dup ||
      (v5 &&
        (subscriptionIds !== null || message.expiresAt !== 0 || client.outboundAliases !== null));
    let header: Buffer;
    if (perDelivery) {
      const aliased = v5 && client.outboundAliases !== null;
      header = encodePublishHeader(
        this.packet(client, message, qos, retain, subscriptionIds, packetId, dup, now, !aliased),
        client.protocolVersion,
      );
      if (aliased) {
        // Size first, alias second: a PUBLISH dropped for size must not leave an alias
        // mapping the client never saw (same size either way: the alias is 2 bytes).
        if (header.length + message.payload.length > client.maxPacketSizeOut) {
          this.broker.metrics.messagesDropped++;
          return false;
        }
        header = encodePublishHeader(
          this.packet(client, message, qos, retain, subscriptionIds, packetId, dup, now, true),
          client.protocolVersion,
        );
      }
    } else {
      const slot = (v5 ? 6 : 0) + qos * 2 + (retain ? 1 : 0);
      const cache =
        message.headerCache ?? (message.headerCache = new Array<Buffer | undefined>(12));
      let template = cache[slot];
      if (template === undefined) {
        template = encodePublishHeader(
          this.packet(client, message, qos, retain, null, 0, false, now),
          client.protocolVersion,
        );
        cache[slot] = template;
      }
      if (qos === 0) {
        header = template;
      } else {
        if (message.topicBytes === -1) message.topicBytes = Buffer.byteLength(message.topic);
        header = Buffer.allocUnsafe(template.length);
        template.copy(header);
        const at = publishPacketIdOffset(header, message.topicBytes);
        header[at] = packetId >>> 8;
        header[at + 1] = packetId & 0xff;
      }
    }
    // Never send more than the client's Maximum Packet Size: the message is discarded for
    // this client as if delivered [MQTT-3.1.2-24, 3.1.2-25].
    if (header.length + message.payload.length > client.maxPacketSizeOut) {
      this.broker.metrics.messagesDropped++;
      return false;
    }
    client.sendDelivery(header);
    if (message.payload.length > 0) client.send(message.payload);
    this.broker.metrics.messagesSent++;
    if (this.broker.hooks.get('messageDelivered') !== null) {
      this.broker.hooks.notify('messageDelivered', client.clientId, message);
    }
    return true;
  }

  private packet(
    client: ClientConnection,
    message: Message,
    qos: QoS,
    retain: boolean,
    subscriptionIds: number[] | null,
    packetId: number,
    dup: boolean,
    now: number,
    assignAlias = true,
  ): PublishPacket {
    let topic = message.topic;
    let properties: Properties | null = message.properties;
    if (client.protocolVersion === 5) {
      const extra: Properties = {};
      let changed = false;
      // Forward the remaining lifetime, not the original interval [MQTT-3.3.2-6].
      if (message.expiresAt !== 0) {
        extra.messageExpiryInterval = message.remainingExpiry(now);
        changed = true;
      }
      // Every matching subscription's identifier [MQTT-3.3.4-3].
      if (subscriptionIds !== null) {
        extra.subscriptionIdentifiers = subscriptionIds;
        changed = true;
      }
      if (client.outboundAliases !== null) {
        const aliases = client.outboundAliases;
        // Without assignAlias: the same wire size, but no mapping is made (see writePublish).
        const known = assignAlias ? 0 : aliases.peek(topic);
        const alias = assignAlias
          ? aliases.assign(topic)
          : { alias: known === 0 ? aliases.max : known, sendTopic: known === 0 };
        if (alias.alias !== 0) {
          extra.topicAlias = alias.alias;
          if (!alias.sendTopic) topic = '';
          changed = true;
        }
      }
      if (changed) properties = { ...message.properties, ...extra };
    }
    return {
      type: PacketType.PUBLISH,
      topic,
      payload: message.payload,
      qos,
      retain,
      dup,
      packetId,
      properties,
    };
  }
}

/** The client's window has a free slot and its socket is not congested [MQTT-3.3.4-7]. */
function hasRoom(client: ClientConnection, session: Session): boolean {
  return session.inflight.size < client.sendWindow && !client.congested;
}
