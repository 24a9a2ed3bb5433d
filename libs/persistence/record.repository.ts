import { HubDatabase } from './hub-database';
import { StoredRejection } from './batch.repository';

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

export type ChunkLoadResult = { readonly outcome: 'loaded'; readonly newVersions: number } | { readonly outcome: 'already-loaded' };

/**
 * Loads one chunk in one transaction: the chunk marker (which makes a redelivered chunk a
 * no-op), the subjects, the current records with an appended version where content changed
 * (content an objection outcome replaced is not taken back),
 * the rejections and the collection-log row. Nothing in the history is updated or deleted.
 */
export class RecordRepository {
  constructor(private readonly db: HubDatabase) {}

  async loadChunk(chunk: ChunkLoad): Promise<ChunkLoadResult> {
    return this.db.dataSource.transaction(async (tx) => {
      const marker: unknown[] = await tx.query(
        `INSERT INTO batch_chunks (batch_id, chunk_no, records, loaded, rejected, new_versions)
         VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT DO NOTHING RETURNING chunk_no`,
        [chunk.batchId, chunk.chunkNo, chunk.received, chunk.loaded, countRejectedRecords(chunk.rejections)],
      );
      if (marker.length === 0) return { outcome: 'already-loaded' } as const;

      if (chunk.subjects.length > 0) {
        // Sorted so that concurrent chunks lock subjects in the same order (no deadlocks).
        const subjects = [...chunk.subjects].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
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

      let newVersions = 0;
      if (chunk.records.length > 0) {
        const records = [...chunk.records].sort((a, b) => (a.sourceKey < b.sourceKey ? -1 : a.sourceKey > b.sourceKey ? 1 : 0));
        const versions: unknown[] = await tx.query(
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
          [JSON.stringify(records), chunk.supplierId, chunk.itemCode, chunk.catalogVersion, chunk.batchId],
        );
        newVersions = versions.length;
      }

      if (chunk.rejections.length > 0) {
        await tx.query(
          `INSERT INTO rejections (batch_id, record_index, source_key, field, code, value)
           SELECT $1, index, "sourceKey", field, code, value
           FROM jsonb_to_recordset($2::jsonb) AS t(index int, "sourceKey" text, field text, code text, value text)`,
          [chunk.batchId, JSON.stringify(chunk.rejections)],
        );
      }

      await tx.query(
        `INSERT INTO collection_log (batch_id, chunk_no, supplier_id, item_code, channel, received, loaded, rejected, new_versions)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          chunk.batchId, chunk.chunkNo, chunk.supplierId, chunk.itemCode, chunk.channel,
          chunk.received, chunk.loaded, countRejectedRecords(chunk.rejections), newVersions,
        ],
      );
      if (newVersions > 0) {
        await tx.query('UPDATE batch_chunks SET new_versions = $3 WHERE batch_id = $1 AND chunk_no = $2', [
          chunk.batchId, chunk.chunkNo, newVersions,
        ]);
      }
      return { outcome: 'loaded', newVersions } as const;
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

function countRejectedRecords(rejections: readonly StoredRejection[]): number {
  return new Set(rejections.map((r) => r.index)).size;
}
