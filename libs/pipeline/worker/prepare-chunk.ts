import { createHash } from 'node:crypto';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { RecordChunkMessage } from '../../bus/messages';
import { publicationEnd } from '../../domain/publication/publication-end';
import { StoredRejection } from '../../persistence/batch.repository';
import { ChunkLoad, LoadableRecord, SubjectSighting } from '../../persistence/record.repository';
import { canonicalJson } from '../ingest/ingest.service';
import { judgeRecords } from './judge-records';
import { MappedRecord, mapRecords, SupplierMapping } from './map-chunk';
import { RegistryLinks } from './subject-resolver';

export interface ChunkContext {
  /** The supplier's mapping for the item, at the version the batch arrived with. */
  readonly mapping?: SupplierMapping;
  /** Records already mapped (the handler maps once to find legacy identifiers to look up). */
  readonly mapped?: readonly MappedRecord[];
  /** Registry links for the chunk's legacy identifiers. */
  readonly links?: RegistryLinks;
}

/**
 * Turns a chunk as the supplier sent it into what the loader writes: each record mapped,
 * resolved, checked against every rule and normalised, or rejected with every reason.
 * Pure: the same chunk and context always prepare the same load.
 */
export function prepareChunk(chunk: RecordChunkMessage, item: CatalogItem, today: Date, context: ChunkContext = {}): ChunkLoad {
  const mapped = context.mapped ?? mapRecords(item.code, chunk.records, context.mapping);
  const bySourceKey = new Map<string, LoadableRecord>();
  const subjects = new Map<string, SubjectSighting>();
  const rejections: StoredRejection[] = [];
  let loaded = 0;

  for (const judgement of judgeRecords(mapped, item, today, context.links ?? new Map())) {
    const sourceKey = judgement.sourceKey ?? `index:${judgement.index}`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f]/.test(sourceKey) || sourceKey.length > 200) {
      rejections.push({ index: judgement.index, sourceKey: null, field: 'source_key', code: 'INVALID_FORMAT', value: null });
      continue;
    }
    if (!judgement.ok) {
      for (const r of judgement.rejections) {
        rejections.push({ index: judgement.index, sourceKey, field: r.field, code: r.code, value: r.value ?? null });
      }
      continue;
    }
    loaded++;
    // A key repeated within one chunk: the later record is the supplier's latest word.
    bySourceKey.set(sourceKey, {
      index: judgement.index,
      sourceKey,
      subjectCode: judgement.subject.code,
      fields: judgement.fields,
      contentHash: createHash('sha256').update(canonicalJson(judgement.fields)).digest('hex'),
      publicationEnd: publicationEnd(item, judgement.fields),
      provenance: {
        supplier: chunk.supplierCode,
        channel: chunk.channel,
        batchId: chunk.batchId,
        chunkNo: chunk.chunkNo,
        index: judgement.index,
        receivedAt: chunk.receivedAt,
        mapping: judgement.mapping,
        ...(judgement.resolution ? { subjectResolvedFrom: judgement.resolution } : {}),
      },
    });
    subjects.set(judgement.subject.code, judgement.subject);
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
