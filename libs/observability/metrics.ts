import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The hub's Prometheus metrics: one registry per process, served at GET /metrics. */
export class HubMetrics {
  readonly registry = new Registry();
  readonly recordsReceived = new Counter({
    name: 'credithub_records_received_total',
    help: 'Records accepted from suppliers (durable on the bus)',
    labelNames: ['supplier', 'item'],
    registers: [this.registry],
  });
  readonly recordsLoaded = new Counter({
    name: 'credithub_records_loaded_total',
    help: 'Records that passed validation and are in the repository',
    labelNames: ['supplier', 'item'],
    registers: [this.registry],
  });
  readonly recordsRejected = new Counter({
    name: 'credithub_records_rejected_total',
    help: 'Records sent back to their supplier',
    labelNames: ['supplier', 'item'],
    registers: [this.registry],
  });
  readonly chunkSeconds = new Histogram({
    name: 'credithub_chunk_load_seconds',
    help: 'Time to validate and load one chunk',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly batchLatency = new Histogram({
    name: 'credithub_batch_latency_seconds',
    help: 'From a batch being received to one of its chunks being loaded',
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'credithub_queue_depth',
    help: 'Messages ready in a queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  readonly recordsLoadFailed = new Counter({
    name: 'credithub_records_load_failed_total',
    help: 'Records isolated from their chunk and rejected with LOAD_FAILED (PostgreSQL refused them, or mapping threw)',
    labelNames: ['supplier', 'item'],
    registers: [this.registry],
  });
  readonly databaseWaits = new Counter({
    name: 'credithub_database_unavailable_total',
    help: 'Times a worker paused because the database was unreachable',
    registers: [this.registry],
  });

  readonly queryLooks = new Counter({
    name: 'credithub_query_looks_total',
    help: 'Looks at subjects committed to the query log (第十九条), by caller kind, kind of look and outcome',
    labelNames: ['caller_kind', 'query_kind', 'outcome'],
    registers: [this.registry],
  });
  readonly queryLogCommitSeconds = new Histogram({
    name: 'credithub_query_log_commit_seconds',
    help: 'One group commit of query-log rows, which every answer waits for',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly queryLogFailures = new Counter({
    name: 'credithub_query_log_failures_total',
    help: 'Looks refused because their query-log row could not be committed (nothing was served)',
    registers: [this.registry],
  });
  readonly notifications = new Gauge({
    name: 'credithub_notifications',
    help: 'Notices in the outbox not sent: pending (waiting or retrying) and failed (given up, for an operator)',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly deadLetters = new Gauge({
    name: 'credithub_dead_letters',
    help: 'Dead-lettered chunks recorded for operators (ADR 0012): pending (awaiting a replay) and replayed',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly deadLettersRecorded = new Counter({
    name: 'credithub_dead_letters_recorded_total',
    help: 'Dead letters this process took from the dead-letter queue and recorded',
    registers: [this.registry],
  });
  readonly notificationsOldestPendingSeconds = new Gauge({
    name: 'credithub_notifications_oldest_pending_seconds',
    help: 'Age of the oldest pending notice (0 when none)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
