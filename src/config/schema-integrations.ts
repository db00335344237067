// The parts of the config schema that edgemq accepts but does not implement yet (SQLite,
// the HTTP server, WebHook, bridges, rules, ...). They are typed and documented so the
// issues that implement them start from here; until then a present section is reported at
// start-up as "not implemented yet". Keys follow NanoMQ 0.25's etc/nanomq_example.conf.
import { Type } from './schema-builder.js';
import {
  Bool,
  Duration,
  Enum,
  Instances,
  Int,
  List,
  Loose,
  NumEnum,
  Section,
  Str,
  StrMap,
  WithInstances,
} from './schema-kinds.js';

const Qos = NumEnum([0, 1, 2] as const, { description: 'QoS level.' });

const SqliteSection = Section(
  {
    disk_cache_size: Int({
      description:
        'Most deliveries (queued and in flight) stored over all persistent sessions; 0 = no limit (NanoMQ: 0 disables its cache; edgemq keeps persistent sessions in SQLite regardless, `--no-persistence` runs in memory).',
      minimum: 0,
      default: 102400,
    }),
    disk_cache_full_policy: Enum(['refuse', 'drop_oldest'] as const, {
      description:
        'When disk_cache_size is reached: refuse new QoS>0 deliveries to persistent sessions (publishers get 0x97 when no session took the message), or drop the oldest queued one. Counted ($SYS/broker/persistence/refused, dropped) and logged.',
      default: 'refuse',
      extension: true,
    }),
    synchronous: Enum(['full', 'normal', 'off'] as const, {
      description:
        'full: a batch is on disk (WAL fdatasync, off the event loop) before the acks it covers leave, so it survives power loss; normal: it survives a crash of the process (kill -9), not of the machine; off: neither, fully.',
      default: 'full',
      extension: true,
    }),
    inflight_grace: Duration('ms', {
      description:
        "How long a QoS 1 delivery already sent to an online subscriber waits for that subscriber's PUBACK before it is written; one acknowledged sooner never touches the disk. The publisher's ack waits for either. 0 writes every delivery at its batch's commit.",
      minimum: 0,
      maximum: 1000,
      default: '5ms',
      extension: true,
    }),
    mounted_file_path: Type.Optional(
      Str({ description: 'Directory of the database file (edgemq.db); default ./data.' }),
    ),
    flush_mem_threshold: Int({
      description:
        'Queued messages a persistent session keeps in memory; the rest stay in the database and are read back in pages of this size.',
      minimum: 1,
      default: 100,
    }),
    resend_interval: Duration('ms', {
      description: 'Interval between resends of cached messages to local clients.',
      minimum: 0,
      default: '5000ms',
    }),
  },
  {
    description:
      'SQLite persistence of persistent sessions, their queued and in-flight messages, wills and retained messages. On by default in `edgemq start` (`--no-persistence` turns it off; `--data-dir` overrides mounted_file_path).',
  },
);

const HttpServerSection = Section(
  {
    port: Int({ description: 'REST API port.', minimum: 0, maximum: 65535, default: 8081 }),
    ip_addr: Str({ description: 'REST API bind address.', default: '0.0.0.0' }),
    limit_conn: Int({ description: 'Concurrent requests.', minimum: 1, default: 32 }),
    parallel: Type.Optional(Int({ description: 'Older name of limit_conn.', minimum: 1 })),
    username: Str({ description: 'Basic auth user name.', default: 'admin' }),
    password: Str({ description: 'Basic auth password.', default: 'public' }),
    auth_type: Enum(['basic', 'jwt'] as const, {
      description: 'Authentication of API calls.',
      default: 'basic',
    }),
    jwt: Type.Optional(
      Section(
        {
          public: Type.Optional(
            Section(
              { keyfile: Type.Optional(Str({ description: 'RS256 public key file.' })) },
              { description: 'Public key.' },
            ),
          ),
        },
        { description: 'JWT settings (auth_type = jwt).' },
      ),
    ),
    max_body: Int({ description: 'Largest request body in bytes.', minimum: 1, default: 65535 }),
  },
  { description: 'The HTTP REST API (NanoMQ v4 API).', status: 'planned' },
);

const WEBHOOK_EVENTS = [
  'on_client_connect',
  'on_client_connack',
  'on_client_connected',
  'on_client_disconnected',
  'on_client_subscribe',
  'on_client_unsubscribe',
  'on_session_subscribed',
  'on_session_unsubscribed',
  'on_session_terminated',
  'on_message_publish',
  'on_message_delivered',
  'on_message_acked',
] as const;

