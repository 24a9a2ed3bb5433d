import { REJECTION_CODES, RejectionCode } from '../../domain/rejections/rejection-codes';
import { BatchRepository, StoredRejection } from '../../persistence/batch.repository';
import { ConnectorRepository, FeedbackState } from '../../persistence/connector.repository';

export interface RejectionView {
  readonly index: number;
  readonly sourceKey: string | null;
  readonly field: string;
  readonly code: string;
  readonly value: string | null;
  readonly message: string;
  readonly hint: string;
}

export interface BatchReport {
  readonly batchId: string;
  readonly supplier: string;
  readonly item: string;
  readonly status: 'processing' | 'done';
  readonly received: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly rejections: RejectionView[];
  /**
   * Rejection rows not stored because the batch reached INGEST_MAX_REJECTIONS_PER_BATCH: they are
   * counted, and `rejected` still counts every rejected record.
   */
  readonly rejectionsNotStored: number;
  /** Where the next page of rejections starts, or null when this page is the last. */
  readonly rejectionsNextOffset: number | null;
  /** For batches read by a connector: the delivery of the rejections back on its channel (R14). */
  readonly feedback: FeedbackState | null;
  /**
   * Chunks of this batch in the dead-letter list awaiting an operator's replay (ADR 0012); their
   * records are counted rejected (LOAD_FAILED) until a replay loads them.
   */
  readonly deadLetters?: number;
}

export type BatchViewer = { kind: 'supplier'; supplierId: string } | { kind: 'operator' };

export class ReportError extends Error {
  constructor(readonly code: 'BATCH_NOT_FOUND', message: string) {
    super(message);
  }
}

/** The batch report of API.md: counts from the processed chunks, rejections with their reasons. */
export class BatchReportService {
  constructor(
    private readonly batches: BatchRepository,
    private readonly connectors?: ConnectorRepository,
    private readonly deadLetters?: { pendingForBatch(batchId: string): Promise<number> },
  ) {}

  async report(batchId: string, viewer: BatchViewer, page: { offset: number; limit: number }): Promise<BatchReport> {
    const batch = await this.visibleBatch(batchId, viewer);
    const progress = await this.batches.progress(batch.id);
    const rows = await this.batches.rejections(batch.id, { offset: page.offset, limit: page.limit + 1 });
    const more = rows.length > page.limit;
    return {
      batchId: batch.id,
      supplier: batch.supplierCode,
      item: batch.itemCode,
      status: progress.chunksProcessed >= batch.chunkCount ? 'done' : 'processing',
      received: batch.received,
      loaded: progress.loaded,
      rejected: progress.rejected,
      rejections: rows.slice(0, page.limit).map(explainRejection),
      rejectionsNotStored: progress.rejectionsNotStored,
      rejectionsNextOffset: more ? page.offset + page.limit : null,
      feedback: (await this.connectors?.feedbackState(batch.id)) ?? null,
      deadLetters: (await this.deadLetters?.pendingForBatch(batch.id)) ?? 0,
    };
  }

  /** Every rejection of the batch, page by page, for the CSV export. */
  async *allRejections(batchId: string, viewer: BatchViewer): AsyncGenerator<RejectionView> {
    const batch = await this.visibleBatch(batchId, viewer);
    const pageSize = 5_000;
    for (let offset = 0; ; offset += pageSize) {
      const rows = await this.batches.rejections(batch.id, { offset, limit: pageSize });
      yield* rows.map(explainRejection);
      if (rows.length < pageSize) return;
    }
  }

  private async visibleBatch(batchId: string, viewer: BatchViewer) {
    const batch = /^[0-9a-f-]{36}$/i.test(batchId) ? await this.batches.find(batchId) : undefined;
    // A batch another supplier owns is reported as missing, not forbidden: ids are not to be probed.
    if (!batch || batch.status !== 'accepted' || (viewer.kind === 'supplier' && viewer.supplierId !== batch.supplierId)) {
      throw new ReportError('BATCH_NOT_FOUND', `批次 ${batchId} 不存在`);
    }
    return batch;
  }
}

export function explainRejection(r: StoredRejection): RejectionView {
  const definition = REJECTION_CODES[r.code as RejectionCode];
  return {
    index: r.index,
    sourceKey: r.sourceKey,
    field: r.field,
    code: r.code,
    value: r.value,
    message: definition?.zh ?? r.code,
    hint: definition?.hint ?? '',
  };
}
