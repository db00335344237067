import { ReasonCode } from '../codec/index.js';
import type { Broker } from './broker.js';
import type { ClientConnection } from './client-connection.js';
import { Session } from './session.js';

/** Sessions by client id: takeover, clean start, resume [MQTT-3.1.2-4..6, 3.1.4-3]. */
export class SessionRegistry {
  private readonly broker: Broker;
  private readonly byId = new Map<string, Session>();

  constructor(broker: Broker) {
    this.broker = broker;
  }

  get size(): number {
    return this.byId.size;
  }

  get(clientId: string): Session | undefined {
    return this.byId.get(clientId);
  }

  values(): IterableIterator<Session> {
    return this.byId.values();
  }

  /**
   * Binds `client` to its session. A live connection with the same id is taken over (v5:
   * DISCONNECT 0x8E) [MQTT-3.1.4-3]; clean start discards the old session; otherwise it is
   * resumed and Session Present is true [MQTT-3.2.2-3].
   */
  attach(
    client: ClientConnection,
    clean: boolean,
    expiryInterval: number,
  ): { session: Session; present: boolean } {
    const id = client.clientId;
    const previous = this.byId.get(id)?.client;
    if (previous !== null && previous !== undefined && previous !== client) {
      previous.disconnect(ReasonCode.SESSION_TAKEN_OVER);
    }
    let session = this.byId.get(id);
    let present = false;
    if (session !== undefined) {
      this.broker.timers.cancel(session.expiryTimer);
      if (clean) {
        // Clean Start ends the old session, which publishes a will still waiting out its
        // delay [MQTT-3.1.2-4, 3.1.3-9: "the delay has passed or the Session ends"].
        this.broker.endSession(session);
        session = undefined;
      } else {
        // A new connection to the session inside the Will Delay Interval cancels the will [MQTT-3.1.3-9].
        this.broker.timers.cancel(session.willTimer);
        session.delayedWill = null;
        present = true;
      }
    }
    if (session === undefined) {
      session = this.create(id);
    }
    session.client = client;
    session.expiryInterval = expiryInterval;
    client.session = session;
    this.broker.durable?.attached(session, client);
    return { session, present };
  }

  /** A session read back from the store at start (durability.ts), with no client. */
  restore(clientId: string): Session {
    return this.byId.get(clientId) ?? this.create(clientId);
  }

  private create(id: string): Session {
    const session = new Session(id, this.broker);
    this.byId.set(id, session);
    return session;
  }

  delete(session: Session): void {
    if (this.byId.get(session.clientId) === session) this.byId.delete(session.clientId);
  }
}
