// `edgemq sub`: NanoMQ's nanomq_cli sub on our client. Subscribes -n clients to every -t
// filter and prints each message: the payload alone, or with -v the topic, QoS, retain flag
// and v5 properties, or with --format json one JSON object per line. Runs until -C messages
// arrived or Ctrl-C (exit 0); a refused subscription or a lost connection exits 1.
import { isUtf8 } from 'node:buffer';
import type { MqttClient, ReceivedMessage, SubscriptionRequest } from '../client/index.js';
import { reasonName } from '../client/reason-codes.js';
import type { Properties, UserProperty } from '../codec/index.js';
import { validateTopicFilter } from '../topic/index.js';
import {
  CLIENT_FLAGS,
  CliError,
  clientHelp,
  clientSetup,
  guardStdout,
  messageCount,
  onStopSignal,
  parseFlags,
  parseQos,
  parseUserProperties,
  reportFailure,
} from './client-flags.js';
import { connectAll, endAll } from './conn.js';

export const SUB_HELP = clientHelp(
  'sub',
  `Usage: edgemq sub -t FILTER [-t FILTER...] [options]

Subscribes to every FILTER and prints each message on its own line: the payload; with -v
"TOPIC qos=Q retain=R [PROPERTIES] PAYLOAD"; with --format json a JSON object (payload as
UTF-8, or base64 when it is not UTF-8). Stops after -C messages or on Ctrl-C.
Exit status: 0 done, 1 refused / unreachable / connection lost, 2 bad usage.`,
);

export async function runSub(argv: string[]): Promise<number> {
  try {
    return await sub(argv);
  } catch (error) {
    return reportFailure('sub', error);
  }
}

type PropertyValue = Properties[keyof Properties];

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Text for a binary property: itself when it is printable UTF-8, else `hex:...`. */
function binaryText(b: Buffer): string {
  const s = b.toString('utf8');
  return isUtf8(b) && !/[\p{Cc}]/u.test(s) ? s : `hex:${b.toString('hex')}`;
}

function quoteIfNeeded(s: string): string {
  return /[\s\]"]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

/**
 * Properties as `user:k=v content-type=text ...` (kebab-case names); '' when there are
 * none. `forMessage` leaves out the Topic Alias, which the client already resolved.
 */
export function describeProperties(p: Properties | null, forMessage = true): string {
  if (p === null) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(p) as [keyof Properties, PropertyValue][]) {
    if (value === undefined || (forMessage && key === 'topicAlias')) continue;
    if (key === 'userProperties') {
      for (const [k, v] of value as UserProperty[]) {
        parts.push(`user:${quoteIfNeeded(k)}=${quoteIfNeeded(v)}`);
      }
    } else if (key === 'subscriptionIdentifiers') {
      parts.push(`subscription-id=${(value as number[]).join(',')}`);
    } else if (Buffer.isBuffer(value)) {
      parts.push(`${kebab(key)}=${quoteIfNeeded(binaryText(value))}`);
    } else if (typeof value === 'string' || typeof value === 'number') {
      parts.push(`${kebab(key)}=${quoteIfNeeded(String(value))}`);
    }
  }
  return parts.join(' ');
}

/** A binary value for JSON: UTF-8 text, or base64 (then `encoding` says so). */
function jsonBinary(b: Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  return isUtf8(b)
    ? { text: b.toString('utf8'), encoding: 'utf8' }
    : { text: b.toString('base64'), encoding: 'base64' };
}

/** One message as a JSON line (without the newline). */
export function messageJson(m: ReceivedMessage): string {
  const payload = jsonBinary(m.payload);
  const out: Record<string, unknown> = {
    topic: m.topic,
    qos: m.qos,
    retain: m.retain,
    payload: payload.text,
    encoding: payload.encoding,
  };
  const p = m.properties;
  if (p !== null) {
    const props: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(p) as [keyof Properties, unknown][]) {
      if (value === undefined || key === 'topicAlias') continue;
      if (Buffer.isBuffer(value)) {
        const b = jsonBinary(value);
        props[key] = b.text;
        if (b.encoding === 'base64') props[`${key}Encoding`] = 'base64';
      } else {
        props[key] = value;
      }
    }
    if (Object.keys(props).length > 0) out.properties = props;
  }
  return JSON.stringify(out);
}

const NL = Buffer.from('\n');

