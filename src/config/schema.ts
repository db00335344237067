// THE config schema: one TypeBox object that is the source of the config's TypeScript type
// (`EdgemqConfig`), its defaults, its validation (src/config/coerce.ts walks it) and the
// reference page (`npm run docs:config`). It mirrors NanoMQ's nanomq.conf (HOCON) layout.
// It is built with schema-builder.ts, which makes TypeBox's objects without loading TypeBox.
import type { Static } from '@sinclair/typebox';
import { Type } from './schema-builder.js';
import {
  Bind,
  Bool,
  Duration,
  Enum,
  Int,
  List,
  Num,
  Section,
  Size,
  Str,
  StrMap,
  WithInstances,
} from './schema-kinds.js';
import { INTEGRATION_SECTIONS } from './schema-integrations.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LOG_TARGETS = ['file', 'console', 'syslog'] as const;

const ONE_THREAD = 'edgemq runs on one Node.js event loop; only 0 (automatic) has a meaning';

const SystemSection = Section(
  {
    num_taskq_thread: Int({
      description: 'Worker threads of the task queue; 0 = automatic.',
      minimum: 0,
      maximum: 255,
      default: 0,
      status: 'default-only',
      note: ONE_THREAD,
    }),
    max_taskq_thread: Int({
      description: 'Maximum worker threads of the task queue; 0 = automatic.',
      minimum: 0,
      maximum: 255,
      default: 0,
      status: 'default-only',
      note: ONE_THREAD,
    }),
    parallel: Int({
      description: 'Maximum outstanding requests (contexts); 0 = automatic.',
      minimum: 0,
      default: 0,
      status: 'default-only',
      note: ONE_THREAD,
    }),
    hook_ipc_url: Str({
      description: 'Internal IPC address NanoMQ uses for WebHook and other hooks.',
      default: 'ipc:///tmp/nanomq_hook.ipc',
      status: 'default-only',
      note: 'edgemq runs hooks and plugins in-process, without IPC',
    }),
    cmd_ipc_url: Str({
      description: 'Internal IPC address NanoMQ uses for `nanomq reload` and similar commands.',
      default: 'ipc:///tmp/nanomq_cmd.ipc',
      status: 'default-only',
      note: 'edgemq stop / reload find the broker through its pid file',
    }),
    daemon: Bool({
      description:
        'Run in the background (edgemq extension of the HOCON file; NanoMQ has it as a flag, env var and legacy key).',
      default: false,
      extension: true,
    }),
  },
  { description: 'Process-level settings.' },
);

const MqttSection = Section(
  {
    max_packet_size: Size({
      description:
        'Largest MQTT packet accepted from or sent to a client; larger ones close the connection (v5: DISCONNECT 0x95).',
      hot: true,
      min: '1B',
      max: '260MB',
      default: '256MB',
    }),
    max_mqueue_len: Int({
      description:
        'Per-session bound on queued plus in-flight outbound QoS 1/2 messages (offline or congested clients).',
      hot: true,
      minimum: 1,
      default: 2048,
    }),
    retry_interval: Duration('s', {
      description:
        'Time before an unacknowledged QoS 1/2 message is resent (NanoMQ\'s "qos_duration").',
      hot: true,
      exclusiveMinimum: 0,
      default: '10s',
    }),
    keepalive_multiplier: Num({
      description: 'A client is disconnected after keepalive x this many seconds of silence.',
      hot: true,
      exclusiveMinimum: 0.5,
      default: 1.25,
    }),
    property_size: Int({
      description: 'Largest MQTT 5 user property NanoMQ accepts.',
      minimum: 1,
      default: 32,
      status: 'planned',
      note: 'edgemq does not limit user property sizes yet',
    }),
    max_topic_alias: Int({
      description:
        'Topic aliases accepted from a client (Topic Alias Maximum in CONNACK). The broker never assigns aliases towards clients.',
      hot: true,
      minimum: 0,
      maximum: 65535,
      default: 1024,
    }),
    max_inflight_window: Int({
      description:
        'Cap on QoS 1/2 messages in flight towards one client (also bounded by its Receive Maximum). NanoMQ parses but ignores it; edgemq applies it.',
      minimum: 1,
      maximum: 65535,
      default: 2048,
    }),
    max_awaiting_rel: Duration('s', {
      description: 'Listed by NanoMQ as unsupported.',
      minimum: 0,
      default: '10s',
      status: 'default-only',
      note: 'NanoMQ ignores it too',
    }),
    await_rel_timeout: Duration('s', {
      description: 'Listed by NanoMQ as unsupported.',
      minimum: 0,
      default: '10s',
      status: 'default-only',
      note: 'NanoMQ ignores it too',
    }),
    batch_resend: Bool({
      description:
        'Resend cached QoS messages in batches aligned with PUBACKs instead of every retry_interval.',
      default: false,
      status: 'default-only',
      note: 'batched resend is not implemented yet',
    }),
  },
  { description: 'MQTT protocol limits and timers (NanoMQ marks them hot updatable).' },
);

