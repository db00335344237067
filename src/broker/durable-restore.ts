// Restore at start (DESIGN.md "Persistence and durability"): the broker's sessions, their
// subscriptions, in-flight windows, QoS 2 ids and wills, and the retained messages, from
// the store.
import { PersistenceError } from '../persistence/errors.js';
import {
  OutboundState,
  type MessageData,
  type Persistence,
  type QueueRef,
  type RestoredSession,
  type StoredDelivery,
  type WillData,
} from '../persistence/types.js';
import { TopicError, parseSubscriptionFilter } from '../topic/index.js';
import type { Broker } from './broker.js';
import { Message } from './message.js';
import {
  NEVER_EXPIRES,
  OutState,
  SubscriptionRecord,
  type Outbound,
  type Session,
} from './session.js';
import { messageOf, outboundOf } from './stored-delivery.js';

/**
 * Loads everything before the listeners open: sessions (offline) with subscriptions,
 * in-flight deliveries (resent with DUP on resume), QoS 2 ids, wills and their delays,
 * retained messages. Queued messages stay in the store and are read as sessions drain.
 * Throws PersistenceError when the store cannot be opened.
 */
export function restoreDurableState(broker: Broker, store: Persistence): void {
  const started = Date.now();
  const state = store.open();
  const now = Date.now();
  const shared = new Map<number, Message>();
  const message = (m: MessageData): Message => {
    let msg = shared.get(m.id);
    if (msg === undefined) {
      msg = messageOf(m);
      shared.set(m.id, msg);
    }
    return msg;
  };
  for (const m of state.retained) broker.retained.set(message(m));
  const expired: Session[] = [];
  const wills: Session[] = [];
  let queued = 0;
  for (const s of state.sessions) {
    const session = broker.sessions.restore(s.clientId);
    session.persisted = true;
    session.expiryInterval = s.expiryInterval;
    restoreSubscriptions(broker, session, s);
    for (const id of s.awaitingRelease) session.awaitingRelease.add(id);
    restoreInflight(broker, store, session, s.inflight, message);
    session.spilled = s.queued;
    queued += s.queued;
    if (s.expiryInterval !== NEVER_EXPIRES) {
      // A session whose client was connected at the crash: its clock starts now.
      const expiresAt = s.expiresAt === 0 ? now + s.expiryInterval * 1000 : s.expiresAt;
      if (s.expiresAt === 0)
        store.upsertSession({
          clientId: s.clientId,
          expiryInterval: s.expiryInterval,
          expiresAt,
        });
      if (expiresAt <= now) expired.push(session);
      else broker.timers.schedule(session.expiryTimer, expiresAt - now);
    }
    if (s.will !== null && restoreWill(broker, store, session, s.will, now)) wills.push(session);
  }
  // Due wills go out (to the restored sessions), then expired sessions end.
  for (const session of wills) broker.publishDelayedWill(session);
  for (const session of expired) broker.endSession(session);
  if (!store.commit())
    throw new PersistenceError(
      'EMQ_ERR_PERSIST_IO',
      store.location,
      `${store.location}: writing the restored state failed (${String(store.lastError)})`,
      { cause: store.lastError },
    );
  broker.log.info(
    {
      file: store.location,
      sessions: state.sessions.length,
      retained: state.retained.length,
      queued,
      ms: Date.now() - started,
    },
    'persistence: state restored',
  );
}

function restoreSubscriptions(broker: Broker, session: Session, s: RestoredSession): void {
  for (const sub of s.subscriptions) {
    const parsed = parseSubscriptionFilter(sub.rawFilter);
    if (parsed instanceof TopicError) {
      broker.log.warn(
        { clientId: s.clientId, filter: sub.rawFilter },
        'persistence: stored subscription ignored (invalid filter)',
      );
      continue;
    }
    broker.router.add(
      session,
      new SubscriptionRecord(
        sub.rawFilter,
        parsed.filter,
        parsed.group,
        {
          topicFilter: sub.rawFilter,
          qos: sub.qos,
          noLocal: sub.noLocal,
          retainAsPublished: sub.retainAsPublished,
          retainHandling: sub.retainHandling,
        },
        sub.subscriptionId,
      ),
    );
  }
}

/**
 * The in-flight window, resent on resume (PUBLISH with DUP, or PUBREL) in seq order.
 * Rows keep their packet ids (a QoS 2 receiver knows a resent PUBLISH by its id); rows
 * without one (QoS 1 sent without an update) get ids no kept row uses.
 */
function restoreInflight(
  broker: Broker,
  store: Persistence,
  session: Session,
  window: StoredDelivery[],
  message: (m: MessageData) => Message,
): void {
  const outs: Outbound[] = [];
  const fresh: Outbound[] = [];
  for (const d of window) {
    const out = outboundOf(broker, d, message(d.message));
    const row = d.row;
    session.loadedSeq = Math.max(session.loadedSeq, row.seq);
    outs.push(out);
    if (
      row.state !== OutboundState.QUEUED &&
      row.packetId !== 0 &&
      !session.inflight.has(row.packetId)
    ) {
      out.packetId = row.packetId;
      out.state = row.state;
      session.inflight.set(out.packetId, out); // reserves the id
    } else {
      out.state = row.state === OutboundState.RELEASED ? OutState.RELEASED : OutState.PUBLISHED;
      fresh.push(out);
    }
  }
  for (const out of fresh) {
    out.packetId = session.allocatePacketId();
    if (out.packetId !== 0) session.inflight.set(out.packetId, out);
    if (out.qos === 2 && out.packetId !== 0)
      store.updateOutbound(session.clientId, out.row as QueueRef, out.state as 1 | 2, out.packetId);
  }
  // Rebuild in seq order (the Map's order is the resend order).
  session.inflight.clear();
  for (const out of outs) {
    if (out.packetId !== 0) session.inflight.set(out.packetId, out);
    else {
      out.state = OutState.QUEUED;
      session.queue.push(out); // all 65535 ids taken: waits for a free one
    }
  }
}

/** A stored will: due now (true), or waits out the rest of its delay. */
function restoreWill(
  broker: Broker,
  store: Persistence,
  session: Session,
  will: WillData,
  now: number,
): boolean {
  // Alive at the crash: the connection counts as lost now [MQTT-3.1.2-8].
  const publishAt = will.publishAt !== 0 ? will.publishAt : now + will.delay * 1000;
  const lostAt = publishAt - will.delay * 1000;
  session.delayedWill = new Message(
    will.topic,
    will.payload,
    will.qos,
    will.retain,
    will.properties,
    will.expiryInterval > 0 ? lostAt + will.expiryInterval * 1000 : 0,
    session.clientId,
  ).markOwned();
  if (publishAt <= now || session.expiryInterval === 0) return true;
  if (will.publishAt === 0) store.setWill(session.clientId, { ...will, publishAt });
  broker.timers.schedule(session.willTimer, publishAt - now);
  return false;
}
