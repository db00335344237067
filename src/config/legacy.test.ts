import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from './errors.js';
import { parseLegacy } from './legacy.js';

function legacy(text: string): ReturnType<typeof parseLegacy> {
  return parseLegacy(text, 'old.conf');
}

describe('legacy key=value format', () => {
  test('broker keys map onto the HOCON layout, with the legacy units', () => {
    const { value } = legacy(
      [
        '# comment',
        'url=nmq-tcp://127.0.0.1:1884',
        'daemon=false',
        'num_taskq_thread=0',
        'property_size=32',
        'max_packet_size=10240',
        'msq_len=512',
        'qos_duration=20',
        'keepalive_backoff=1500',
        'allow_anonymous=false',
      ].join('\n'),
    );
    assert.deepEqual(value, {
      listeners: { tcp: { bind: '127.0.0.1:1884' } },
      system: { daemon: 'false', num_taskq_thread: '0' },
      mqtt: {
        property_size: '32',
        max_packet_size: '10240KB',
        max_mqueue_len: '512',
        retry_interval: '20',
        keepalive_multiplier: 1.5,
      },
      auth: { allow_anonymous: 'false' },
    });
  });

  test('spaces around =, trailing spaces and surrounding quotes are dropped; later lines win', () => {
    const { value } = legacy(
      'log.level = info \nlog.level=debug\nlog.dir="/var/log"\nlog.to=file,console',
    );
    assert.deepEqual(value, { log: { level: 'debug', dir: '/var/log', to: 'file,console' } });
  });

  test('blocks behind an enable switch are skipped while it is false', () => {
    const { value, warnings } = legacy(
      [
        'tls.enable=false',
        'tls.url=tls+nmq-tcp://0.0.0.0:8883',
        'tls.keyfile=/k.pem',
        'sqlite.enable=true',
        'sqlite.disk_cache_size=10',
        'websocket.enable=true',
        'websocket.url=nmq-ws://0.0.0.0:8083/mqtt',
        'http_server.enable=false',
        'http_server.port=8081',
      ].join('\n'),
    );
    assert.deepEqual(value, {
      sqlite: { disk_cache_size: '10' },
      listeners: { ws: { bind: '0.0.0.0:8083/mqtt' } },
    });
    assert.deepEqual(warnings, []);
  });

  test('users, ACL rules (JSON) and HTTP auth params', () => {
    const { value } = legacy(
      [
        'auth_enable=true',
        'auth.1.login=admin',
        'auth.1.password=public',
        'auth.2.login=client',
        'auth.2.password=secret',
        'acl_enable=true',
        'acl_nomatch=deny',
        'acl.rule.2={"permit": "deny"}',
        'acl.rule.1={"permit": "allow", "username": "dashboard", "action": "subscribe", "topics": ["$SYS/#"]}',
        'auth.http.enable=true',
        'auth.http.auth_req.url=http://127.0.0.1:80/mqtt/auth',
        'auth.http.auth_req.headers.content-type=application/x-www-form-urlencoded',
        'auth.http.auth_req.params=clientid=%c,username=%u,password=%P',
        'auth.http.timeout=5s',
      ].join('\n'),
    );
    assert.deepEqual(value.auth, {
      password: { admin: 'public', client: 'secret' },
      no_match: 'deny',
      acl: {
        rules: [
          { permit: 'allow', username: 'dashboard', action: 'subscribe', topics: ['$SYS/#'] },
          { permit: 'deny' },
        ],
      },
      http_auth: {
        auth_req: {
          url: 'http://127.0.0.1:80/mqtt/auth',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          params: { clientid: '%c', username: '%u', password: '%P' },
        },
        timeout: '5s',
      },
    });
  });

  test('bridges: renamed keys, numbered forwards and subscriptions, AWS host and port', () => {
    const { value } = legacy(
      [
        'bridge.mqtt.emqx.bridge_mode=true',
        'bridge.mqtt.emqx.address=mqtt-tcp://broker.emqx.io:1883',
        'bridge.mqtt.emqx.parallel=2',
        'bridge.mqtt.emqx.forwards.1.remote_topic=fwd/topic1',
        'bridge.mqtt.emqx.forwards.1.local_topic=topic1',
        'bridge.mqtt.emqx.subscription.2.remote_topic=cmd/topic2',
        'bridge.mqtt.emqx.subscription.2.qos=2',
        'bridge.mqtt.emqx.subscription.1.remote_topic=cmd/topic1',
        'bridge.mqtt.emqx.will.properties.user_property={"key1":"value1"}',
        'bridge.mqtt.off.bridge_mode=false',
        'bridge.mqtt.off.address=mqtt-tcp://x:1883',
        'aws.bridge.mqtt.aws.bridge_mode=true',
        'aws.bridge.mqtt.aws.host=localhost',
        'aws.bridge.mqtt.aws.port=8883',
      ].join('\n'),
    );
    assert.deepEqual(value.bridges, {
      mqtt: {
        emqx: {
          server: 'mqtt-tcp://broker.emqx.io:1883',
          max_parallel_processes: '2',
          will: { properties: { user_property: { key1: 'value1' } } },
          forwards: [{ remote_topic: 'fwd/topic1', local_topic: 'topic1' }],
          subscription: [{ remote_topic: 'cmd/topic1' }, { remote_topic: 'cmd/topic2', qos: '2' }],
        },
      },
      aws: { aws: { server: 'localhost:8883' } },
    });
  });

  test('rule engine keys become rules.sqlite / rules.repub / rules.mysql', () => {
    const { value } = legacy(
      [
        'rule_option=ON',
        'rule_option.sqlite=enable',
        'rule_option.repub=enable',
        'rule.sqlite.path=/tmp/r.db',
        'rule.sqlite.1.table=broker',
        'rule.sqlite.event.publish.1.sql="SELECT * FROM "abc""',
        'rule.repub.1.address=mqtt-tcp://localhost:1883',
        'rule.repub.1.topic=topic/repub1',
        'rule.repub.event.publish.1.sql="SELECT topic FROM "#""',
        'rule_option.mysql=disable',
        'rule.mysql.1.table=x',
      ].join('\n'),
    );
    assert.deepEqual(value.rules, {
      sqlite: { path: '/tmp/r.db', rules: [{ table: 'broker', sql: 'SELECT * FROM "abc"' }] },
      repub: {
        rules: [
          {
            server: 'mqtt-tcp://localhost:1883',
            topic: 'topic/repub1',
            sql: 'SELECT topic FROM "#"',
          },
        ],
      },
    });
  });

  test('unknown and obsolete keys are warnings naming file:line:column and the key', () => {
    const { value, warnings } = legacy('enable_ipc_internal=false\naws..mqtt.x=1\nfoo=bar');
    assert.deepEqual(value, {});
    assert.deepEqual(warnings, [
      'old.conf:1:1: enable_ipc_internal: no HOCON equivalent (ignored)',
      'old.conf:2:1: aws..mqtt.x: unknown key (ignored)',
      'old.conf:3:1: foo: unknown key (ignored)',
    ]);
  });

  test('different max_packet_size and client_max_packet_size: the smaller wins, with a warning', () => {
    const { value, warnings } = legacy('max_packet_size=10240\nclient_max_packet_size=64');
    assert.deepEqual(value, { mqtt: { max_packet_size: '64KB' } });
    assert.match(warnings[0] ?? '', /uses the smaller \(64KB\)/);
  });

  test('a line without = is a syntax error with line and column', () => {
    assert.throws(
      () => legacy('a=1\n  oops\n'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'EMQ_ERR_CONFIG_SYNTAX');
        assert.equal(e.message, 'old.conf:2:3: expected key=value, found "oops"');
        return true;
      },
    );
  });

  test('a bad listener URL is EMQ_ERR_CONFIG_INVALID naming the line', () => {
    assert.throws(
      () => legacy('url=http://x:1883'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'EMQ_ERR_CONFIG_INVALID');
        assert.match(e.message, /^old\.conf:1:5: url=http:\/\/x:1883: unsupported scheme http:/);
        return true;
      },
    );
  });
});
