// The in-memory Persistence: the reference implementation the shared conformance suite
// holds the SQLite store to, and a store for embedders and tests that restart a broker
// inside one process (it survives `close()`, not the process).
import {
  OutboundState,
  type MessageData,
  type OutboundRow,
  type OutboundStateValue,
  type Persistence,
  type QueueRef,
  type RestoredSession,
  type RestoredState,
  type SessionData,
  type StorableMessage,
  type StoreCounts,
  type StoredDelivery,
  type SubscriptionData,
  type WillData,
} from './types.js';

interface SessionEntry {
  data: SessionData;
  readonly subscriptions: Map<string, SubscriptionData>;
  /** By seq; a Map keeps insertion order, and seqs only grow. */
  readonly queue: Map<number, OutboundRow>;
  readonly awaiting: Set<number>;
  will: WillData | null;
}

interface MessageEntry {
  readonly data: MessageData;
  refs: number;
}

export class MemoryPersistence implements Persistence {
  readonly kind = 'memory';
  readonly location = 'memory';
  onBatch: (() => void) | null = null;
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly messages = new Map<number, MessageEntry>();
  private readonly retained = new Map<string, number>();
  /** Messages stored in this batch: dropped at commit if nothing refers to them. */
  private fresh: number[] = [];
  private nextMessageId = 1;
  private nextSeq = 1;
  private queueRows = 0;
  private mutations = 0;
  /** Commits so far (the batch number). */
  private commits = 0;
  private inBatch = false;

  get queuedCount(): number {
    return this.queueRows;
  }

  get writes(): number {
    return this.mutations;
  }

  get generation(): number {
    return 0;
  }

  get lastError(): Error | null {
    return null;
  }

  open(): RestoredState {
    this.commit();
    const now = Date.now();
    const sessions: RestoredSession[] = [];
    for (const entry of this.sessions.values()) {
      // Rows leave the queue in seq order: every row up to the last one past QUEUED was
      // sent (QUEUED rows among them are QoS 1 rows sent without an update).
      let last = 0;
      for (const row of entry.queue.values())
        if (row.state !== OutboundState.QUEUED) last = row.seq;
      const inflight: StoredDelivery[] = [];
      let queued = 0;
      for (const row of entry.queue.values()) {
        if (row.seq <= last) inflight.push({ row, message: this.message(row.messageId) });
        else if (row.state === OutboundState.QUEUED) queued++;
      }
      sessions.push({
        ...entry.data,
        subscriptions: [...entry.subscriptions.values()],
        inflight,
        awaitingRelease: [...entry.awaiting],
        will: entry.will,
        queued,
      });
    }
    const retained: MessageData[] = [];
    for (const [topic, id] of [...this.retained]) {
      const m = this.message(id);
      if (m.expiresAt !== 0 && m.expiresAt <= now) this.setRetained(topic, null);
      else retained.push(m);
    }
    this.commit();
    return { sessions, retained };
  }

  upsertSession(session: SessionData): void {
    this.touch();
    const entry = this.sessions.get(session.clientId);
    if (entry !== undefined) entry.data = { ...session };
    else
      this.sessions.set(session.clientId, {
        data: { ...session },
        subscriptions: new Map(),
        queue: new Map(),
        awaiting: new Set(),
        will: null,
      });
  }

  deleteSession(clientId: string): void {
    this.touch();
    const entry = this.sessions.get(clientId);
    if (entry === undefined) return;
    for (const row of entry.queue.values()) this.unref(row.messageId);
    this.queueRows -= entry.queue.size;
    this.sessions.delete(clientId);
  }

  addSubscription(clientId: string, subscription: SubscriptionData): void {
    this.touch();
    this.sessions.get(clientId)?.subscriptions.set(subscription.rawFilter, { ...subscription });
  }

  removeSubscription(clientId: string, rawFilter: string): void {
    this.touch();
    this.sessions.get(clientId)?.subscriptions.delete(rawFilter);
  }

  allocateMessageId(): number {
    return this.nextMessageId++;
  }

  storeMessage(id: number, message: StorableMessage): void {
    this.touch();
    if (this.messages.has(id)) return;
    this.messages.set(id, {
      data: {
        id,
        topic: message.topic,
        payload: message.payload,
        qos: message.qos,
        retain: message.retain,
        properties: message.properties,
        expiresAt: message.expiresAt,
        origin: message.origin,
      },
      refs: 0,
    });
    this.fresh.push(id);
  }