const PROXY_PROTOCOL_DOC = {
  description:
    'Expect a PROXY protocol v1/v2 header first (behind a load balancer): the client address in logs and hooks is the one the header names.',
  extension: true,
};
const IDENTITY_DOC = {
  description:
    "With verify_peer: the verified client certificate's CN becomes the user name (Mosquitto's use_identity_as_username).",
  extension: true,
};

const TcpListenerKeys = {
  bind: Bind({
    description: 'Address and port: `"0.0.0.0:1883"`, `"[::]:1883"`.',
    default: '0.0.0.0:1883',
  }),
  proxy_protocol: Type.Optional(Bool(PROXY_PROTOCOL_DOC)),
};

const TcpListener = Section(TcpListenerKeys, { description: 'A named TCP listener.' });

const SslListenerKeys = {
  bind: Bind({
    description: 'Address and port of the TLS listener: `"0.0.0.0:8883"`, `"[::]:8883"`.',
    default: '0.0.0.0:8883',
  }),
  keyfile: Type.Optional(
    Str({
      description:
        'PEM private key file (required; a named instance without keyfile and certfile uses those of `listeners.ssl`).',
    }),
  ),
  certfile: Type.Optional(Str({ description: 'PEM certificate file (required), chain included.' })),
  cacertfile: Type.Optional(
    Str({ description: 'PEM CA certificates, to verify client certificates.' }),
  ),
  key_password: Type.Optional(Str({ description: 'Password of an encrypted key file.' })),
  verify_peer: Bool({
    description:
      'Request a client certificate and verify it against cacertfile (an untrusted one is refused).',
    default: false,
  }),
  fail_if_no_peer_cert: Bool({
    description: 'With verify_peer: refuse clients that send no certificate (mutual TLS).',
    default: false,
  }),
  proxy_protocol: Type.Optional(Bool(PROXY_PROTOCOL_DOC)),
  use_identity_as_username: Type.Optional(Bool(IDENTITY_DOC)),
};

const WsKeys = {
  bind: Bind({
    description:
      'Address, port and path: `"0.0.0.0:8083/mqtt"`, `"[::]:8083/mqtt"`; without a path, `/mqtt`.',
    default: '0.0.0.0:8083/mqtt',
  }),
};

const INHERITED = 'inherited with the key when wss has no keyfile and certfile, see keyfile';

const WssKeys = {
  bind: Bind({
    description: 'Address, port and path: `"0.0.0.0:8086/mqtt"`; without a path, `/mqtt`.',
    default: '0.0.0.0:8086/mqtt',
  }),
  keyfile: Type.Optional(
    Str({
      description:
        'PEM private key file. Without keyfile and certfile, wss uses the TLS settings of `listeners.ssl`, as NanoMQ does (a named instance: those of `listeners.wss`, else `listeners.ssl`).',
    }),
  ),
  certfile: Type.Optional(Str({ description: 'PEM certificate file, chain included.' })),
  cacertfile: Type.Optional(
    Str({ description: `PEM CA certificates, to verify client certificates (${INHERITED}).` }),
  ),
  key_password: Type.Optional(
    Str({ description: `Password of an encrypted key file (${INHERITED}).` }),
  ),
  verify_peer: Type.Optional(
    Bool({ description: `Request and verify a client certificate (${INHERITED}; else false).` }),
  ),
  fail_if_no_peer_cert: Type.Optional(
    Bool({
      description: `With verify_peer: refuse clients that send no certificate (${INHERITED}; else false).`,
    }),
  ),
  use_identity_as_username: Type.Optional(Bool(IDENTITY_DOC)),
};

