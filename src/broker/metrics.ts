/** Broker-wide counters for $SYS, the REST API and Prometheus (later issues). */
export class Metrics {
  readonly startedAt: number;
  connectionsTotal = 0;
  connectionsCurrent = 0;
  messagesReceived = 0;
  messagesSent = 0;
  /** Deliveries dropped: congested or offline QoS 0, full queues, expired, too large. */
  messagesDropped = 0;
  messagesExpired = 0;
  publishReceived = 0;
  bytesReceived = 0;
  bytesSent = 0;
  /** Connections closed for a protocol violation. */
  protocolErrors = 0;
  authFailures = 0;
  /** QoS>0 deliveries to persistent sessions refused: store full, or their batch failed. */
  persistenceRefused = 0;
  /** Oldest queued messages dropped to make room (fullPolicy 'drop_oldest'). */
  persistenceDropped = 0;
  /** Batches whose commit failed (rolled back; their acks refused). */
  persistenceFailures = 0;
  /** Batches committed (one transaction each), and the time spent committing them. */
  persistenceCommits = 0;
  persistenceCommitMs = 0;

  constructor(now: number) {
    this.startedAt = now;
  }
}
