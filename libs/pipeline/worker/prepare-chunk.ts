import { createHash } from 'node:crypto';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { RecordChunkMessage } from '../../bus/messages';
import { publicationEnd } from '../../domain/publication/publication-end';
import { validateRecord } from '../../domain/validation/validate-record';
import { StoredRejection } from '../../persistence/batch.repository';
import { ChunkLoad, LoadableRecord, SubjectSighting } from '../../persistence/record.repository';
import { canonicalJson } from '../ingest/ingest.service';

/**
 * Turns a chunk as the supplier sent it into what the loader writes: each record validated
 * and normalised, or rejected with every reason. Pure: the same chunk always prepares the same.
 */
export function prepareChunk(chunk: RecordChunkMessage, item: CatalogItem, today: Date): ChunkLoad {
  const bySourceKey = new Map<string, LoadableRecord>();
  const subjects = new Map<string, SubjectSighting>();
  const rejections: StoredRejection[] = [];
  let loaded = 0;

  for (const record of chunk.records) {
    const sourceKey = record.sourceKey ?? `index:${record.index}`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f]/.test(sourceKey) || sourceKey.length > 200) {
      rejections.push({ index: record.index, sourceKey: null, field: 'source_key', code: 'INVALID_FORMAT', value: null });
      continue;
    }
    const verdict = validateRecord(record.payload, item, today);
    if (!verdict.ok) {
      for (const r of verdict.rejections) {
        rejections.push({ index: record.index, sourceKey, field: r.field, code: r.code, value: r.value ?? null });
      }
      continue;
    }
    loaded++;
    // A key repeated within one chunk: the later record is the supplier's latest word.
    bySourceKey.set(sourceKey, {
      index: record.index,
      sourceKey,
      subjectCode: verdict.subject.code,
      fields: verdict.fields,
      contentHash: createHash('sha256').update(canonicalJson(verdict.fields)).digest('hex'),
      publicationEnd: publicationEnd(item, verdict.fields),
      provenance: {
        supplier: chunk.supplierCode,
        channel: chunk.channel,
        batchId: chunk.batchId,
        chunkNo: chunk.chunkNo,
        index: record.index,
        receivedAt: chunk.receivedAt,
      },
    });
    subjects.set(verdict.subject.code, verdict.subject);
  }

  return {
    batchId: chunk.batchId,
    chunkNo: chunk.chunkNo,
    supplierId: chunk.supplierId,
    itemCode: chunk.itemCode,
    channel: chunk.channel,
    catalogVersion: item.version,
    received: chunk.records.length,
    loaded,
    records: [...bySourceKey.values()],
    subjects: [...subjects.values()],
    rejections,
  };
}
