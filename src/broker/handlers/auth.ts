import {
  PacketType,
  ReasonCode,
  encodeAuth,
  type AuthPacket,
  type ConnectPacket,
  type Properties,
} from '../../codec/index.js';
import type { EnhancedAuthResult } from '../../hooks/types.js';
import { ClientState, type ClientConnection } from '../client-connection.js';
import { acceptConnect } from './connect.js';

/**
 * MQTT 5 enhanced authentication [MQTT-4.12]: CONNECT names a method, the enhancedAuth hooks
 * run the challenge/response over AUTH packets, and CONNACK ends it. With no hook for the
 * method the answer is CONNACK 0x8C (Bad authentication method).
 */
export function startEnhancedAuth(
  client: ClientConnection,
  packet: ConnectPacket,
  assigned: boolean,
): void {
  const method = packet.properties?.authenticationMethod ?? '';
  client.authMethod = method;
  client.authStep = 0;
  pendingConnects.set(client, { packet, assigned });
  runStep(client, method, packet.properties?.authenticationData ?? null, false);
}

/** AUTH from the client: the next step of a CONNECT exchange, or re-authentication. */
export function handleAuth(client: ClientConnection, packet: AuthPacket): void {
  const method = packet.properties?.authenticationMethod;
  // The method must be present and the same as in CONNECT [MQTT-4.12.0-5, 4.12.1-1].
  if (client.authMethod === null || method !== client.authMethod) {
    client.fail(ReasonCode.PROTOCOL_ERROR, 'AUTH without the CONNECT authentication method');
    return;
  }
  const reauth = client.state === ClientState.CONNECTED;
  if (
    reauth
      ? packet.reasonCode !== ReasonCode.RE_AUTHENTICATE
      : packet.reasonCode !== ReasonCode.CONTINUE_AUTHENTICATION
  ) {
    client.fail(ReasonCode.PROTOCOL_ERROR, 'unexpected AUTH reason code');
    return;
  }
  client.authStep++;
  runStep(client, method, packet.properties?.authenticationData ?? null, reauth);
}

const pendingConnects = new WeakMap<
  ClientConnection,
  { packet: ConnectPacket; assigned: boolean }
>();

function runStep(
  client: ClientConnection,
  method: string,
  data: Buffer | null,
  reauthenticate: boolean,
): void {
  const hooks = client.broker.hooks.get('enhancedAuth');
  const step = { client, method, data, step: client.authStep, reauthenticate };
  const next = (i: number): void => {
    if (hooks === null || i >= hooks.length) {
      settle(client, 'next', reauthenticate);
      return;
    }
    const out = (hooks[i] as (typeof hooks)[number])(step);
    if (out instanceof Promise) {
      client.decoder.pause();
      out.then(
        (r) => {
          client.decoder.resume();
          if (r === 'next') next(i + 1);
          else settle(client, r, reauthenticate);
        },
        () => {
          client.decoder.resume();
          settle(
            client,
            { result: 'fail', reasonCode: ReasonCode.UNSPECIFIED_ERROR },
            reauthenticate,
          );
        },
      );
      return;
    }
    if (out === 'next') next(i + 1);
    else settle(client, out, reauthenticate);
  };
  next(0);
}

function authProperties(method: string, data: Buffer | undefined): Properties {
  const p: Properties = { authenticationMethod: method };
  if (data !== undefined) p.authenticationData = data;
  return p;
}

function settle(
  client: ClientConnection,
  result: EnhancedAuthResult,
  reauthenticate: boolean,
): void {
  if (client.state === ClientState.CLOSED) return;
  const method = client.authMethod ?? '';
  if (result === 'next') {
    client.fail(
      ReasonCode.BAD_AUTHENTICATION_METHOD,
      `authentication method ${method} not supported`,
    );
    return;
  }
  switch (result.result) {
    case 'continue':
      client.send(
        encodeAuth({
          type: PacketType.AUTH,
          reasonCode: ReasonCode.CONTINUE_AUTHENTICATION,
          properties: authProperties(method, result.data),
        }),
      );
      return;
    case 'success': {
      if (reauthenticate) {
        client.send(
          encodeAuth({
            type: PacketType.AUTH,
            reasonCode: 0,
            properties: authProperties(method, result.data),
          }),
        );
        return;
      }
      const pending = pendingConnects.get(client);
      pendingConnects.delete(client);
      if (pending === undefined) return;
      acceptConnect(client, pending.packet, pending.assigned, authProperties(method, result.data));
      return;
    }
    case 'fail':
      client.broker.metrics.authFailures++;
      client.fail(result.reasonCode ?? ReasonCode.NOT_AUTHORIZED, 'authentication failed');
      return;
  }
}
