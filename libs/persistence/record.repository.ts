import { HubDatabase } from './hub-database';
import { StoredRejection } from './batch.repository';
import { classifyDatabaseError, loadFailureReason } from './database-errors';
import { storeIsolatingFailures } from './isolate-failures';

export interface LoadableRecord {
  readonly index: number;
  readonly sourceKey: string;
  readonly subjectCode: string;
  readonly fields: Record<string, unknown>;
  readonly contentHash: string;
  readonly publicationEnd: string | null;
  readonly provenance: Record<string, unknown>;
}

export interface SubjectSighting {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly name: string | null;
}

export interface ChunkLoad {
  readonly batchId: string;
  readonly chunkNo: number;
  readonly supplierId: string;
  readonly itemCode: string;
  readonly channel: string;
  readonly catalogVersion: number;
  readonly received: number;
  readonly loaded: number;
  /** One record per source key (the last one wins when a chunk repeats a key). */
  readonly records: readonly LoadableRecord[];
  readonly subjects: readonly SubjectSighting[];
  readonly rejections: readonly StoredRejection[];
}

export type ChunkLoadResult =
  | {
      readonly outcome: 'loaded';
      readonly newVersions: number;
      /** Records PostgreSQL refused (isolated and rejected with LOAD_FAILED); their neighbours loaded. */
      readonly loadFailed: number;
      /** Statements tried to store the records (1 unless a record had to be isolated). */
      readonly attempts: number;
      /** Rejection rows counted but not stored: the batch had reached its cap. */
      readonly rejectionsNotStored: number;
    }
  | { readonly outcome: 'already-loaded' };

export interface LoadOptions {
  /** Most rejection rows stored for one batch; the rest are counted on the chunk marker. Unset: no cap. */
  readonly maxRejectionRowsPerBatch?: number;
  /** Told once when the whole chunk was refused and the search for the refused records begins. */
  readonly onIsolating?: (reason: string) => void;
}

type Tx = { query(sql: string, parameters?: unknown[]): Promise<unknown> };

/**
 * Loads one chunk in one transaction: the chunk marker (which makes a redelivered chunk a
 * no-op), the subjects, the current records with an appended version where content changed
 * (content an objection outcome replaced is not taken back),
 * the rejections and the collection-log row. Nothing in the history is updated or deleted.
 *
 * Records PostgreSQL refuses (a constraint, a value out of range: `classifyDatabaseError` says
 * `record`) are isolated by bisection under savepoints inside the same transaction and rejected
 * with LOAD_FAILED; the others load. Being one transaction, a worker killed mid-search leaves
 * nothing behind and the redelivered chunk starts over; the marker still makes a chunk that
 * committed a no-op. An outage aborts the whole transaction (the caller holds the message).
 */
export class RecordRepository {
  constructor(private readonly db: HubDatabase) {}

