import type { Message } from './message.js';

/**
 * Retained messages, one per topic [MQTT-3.3.1-5]. Lookup on SUBSCRIBE scans the stored
 * topics against the filter; it runs per subscription, not per PUBLISH.
 */
export class RetainedStore {
  private readonly byTopic = new Map<string, Message>();

  get size(): number {
    return this.byTopic.size;
  }

  /** Stores the message, or deletes the topic's message for an empty payload [MQTT-3.3.1-6/7]. */
  set(message: Message): void {
    if (message.payload.length === 0) {
      this.byTopic.delete(message.topic);
      return;
    }
    this.byTopic.set(message.topic, message.own());
  }

  get(topic: string): Message | undefined {
    return this.byTopic.get(topic);
  }

  /** Retained messages whose topic matches `filter`, dropping expired ones as it goes. */
  match(filter: string, now: number): Message[] {
    const out: Message[] = [];
    const exact = !filter.includes('+') && !filter.includes('#');
    if (exact) {
      const m = this.byTopic.get(filter);
      if (m !== undefined) this.keepIfLive(m, now, out);
      return out;
    }
    for (const m of this.byTopic.values())
      if (topicMatches(filter, m.topic)) this.keepIfLive(m, now, out);
    return out;
  }

  values(): IterableIterator<Message> {
    return this.byTopic.values();
  }

  private keepIfLive(m: Message, now: number, out: Message[]): void {
    if (m.isExpired(now))
      this.byTopic.delete(m.topic); // [MQTT-3.3.2-5]
    else out.push(m);
  }
}

/** Filter matching for one topic [MQTT-4.7]: `+` one level, `#` the rest (parent too). */
export function topicMatches(filter: string, topic: string): boolean {
  // $-topics are not matched by a leading wildcard [MQTT-4.7.2-1].
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