async function sub(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, CLIENT_FLAGS, 'sub', "see 'edgemq sub --help'");
  if (flags.has('help')) {
    process.stdout.write(SUB_HELP);
    return 0;
  }
  const setup = clientSetup(flags, 'sub');
  const filters = flags.all('topic');
  if (filters.length === 0) throw new CliError('missing -t FILTER', 2);
  for (const f of filters) {
    const bad = validateTopicFilter(f);
    if (bad !== null) throw new CliError(`-t ${f}: ${bad.message}`, 2);
  }
  const format = flags.str('format') ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new CliError(`--format: expected text or json, got '${format}'`, 2);
  }
  const qos = parseQos('--qos', flags.str('qos'), 2);
  const retainHandling = flags.int('retain-handling', 0, 2, 0) as 0 | 1 | 2;
  const requests: SubscriptionRequest[] = filters.map((topicFilter) => ({
    topicFilter,
    qos,
    noLocal: flags.has('no-local'),
    retainAsPublished: flags.has('retain-as-published'),
    retainHandling,
  }));
  const subscriptionIdentifier = flags.int('subscription-id', 1, 268_435_455);
  const userProperties = flags.has('user-property')
    ? parseUserProperties(flags.all('user-property'))
    : undefined;
  const count = messageCount(flags);
  const interval = flags.int('interval', 0, 86_400_000, 10);
  const verbose = setup.verbose;
  const json = format === 'json';

  let received = 0;
  let settle: (outcome: Outcome) => void = () => undefined;
  const outcome = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  let finished = false;
  const finish = (code: number, error?: CliError): void => {
    if (finished) return;
    finished = true;
    settle({ code, error });
  };
  const print = (m: ReceivedMessage): void => {
    if (finished) return;
    received++;
    if (json) {
      process.stdout.write(`${messageJson(m)}\n`);
    } else if (verbose) {
      const props = describeProperties(m.properties);
      const head = `${m.topic} qos=${m.qos} retain=${m.retain ? 1 : 0}${props === '' ? '' : ` [${props}]`} `;
      process.stdout.write(Buffer.concat([Buffer.from(head), m.payload, NL]));
    } else {
      process.stdout.write(Buffer.concat([m.payload, NL]));
    }
    if (count !== undefined && received >= count) finish(0);
  };
  guardStdout(() => {
    finish(0);
  });
  const off = onStopSignal(() => {
    finish(0);
  });
  try {
    const clients = await connectAll(
      setup,
      interval,
      (client, connack) => {
        if (verbose) {
          process.stderr.write(
            `connected to ${setup.target} as ${client.clientIdentifier} (session present ${connack.sessionPresent ? 1 : 0})\n`,
          );
        }
      },
      (client: MqttClient) => {
        client.on('message', print);
        client.on('disconnect', (packet) => {
          finish(
            1,
            new CliError(
              `${setup.target} disconnected ${client.clientIdentifier}: ${reasonName(packet.reasonCode)}`,
              1,
            ),
          );
        });
        client.on('offline', () => {
          finish(
            1,
            new CliError(`connection of ${client.clientIdentifier} to ${setup.target} lost`, 1),
          );
        });
      },
    );
    try {
      for (const client of clients) {
        const codes = await client.subscribe(requests, {
          ...(subscriptionIdentifier === undefined ? {} : { subscriptionIdentifier }),
          ...(userProperties === undefined ? {} : { userProperties }),
        });
        const refused = codes.findIndex((code) => code >= 0x80);
        if (refused >= 0) {
          const code = codes[refused] as number;
          throw new CliError(
            `subscription to ${filters[refused] ?? '?'} refused: ${setup.version === 5 ? reasonName(code) : `return code 0x${code.toString(16)}`}`,
            1,
          );
        }
        if (verbose) {
          process.stderr.write(
            `${client.clientIdentifier} subscribed to ${filters.map((f, i) => `${f} (qos ${codes[i] ?? '?'})`).join(', ')}\n`,
          );
        }
      }
    } catch (error) {
      finish(1);
      await endAll(clients, true);
      throw error instanceof CliError ? error : new CliError((error as Error).message, 1);
    }
    const { code, error } = await outcome;
    await endAll(clients, false);
    if (error !== undefined) throw error;
    return code;
  } finally {
    off();
  }
}

interface Outcome {
  code: number;
  error?: CliError | undefined;
}