const WebhookSection = Section(
  {
    url: Type.Optional(Str({ description: 'Receiver URL.' })),
    headers: Type.Optional(
      StrMap({
        description: 'Extra HTTP headers, e.g. `headers.content-type = "application/json"`.',
      }),
    ),
    body: Type.Optional(
      Section(
        {
          encoding: Enum(['plain', 'base64', 'base62'] as const, {
            description: 'Encoding of the payload field.',
            default: 'plain',
          }),
        },
        { description: 'Body format.' },
      ),
    ),
    pool_size: Int({ description: 'Connection pool size.', minimum: 1, default: 32 }),
    cancel_timeout: Duration('ms', {
      description: 'Wait for a reply before cancelling.',
      minimum: 0,
      default: '5000ms',
    }),
    events: Type.Optional(
      Type.Array(
        Section(
          {
            event: Enum(WEBHOOK_EVENTS, { description: 'Event name.' }),
            topic: Type.Optional(Str({ description: 'Topic filter (on_message_publish only).' })),
          },
          { description: 'A WebHook rule.' },
        ),
        { description: 'Which events are sent.' },
      ),
    ),
  },
  { description: 'HTTP WebHooks.', status: 'planned' },
);

const Forward = Section(
  {
    local_topic: Type.Optional(Str({ description: 'Local topic filter.' })),
    remote_topic: Type.Optional(Str({ description: 'Remote topic; "" keeps the original.' })),
    qos: Type.Optional(Qos),
    retain: Type.Optional(NumEnum([0, 1, 2] as const, { description: '0/1 override, 2 keep.' })),
    prefix: Type.Optional(Str({ description: 'Prefix added to the topic.' })),
    suffix: Type.Optional(Str({ description: 'Suffix added to the topic.' })),
  },
  { description: 'A forwarding rule (local to remote).' },
);

const Subscription = Section(
  {
    remote_topic: Type.Optional(Str({ description: 'Remote topic filter.' })),
    local_topic: Type.Optional(Str({ description: 'Local topic; "" keeps the original.' })),
    qos: Type.Optional(Qos),
    retain: Type.Optional(NumEnum([0, 1, 2] as const, { description: '0/1 override, 2 keep.' })),
    retain_as_published: Type.Optional(
      Int({ description: 'MQTT 5 subscription option.', minimum: 0, maximum: 1 }),
    ),
    retain_handling: Type.Optional(
      Int({ description: 'MQTT 5 subscription option.', minimum: 0, maximum: 2 }),
    ),
    nolocal: Type.Optional(Bool({ description: 'MQTT 5 no-local option.' })),
    prefix: Type.Optional(Str({ description: 'Prefix added to the topic.' })),
    suffix: Type.Optional(Str({ description: 'Suffix added to the topic.' })),
  },
  { description: 'A remote subscription (remote to local).' },
);

const quic = (description: string, def: string): ReturnType<typeof Duration> =>
  Duration('s', { description: `QUIC only: ${description}`, minimum: 0, default: def });
const quicMs = (description: string, def: string): ReturnType<typeof Duration> =>
  Duration('ms', { description: `QUIC only: ${description}`, minimum: 0, default: def });

