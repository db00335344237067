// The config layer's errors: one class, three stable codes (DESIGN.md "Errors and logs").
// A message names where the value came from, the key path, the value and what was expected.

/** Every code a ConfigError can carry, with what it means (the registry for docs). */
export const CONFIG_ERROR_CODES = {
  EMQ_ERR_CONFIG_SYNTAX:
    'a config file is not valid HOCON or key=value text; the message starts with file:line:column',
  EMQ_ERR_CONFIG_INVALID:
    'a value has the wrong type or is out of range; the message names the key, the value and what was expected',
  EMQ_ERR_CONFIG_FILE: 'a config file (or a required include) cannot be read',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERROR_CODES;

/** Bad configuration: start-up stops with `message` (one line) and exit code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  /** Every problem found (the message shows the first one and how many more there are). */
  readonly problems: readonly string[];

  constructor(code: ConfigErrorCode, problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    const first = list[0] ?? 'invalid configuration';
    const more =
      list.length > 1 ? ` (and ${list.length - 1} more problem${list.length > 2 ? 's' : ''})` : '';
    super(first + more);
    this.code = code;
    this.problems = list;
  }
}

/** Where a raw value came from, for messages. */
export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly column: number }
  | { readonly kind: 'env'; readonly name: string; readonly value: string }
  | { readonly kind: 'flag'; readonly name: string; readonly value: string };

/** `nanomq.conf:12:7`, `NANOMQ_MSQ_LEN=abc` or `--msq_len abc`. */
export function formatOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `${origin.file}:${origin.line}:${origin.column}`;
    case 'env':
      return `${origin.name}=${origin.value}`;
    case 'flag':
      return origin.value === '' ? origin.name : `${origin.name} ${origin.value}`;
  }
}

/** Prefixes `message` with its origin when known: `nanomq.conf:3:5: mqtt.x: ...`. */
export function withOrigin(origin: Origin | undefined, message: string): string {
  return origin === undefined ? message : `${formatOrigin(origin)}: ${message}`;
}
