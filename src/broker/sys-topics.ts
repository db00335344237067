import type { ConnectPacket } from '../codec/index.js';
import type { Broker } from './broker.js';
import type { ClientConnection } from './client-connection.js';
import { Message } from './message.js';

export const SYS_CONNECTED = '$SYS/brokers/connected';
export const SYS_DISCONNECTED = '$SYS/brokers/disconnected';
export const VERSION = '0.1.0';

/**
 * `$SYS` topics: NanoMQ's client connected / disconnected JSON events, and Mosquitto-style
 * periodic statistics under `$SYS/broker/` (retained) every `sys_interval` seconds.
 */
export class SysTopics {
  private readonly broker: Broker;
  private handle: ReturnType<typeof setInterval> | null;

  constructor(broker: Broker) {
    this.broker = broker;
    this.handle = null;
  }

  start(): void {
    const seconds = this.broker.options.sysInterval;
    if (seconds <= 0) return;
    this.publishStats();
    this.handle = setInterval(() => {
      this.publishStats();
    }, seconds * 1000);
    this.handle.unref();
  }

  stop(): void {
    if (this.handle !== null) clearInterval(this.handle);
    this.handle = null;
  }

  /** NanoMQ's `$SYS/brokers/connected` payload. */
  connected(client: ClientConnection, packet: ConnectPacket): void {
    if (!this.wanted(SYS_CONNECTED)) return;
    this.emit(SYS_CONNECTED, {
      username: client.username ?? '',
      ts: Date.now(),
      proto_name: packet.protocolName,
      keepalive: packet.keepalive,
      return_code: '0',
      proto_ver: packet.protocolVersion,
      client_id: client.clientId,
      clean_start: packet.clean ? 1 : 0,
      IPv4: client.remoteAddress.replace(/^::ffff:/, ''),
    });
  }

  /** NanoMQ's `$SYS/brokers/disconnected` payload; reason_code is hex, e.g. "8b". */
  disconnected(client: ClientConnection, reasonCode: number): void {
    if (!this.wanted(SYS_DISCONNECTED)) return;
    this.emit(SYS_DISCONNECTED, {
      username: client.username ?? '',
      ts: Date.now(),
      reason_code: reasonCode.toString(16),
      client_id: client.clientId,
      IPv4: client.remoteAddress.replace(/^::ffff:/, ''),
    });
  }

  publishStats(): void {
    const b = this.broker;
    const m = b.metrics;
    const stats: [string, string | number][] = [
      ['version', `edgemq ${VERSION}`],
      ['uptime', `${Math.floor((Date.now() - m.startedAt) / 1000)} seconds`],
      ['clients/connected', m.connectionsCurrent],
      ['clients/total', b.sessions.size],
      ['clients/maximum', m.connectionsTotal],
      ['subscriptions/count', b.router.subscriptionCount],
      ['retained messages/count', b.retained.size],
      ['messages/received', m.messagesReceived],
      ['messages/sent', m.messagesSent],
      ['messages/dropped', m.messagesDropped],
      ['bytes/received', m.bytesReceived],
      ['bytes/sent', m.bytesSent],
    ];
    const store = b.durable?.store;
    if (store !== undefined)
      stats.push(
        // What disk_cache_size bounds, and what happened when it was reached or a commit failed.
        ['persistence/stored', store.queuedCount],
        ['persistence/refused', m.persistenceRefused],
        ['persistence/dropped', m.persistenceDropped],
        ['persistence/failures', m.persistenceFailures],
        ['persistence/commits', m.persistenceCommits],
      );
    for (const [name, value] of stats) {
      b.publish(
        new Message(`$SYS/broker/${name}`, Buffer.from(String(value)), 0, true, null, 0, ''),
        null,
      );
    }
  }

  /** Events are built only when enabled and someone listens (or an observer hook might). */
  private wanted(topic: string): boolean {
    const b = this.broker;
    if (!b.options.sysEvents) return false;
    return b.router.hasSubscribers(topic) || b.hooks.get('messagePublished') !== null;
  }

  private emit(topic: string, body: object): void {
    this.broker.publish(
      new Message(topic, Buffer.from(JSON.stringify(body)), 0, false, null, 0, ''),
      null,
    );
  }
}