  async loadChunk(chunk: ChunkLoad, options: LoadOptions = {}): Promise<ChunkLoadResult> {
    return this.db.dataSource.transaction(async (tx) => {
      const marker: unknown[] = await tx.query(
        `INSERT INTO batch_chunks (batch_id, chunk_no, records, loaded, rejected, new_versions)
         VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT DO NOTHING RETURNING chunk_no`,
        [chunk.batchId, chunk.chunkNo, chunk.received, chunk.loaded, countRejectedRecords(chunk.rejections)],
      );
      if (marker.length === 0) return { outcome: 'already-loaded' } as const;

      const subjectsByCode = new Map(chunk.subjects.map((s) => [s.code, s]));
      // Sorted by key (and their subjects by code) so that concurrent chunks lock rows in the same order.
      const records = [...chunk.records].sort((a, b) => compare(a.sourceKey, b.sourceKey));
      let newVersions = 0;
      let savepoints = 0;
      const isolation = await storeIsolatingFailures(
        records,
        async (subset) => {
          const name = `load_${++savepoints}`;
          await tx.query(`SAVEPOINT ${name}`);
          try {
            newVersions += await storeRecords(tx, chunk, subset, subjectsByCode);
          } catch (e) {
            // Only a refused record is worth going on after; on an outage the transaction is lost anyway.
            if (classifyDatabaseError(e) === 'record') {
              await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
              if (savepoints === 1) options.onIsolating?.(loadFailureReason(e));
            }
            throw e;
          }
          await tx.query(`RELEASE SAVEPOINT ${name}`);
        },
        (e) => classifyDatabaseError(e) === 'record',
      );

      const loadFailures: StoredRejection[] = isolation.failed.map(({ item, error }) => ({
        index: item.index,
        sourceKey: item.sourceKey,
        field: '(record)',
        code: 'LOAD_FAILED',
        value: loadFailureReason(error),
      }));
      const rejections = [...loadFailures, ...chunk.rejections];
      const rejected = countRejectedRecords(rejections);
      const loaded = chunk.loaded - loadFailures.length;

      let notStored = 0;
      if (rejections.length > 0) {
        const allowed = await reserveRejectionRows(tx, chunk.batchId, rejections.length, options.maxRejectionRowsPerBatch);
        const stored = rejections.slice(0, allowed);
        notStored = rejections.length - stored.length;
        if (stored.length > 0) {
          await tx.query(
            `INSERT INTO rejections (batch_id, record_index, source_key, field, code, value)
             SELECT $1, index, "sourceKey", field, code, value
             FROM jsonb_to_recordset($2::jsonb) AS t(index int, "sourceKey" text, field text, code text, value text)`,
            [chunk.batchId, JSON.stringify(stored.map(storableRejection))],
          );
        }
      }

      await tx.query(
        `INSERT INTO collection_log (batch_id, chunk_no, supplier_id, item_code, channel, received, loaded, rejected, new_versions)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [chunk.batchId, chunk.chunkNo, chunk.supplierId, chunk.itemCode, chunk.channel, chunk.received, loaded, rejected, newVersions],
      );
      if (newVersions > 0 || loadFailures.length > 0 || notStored > 0) {
        await tx.query(
          `UPDATE batch_chunks SET new_versions = $3, loaded = $4, rejected = $5, rejections_not_stored = $6
           WHERE batch_id = $1 AND chunk_no = $2`,
          [chunk.batchId, chunk.chunkNo, newVersions, loaded, rejected, notStored],
        );
      }
      return { outcome: 'loaded', newVersions, loadFailed: loadFailures.length, attempts: isolation.attempts, rejectionsNotStored: notStored } as const;
    });
  }

  /**
   * 第二十八条: archives up to `limit` active records whose publication period ended before
   * `today` (they are not served any more, and not deleted), each with a status event. Returns how
   * many it archived; call again until 0. Concurrent callers skip each other's rows.
   */
  async archiveExpired(today: string, limit: number): Promise<number> {
    return this.db.dataSource.transaction(async (tx) => {
      const archived: { id: string }[] = await tx.query(
        `WITH expired AS (
           SELECT id FROM credit_records WHERE status = 'active' AND publication_end < $1::date
           ORDER BY publication_end, id LIMIT $2 FOR UPDATE SKIP LOCKED
         ), archived AS (
           UPDATE credit_records r SET status = 'archived', updated_at = now() FROM expired WHERE r.id = expired.id RETURNING r.id
         )
         INSERT INTO record_status_events (record_id, from_status, to_status, reason, article)
         SELECT id, 'active', 'archived', 'publication period ended', '第二十八条' FROM archived
         RETURNING record_id AS id`,
        [today, limit],
      );
      return archived.length;
    });
  }
}

/**
 * Stores the subjects and records of `subset`: one statement each, so a refused value fails the
 * subset as a whole and the savepoint around it undoes all of it. Returns the versions appended.
 */
async function storeRecords(
  tx: Tx,
  chunk: ChunkLoad,
  subset: readonly LoadableRecord[],
  subjectsByCode: ReadonlyMap<string, SubjectSighting>,
): Promise<number> {
  const codes = [...new Set(subset.map((r) => r.subjectCode))].sort(compare);
  const subjects = codes.flatMap((code) => subjectsByCode.get(code) ?? []);
  if (subjects.length > 0) {
    await tx.query(
      `INSERT INTO subjects AS s (code, kind, name)
       SELECT code, kind, name FROM jsonb_to_recordset($1::jsonb) AS t(code text, kind text, name text)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
       WHERE EXCLUDED.name IS NOT NULL AND s.name IS DISTINCT FROM EXCLUDED.name`,
      [JSON.stringify(subjects)],
    );
    // Every USCC teaches the registry its embedded organisation code (characters 9-17), so a
    // later record carrying only that legacy code resolves to it (R6).
    await tx.query(
      `INSERT INTO subject_identifiers (kind, identifier, subject_code, source)
       SELECT 'organization_code', substr(code, 9, 9), code, 'uscc'
       FROM jsonb_to_recordset($1::jsonb) AS t(code text, kind text)
       WHERE kind = 'organization'
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(subjects)],
    );
  }
  if (subset.length === 0) return 0;
  const versions = (await tx.query(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
         "sourceKey" text, "subjectCode" text, fields jsonb, "contentHash" text,
         "publicationEnd" date, provenance jsonb)
     ), upserted AS (
       INSERT INTO credit_records AS r (supplier_id, item_code, source_key, subject_code, fields, content_hash,
                                        version, catalog_version, publication_end, batch_id)
       SELECT $2, $3, "sourceKey", "subjectCode", fields, "contentHash", 1, $4, "publicationEnd", $5 FROM input
       ON CONFLICT (supplier_id, item_code, source_key) DO UPDATE
         SET subject_code = EXCLUDED.subject_code, fields = EXCLUDED.fields, content_hash = EXCLUDED.content_hash,
             version = r.version + 1, catalog_version = EXCLUDED.catalog_version,
             publication_end = EXCLUDED.publication_end, batch_id = EXCLUDED.batch_id, updated_at = now()
         WHERE r.content_hash <> EXCLUDED.content_hash
           -- 第二十五条: after an objection corrected the record, the provider's old content
           -- sent again (a stale full export) does not undo the correction.
           AND NOT EXISTS (
             SELECT 1 FROM credit_record_versions cur
             JOIN credit_record_versions earlier
               ON earlier.record_id = cur.record_id AND earlier.version < cur.version
              AND earlier.content_hash = EXCLUDED.content_hash
             WHERE cur.record_id = r.id AND cur.version = r.version AND cur.provenance ? 'objection')
       RETURNING r.id, r.version, r.source_key, r.fields, r.content_hash
     )
     INSERT INTO credit_record_versions (record_id, version, fields, content_hash, catalog_version, batch_id, provenance)
     SELECT u.id, u.version, u.fields, u.content_hash, $4, $5, i.provenance
     FROM upserted u JOIN input i ON i."sourceKey" = u.source_key
     RETURNING version`,
    [JSON.stringify(subset), chunk.supplierId, chunk.itemCode, chunk.catalogVersion, chunk.batchId],
  )) as unknown[];
  return versions.length;
}

/**
 * Takes up to `wanted` rows of the batch's rejection allowance. The batch row is locked to the end
 * of the transaction, so concurrent chunks of one batch never store more than the cap together;
 * only chunks that have rejections take the lock, at the end of their work.
 */
async function reserveRejectionRows(tx: Tx, batchId: string, wanted: number, cap: number | undefined): Promise<number> {
  if (cap === undefined) return wanted;
  const rows = (await tx.query('SELECT rejection_rows AS used FROM batches WHERE id = $1 FOR UPDATE', [batchId])) as { used: number }[];
  const allowed = rejectionRowsAllowed(Number(rows[0]?.used ?? 0), wanted, cap);
  if (allowed > 0) await tx.query('UPDATE batches SET rejection_rows = rejection_rows + $2 WHERE id = $1', [batchId, allowed]);
  return allowed;
}

/** How many of `wanted` rejection rows a batch that already stored `used` may still store under `cap`. */
export function rejectionRowsAllowed(used: number, wanted: number, cap: number): number {
  return Math.max(0, Math.min(wanted, cap - used));
}

/**
 * Rejection text is an echo of what the supplier sent, clipped by whoever judged it: a clip can
 * split a surrogate pair (a rare CJK Extension B character in a name, an emoji), and jsonb refuses
 * a lone surrogate, which would fail the whole chunk. Replaced here, where it is stored.
 */
function storableRejection(r: StoredRejection): StoredRejection {
  return { ...r, field: storableText(r.field), sourceKey: r.sourceKey === null ? null : storableText(r.sourceKey), value: r.value === null ? null : storableText(r.value) };
}

/** NUL and lone surrogates (which text and jsonb refuse) replaced by U+FFFD; everything else kept. */
export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function countRejectedRecords(rejections: readonly StoredRejection[]): number {
  return new Set(rejections.map((r) => r.index)).size;
}