const ListenersSection = Section(
  {
    tcp: Type.Optional(
      WithInstances(TcpListenerKeys, TcpListener, {
        description:
          'MQTT over TCP. `listeners.tcp.<name> { bind = ... }` adds more TCP listeners. `listeners.tcp = null` turns TCP off.',
        default: { bind: '0.0.0.0:1883' },
      }),
    ),
    ssl: Type.Optional(
      WithInstances(
        SslListenerKeys,
        Section(SslListenerKeys, { description: 'A named TLS listener.' }),
        {
          description:
            'MQTT over TLS, one-way or mutual (`tls+nmq-tcp://`). `listeners.ssl.<name> { ... }` adds more; a `listeners.ssl` block with named instances and neither keyfile, certfile nor a bind of its own only holds them.',
        },
      ),
    ),
    ws: Type.Optional(
      WithInstances(WsKeys, Section(WsKeys, { description: 'A named WebSocket listener.' }), {
        description:
          'MQTT over WebSocket (`nmq-ws://`), subprotocols `mqtt` and `mqttv3.1` (also `listeners.ws.<name>`).',
      }),
    ),
    wss: Type.Optional(
      WithInstances(
        WssKeys,
        Section(WssKeys, { description: 'A named secure WebSocket listener.' }),
        {
          description:
            'MQTT over secure WebSocket (`nmq-wss://`, also `listeners.wss.<name>`); it needs no ws listener, and without a keyfile and certfile of its own it uses the TLS settings of `listeners.ssl`.',
        },
      ),
    ),
  },
  { description: 'Where clients connect. Without a listeners block, TCP on 0.0.0.0:1883.' },
);

const LogSection = Section(
  {
    to: List(Enum(LOG_TARGETS, { description: 'A log target.' }), {
      description: 'Where logs go: any of `file`, `console`, `syslog`.',
      default: ['console'],
    }),
    level: Enum(LOG_LEVELS, { description: 'Lowest severity logged.', default: 'warn', hot: true }),
    dir: Str({ description: 'Directory of the log file.', default: '.' }),
    file: Str({ description: 'Log file name.', default: 'nanomq.log' }),
    rotation: Section(
      {
        size: Size({
          description: 'Size at which the log file is rotated; 0 = never.',
          min: '0B',
          default: '10MB',
        }),
        count: Int({ description: 'Rotated files kept.', minimum: 1, default: 5 }),
      },
      { description: 'Log file rotation.' },
    ),
    uds_addr: Type.Optional(
      Str({
        description: 'Unix domain socket for logs (newer NanoMQ, `to = [uds]`).',
        status: 'planned',
      }),
    ),
  },
  { description: 'Logging.' },
);

const AclRule = Type.Object(
  {
    permit: Enum(['allow', 'deny'] as const, { description: 'What a matching rule decides.' }),
    action: Type.Optional(
      Enum(['publish', 'subscribe', 'pubsub'] as const, { description: 'Omitted: any.' }),
    ),
    topics: Type.Optional(
      Type.Array(Type.String(), { description: 'Topic filters; `@` prefix = literal.' }),
    ),
    username: Type.Optional(Str({ description: 'User name; `#` = anyone.' })),
    clientid: Type.Optional(Str({ description: 'Client identifier; `#` = anyone.' })),
    ipaddr: Type.Optional(Str({ description: 'Client address.' })),
    and: Type.Optional(Type.Array(Type.Unknown(), { description: 'All of these conditions.' })),
    or: Type.Optional(Type.Array(Type.Unknown(), { description: 'Any of these conditions.' })),
  },
  { description: 'An ACL rule.', additionalProperties: false },
);

