// The generic flag table of the command-line tools: a table of flags that drives node:util
// parseArgs, the --help text and NanoMQ's alternative spellings; bad input becomes a
// CliError (exit code 2).
import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

export interface FlagSpec<C extends string = string> {
  /** Long name: the key of the parsed values. */
  readonly name: string;
  readonly short?: string;
  /** Other long names that mean the same (NanoMQ's spellings). */
  readonly aliases?: readonly string[];
  /** 'value' takes an argument; 'switch' none; 'bool' an optional true/false (default true). */
  readonly kind: 'value' | 'switch' | 'bool';
  /** Argument name shown in --help. */
  readonly arg?: string;
  readonly help: string;
  /** The commands that accept the flag; all when absent. */
  readonly for?: readonly C[];
}

const BOOL_WORDS = /^(true|false|yes|no|on|off|1|0)$/i;

/** The parsed flags of one command line: raw strings per flag, every occurrence kept. */
export class Flags {
  private readonly values: Map<string, string[]>;

  constructor(values: Map<string, string[]>) {
    this.values = values;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Every value given, in order (repeatable flags). */
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /** The last value given. */
  str(name: string): string | undefined {
    return this.values.get(name)?.at(-1);
  }

  int(name: string, min: number, max: number): number | undefined;
  int(name: string, min: number, max: number, fallback: number): number;
  int(name: string, min: number, max: number, fallback?: number): number | undefined {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    return parseIntArg(`--${name}`, raw, min, max);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    return parseBoolArg(`--${name}`, raw);
  }
}

export function parseIntArg(flag: string, raw: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliError(`${flag}: expected an integer in ${min}..${max}, got '${raw}'`, 2);
  }
  return value;
}

export function parseBoolArg(flag: string, raw: string): boolean {
  if (!BOOL_WORDS.test(raw)) throw new CliError(`${flag}: expected true or false, got '${raw}'`, 2);
  return /^(true|yes|on|1)$/i.test(raw);
}

/** A parseArgs error message in one short sentence. */
function parseArgsMessage(error: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option ${quoted ?? error.message}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (error.message.includes('argument missing')) return `option ${quoted ?? ''} needs a value`;
    if (error.message.includes('does not take an argument')) {
      return `option ${quoted ?? ''} takes no value`;
    }
    const dashed = /use '([^']+)'/.exec(error.message)?.[1];
    if (dashed !== undefined) {
      return `option ${quoted ?? ''} needs a value (one starting with '-' is written ${dashed})`;
    }
    return `option ${quoted ?? ''}: invalid value`;
  }
  return error.message.split('\n')[0] ?? 'invalid arguments';
}

/**
 * Parses `argv` against `specs` (those meant for `command`). 'bool' flags may stand alone
 * (`-r`) or take true/false (`-r false`, `--retain=false`), as NanoMQ's tools accept.
 */
export function parseFlags<C extends string>(
  argv: readonly string[],
  specs: readonly FlagSpec<C>[],
  command: C,
  helpHint: string,
): Flags {
  const mine = specs.filter((s) => s.for === undefined || s.for.includes(command));
  const canonical = new Map<string, string>();
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple: true }> =
    {};
  const boolTokens = new Set<string>();
  for (const s of mine) {
    const type = s.kind === 'switch' ? 'boolean' : 'string';
    for (const name of [s.name, ...(s.aliases ?? [])]) {
      options[name] = { type, multiple: true };
      canonical.set(name, s.name);
      if (s.kind === 'bool') boolTokens.add(`--${name}`);
    }
    if (s.short !== undefined) {
      options[s.name] = { type, short: s.short, multiple: true };
      if (s.kind === 'bool') boolTokens.add(`-${s.short}`);
    }
  }
  // A 'bool' flag without a true/false word after it means true.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    args.push(token);
    if (token === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (boolTokens.has(token) && !BOOL_WORDS.test(argv[i + 1] ?? '')) args.push('true');
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new CliError(`${parseArgsMessage(error as Error)} (${helpHint})`, 2);
  }
  if (parsed.positionals.length > 0) {
    throw new CliError(`unexpected argument '${parsed.positionals[0]}' (${helpHint})`, 2);
  }
  const values = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(parsed.values)) {
    const key = canonical.get(name) ?? name;
    const list = (raw as (string | boolean)[]).map(String);
    values.set(key, [...(values.get(key) ?? []), ...list]);
  }
  return new Flags(values);
}

/** The option lines of a --help text. */
export function flagHelp<C extends string>(specs: readonly FlagSpec<C>[], command: C): string {
  const rows = specs
    .filter((s) => s.for === undefined || s.for.includes(command))
    .map((s) => {
      const names = [
        ...(s.short === undefined ? [] : [`-${s.short}`]),
        `--${s.name}`,
        ...(s.aliases ?? []).map((a) => `--${a}`),
      ].join(', ');
      const arg = s.kind === 'value' ? ` ${s.arg ?? 'VALUE'}` : s.kind === 'bool' ? ' [BOOL]' : '';
      return [`${names}${arg}`, s.help];
    });
  const width = Math.min(Math.max(...rows.map(([left]) => (left as string).length)) + 2, 44);
  return rows
    .map(([left, help]) => {
      const l = left as string;
      return l.length + 2 > width
        ? `  ${l}\n  ${' '.repeat(width)}${help}`
        : `  ${l.padEnd(width)}${help}`;
    })
    .join('\n');
}
