import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

/** A config file's text; an unreadable file is EMQ_ERR_CONFIG_FILE naming the file and why. */
export function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : (code ?? String(error));
    throw new ConfigError('EMQ_ERR_CONFIG_FILE', `cannot read config file ${file}: ${why}`);
  }
}
