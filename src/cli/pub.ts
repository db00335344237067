// `edgemq pub`: NanoMQ's nanomq_cli pub on our client. Connects -n clients, publishes the
// message -C times per client (-I ms apart), or each line of stdin with -l, waits for the
// acks of QoS 1/2 and disconnects. Exit 0 when every message was accepted, 1 when the broker
// refused or was unreachable, 2 for bad usage.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { MqttClient, type PublishOptions } from '../client/index.js';
import { validateTopicName } from '../topic/index.js';
import {
  CLIENT_FLAGS,
  CliError,
  clientHelp,
  clientSetup,
  messageCount,
  parseFlags,
  parseQos,
  publishProperties,
  reportFailure,
} from './client-flags.js';
import { connectAll, endAll } from './conn.js';

export const PUB_HELP = clientHelp(
  'pub',
  `Usage: edgemq pub -t TOPIC (-m MESSAGE | -f FILE | -l) [options]

Publishes MESSAGE (or FILE, or each line of stdin) to TOPIC, -C times per client, then
disconnects once QoS 1/2 messages are acknowledged. Exit status: 0 done, 1 the broker
refused or could not be reached, 2 bad usage.`,
);

export async function runPub(argv: string[]): Promise<number> {
  try {
    return await pub(argv);
  } catch (error) {
    return reportFailure('pub', error);
  }
}

async function pub(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, CLIENT_FLAGS, 'pub', "see 'edgemq pub --help'");
  if (flags.has('help')) {
    process.stdout.write(PUB_HELP);
    return 0;
  }
  const setup = clientSetup(flags, 'pub');
  const topics = flags.all('topic');
  const topic = topics[0];
  if (topic === undefined) throw new CliError('missing -t TOPIC', 2);
  if (topics.length > 1) throw new CliError('pub publishes to one topic: give -t once', 2);
  const bad = validateTopicName(topic);
  if (bad !== null) throw new CliError(`-t ${topic}: ${bad.message}`, 2);
  const sources = ['msg', 'file', 'stdin-line'].filter((f) => flags.has(f));
  if (sources.length !== 1) {
    throw new CliError(
      sources.length === 0
        ? 'missing the message: -m MESSAGE, -f FILE or -l (stdin lines)'
        : `give one of -m, -f, -l (got ${sources.map((s) => `--${s}`).join(', ')})`,
      2,
    );
  }
  let payload: Buffer | null = null;
  const file = flags.str('file');
  if (file !== undefined) {
    try {
      payload = readFileSync(file);
    } catch (error) {
      throw new CliError(`-f ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, 2);
    }
  } else if (flags.has('msg')) {
    payload = Buffer.from(flags.str('msg') ?? '');
  }
  const properties = publishProperties(flags);
  const options: PublishOptions = {
    qos: parseQos('--qos', flags.str('qos'), 0),
    retain: flags.bool('retain', false),
    ...(properties === undefined ? {} : { properties }),
  };
  const count = messageCount(flags);
  const interval = flags.int('interval', 0, 86_400_000, 10);

  const clients = await connectAll(setup, 0, (c, connack) => {
    if (setup.verbose) {
      process.stderr.write(
        `connected to ${setup.target} as ${c.clientIdentifier} (session present ${connack.sessionPresent ? 1 : 0})\n`,
      );
    }
  });
  let sent = 0;
  try {
    if (payload === null) {
      sent = await publishLines(clients, topic, options, count);
    } else {
      const message = payload;
      const each = count ?? 1;
      await Promise.all(
        clients.map(async (client) => {
          for (let n = 0; n < each; n++) {
            if (n > 0 && interval > 0) await sleep(interval);
            await client.publish(topic, message, options);
            sent++;
          }
        }),
      );
    }
  } catch (error) {
    await endAll(clients, true);
    throw new CliError((error as Error).message, 1);
  }
  await endAll(clients, false);
  if (setup.verbose) process.stderr.write(`published ${sent} message(s) to ${topic}\n`);
  return 0;
}

/** -l: each non-blank line of stdin, round-robin over the clients, in order per client. */
async function publishLines(
  clients: MqttClient[],
  topic: string,
  options: PublishOptions,
  limit: number | undefined,
): Promise<number> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const pending: Promise<void>[] = [];
  let sent = 0;
  try {
    for await (const line of lines) {
      if (line.length === 0) continue;
      const client = clients[sent % clients.length] as MqttClient;
      const p = client.publish(topic, line, options);
      p.catch(() => undefined); // awaited below; keeps an early failure from going unhandled
      pending.push(p);
      sent++;
      if (limit !== undefined && sent >= limit) break;
    }
  } finally {
    lines.close();
  }
  await Promise.all(pending);
  return sent;
}