const HttpAuthRequest = Section(
  {
    url: Type.Optional(Str({ description: 'Endpoint URL.' })),
    method: Enum(['post', 'get'] as const, { description: 'HTTP method.', default: 'post' }),
    headers: Type.Optional(StrMap({ description: 'Extra request headers.' })),
    params: Type.Optional(
      StrMap({
        description:
          'Request parameters with placeholders: %u user, %c client id, %P password, ...',
      }),
    ),
  },
  { description: 'An HTTP authentication request.' },
);

const AuthSection = Section(
  {
    allow_anonymous: Bool({
      description: 'Accept clients that send no user name (when no auth plugin decides).',
      hot: true,
      default: true,
    }),
    no_match: Enum(['allow', 'deny'] as const, {
      description: 'Decision when no ACL rule matches.',
      default: 'allow',
      status: 'default-only',
      note: 'ACLs are not implemented yet',
    }),
    deny_action: Enum(['ignore', 'disconnect'] as const, {
      description:
        'On an ACL deny: ignore the operation (SUBACK 0x87 / drop) or disconnect the client.',
      default: 'ignore',
      status: 'default-only',
      note: 'ACLs are not implemented yet',
    }),
    password: Type.Optional(
      StrMap({
        description:
          'User names and passwords: `{include "nanomq_pwd.conf"}` or inline `{ "admin": "public" }`.',
        status: 'planned',
      }),
    ),
    acl: Type.Optional(
      Section(
        { rules: Type.Optional(Type.Array(AclRule, { description: 'Rules, first match wins.' })) },
        {
          description: 'ACL rules: `{include "nanomq_acl.conf"}` or inline `{ rules = [...] }`.',
          status: 'planned',
        },
      ),
    ),
    http_auth: Type.Optional(
      Section(
        {
          auth_req: Type.Optional(HttpAuthRequest),
          super_req: Type.Optional(HttpAuthRequest),
          acl_req: Type.Optional(HttpAuthRequest),
          timeout: Duration('s', { description: 'Request timeout.', minimum: 0, default: '5s' }),
          connect_timeout: Duration('s', {
            description: 'Connect timeout.',
            minimum: 0,
            default: '5s',
          }),
          pool_size: Int({ description: 'Connection pool size.', minimum: 1, default: 32 }),
          cache_ttl: Duration('s', {
            description: 'ACL cache lifetime; 0 = no cache.',
            minimum: 0,
            default: '0s',
          }),
          ssl: Type.Optional(
            Type.Unknown({ description: 'TLS options (unsupported by NanoMQ too).' }),
          ),
        },
        { description: 'Authentication and ACL checks over HTTP.', status: 'planned' },
      ),
    ),
    cache: Type.Optional(
      Section(
        {
          max_size: Int({ description: 'ACL cache entries.', minimum: 0, default: 32 }),
          ttl: Duration('s', {
            description: 'ACL cache entry lifetime.',
            minimum: 0,
            default: '1m',
          }),
        },
        { description: 'ACL cache (older NanoMQ versions).', status: 'planned' },
      ),
    ),
  },
  { description: 'Authentication and authorisation.' },
);

/** The whole configuration. */
export const ConfigSchema = Type.Object(
  {
    system: SystemSection,
    mqtt: MqttSection,
    listeners: ListenersSection,
    log: LogSection,
    auth: AuthSection,
    ...INTEGRATION_SECTIONS,
  },
  {
    additionalProperties: false,
    title: 'edgemq configuration',
    description: "edgemq's configuration, in NanoMQ's nanomq.conf (HOCON) layout.",
  },
);

export type EdgemqConfig = Static<typeof ConfigSchema>;
export type LogConfig = EdgemqConfig['log'];
export type LogLevel = (typeof LOG_LEVELS)[number];
