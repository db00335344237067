// `edgemq conn`: connects -n (or NanoMQ's -C) clients, prints each CONNACK (reason code,
// session present, v5 properties), and disconnects at once or after --hold seconds. Also the
// connect / disconnect helpers that pub and sub share.
import { setTimeout as sleep } from 'node:timers/promises';
import { MqttClient, MqttClientError } from '../client/index.js';
import { connackReasonName, reasonName } from '../client/reason-codes.js';
import type { ConnackPacket, ProtocolVersion } from '../codec/index.js';
import {
  CLIENT_FLAGS,
  CliError,
  clientHelp,
  clientSetup,
  onStopSignal,
  parseFlags,
  reportFailure,
  type ClientSetup,
} from './client-flags.js';
import { describeProperties } from './sub.js';

export const CONN_HELP = clientHelp(
  'conn',
  `Usage: edgemq conn [options]

Connects -n clients (NanoMQ's -C also counts clients here), prints each CONNACK and
disconnects, or stays connected for --hold seconds. Exit status: 0 all accepted, 1 refused
or unreachable, 2 bad usage.`,
);

export async function runConn(argv: string[]): Promise<number> {
  try {
    return await conn(argv);
  } catch (error) {
    return reportFailure('conn', error);
  }
}

/** One line per CONNACK: `ID CONNACK reason=0x00 (success) session-present=0 [properties]`. */
export function describeConnack(
  clientId: string,
  connack: ConnackPacket,
  version: ProtocolVersion,
): string {
  const code =
    version === 5
      ? `reason=0x${connack.reasonCode.toString(16).padStart(2, '0')}`
      : `return-code=${connack.reasonCode}`;
  const name = connackReasonName(connack.reasonCode, version).replace(/ \(.*\)$/, '');
  const props = describeProperties(connack.properties, false);
  return `${clientId} CONNACK ${code} (${name}) session-present=${connack.sessionPresent ? 1 : 0}${props === '' ? '' : ` [${props}]`}`;
}

/** The error line for a failed connect: names the broker, says refused / unreachable. */
export function connectError(target: string, error: unknown): CliError {
  if (error instanceof MqttClientError) return new CliError(error.message, 1);
  return new CliError(`cannot connect to ${target}: ${(error as Error).message}`, 1);
}

/**
 * Connects `setup.clients` clients one after the other, `intervalMs` apart; on the first
 * failure ends those connected and throws a CliError (exit 1).
 */
export async function connectAll(
  setup: ClientSetup,
  intervalMs: number,
  onConnect: (client: MqttClient, connack: ConnackPacket) => void,
  prepare?: (client: MqttClient) => void,
): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  try {
    for (let i = 0; i < setup.clients; i++) {
      if (i > 0 && intervalMs > 0) await sleep(intervalMs);
      const client = new MqttClient(setup.options(i));
      clients.push(client);
      prepare?.(client);
      const connack = await client.connect();
      onConnect(client, connack);
    }
  } catch (error) {
    await endAll(clients, true);
    throw connectError(setup.target, error);
  }
  return clients;
}

/** Disconnects every client (DISCONNECT, after pending acks unless `force`). */
export async function endAll(clients: readonly MqttClient[], force: boolean): Promise<void> {
  await Promise.all(clients.map((c) => c.end(force).catch(() => undefined)));
}

async function conn(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, CLIENT_FLAGS, 'conn', "see 'edgemq conn --help'");
  if (flags.has('help')) {
    process.stdout.write(CONN_HELP);
    return 0;
  }
  const setup = clientSetup(flags, 'conn');
  const interval = flags.int('interval', 0, 86_400_000, 10);
  const hold = flags.str('hold') === 'forever' ? -1 : flags.int('hold', 0, 86_400 * 365, 0);
  const state: { lost: CliError | null; stop: boolean; wake: (() => void) | null } = {
    lost: null,
    stop: false,
    wake: null,
  };
  // Installed before connecting: a signal with no handler would kill the process outright.
  const off =
    hold === 0
      ? () => undefined
      : onStopSignal(() => {
          state.stop = true;
          state.wake?.();
        });
  try {
    const clients = await connectAll(
      setup,
      interval,
      (client, connack) => {
        process.stdout.write(
          `${describeConnack(client.clientIdentifier, connack, setup.version)}\n`,
        );
      },
      (client) => {
        client.on('disconnect', (packet) => {
          state.lost ??= new CliError(
            `${setup.target} disconnected ${client.clientIdentifier}: ${reasonName(packet.reasonCode)}`,
            1,
          );
        });
        client.on('offline', () => {
          state.lost ??= new CliError(
            `connection of ${client.clientIdentifier} to ${setup.target} lost`,
            1,
          );
          state.wake?.();
        });
      },
    );
    if (hold !== 0 && state.lost === null && !state.stop) {
      await new Promise<void>((resolve) => {
        const timer = hold > 0 ? setTimeout(resolve, hold * 1000) : null;
        state.wake = () => {
          if (timer !== null) clearTimeout(timer);
          resolve();
        };
      });
    }
    await endAll(clients, false);
  } finally {
    off();
  }
  if (state.lost !== null) throw state.lost;
  return 0;
}
