// A broker for the persistence benchmarks, configured from the environment (until the
// CLI's --data-dir / --no-persistence are wired):
//   PORT=1883 PERSIST=1 DATA_DIR=/tmp/x SYNC=full FLUSH_MEM=100 DISK_CACHE_SIZE=2000000 \
//     node --import tsx bench/persistence/broker.ts
// Prints "READY <port> <restore ms>" once it listens; SIGTERM / SIGINT stop it cleanly.
import { DEFAULT_PERSISTENCE_OPTIONS } from '../../src/broker/options.js';
import { createBroker } from '../../src/server.js';

const env = process.env;
const started = Date.now();
const broker = createBroker({
  sysInterval: 0,
  listeners: [{ kind: 'tcp', host: '127.0.0.1', port: Number(env.PORT ?? 1883) }],
  persistence: {
    ...DEFAULT_PERSISTENCE_OPTIONS,
    enabled: env.PERSIST === '1',
    dataDir: env.DATA_DIR ?? './data',
    synchronous: (env.SYNC ?? 'full') as 'full' | 'normal' | 'off',
    inflightGraceMs: Number(env.GRACE_MS ?? DEFAULT_PERSISTENCE_OPTIONS.inflightGraceMs),
    flushMemThreshold: Number(env.FLUSH_MEM ?? DEFAULT_PERSISTENCE_OPTIONS.flushMemThreshold),
    diskCacheSize: Number(env.DISK_CACHE_SIZE ?? 10_000_000),
    integrityCheck: env.INTEGRITY_CHECK !== '0',
  },
});
const [bound] = await broker.start();
process.stdout.write(`READY ${bound?.port ?? 0} ${Date.now() - started}\n`);
const stop = (): void => {
  const m = broker.metrics;
  if (m.persistenceCommits > 0)
    process.stderr.write(
      `commits ${m.persistenceCommits}, ${(m.persistenceCommitMs / m.persistenceCommits).toFixed(3)} ms each, ` +
        `${(m.messagesReceived / m.persistenceCommits).toFixed(1)} publishes per commit\n`,
    );
  void broker.stop().then(() => {
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
