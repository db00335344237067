// Keep alive [MQTT-3.1.2-23]: send PINGREQ when nothing else was sent for `keepalive`
// seconds, and give up on the connection when PINGRESP does not follow in time. One timer
// per connection, re-armed from the connection's last-write clock (no timer per packet).
import type { Connection } from './connection.js';

export interface KeepAliveOwner {
  sendPingreq(conn: Connection): void;
  pingTimedOut(conn: Connection): void;
}

export class KeepAlive {
  private readonly owner: KeepAliveOwner;
  private conn: Connection | null;
  private intervalMs: number;
  private timeoutMs: number;
  private waiting: boolean;
  private timer: NodeJS.Timeout | null;
  private readonly tickBound: () => void;

  constructor(owner: KeepAliveOwner) {
    this.owner = owner;
    this.conn = null;
    this.intervalMs = 0;
    this.timeoutMs = 0;
    this.waiting = false;
    this.timer = null;
    this.tickBound = () => {
      this.tick();
    };
  }

  start(conn: Connection, keepaliveSeconds: number, timeoutMs: number): void {
    this.stop();
    if (keepaliveSeconds === 0) return;
    this.conn = conn;
    this.intervalMs = keepaliveSeconds * 1000;
    this.timeoutMs = timeoutMs;
    this.arm(this.intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.conn = null;
    this.waiting = false;
  }

  onPingresp(): void {
    if (!this.waiting || this.conn === null) return;
    this.waiting = false;
    this.arm(this.intervalMs - (Date.now() - this.conn.lastWrite));
  }

  private arm(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(this.tickBound, Math.max(ms, 0));
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    const conn = this.conn;
    if (conn === null) return;
    if (this.waiting) {
      this.owner.pingTimedOut(conn);
      return;
    }
    const idle = Date.now() - conn.lastWrite;
    if (idle < this.intervalMs) {
      this.arm(this.intervalMs - idle);
      return;
    }
    this.waiting = true;
    this.owner.sendPingreq(conn);
    this.arm(this.timeoutMs);
  }
}
