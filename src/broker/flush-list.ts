// The connections with output waiting for this turn's flush. Two arrays used in turn, so a
// turn allocates nothing and a connection added while the list is being flushed waits for
// the next flush.
import type { ClientConnection } from './client-connection.js';

export class FlushList {
  private items: (ClientConnection | undefined)[];
  private spare: (ClientConnection | undefined)[];
  private count: number;

  constructor() {
    this.items = [];
    this.spare = [];
    this.count = 0;
  }

  add(client: ClientConnection): void {
    this.items[this.count++] = client;
  }

  /** Flushes every listed connection, in the order they were added. */
  flushAll(): void {
    const items = this.items;
    const n = this.count;
    this.items = this.spare;
    this.spare = items;
    this.count = 0;
    for (let i = 0; i < n; i++) {
      const client = items[i] as ClientConnection;
      items[i] = undefined;
      client.flush();
    }
  }
}
