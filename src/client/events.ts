// The client's events: lifecycle and messages, never one per protocol packet.
import type { ConnackPacket, DisconnectPacket } from '../codec/index.js';
import type { ReceivedMessage } from './message.js';

export interface ClientEvents {
  /** A connection was accepted (also after each reconnect). */
  connect: [connack: ConnackPacket];
  /** An application message arrived (already acknowledged for QoS 1, PUBREC'd for QoS 2). */
  message: [message: ReceivedMessage];
  /** The broker sent DISCONNECT (v5) with this reason; the connection closes next. */
  disconnect: [packet: DisconnectPacket];
  /** A reconnect attempt starts (1 = the first after the loss). */
  reconnect: [attempt: number];
  /** A connection that had been accepted was lost. */
  offline: [];
  /**
   * Failures nobody awaits: a reconnect attempt that failed, a protocol error by the broker,
   * a keepalive timeout, a failed re-subscription. Emitted only while someone listens, so an
   * unattended client does not crash its process; awaited calls reject instead.
   */
  error: [error: Error];
  /** A network connection (or connection attempt) closed. */
  close: [];
}
