import { Logger } from '@nestjs/common';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { Delivery, HandlerOutcome } from '../../bus/message-bus';
import { BatchRepository } from '../../persistence/batch.repository';
import { classifyDatabaseError, loadFailureReason } from '../../persistence/database-errors';
import { RecordRepository } from '../../persistence/record.repository';
import { HubMetrics } from '../../observability/metrics';
import { mapRecordsIsolating, prepareChunkIsolating } from './isolate-records';
import { MappingVersions } from './mapping-versions';
import { SubjectResolver } from './subject-resolver';

export interface RecordChunkHandlerOptions {
  /** How long a chunk waits for its batch to be accepted before it counts as a failed delivery. */
  readonly acceptWaitMs: number;
  readonly clock: () => Date;
  /** Most rejection rows stored per batch (INGEST_MAX_REJECTIONS_PER_BATCH); unset: no cap. */
  readonly maxRejectionsPerBatch?: number;
}

/**
 * The worker's handler for `hub.records`: validates a chunk and loads it in one transaction,
 * then lets the bus ack it. Every record of an accepted chunk ends loaded or rejected, so its
 * batch reaches `done`: a record that makes mapping or validation throw, or that PostgreSQL
 * refuses, is isolated and rejected with LOAD_FAILED while its neighbours load.
 * While the database is unreachable it holds the message and waits (a database outage must not
 * spend delivery attempts, dead-letter good records or reject any); a fault no record explains
 * (our SQL, a missing table) counts towards the delivery limit and ends in the dead-letter queue.
 */
export class RecordChunkHandler {
  private readonly log = new Logger('RecordChunkHandler');

  constructor(
    private readonly batches: BatchRepository,
    private readonly records: RecordRepository,
    private readonly findItem: (code: string) => CatalogItem | undefined,
    private readonly metrics: HubMetrics,
    private readonly mappings: MappingVersions,
    private readonly resolver: SubjectResolver,
    private readonly options: RecordChunkHandlerOptions,
  ) {}

  readonly handle = async (delivery: Delivery<'hub.records'>): Promise<HandlerOutcome> => {
    const chunk = delivery.body;
    const item = this.findItem(chunk.itemCode);
    if (!item) {
      this.log.error(`chunk ${chunk.batchId}/${chunk.chunkNo}: item ${chunk.itemCode} is not in the catalog`);
      return 'dead-letter';
    }
    let pause = 500;
    for (;;) {
      try {
        const status = await this.awaitAcceptance(chunk.batchId);
        if (status !== 'accepted') {
          this.log.warn(`chunk ${chunk.batchId}/${chunk.chunkNo} discarded: batch is ${status ?? 'unknown'}`);
          return status === 'receiving' ? 'retry' : 'ack';
        }
        const stopTimer = this.metrics.chunkSeconds.startTimer();
        const today = this.options.clock();
        const mapping = chunk.mappingVersion === null ? undefined : await this.mappings.get(chunk.supplierId, chunk.itemCode, chunk.mappingVersion);
        const { mapped, failures } = mapRecordsIsolating(item.code, chunk.records, mapping);
        const links = await this.resolver.linksFor(mapped, today);
        const load = prepareChunkIsolating(chunk, item, today, { mapped, links }, failures);
        const result = await this.records.loadChunk(load, {
          maxRejectionRowsPerBatch: this.options.maxRejectionsPerBatch,
          onIsolating: (reason) => this.log.warn(`chunk ${chunk.batchId}/${chunk.chunkNo}: PostgreSQL refused the chunk (${reason}); isolating the records it refuses`),
        });
        stopTimer();
        if (result.outcome === 'loaded') {
          const labels = { supplier: chunk.supplierCode, item: chunk.itemCode };
          const loaded = load.loaded - result.loadFailed;
          const loadFailed = load.rejections.filter((r) => r.code === 'LOAD_FAILED').length + result.loadFailed;
          this.metrics.recordsLoaded.inc(labels, loaded);
          this.metrics.recordsRejected.inc(labels, load.received - loaded);
          if (loadFailed > 0) {
            this.metrics.recordsLoadFailed.inc(labels, loadFailed);
            this.log.warn(`chunk ${chunk.batchId}/${chunk.chunkNo}: ${loadFailed} record(s) rejected with LOAD_FAILED after ${result.attempts} load attempt(s)`);
          }
          this.metrics.batchLatency.observe((Date.now() - Date.parse(chunk.receivedAt)) / 1000);
        }
        return 'ack';
      } catch (e) {
        if (classifyDatabaseError(e) !== 'transient') {
          // The reason, not the message: a server message can quote a record's value (a national ID).
          this.log.error(`chunk ${chunk.batchId}/${chunk.chunkNo} failed (${delivery.previousFailures} earlier failures): ${loadFailureReason(e)}`);
          return 'retry';
        }
        this.metrics.databaseWaits.inc();
        this.log.warn(`database unavailable (${(e as Error).message}); holding chunk ${chunk.batchId}/${chunk.chunkNo}, retry in ${pause} ms`);
        await sleep(pause);
        pause = Math.min(pause * 2, 10_000);
      }
    }
  };

  /** The API publishes a batch's chunks before it marks the batch accepted: wait out that window. */
  private async awaitAcceptance(batchId: string) {
    const deadline = Date.now() + this.options.acceptWaitMs;
    for (;;) {
      const status = await this.batches.status(batchId);
      if (status !== 'receiving' || Date.now() > deadline) return status;
      await sleep(100);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
