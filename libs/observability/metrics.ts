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
  readonly databaseWaits = new Counter({
    name: 'credithub_database_unavailable_total',
    help: 'Times a worker paused because the database was unreachable',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
