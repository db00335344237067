// loadConfig: defaults < file (--conf HOCON or --old_conf legacy) < env (NANOMQ_*, then
// EDGEMQ_*) < flags, converted and validated by the one schema.
import { coerce } from './coerce.js';
import { ConfigDraft } from './draft.js';
import { applyEdgemqEnv, applyNanomqEnv, CONF_PATH_ENV, type Env } from './env.js';
import { ConfigError } from './errors.js';
import { applyFlags, type StartFlags } from './flags.js';
import { parseHoconFile } from './hocon.js';
import { parseLegacyFile } from './legacy.js';
import { ConfigSchema, type EdgemqConfig } from './schema.js';

export interface LoadConfigOptions {
  /** HOCON file (`--conf`); else `argvFlags.conf`, else NANOMQ_CONF_PATH. */
  conf?: string | undefined;
  /** Legacy key=value file (`--old_conf`); else `argvFlags.old_conf`. */
  oldConf?: string | undefined;
  /** Environment variables (pass `process.env`); none when omitted. */
  env?: Env;
  /** Parsed `edgemq start` flags (parseStartArgs). */
  argvFlags?: StartFlags;
}

export interface LoadedConfig {
  config: EdgemqConfig;
  /** What edgemq ignores or could not use, one line each, without duplicates. */
  warnings: string[];
  /** The config file read, if any. */
  file?: string;
}

/**
 * Builds the configuration from its layers (flags > env > file > defaults). Throws a
 * ConfigError (EMQ_ERR_CONFIG_FILE / _SYNTAX / _INVALID) whose message names the file position
 * or variable or flag, the key, the value and what was expected.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? {};
  const flags = options.argvFlags ?? {};
  const oldConf = options.oldConf ?? flags.old_conf;
  let conf = options.conf ?? flags.conf;
  if (conf !== undefined && oldConf !== undefined) {
    throw new ConfigError(
      'EMQ_ERR_CONFIG_INVALID',
      '--conf and --old_conf cannot be used together',
    );
  }
  if (conf === undefined && oldConf === undefined) {
    const fromEnv = env[CONF_PATH_ENV];
    if (fromEnv !== undefined && fromEnv.trim() !== '') conf = fromEnv;
  }
  const warnings: string[] = [];
  let draft: ConfigDraft;
  if (conf !== undefined) {
    const parsed = parseHoconFile(conf, { env, onWarning: (w) => warnings.push(w) });
    draft = new ConfigDraft(parsed.value, parsed.origins);
  } else if (oldConf !== undefined) {
    const parsed = parseLegacyFile(oldConf);
    draft = new ConfigDraft(parsed.value, parsed.origins);
    warnings.push(...parsed.warnings);
  } else {
    draft = new ConfigDraft();
  }
  applyNanomqEnv(draft, env);
  applyEdgemqEnv(draft, env);
  applyFlags(draft, flags);
  warnings.push(...draft.warnings);

  const result = coerce(ConfigSchema, draft.raw, draft.origins);
  if (result.errors.length > 0) throw new ConfigError('EMQ_ERR_CONFIG_INVALID', result.errors);
  warnings.push(...result.warnings);
  // coerce() is the validation: it checks every value against the schema and names the key.
  // That its output always satisfies the schema is asserted by the tests with TypeBox's
  // Value.Check (test/config), not here: loading TypeBox's checker at start-up cost ~5 MB of
  // RSS (docs/benchmarks.md, "Idle RSS").
  const loaded: LoadedConfig = {
    config: result.value as EdgemqConfig,
    warnings: [...new Set(warnings)],
  };
  const file = conf ?? oldConf;
  if (file !== undefined) loaded.file = file;
  return loaded;
}
