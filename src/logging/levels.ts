// Level names and numbers (pino's), and the one error the logging setup throws.

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** pino's numeric level → upper-case label; unknown numbers fall back to `LVL<n>`. */
export function levelLabel(level: unknown): string {
  switch (level) {
    case 10:
      return 'TRACE';
    case 20:
      return 'DEBUG';
    case 30:
      return 'INFO';
    case 40:
      return 'WARN';
    case 50:
      return 'ERROR';
    case 60:
      return 'FATAL';
    default:
      if (typeof level === 'string') return level.toUpperCase();
      return typeof level === 'number' ? `LVL${level}` : '?';
  }
}

/**
 * RFC 5424 §6.2.1 severity for a pino level: fatal → 2 (critical), error → 3, warn → 4
 * (warning), info → 6 (informational), debug and trace → 7 (debug).
 */
export function syslogSeverity(level: unknown): number {
  const n = typeof level === 'number' ? level : 30;
  if (n >= 60) return 2;
  if (n >= 50) return 3;
  if (n >= 40) return 4;
  if (n >= 30) return 6;
  return 7;
}

/** Bad logging settings (unknown level or target, a log dir that cannot be created...). */
export class LogConfigError extends Error {
  override readonly name = 'LogConfigError';
  readonly code = 'EMQ_ERR_CONFIG_INVALID';
}
