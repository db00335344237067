export {
  createLogger,
  DEFAULT_LOG_OPTIONS,
  LOG_TARGETS,
  type EdgeLogger,
  type LoggerEnvironment,
  type LoggerHandle,
  type LogOptions,
  type LogStderr,
  type LogTarget,
} from './create-logger.js';
export { LOG_LEVELS, LogConfigError, isLogLevel, type LogLevel } from './levels.js';
export {
  createConsoleStream,
  formatConsoleLine,
  type ConsoleFormatOptions,
} from './console-format.js';
export { RotatingFileStream, type RotatingFileOptions } from './rotating-file.js';
export {
  SyslogStream,
  formatSyslogMessage,
  SYSLOG_DEFAULTS,
  SYSLOG_MAX_OCTETS,
  type SyslogOptions,
} from './syslog.js';
