// The typed hook map plugins attach to (DESIGN.md "Hooks and plugins"). Decision hooks may
// return a promise; a plain value keeps the broker's path synchronous. Observer hooks are
// fire-and-forget: they must not block and their exceptions are caught and counted.
import type { Properties, ProtocolVersion, QoS, Subscription } from '../codec/index.js';

export interface ClientInfo {
  readonly clientId: string;
  readonly username: string | null;
  readonly protocolVersion: ProtocolVersion;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly transport: string;
}

/** A verified client certificate (mutual TLS): its subject fields and Common Name. */
export interface CertificateInfo {
  readonly subject: Readonly<Record<string, string>>;
  readonly cn: string | null;
}

export interface ConnectContext extends ClientInfo {
  readonly password: Buffer | null;
  readonly clean: boolean;
  readonly keepalive: number;
  readonly properties: Properties | null;
  /** The client certificate, when the listener verified one (tls / wss with verify_peer). */
  readonly certificate?: CertificateInfo | null;
}

/** A message as hooks see it. */
export interface MessageInfo {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties | null;
}

/**
 * A decision: 'allow', 'deny' (the default refusal code of that step), a specific MQTT 5
 * reason code to refuse with, or 'next' to let the next hook decide.
 */
export type Verdict = 'allow' | 'deny' | 'next' | { reasonCode: number };
export type MaybePromise<T> = T | Promise<T>;

/** One step of MQTT 5 enhanced authentication (AUTH packets) [MQTT-4.12]. */
export interface EnhancedAuthStep {
  readonly client: ClientInfo;
  readonly method: string;
  readonly data: Buffer | null;
  /** 0 for the CONNECT, then 1, 2, ... for each AUTH from the client. */
  readonly step: number;
  /** True when the client asked to re-authenticate on a live connection [MQTT-4.12.1]. */
  readonly reauthenticate: boolean;
}

export type EnhancedAuthResult =
  | 'next'
  | { result: 'continue'; data?: Buffer }
  | { result: 'success'; data?: Buffer }
  | { result: 'fail'; reasonCode?: number };

export interface DecisionHooks {
  authenticate(ctx: ConnectContext): MaybePromise<Verdict>;
  /** Handles the AUTH exchange for the methods it knows, 'next' otherwise. */
  enhancedAuth(step: EnhancedAuthStep): MaybePromise<EnhancedAuthResult>;
  authorizePublish(client: ClientInfo, message: MessageInfo): MaybePromise<Verdict>;
  authorizeSubscribe(client: ClientInfo, subscription: Subscription): MaybePromise<Verdict>;
}

export interface ObserverHooks {
  clientConnected(client: ClientInfo): void;
  clientDisconnected(client: ClientInfo, reasonCode: number): void;
  messagePublished(message: MessageInfo, from: ClientInfo | null): void;
  messageDelivered(clientId: string, message: MessageInfo): void;
  messageAcked(clientId: string, message: MessageInfo): void;
  messageDropped(clientId: string, message: MessageInfo, why: string): void;
  subscribed(client: ClientInfo, subscription: Subscription): void;
  unsubscribed(client: ClientInfo, topicFilter: string): void;
  sessionTerminated(clientId: string): void;
}

export type HookMap = DecisionHooks & ObserverHooks;
export type HookName = keyof HookMap;
