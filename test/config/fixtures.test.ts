// Every NanoMQ config file in ../shared/fixtures/nanomq-conf/ loads: HOCON ones with
// --conf, nanomq_old.conf with --old_conf. Supported keys take effect; the rest are warned
// about once, by key path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import hocon from '@pushcorn/hocon-parser';
import { parseHoconFile } from '../../src/config/hocon.js';
import { loadConfig } from '../../src/config/load.js';
import { tcpListeners, toBrokerOptions } from '../../src/config/to-broker-options.js';
import { fixture, HOCON_FIXTURES, tempFiles, warnedKeys } from './support.js';

describe('NanoMQ fixtures load', () => {
  test('nanomq.conf (the default config NanoMQ ships)', () => {
    const { config, warnings } = loadConfig({ conf: fixture('nanomq.conf') });
    assert.deepEqual(warnedKeys(warnings), ['mqtt.property_size', 'http_server']);
    assert.deepEqual(config.mqtt, {
      max_packet_size: 256 * 1024 * 1024,
      max_mqueue_len: 2048,
      retry_interval: 10,
      keepalive_multiplier: 1.25,
      property_size: 32,
      max_topic_alias: 1024,
      max_inflight_window: 2048,
      max_awaiting_rel: 10,
      await_rel_timeout: 10,
      batch_resend: false,
    });
    assert.deepEqual(config.log, {
      to: ['file', 'console'],
      level: 'warn',
      dir: '/tmp',
      file: 'nanomq.log',
      rotation: { size: 10 * 1024 * 1024, count: 5 },
    });
    assert.equal(config.auth.allow_anonymous, true);
    assert.deepEqual(toBrokerOptions(config), {
      listeners: [
        { kind: 'tcp', host: '0.0.0.0', port: 1883 },
        { kind: 'ws', host: '0.0.0.0', port: 8083, path: '/mqtt' },
      ],
      maxPacketSize: 268_435_456,
      maxMqueueLen: 2048,
      retryInterval: 10,
      keepaliveMultiplier: 1.25,
      maxTopicAlias: 1024,
      maxInflight: 2048,
      allowAnonymous: true,
    });
  });

  test('nanomq_example.conf (every key)', () => {
    const { config, warnings } = loadConfig({ conf: fixture('nanomq_example.conf') });
    assert.deepEqual(warnedKeys(warnings), [
      'include "/etc/nanomq_pwd.conf"',
      'include "/etc/nanomq_acl.conf"',
      'mqtt.property_size',
      'auth.password',
      'auth.acl',
      'auth.http_auth',
      'http_server',
      'webhook',
      'bridges',
      'preset',
      'rules',
      'exchange_client',
      'parquet',
      'plugin',
    ]);
    assert.equal(config.mqtt.max_packet_size, 1024);
    assert.deepEqual(
      tcpListeners(config).map((l) => [l.port, l.name]),
      [
        [1883, undefined],
        [1884, 'default_1'],
        [1885, 'default_2'],
      ],
    );
    assert.equal(config.system.hook_ipc_url, 'ipc:///tmp/nanomq_hook.ipc');
    // Sections edgemq does not implement yet are still converted and typed.
    assert.deepEqual(config.auth.password, { admin: 'public', client: 'public' });
    assert.equal(config.auth.http_auth?.cache_ttl, 30);
    assert.deepEqual(config.auth.http_auth.auth_req?.params, {
      clientid: '%c',
      username: '%u',
      password: '%P',
    });
    assert.equal(config.http_server?.port, 8081);
    assert.equal(config.http_server.jwt?.public?.keyfile, '/etc/certs/jwt/jwtRS256.key.pub');
    assert.deepEqual(config.webhook?.events, [
      { event: 'on_message_publish', topic: 'a/b/c' },
      { event: 'on_client_connack' },
    ]);
    assert.equal(config.webhook.headers?.['content-type'], 'application/json');
    assert.equal(config.sqlite?.resend_interval, 5000);
    const emqx1 = (config.bridges?.mqtt as Record<string, unknown> | undefined)?.emqx1 as Record<
      string,
      unknown
    >;
    assert.equal(emqx1.server, 'mqtt-tcp://127.0.0.1:1883');
    assert.equal(emqx1.proto_ver, 5);
    assert.equal(emqx1.quic_initial_rtt_ms, 800);
    assert.equal(emqx1.keepalive, 60);
  });

  test('nanomq_bridge.conf', () => {
    const { config, warnings } = loadConfig({ conf: fixture('nanomq_bridge.conf') });
    assert.deepEqual(warnedKeys(warnings), ['bridges']);
    const mqtt = config.bridges?.mqtt as Record<string, Record<string, unknown>> | undefined;
    assert.equal(mqtt?.emqx1?.proto_ver, 4);
    assert.equal(mqtt.emqx1.quic_handshake_timeout, 60);
    assert.deepEqual(mqtt.emqx1.hybrid_servers, [
      'mqtt-quic://127.1:14567',
      'mqtt-tcp://127.1:1883',
    ]);
    assert.deepEqual(config.bridges?.mqtt?.cache, {
      disk_cache_size: 102400,
      flush_mem_threshold: 100,
      resend_interval: 5000,
    });
    // Nothing else changes: the broker runs with the defaults.
    assert.deepEqual(tcpListeners(config), [{ kind: 'tcp', host: '0.0.0.0', port: 1883 }]);
  });

  test('nanomq_acl.conf and nanomq_pwd.conf alone (they are include files)', () => {
    const acl = loadConfig({ conf: fixture('nanomq_acl.conf') });
    assert.deepEqual(warnedKeys(acl.warnings), ['rules']);
    const pwd = loadConfig({ conf: fixture('nanomq_pwd.conf') });
    assert.deepEqual(warnedKeys(pwd.warnings), ['admin', 'client']);
    assert.match(pwd.warnings[0]!, /nanomq_pwd\.conf:7:1: admin: unknown key \(ignored\)$/);
  });

  test('nanomq_acl.conf and nanomq_pwd.conf included from auth {}', () => {
    const files = tempFiles({
      'nanomq.conf': `auth {\n  allow_anonymous = false\n  password = {include "${fixture('nanomq_pwd.conf')}"}\n  acl = {include "${fixture('nanomq_acl.conf')}"}\n}\n`,
    });
    const { config, warnings } = loadConfig({ conf: files.path('nanomq.conf') });
    assert.deepEqual(warnedKeys(warnings), ['auth.password', 'auth.acl']);
    assert.deepEqual(config.auth.password, { admin: 'public', client: 'public' });
    assert.deepEqual(config.auth.acl?.rules, [
      { permit: 'allow', username: 'dashboard', action: 'subscribe', topics: ['$SYS/#'] },
      { permit: 'allow' },
    ]);
    assert.equal(toBrokerOptions(config).allowAnonymous, false);
  });

  test('nanomq_zmq_gateway.conf', () => {
    const { config, warnings } = loadConfig({ conf: fixture('nanomq_zmq_gateway.conf') });
    assert.deepEqual(warnedKeys(warnings), ['http_server', 'gateway']);
    assert.equal(config.http_server?.port, 8082);
    assert.equal(config.http_server.parallel, 2);
    assert.deepEqual((config.gateway as { zmq: unknown }).zmq, {
      sub_address: 'tcp://127.0.0.1:5560',
      pub_address: 'tcp://127.0.0.1:5559',
      sub_pre: 'sub_prefix',
      pub_pre: 'pub_prefix',
    });
  });

  test('nanomq_old.conf with --old_conf (legacy key=value)', () => {
    const { config, warnings } = loadConfig({ oldConf: fixture('nanomq_old.conf') });
    assert.deepEqual(warnedKeys(warnings), [
      'enable_ipc_internal',
      'http_server.jwt.private.keyfile',
      'aws..mqtt.aws.subscription.1.qos',
      'mqtt.property_size',
      'auth.cache',
      'rules',
    ]);
    assert.equal(config.mqtt.max_packet_size, 10240 * 1024);
    assert.equal(config.mqtt.keepalive_multiplier, 1.25);
    assert.equal(config.mqtt.max_mqueue_len, 2048);
    assert.equal(config.mqtt.retry_interval, 10);
    assert.equal(config.system.daemon, false);
    assert.equal(config.listeners.ws?.bind, '0.0.0.0:8083/mqtt');
    // As in NanoMQ, websocket.tls_url needs tls.enable too (wss uses the tls.* files).
    assert.equal(config.listeners.wss, undefined, 'tls.enable=false');
    assert.equal(config.listeners.ssl, undefined, 'tls.enable=false');
    assert.equal(config.http_server, undefined, 'http_server.enable=false');
    assert.equal(config.bridges, undefined, 'bridge_mode=false');
    assert.deepEqual(config.log, {
      to: ['file', 'console'],
      level: 'info',
      dir: '/tmp',
      file: 'nanomq.log',
      rotation: { size: 10 * 1024 * 1024, count: 5 },
    });
    const repub = (config.rules?.repub?.rules ?? []) as { server?: string }[];
    assert.deepEqual(
      repub.map((r) => r.server),
      ['mqtt-tcp://localhost:1883', 'mqtt-tcp://localhost:1885', 'mqtt-tcp://broker.emqx.io:1883'],
    );
    assert.deepEqual(tcpListeners(config), [{ kind: 'tcp', host: '0.0.0.0', port: 1883 }]);
  });
});

describe('HOCON cross-check', () => {
  // An independent parser (npm @pushcorn/hocon-parser) must read every fixture the same way.
  // It is async, sorts keys, gives no file:line:column and ignores missing includes silently,
  // so edgemq has its own parser and uses this one only as an oracle.
  for (const name of HOCON_FIXTURES) {
    test(`${name}: same tree as @pushcorn/hocon-parser`, async () => {
      const ours = parseHoconFile(fixture(name)).value;
      const theirs = await hocon.parse({ url: fixture(name) });
      assert.deepEqual(JSON.parse(JSON.stringify(ours)), theirs);
    });
  }
});