  enqueue(
    clientId: string,
    messageId: number,
    qos: 1 | 2,
    retain: boolean,
    subscriptionIds: readonly number[] | null,
    group: string | null,
    state: OutboundStateValue,
    packetId: number,
  ): QueueRef {
    this.touch();
    const seq = this.nextSeq++;
    const row: OutboundRow = {
      clientId,
      seq,
      messageId,
      qos,
      retain,
      subscriptionIds: subscriptionIds === null ? null : [...subscriptionIds],
      group,
      state,
      packetId,
    };
    const entry = this.sessions.get(clientId);
    const message = this.messages.get(messageId);
    // Like a foreign key: a row for an unknown session or message is not kept.
    if (entry === undefined || message === undefined) return row;
    message.refs++;
    this.queueRows++;
    entry.queue.set(seq, row);
    return row;
  }

  updateOutbound(
    clientId: string,
    ref: QueueRef,
    state: OutboundStateValue,
    packetId: number,
  ): void {
    this.touch();
    const queue = this.sessions.get(clientId)?.queue;
    const row = queue?.get(ref.seq);
    if (queue === undefined || row === undefined) return;
    queue.set(ref.seq, { ...row, state, packetId });
  }

  removeOutbound(clientId: string, ref: QueueRef): void {
    this.touch();
    const queue = this.sessions.get(clientId)?.queue;
    const row = queue?.get(ref.seq);
    if (queue === undefined || row === undefined) return;
    queue.delete(ref.seq);
    this.queueRows--;
    this.unref(row.messageId);
  }

  readQueuePage(clientId: string, afterSeq: number, limit: number): StoredDelivery[] {
    const out: StoredDelivery[] = [];
    const queue = this.sessions.get(clientId)?.queue;
    if (queue === undefined) return out;
    for (const row of queue.values()) {
      if (out.length >= limit) break;
      if (row.seq > afterSeq && row.state === OutboundState.QUEUED)
        out.push({ row, message: this.message(row.messageId) });
    }
    return out;
  }

  setAwaitingRelease(clientId: string, packetId: number, awaiting: boolean): void {
    this.touch();
    const set = this.sessions.get(clientId)?.awaiting;
    if (set === undefined) return;
    if (awaiting) set.add(packetId);
    else set.delete(packetId);
  }

  setRetained(topic: string, messageId: number | null): void {
    this.touch();
    const old = this.retained.get(topic);
    if (messageId !== null && this.messages.has(messageId)) {
      if (old === messageId) return;
      const entry = this.messages.get(messageId) as MessageEntry;
      entry.refs++;
      this.retained.set(topic, messageId);
    } else {
      this.retained.delete(topic);
    }
    if (old !== undefined) this.unref(old);
  }

  setWill(clientId: string, will: WillData | null): void {
    this.touch();
    const entry = this.sessions.get(clientId);
    if (entry !== undefined) entry.will = will === null ? null : { ...will };
  }

  counts(): StoreCounts {
    let subscriptions = 0;
    let wills = 0;
    for (const entry of this.sessions.values()) {
      subscriptions += entry.subscriptions.size;
      if (entry.will !== null) wills++;
    }
    return {
      sessions: this.sessions.size,
      subscriptions,
      messages: this.messages.size,
      queued: this.queueRows,
      retained: this.retained.size,
      wills,
    };
  }

  get batch(): number {
    return this.commits;
  }

  /** Nothing is held back: a batch settles at its commit. */
  get settled(): number {
    return this.commits;
  }

  get deferredUntil(): number {
    return 0;
  }

  commit(): boolean {
    this.commits++;
    this.inBatch = false;
    for (const id of this.fresh) {
      const entry = this.messages.get(id);
      if (entry !== undefined && entry.refs <= 0) this.messages.delete(id);
    }
    this.fresh = [];
    return true;
  }

  close(): void {
    this.commit();
  }

  private touch(): void {
    this.mutations++;
    if (!this.inBatch) {
      this.inBatch = true;
      this.onBatch?.();
    }
  }

  private unref(id: number): void {
    const entry = this.messages.get(id);
    if (entry === undefined) return;
    entry.refs--;
    if (entry.refs <= 0) this.messages.delete(id);
  }

  private message(id: number): MessageData {
    const entry = this.messages.get(id);
    if (entry === undefined) throw new Error(`memory store: message ${id} missing`);
    return entry.data;
  }
}
