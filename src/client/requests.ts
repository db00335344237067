// SUBSCRIBE / UNSUBSCRIBE and their acks: packet ids, the registry of granted
// subscriptions, and restoring them after a reconnect that found no session.
import {
  PacketType,
  encodeSubscribe,
  encodeUnsubscribe,
  type Properties,
  type ProtocolVersion,
  type SubackPacket,
  type Subscription,
  type UnsubackPacket,
} from '../codec/index.js';
import type { Connection } from './connection.js';
import { ClientErrorCode, MqttClientError } from './errors.js';
import { reasonName } from './reason-codes.js';
import { PendingRequest, type SessionState } from './session-state.js';
import type { SubscriptionRegistry } from './subscriptions.js';

export type RequestKind = 'subscribe' | 'unsubscribe';
export type RequestSettle = (error: Error | null, codes: number[]) => void;

export class Requests {
  private readonly state: SessionState;
  private readonly registry: SubscriptionRegistry;
  private readonly version: ProtocolVersion;
  /** Failures nobody awaits (a re-subscription the broker refused). */
  private readonly report: (error: Error) => void;

  constructor(
    state: SessionState,
    registry: SubscriptionRegistry,
    version: ProtocolVersion,
    report: (error: Error) => void,
  ) {
    this.state = state;
    this.registry = registry;
    this.version = version;
    this.report = report;
  }

  /** Sends a SUBSCRIBE / UNSUBSCRIBE; resolves with its reason codes. */
  request(
    conn: Connection,
    kind: RequestKind,
    subscriptions: Subscription[],
    topicFilters: string[],
    properties: Properties | null,
  ): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      const sent = this.send(
        conn,
        kind,
        subscriptions,
        topicFilters,
        properties,
        (error, codes) => {
          if (error === null) resolve(codes);
          else reject(error);
        },
      );
      if (!sent) {
        reject(new MqttClientError(ClientErrorCode.NOT_SUPPORTED, 'no free packet identifier'));
      }
    });
  }

  /** Sends the request; false when no packet identifier is free. */
  send(
    conn: Connection,
    kind: RequestKind,
    subscriptions: Subscription[],
    topicFilters: string[],
    properties: Properties | null,
    settle: RequestSettle,
  ): boolean {
    const packetId = this.state.allocateId();
    if (packetId === 0) return false;
    this.state.requests.set(
      packetId,
      new PendingRequest(kind, subscriptions, topicFilters, properties, settle),
    );
    conn.send(
      kind === 'subscribe'
        ? encodeSubscribe(
            { type: PacketType.SUBSCRIBE, packetId, subscriptions, properties },
            this.version,
          )
        : encodeUnsubscribe(
            { type: PacketType.UNSUBSCRIBE, packetId, topicFilters, properties },
            this.version,
          ),
    );
    return true;
  }

  /** Settles the request this ack answers; returns a protocol violation to close with, or null. */
  onAck(p: SubackPacket | UnsubackPacket): string | null {
    const req = this.state.requests.get(p.packetId);
    const kind = p.type === PacketType.SUBACK ? 'subscribe' : 'unsubscribe';
    if (req?.kind !== kind) {
      return `${kind === 'subscribe' ? 'SUBACK' : 'UNSUBACK'} for unknown packet id ${p.packetId}`;
    }
    this.state.requests.delete(p.packetId);
    if (kind === 'subscribe') {
      this.registry.granted(req.subscriptions, p.reasonCodes, req.properties);
      req.settle(null, p.reasonCodes);
    } else {
      // A 3.1.1 UNSUBACK has no payload: every filter counts as removed.
      const codes = p.reasonCodes.length > 0 ? p.reasonCodes : req.topicFilters.map(() => 0);
      this.registry.remove(req.topicFilters.filter((_, i) => (codes[i] ?? 0) < 0x80));
      req.settle(null, codes);
    }
    return null;
  }

  /** Session Present 0: restore the granted subscriptions (one SUBSCRIBE per original call). */
  resubscribe(conn: Connection): void {
    for (const { subscriptions, properties } of this.registry.groups()) {
      this.send(conn, 'subscribe', subscriptions, [], properties, (error, codes) => {
        if (error !== null) {
          this.report(error);
          return;
        }
        const failed = subscriptions
          .map((s, i) => ({ filter: s.topicFilter, code: codes[i] ?? 0 }))
          .filter((f) => f.code >= 0x80)
          .map((f) => `"${f.filter}" (${reasonName(f.code)})`);
        if (failed.length === 0) return;
        this.report(
          new MqttClientError(
            ClientErrorCode.PROTOCOL,
            `re-subscribing after a reconnect failed for ${failed.join(', ')}`,
          ),
        );
      });
    }
  }

  /** The connection is gone (or the client ended): no ack will come. */
  failAll(error: Error): void {
    const pending = [...this.state.requests.values()];
    this.state.requests.clear();
    for (const r of pending) r.settle(error, []);
  }
}
