// loadConfig: precedence (flags > env > file > defaults), NanoMQ env vars and flags, and
// messages for invalid values that name where, which key, which value and what is expected.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../../src/config/errors.js';
import { parseStartArgs } from '../../src/config/flags.js';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { edgemqEnvTable, hotUpdatablePaths } from '../../src/config/schema-paths.js';
import {
  persistenceOptions,
  tcpListeners,
  toBrokerOptions,
} from '../../src/config/to-broker-options.js';
import { tempFiles, warnedKeys } from './support.js';

function conf(text: string): string {
  return tempFiles({ 'nanomq.conf': text }).path('nanomq.conf');
}

/** Asserts loadConfig fails with `code` and a message equal to / matching `message`. */
function fails(
  options: LoadConfigOptions,
  code: ConfigError['code'],
  message: string | RegExp,
): ConfigError {
  let caught: unknown;
  try {
    loadConfig(options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

describe('defaults', () => {
  test('with nothing given: the schema defaults, TCP on 0.0.0.0:1883, no warnings', () => {
    const { config, warnings } = loadConfig();
    assert.deepEqual(warnings, []);
    assert.ok(Value.Check(ConfigSchema, config));
    assert.deepEqual(config.listeners, { tcp: { bind: '0.0.0.0:1883' } });
    assert.equal(config.mqtt.max_packet_size, 256 * 1024 * 1024);
    assert.equal(config.log.level, 'warn');
    assert.deepEqual(config.log.to, ['console']);
    assert.equal(config.sqlite, undefined, 'absent blocks stay absent');
  });

  test('every default satisfies its own schema', () => {
    assert.ok(Value.Check(ConfigSchema, loadConfig().config));
  });
});

describe('precedence: flags > env > file > defaults', () => {
  const file = conf('mqtt.max_mqueue_len = 100\nlog.level = error\n');
  const nanomq = { NANOMQ_MSQ_LEN: '200' };
  const edgemq = { ...nanomq, EDGEMQ_MQTT_MAX_MQUEUE_LEN: '300' };
  const flags = parseStartArgs(['-S', '400']);
  const len = (o: LoadConfigOptions): number => loadConfig(o).config.mqtt.max_mqueue_len;

  test('each layer overrides the one below it', () => {
    assert.equal(len({}), 2048);
    assert.equal(len({ conf: file }), 100);
    assert.equal(len({ conf: file, env: nanomq }), 200);
    assert.equal(len({ conf: file, env: edgemq }), 300);
    assert.equal(len({ conf: file, env: edgemq, argvFlags: flags }), 400);
  });

  test('a layer only overrides the keys it sets', () => {
    const { config } = loadConfig({ conf: file, env: edgemq, argvFlags: flags });
    assert.equal(config.log.level, 'error');
    assert.equal(config.mqtt.retry_interval, 10);
  });

  test('--conf comes from the flags, else NANOMQ_CONF_PATH', () => {
    assert.equal(len({ argvFlags: parseStartArgs(['--conf', file]) }), 100);
    assert.equal(len({ env: { NANOMQ_CONF_PATH: file } }), 100);
  });
});

describe('NanoMQ environment variables', () => {
  test('map to their keys (b.3)', () => {
    const { config } = loadConfig({
      env: {
        NANOMQ_BROKER_URL: 'nmq-tcp://127.0.0.1:1999',
        NANOMQ_QOS_DURATION: '30',
        NANOMQ_ALLOW_ANONYMOUS: 'false',
        NANOMQ_LOG_TO: 'file|console',
        NANOMQ_LOG_LEVEL: 'debug',
        NANOMQ_LOG_ROTATION_SIZE: '1MB',
        NANOMQ_HTTP_SERVER_ENABLE: 'true',
        NANOMQ_HTTP_SERVER_PORT: '9000',
      },
    });
    assert.deepEqual(tcpListeners(config), [{ kind: 'tcp', host: '127.0.0.1', port: 1999 }]);
    assert.equal(config.mqtt.retry_interval, 30);
    assert.equal(config.auth.allow_anonymous, false);
    assert.deepEqual(config.log.to, ['file', 'console']);
    assert.equal(config.log.level, 'debug');
    assert.equal(config.log.rotation.size, 1024 * 1024);
    assert.equal(config.http_server?.port, 9000);
  });

  test('*_ENABLE=false removes the block of the file and ignores the block’s variables', () => {
    const file = conf(
      'listeners.ssl { bind = "0.0.0.0:8883" }\nlisteners.ws { bind = "0.0.0.0:8083/mqtt" }\n',
    );
    const { config, warnings } = loadConfig({
      conf: file,
      env: {
        NANOMQ_TLS_ENABLE: 'false',
        NANOMQ_TLS_CERT_PATH: '/c.pem',
        NANOMQ_WEBSOCKET_URL: 'nmq-ws://0.0.0.0:9083/ws',
      },
    });
    assert.equal(config.listeners.ssl, undefined);
    assert.equal(config.listeners.ws?.bind, '0.0.0.0:9083/ws');
    assert.deepEqual(warnings, []);
  });

  test('an invalid value names the variable', () => {
    fails(
      { env: { NANOMQ_MSQ_LEN: 'lots' } },
      'EMQ_ERR_CONFIG_INVALID',
      'NANOMQ_MSQ_LEN=lots: mqtt.max_mqueue_len: "lots" is not a number (expected an integer >= 1)',
    );
    fails(
      { env: { NANOMQ_TLS_ENABLE: 'maybe' } },
      'EMQ_ERR_CONFIG_INVALID',
      'NANOMQ_TLS_ENABLE=maybe: not a boolean (expected true or false)',
    );
    fails(
      { env: { NANOMQ_BROKER_URL: 'http://x' } },
      'EMQ_ERR_CONFIG_INVALID',
      /^NANOMQ_BROKER_URL=http:\/\/x: unsupported scheme http:/,
    );
  });
});

describe('EDGEMQ_<PATH> variables', () => {
  test('one per key, named after its path, all distinct', () => {
    const table = edgemqEnvTable();
    assert.deepEqual(table.get('EDGEMQ_MQTT_MAX_PACKET_SIZE'), ['mqtt', 'max_packet_size']);
    assert.deepEqual(table.get('EDGEMQ_LOG_ROTATION_COUNT'), ['log', 'rotation', 'count']);
    assert.deepEqual(table.get('EDGEMQ_LISTENERS_TCP_BIND'), ['listeners', 'tcp', 'bind']);
    assert.equal(table.size, new Set([...table.values()].map((p) => p.join('.'))).size);
  });

  test('set keys with units and lists', () => {
    const { config } = loadConfig({
      env: {
        EDGEMQ_MQTT_MAX_PACKET_SIZE: '64KB',
        EDGEMQ_LOG_TO: 'console,syslog',
        EDGEMQ_MQTT_RETRY_INTERVAL: '1500ms',
      },
    });
    assert.equal(config.mqtt.max_packet_size, 65536);
    assert.deepEqual(config.log.to, ['console', 'syslog']);
    assert.equal(config.mqtt.retry_interval, 1.5);
  });

  test('an unknown EDGEMQ_ variable that looks like a key is a warning; others are not ours', () => {
    const { warnings } = loadConfig({
      env: { EDGEMQ_MQTT_MAX_PACKT_SIZE: '1', EDGEMQ_RUN_DIR: '/run' },
    });
    assert.deepEqual(warnings, [
      'EDGEMQ_MQTT_MAX_PACKT_SIZE: no config key has this name (ignored)',
    ]);
  });
});

describe('flags of nanomq start (b.10)', () => {
  test('map to their keys', () => {
    const flags = parseStartArgs([
      '-t',
      '4',
      '-T',
      '8',
      '-n',
      '16',
      '-s',
      '64',
      '-S',
      '99',
      '-D',
      '5',
      '--log_level',
      'info',
      '--http',
      '-p',
      '8090',
    ]);
    const { config, warnings } = loadConfig({ argvFlags: flags });
    assert.equal(config.system.num_taskq_thread, 4);
    assert.equal(config.system.max_taskq_thread, 8);
    assert.equal(config.system.parallel, 16);
    assert.equal(config.mqtt.property_size, 64);
    assert.equal(config.mqtt.max_mqueue_len, 99);
    assert.equal(config.mqtt.retry_interval, 5);
    assert.equal(config.log.level, 'info');
    assert.equal(config.http_server?.port, 8090);
    assert.deepEqual(warnedKeys(warnings), [
      'system.num_taskq_thread',
      'system.max_taskq_thread',
      'system.parallel',
      'mqtt.property_size',
      'http_server',
    ]);
    assert.match(
      warnings[0]!,
      /^--tq_thread 4: system\.num_taskq_thread: 4 has no effect \(edgemq runs on one Node\.js event loop/,
    );
  });

  test('--url replaces every listener of the file; repeated URLs add listeners', () => {
    const file = conf(
      'listeners.tcp.bind = "0.0.0.0:1883"\nlisteners.tcp.other.bind = "0.0.0.0:1884"\nlisteners.ws {}\n',
    );
    const flags = parseStartArgs([
      '--url',
      'nmq-tcp://127.0.0.1:0',
      '--url',
      'tcp://127.0.0.2:1888',
    ]);
    const { config, warnings } = loadConfig({ conf: file, argvFlags: flags });
    assert.deepEqual(warnings, []);
    assert.deepEqual(tcpListeners(config), [
      { kind: 'tcp', host: '127.0.0.1', port: 0 },
      { kind: 'tcp', host: '127.0.0.2', port: 1888, name: 'url_2' },
    ]);
    assert.equal(config.listeners.ws, undefined);
  });

  test('TLS flags fill listeners.ssl; --verify and --fail take an optional boolean', () => {
    const flags = parseStartArgs([
      '--cacert',
      'ca.pem',
      '-E',
      'c.pem',
      '--key',
      'k.pem',
      '--keypass',
      'pw',
      '--verify',
      '--fail',
      'false',
    ]);
    const { config } = loadConfig({ argvFlags: flags });
    assert.deepEqual(config.listeners.ssl, {
      bind: '0.0.0.0:8883',
      cacertfile: 'ca.pem',
      certfile: 'c.pem',
      keyfile: 'k.pem',
      key_password: 'pw',
      verify_peer: true,
      fail_if_no_peer_cert: false,
    });
  });

  test('log flags edit log.to', () => {
    const file = conf('log { to = [console] }\n');
    const flags = parseStartArgs([
      '--log_file',
      '/var/log/edgemq/broker.log',
      '--log_stdout',
      'false',
      '--log_syslog',
      'true',
    ]);
    const { config } = loadConfig({ conf: file, argvFlags: flags });
    assert.deepEqual(config.log.to, ['file', 'syslog']);
    assert.equal(config.log.dir, '/var/log/edgemq');
    assert.equal(config.log.file, 'broker.log');
  });

  test('-d sets system.daemon (edgemq start then runs in the background, no warning)', () => {
    const { config, warnings } = loadConfig({ argvFlags: parseStartArgs(['-d']) });
    assert.equal(config.system.daemon, true);
    assert.deepEqual(warnings, []);
  });

  test('bad flags: unknown, missing value, bad URL, bad boolean', () => {
    assert.throws(() => parseStartArgs(['--bogus']), /--bogus/);
    assert.throws(() => parseStartArgs(['--conf']), /--conf/);
    fails(
      { argvFlags: parseStartArgs(['--url', 'http://127.0.0.1:1883']) },
      'EMQ_ERR_CONFIG_INVALID',
      /^--url http:\/\/127\.0\.0\.1:1883: unsupported scheme/,
    );
    fails(
      { argvFlags: parseStartArgs(['--url', 'nmq-tcp://127.0.0.1:70000']) },
      'EMQ_ERR_CONFIG_INVALID',
      /^--url nmq-tcp:\/\/127\.0\.0\.1:70000: invalid port 70000/,
    );
    fails(
      { argvFlags: parseStartArgs(['--log_stdout', 'maybe']) },
      'EMQ_ERR_CONFIG_INVALID',
      '--log_stdout maybe: not a boolean (expected true or false)',
    );
    fails(
      { argvFlags: parseStartArgs(['--log_level', 'nope']) },
      'EMQ_ERR_CONFIG_INVALID',
      '--log_level nope: log.level: "nope" is not a valid choice (expected one of trace, debug, info, warn, error, fatal)',
    );
  });

  test('--conf and --old_conf together are refused', () => {
    fails(
      { conf: 'a.conf', oldConf: 'b.conf' },
      'EMQ_ERR_CONFIG_INVALID',
      '--conf and --old_conf cannot be used together',
    );
  });
});

describe('invalid values name the key, the value and what was expected', () => {
  const cases: [string, string][] = [
    [
      'mqtt {\n  keepalive_multiplier = abc\n}',
      'nanomq.conf:2:3: mqtt.keepalive_multiplier: "abc" is not a number (expected a number > 0.5)',
    ],
    [
      'mqtt.keepalive_multiplier = 0.5',
      'nanomq.conf:1:1: mqtt.keepalive_multiplier: 0.5 is out of range (expected a number > 0.5)',
    ],
    [
      'mqtt.max_packet_size = 10XB',
      'nanomq.conf:1:1: mqtt.max_packet_size: "10XB" is not a size (expected a size such as 1024, 64KB, 10MB or 1GB between 1B and 260MB)',
    ],
    [
      'mqtt.max_packet_size = 1GB',
      'nanomq.conf:1:1: mqtt.max_packet_size: "1GB" is out of range (expected a size such as 1024, 64KB, 10MB or 1GB between 1B and 260MB)',
    ],
    [
      'mqtt.retry_interval = soon',
      'nanomq.conf:1:1: mqtt.retry_interval: "soon" is not a duration (expected a duration such as 500ms, 10s, 5m or 1h (a bare number is seconds) > 0s)',
    ],
    [
      'mqtt.max_topic_alias = 70000',
      'nanomq.conf:1:1: mqtt.max_topic_alias: 70000 is out of range (expected an integer between 0 and 65535)',
    ],
    [
      'mqtt.max_mqueue_len = 10.5',
      'nanomq.conf:1:1: mqtt.max_mqueue_len: 10.5 is not a whole number (expected an integer >= 1)',
    ],
    [
      'log.level = loud',
      'nanomq.conf:1:1: log.level: "loud" is not a valid choice (expected one of trace, debug, info, warn, error, fatal)',
    ],
    [
      'log.to = [file, printer]',
      'nanomq.conf:1:17: log.to.1: "printer" is not a valid choice (expected one of file, console, syslog)',
    ],
    [
      'auth.allow_anonymous = maybe',
      'nanomq.conf:1:1: auth.allow_anonymous: "maybe" is not a boolean (expected true or false)',
    ],
    [
      'listeners.tcp.bind = "0.0.0.0"',
      'nanomq.conf:1:1: listeners.tcp.bind: "0.0.0.0" is not a valid address (expected HOST:PORT such as "0.0.0.0:1883")',
    ],
    [
      'listeners.tcp.edge.bind = "0.0.0.0:99999"',
      'nanomq.conf:1:1: listeners.tcp.edge.bind: "0.0.0.0:99999" is not a valid address (expected HOST:PORT such as "0.0.0.0:1883")',
    ],
    ['mqtt = 5', 'nanomq.conf:1:1: mqtt: 5 is not a block (expected a { ... } block)'],
    [
      'log.rotation = [1, 2]',
      'nanomq.conf:1:1: log.rotation: a list is not a block (expected a { ... } block)',
    ],
  ];
  for (const [text, message] of cases) {
    test(message.replace(/^nanomq\.conf:\d+:\d+: /, '').split(' (expected')[0] ?? message, () => {
      const err = fails({ conf: conf(text) }, 'EMQ_ERR_CONFIG_INVALID', /./);
      assert.equal(err.message.replace(/^.*nanomq\.conf/, 'nanomq.conf'), message);
    });
  }

  test('every problem is collected; the message shows the first and a count', () => {
    const err = fails(
      { conf: conf('mqtt.max_mqueue_len = x\nlog.level = y\nauth.allow_anonymous = z\n') },
      'EMQ_ERR_CONFIG_INVALID',
      /\(and 2 more problems\)$/,
    );
    assert.equal(err.problems.length, 3);
    assert.ok(!err.message.includes('\n'));
  });

  test('syntax errors and missing files have their own codes', () => {
    fails(
      { conf: conf('mqtt {\n') },
      'EMQ_ERR_CONFIG_SYNTAX',
      /nanomq\.conf:2:1: expected '\}' to close the '\{' at 1:6$/,
    );
    fails(
      { conf: '/nonexistent/nanomq.conf' },
      'EMQ_ERR_CONFIG_FILE',
      'cannot read config file /nonexistent/nanomq.conf: no such file',
    );
    fails(
      { oldConf: '/nonexistent/old.conf' },
      'EMQ_ERR_CONFIG_FILE',
      'cannot read config file /nonexistent/old.conf: no such file',
    );
  });
});

describe('warnings', () => {
  test('an unknown key is a warning, with a suggestion for a typo', () => {
    const { warnings } = loadConfig({ conf: conf('mqtt.max_packet_sise = 1KB\nfrobnicate = 1\n') });
    assert.deepEqual(
      warnings.map((w) => w.replace(/^.*nanomq\.conf/, 'nanomq.conf')),
      [
        'nanomq.conf:1:1: mqtt.max_packet_sise: unknown key (ignored; did you mean mqtt.max_packet_size?)',
        'nanomq.conf:2:1: frobnicate: unknown key (ignored)',
      ],
    );
  });

  test('a section not implemented yet is reported once, even with many keys', () => {
    const { warnings, config } = loadConfig({
      conf: conf(
        'http_server {\n  port = lots\n  limit_conn = 10\n  nonsense = 1\n}\nhttp_server.ip_addr = "127.0.0.1"\n',
      ),
    });
    assert.deepEqual(warnedKeys(warnings), ['http_server']);
    // Bad values inside an ignored section fall back to their defaults instead of stopping start-up.
    assert.equal(config.http_server?.port, 8081);
    assert.equal(config.http_server.limit_conn, 10);
    assert.equal(config.http_server.ip_addr, '127.0.0.1');
  });

  test('sqlite is implemented: its values are checked like any other key', () => {
    assert.throws(
      () => loadConfig({ conf: conf('sqlite {\n  disk_cache_size = lots\n}\n') }),
      /sqlite\.disk_cache_size: "lots" is not a number/,
    );
    const { warnings, config } = loadConfig({
      conf: conf('sqlite { disk_cache_size = 10, mounted_file_path = "/tmp/x" }\n'),
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.sqlite?.disk_cache_size, 10);
  });

  test('sqlite keys reach the persistence options; flags override the file', () => {
    const defaults = persistenceOptions(loadConfig({}).config, {});
    assert.equal(defaults.enabled, true, 'on by default');
    assert.equal(defaults.dataDir, './data');
    assert.equal(defaults.fullPolicy, 'refuse');
    assert.equal(defaults.synchronous, 'full');
    assert.equal(defaults.inflightGraceMs, 5);
    const { config, warnings } = loadConfig({
      conf: conf(
        [
          'sqlite {',
          '  disk_cache_size = 0',
          '  mounted_file_path = "/var/lib/edgemq"',
          '  flush_mem_threshold = 50',
          '  resend_interval = 2s',
          '  disk_cache_full_policy = drop_oldest',
          '  synchronous = normal',
          '  inflight_grace = 20ms',
          '}',
          '',
        ].join('\n'),
      ),
    });
    assert.deepEqual(warnings, []);
    const p = persistenceOptions(config, {});
    assert.deepEqual(
      [p.diskCacheSize, p.dataDir, p.flushMemThreshold, p.resendInterval],
      [0, '/var/lib/edgemq', 50, 2],
    );
    assert.deepEqual(
      [p.fullPolicy, p.synchronous, p.inflightGraceMs],
      ['drop_oldest', 'normal', 20],
    );
    const flagged = persistenceOptions(config, { 'data-dir': '/tmp/d', 'no-persistence': true });
    assert.deepEqual([flagged.dataDir, flagged.enabled], ['/tmp/d', false]);
    assert.throws(
      () => loadConfig({ conf: conf('sqlite.disk_cache_full_policy = oldest\n') }),
      /sqlite\.disk_cache_full_policy/,
    );
    assert.throws(
      () => loadConfig({ conf: conf('sqlite.synchronous = sometimes\n') }),
      /sqlite\.synchronous/,
    );
    assert.throws(
      () => loadConfig({ conf: conf('sqlite.inflight_grace = 5s\n') }),
      /sqlite\.inflight_grace/,
    );
  });

  test('keys that only matter at their default are reported when changed', () => {
    const quiet = loadConfig({ conf: conf('mqtt.batch_resend = false\nauth.no_match = allow\n') });
    assert.deepEqual(quiet.warnings, []);
    const loud = loadConfig({ conf: conf('mqtt.batch_resend = true\nauth.no_match = deny\n') });
    assert.deepEqual(warnedKeys(loud.warnings), ['mqtt.batch_resend', 'auth.no_match']);
  });

  test('duplicate warnings are printed once', () => {
    const { warnings } = loadConfig({
      conf: conf('a = {include "x.conf"}\na = {include "x.conf"}\n'),
    });
    assert.equal(
      warnings.filter((w) => w.includes('include')).length,
      2,
      'two includes, two positions',
    );
    assert.equal(warnings.filter((w) => w.endsWith('a: unknown key (ignored)')).length, 1);
  });
});

test('hot-updatable keys: the mqtt knobs, the log level, allow_anonymous', () => {
  assert.deepEqual(hotUpdatablePaths(), [
    'mqtt.max_packet_size',
    'mqtt.max_mqueue_len',
    'mqtt.retry_interval',
    'mqtt.keepalive_multiplier',
    'mqtt.max_topic_alias',
    'log.level',
    'auth.allow_anonymous',
  ]);
});

describe('toBrokerOptions', () => {
  test('named TCP listeners, IPv6 binds and the protocol cap on packet size', () => {
    const { config } = loadConfig({
      conf: conf(
        'listeners.tcp { bind = "[::1]:1883" }\nlisteners.tcp.lan { bind = ":1884" }\nmqtt.max_packet_size = 260MB\n',
      ),
    });
    const options = toBrokerOptions(config);
    assert.deepEqual(options.listeners, [
      { kind: 'tcp', host: '::1', port: 1883 },
      { kind: 'tcp', host: '0.0.0.0', port: 1884, name: 'lan' },
    ]);
    assert.equal(options.maxPacketSize, 268_435_460);
  });

  test('listeners.tcp = null without another listener is a config error', () => {
    const { config } = loadConfig({ conf: conf('listeners.tcp = null\n') });
    assert.throws(
      () => toBrokerOptions(config),
      (e: unknown) => e instanceof ConfigError && /no listener is configured/.test(e.message),
    );
  });
});