const MqttBridge = Section(
  {
    server: Type.Optional(
      Str({
        description:
          '`mqtt-tcp://host:port`, `tls+mqtt-tcp://host:port` or `mqtt-quic://host:port`.',
      }),
    ),
    proto_ver: NumEnum([3, 4, 5] as const, {
      description: 'MQTT version of the bridge client.',
      default: 4,
    }),
    clientid: Type.Optional(Str({ description: 'Client identifier; random if absent.' })),
    keepalive: Duration('s', { description: 'Keep alive.', minimum: 0, default: '60s' }),
    backoff_max: Duration('s', {
      description: 'Maximum reconnect backoff.',
      minimum: 0,
      default: '60s',
    }),
    clean_start: Bool({ description: 'Clean start flag.', default: false }),
    transparent: Bool({
      description: 'Proxy local SUBSCRIBE/UNSUBSCRIBE to the remote.',
      default: false,
    }),
    username: Type.Optional(Str({ description: 'User name.' })),
    password: Type.Optional(Str({ description: 'Password.' })),
    conn_properties: Type.Optional(Loose({ description: 'MQTT 5 CONNECT properties.' })),
    will: Type.Optional(Loose({ description: 'Will message and its properties.' })),
    ssl: Type.Optional(Loose({ description: 'TLS: key_password, keyfile, certfile, cacertfile.' })),
    tcp: Type.Optional(Loose({ description: 'TCP socket options (nodelay, keepalive, ...).' })),
    forwards: Type.Optional(Type.Array(Forward, { description: 'Local to remote rules.' })),
    subscription: Type.Optional(
      Type.Array(Subscription, { description: 'Remote to local rules.' }),
    ),
    sub_properties: Type.Optional(Loose({ description: 'MQTT 5 SUBSCRIBE properties.' })),
    quic_keepalive: quic('keep alive.', '120s'),
    quic_idle_timeout: quic('idle timeout.', '120s'),
    quic_discon_timeout: quic('disconnect timeout.', '20s'),
    quic_handshake_timeout: quic('handshake timeout.', '20s'),
    quic_send_idle_timeout: quic('send idle timeout.', '2s'),
    quic_initial_rtt_ms: quicMs('initial RTT estimate.', '800ms'),
    quic_max_ack_delay_ms: quicMs('maximum ACK delay.', '100ms'),
    quic_multi_stream: Bool({ description: 'QUIC only: multi-stream mode.', default: false }),
    quic_qos_priority: Bool({ description: 'QUIC only: send QoS 1/2 first.', default: true }),
    quic_0rtt: Bool({ description: 'QUIC only: 0-RTT.', default: true }),
    quic_congestion_control: Type.Optional(
      Str({ description: 'QUIC only: congestion control (legacy files).' }),
    ),
    hybrid_bridging: Bool({ description: 'Fail over between hybrid_servers.', default: false }),
    hybrid_servers: Type.Optional(List(Type.String(), { description: 'Servers tried in turn.' })),
    max_parallel_processes: Int({ description: 'Client contexts.', minimum: 1, default: 2 }),
    max_send_queue_len: Int({ description: 'Send queue length.', minimum: 1, default: 32 }),
    max_recv_queue_len: Int({ description: 'Receive queue length.', minimum: 1, default: 128 }),
    resend_interval: Duration('ms', {
      description: 'Bridge timer tick (PINGREQ, cache resend).',
      minimum: 0,
      default: '5000ms',
    }),
    resend_wait: Duration('ms', {
      description: 'Wait after a publish before retrying a QoS message.',
      minimum: 0,
      default: '3000ms',
    }),
    cancel_timeout: Duration('ms', {
      description: 'Give up waiting for the ack of a QoS message.',
      minimum: 0,
      default: '8000ms',
    }),
    retry_qos_0: Bool({ description: 'Cache QoS 0 messages in SQLite too.', default: false }),
  },
  { description: 'An MQTT bridge.' },
);

const BridgeCache = Section(
  {
    disk_cache_size: Int({
      description: 'Maximum cached messages; 0 disables.',
      minimum: 0,
      default: 102400,
    }),
    mounted_file_path: Type.Optional(Str({ description: 'Directory of the database file.' })),
    flush_mem_threshold: Int({
      description: 'Messages buffered before a flush.',
      minimum: 1,
      default: 100,
    }),
    resend_interval: Duration('ms', {
      description: 'Interval between resends.',
      minimum: 0,
      default: '5000ms',
    }),
  },
  { description: 'SQLite cache shared by all MQTT bridges.' },
);

const AwsBridge = Section(
  {
    server: Type.Optional(Str({ description: '`host:port`.' })),
    proto_ver: NumEnum([4, 5] as const, { description: 'MQTT version.', default: 4 }),
    clientid: Type.Optional(Str({ description: 'Client identifier.' })),
    keepalive: Duration('s', { description: 'Keep alive.', minimum: 0, default: '60s' }),
    clean_start: Bool({ description: 'Clean start flag.', default: true }),
    username: Type.Optional(Str({ description: 'User name.' })),
    password: Type.Optional(Str({ description: 'Password.' })),
    ssl: Type.Optional(Loose({ description: 'TLS files.' })),
    forwards: Type.Optional(Type.Array(Forward, { description: 'Local to remote rules.' })),
    subscription: Type.Optional(
      Type.Array(Subscription, { description: 'Remote to local rules.' }),
    ),
    max_parallel_processes: Int({ description: 'Client contexts.', minimum: 1, default: 2 }),
  },
  { description: 'An AWS IoT Core bridge.' },
);

const NngPub = Section(
  {
    pub_url: Type.Optional(
      Str({ description: 'NNG address edgemq listens on with a pub0 socket.' }),
    ),
    clientid: Type.Optional(Str({ description: 'Client identifier.' })),
    forwards: Type.Optional(
      Type.Array(Loose({ description: 'local_topic, remote_topic, nng_delimiter, qos.' }), {
        description: 'MQTT to NNG rules.',
      }),
    ),
  },
  { description: 'MQTT to NNG bridge.' },
);

