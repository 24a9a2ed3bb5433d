import { HubDatabase } from './hub-database';
import { affectedRows } from './update-result';

export type BatchStatus = 'receiving' | 'accepted' | 'aborted';

export interface BatchRow {
  readonly id: string;
  readonly supplierId: string;
  readonly supplierCode: string;
  readonly itemCode: string;
  readonly channel: string;
  readonly status: BatchStatus;
  readonly received: number;
  readonly chunkCount: number;
  readonly createdAt: Date;
  readonly acceptedAt: Date | null;
  /** What the batch was submitted with (`body:`/`records:` + SHA-256); null for batches from before it was kept. */
  readonly contentDigest: string | null;
}

export interface BatchProgress {
  readonly chunksProcessed: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly newVersions: number;
  /** Rejection rows counted but not stored once the batch reached its cap (INGEST_MAX_REJECTIONS_PER_BATCH). */
  readonly rejectionsNotStored: number;
}

export interface StoredRejection {
  readonly index: number;
  readonly sourceKey: string | null;
  readonly field: string;
  readonly code: string;
  readonly value: string | null;
}

export class IdempotencyConflictError extends Error {
  readonly code = 'IDEMPOTENCY_CONFLICT';
}

const BATCH_COLUMNS = `b.id, b.supplier_id AS "supplierId", s.code AS "supplierCode", b.item_code AS "itemCode",
  b.channel, b.status, b.received, b.chunk_count AS "chunkCount", b.created_at AS "createdAt", b.accepted_at AS "acceptedAt",
  b.content_digest AS "contentDigest"`;

export class BatchRepository {
  constructor(private readonly db: HubDatabase) {}

  async findLiveByIdempotencyKey(supplierId: string, key: string): Promise<BatchRow | undefined> {
    const rows: BatchRow[] = await this.db.dataSource.query(
      `SELECT ${BATCH_COLUMNS} FROM batches b JOIN suppliers s ON s.id = b.supplier_id
       WHERE b.supplier_id = $1 AND b.idempotency_key = $2 AND b.status <> 'aborted'`,
      [supplierId, key],
    );
    return rows[0];
  }

  async createReceiving(input: {
    id: string;
    supplierId: string;
    itemCode: string;
    channel: string;
    idempotencyKey?: string;
    contentDigest?: string;
  }): Promise<void> {
    try {
      await this.db.dataSource.query(
        `INSERT INTO batches (id, supplier_id, item_code, channel, idempotency_key, status, content_digest)
         VALUES ($1, $2, $3, $4, $5, 'receiving', $6)`,
        [input.id, input.supplierId, input.itemCode, input.channel, input.idempotencyKey ?? null, input.contentDigest ?? null],
      );
    } catch (e) {
      if ((e as { driverError?: { code?: string } }).driverError?.code === '23505') {
        throw new IdempotencyConflictError('a request with this Idempotency-Key is in progress');
      }
      throw e;
    }
  }

  async accept(id: string, received: number, chunkCount: number): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE batches SET status = 'accepted', received = $2, chunk_count = $3, accepted_at = now()
       WHERE id = $1 AND status = 'receiving'`,
      [id, received, chunkCount],
    );
  }

  async abort(id: string, reason: string): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE batches SET status = 'aborted', abort_reason = $2 WHERE id = $1 AND status = 'receiving'`,
      [id, reason],
    );
  }

  /** Batches whose publisher died between its first publish and its accept are aborted. */
  async abortStale(olderThanSeconds: number): Promise<number> {
    const rows: unknown[] = await this.db.dataSource.query(
      `UPDATE batches SET status = 'aborted', abort_reason = 'publisher did not finish'
       WHERE status = 'receiving' AND created_at < now() - make_interval(secs => $1) RETURNING id`,
      [olderThanSeconds],
    );
    return affectedRows(rows);
  }

  async status(id: string): Promise<BatchStatus | undefined> {
    const rows: { status: BatchStatus }[] = await this.db.dataSource.query(
      'SELECT status FROM batches WHERE id = $1',
      [id],
    );
    return rows[0]?.status;
  }

  async find(id: string): Promise<BatchRow | undefined> {
    const rows: BatchRow[] = await this.db.dataSource.query(
      `SELECT ${BATCH_COLUMNS} FROM batches b JOIN suppliers s ON s.id = b.supplier_id WHERE b.id = $1`,
      [id],
    );
    return rows[0];
  }

  async progress(id: string): Promise<BatchProgress> {
    const rows: { chunks: string; loaded: string; rejected: string; versions: string; not_stored: string }[] = await this.db.dataSource.query(
      `SELECT count(*) AS chunks, coalesce(sum(loaded), 0) AS loaded, coalesce(sum(rejected), 0) AS rejected,
              coalesce(sum(new_versions), 0) AS versions, coalesce(sum(rejections_not_stored), 0) AS not_stored
       FROM batch_chunks WHERE batch_id = $1`,
      [id],
    );
    const r = rows[0];
    return {
      chunksProcessed: Number(r.chunks),
      loaded: Number(r.loaded),
      rejected: Number(r.rejected),
      newVersions: Number(r.versions),
      rejectionsNotStored: Number(r.not_stored),
    };
  }

  /** Rejections ordered by record, `limit` null for all of them (the CSV export streams them). */
  async rejections(id: string, page: { offset: number; limit: number | null }): Promise<StoredRejection[]> {
    return this.db.dataSource.query(
      `SELECT record_index AS index, source_key AS "sourceKey", field, code, value
       FROM rejections WHERE batch_id = $1 ORDER BY record_index, id OFFSET $2 LIMIT $3`,
      [id, page.offset, page.limit],
    );
  }
}