const NngSub = Section(
  {
    sub_url: Type.Optional(
      Str({ description: 'NNG address edgemq listens on with a sub0 socket.' }),
    ),
    clientid: Type.Optional(Str({ description: 'Client identifier.' })),
    subscription: Type.Optional(
      Type.Array(Loose({ description: 'remote_topic, nng_delimiter, local_topic, qos.' }), {
        description: 'NNG to MQTT rules.',
      }),
    ),
  },
  { description: 'NNG to MQTT bridge.' },
);

const BridgesSection = Section(
  {
    mqtt: Type.Optional(
      WithInstances({ cache: Type.Optional(BridgeCache) }, MqttBridge, {
        description:
          'MQTT bridges: `bridges.mqtt.<name> { ... }` and the shared `bridges.mqtt.cache`.',
      }),
    ),
    aws: Type.Optional(
      Instances(AwsBridge, { description: 'AWS IoT Core bridges: `bridges.aws.<name>`.' }),
    ),
    nng: Type.Optional(
      Section(
        {
          pub: Type.Optional(Instances(NngPub, { description: '`bridges.nng.pub.<name>`.' })),
          sub: Type.Optional(Instances(NngSub, { description: '`bridges.nng.sub.<name>`.' })),
        },
        { description: 'NNG bridges.' },
      ),
    ),
  },
  { description: 'Bridges to other brokers and to NNG.', status: 'planned' },
);

const PresetSection = Section(
  {
    session: Type.Optional(
      Instances(
        Section(
          {
            clientid: Type.Optional(
              Str({ description: 'Client identifier of the preset session.' }),
            ),
            topic: Type.Optional(
              Type.Array(
                Section(
                  {
                    remote_topic: Type.Optional(Str({ description: 'Topic filter.' })),
                    qos: Type.Optional(Qos),
                  },
                  { description: 'A preset subscription.' },
                ),
                { description: 'Subscriptions.' },
              ),
            ),
          },
          { description: 'A preset session.' },
        ),
        { description: '`preset.session.<n>`.' },
      ),
    ),
  },
  {
    description: 'Sessions that queue messages before their client ever connects.',
    status: 'planned',
  },
);

const RuleList = (description: string): ReturnType<typeof Type.Optional> =>
  Type.Optional(Type.Array(Loose({ description }), { description: 'Rules.' }));

const RulesSection = Section(
  {
    sqlite: Type.Optional(
      Section(
        {
          path: Type.Optional(Str({ description: 'Database file.' })),
          rules: RuleList('sql, table.'),
        },
        { description: 'Rules that write to SQLite.' },
      ),
    ),
    repub: Type.Optional(
      Section(
        {
          rules: RuleList(
            'server, topic, proto_ver, clientid, keepalive, clean_start, username, password, sql.',
          ),
        },
        {
          description: 'Rules that republish to a broker.',
        },
      ),
    ),
    mysql: Type.Optional(
      Instances(
        Loose({ description: 'conn{host, username, password, database}, rules[{table, sql}].' }),
        { description: 'Rules that write to MySQL.' },
      ),
    ),
    postgresql: Type.Optional(Loose({ description: 'Rules that write to PostgreSQL.' })),
    timescaledb: Type.Optional(Loose({ description: 'Rules that write to TimescaleDB.' })),
  },
  { description: 'The rule engine (SQL over messages).', status: 'planned' },
);

/** Top-level sections that edgemq does not implement yet, in schema order. */
export const INTEGRATION_SECTIONS = {
  sqlite: Type.Optional(SqliteSection),
  http_server: Type.Optional(HttpServerSection),
  webhook: Type.Optional(WebhookSection),
  bridges: Type.Optional(BridgesSection),
  preset: Type.Optional(PresetSection),
  rules: Type.Optional(RulesSection),
  exchange_client: Type.Optional(
    Loose({
      description: 'Embedded message queues (a commercial NanoMQ feature).',
      status: 'planned',
    }),
  ),
  parquet: Type.Optional(
    Loose({ description: 'Parquet files for exchange_client.', status: 'planned' }),
  ),
  plugin: Type.Optional(
    Loose({
      description: 'Native plugin libraries (edgemq plugins are JavaScript modules).',
      status: 'planned',
    }),
  ),
  gateway: Type.Optional(
    Loose({
      description:
        'ZeroMQ / SOME/IP gateway settings (`nanomq_cli zmq_gateway --conf`), not broker settings.',
      status: 'planned',
    }),
  ),
};
