import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { EnvelopeRecord, RecordChunkMessage } from '../../bus/messages';
import { StoredRejection } from '../../persistence/batch.repository';
import { ChunkLoad } from '../../persistence/record.repository';
import { MappedRecord, mapRecords, SupplierMapping } from './map-chunk';
import { prepareChunk } from './prepare-chunk';
import { RegistryLinks } from './subject-resolver';

/** A record that made a pure stage throw (a bug meeting an input nobody foresaw), and why, safely. */
export interface StageFailure {
  readonly envelope: EnvelopeRecord;
  readonly reason: string;
}

/**
 * Maps a chunk; when mapping throws, maps record by record and sets aside the ones that throw, so
 * one record cannot hold its neighbours back (issue 11 finding 3). Mapping is pure and in memory,
 * so the per-record fallback (n attempts) is cheaper to reason about than a bisection and costs
 * nothing on the normal path.
 */
export function mapRecordsIsolating(
  itemCode: string,
  records: readonly EnvelopeRecord[],
  mapping: SupplierMapping | undefined,
): { mapped: MappedRecord[]; failures: StageFailure[] } {
  try {
    return { mapped: mapRecords(itemCode, records, mapping), failures: [] };
  } catch {
    const mapped: MappedRecord[] = [];
    const failures: StageFailure[] = [];
    for (const envelope of records) {
      try {
        mapped.push(...mapRecords(itemCode, [envelope], mapping));
      } catch (e) {
        failures.push({ envelope, reason: stageFailureReason('mapping', e) });
      }
    }
    return { mapped, failures };
  }
}

/**
 * `prepareChunk` for the records that mapped, with the same per-record fallback when judging
 * throws; every record set aside (here or by mapping) is rejected with LOAD_FAILED and its reason,
 * and `received` still counts the whole chunk.
 */
export function prepareChunkIsolating(
  chunk: RecordChunkMessage,
  item: CatalogItem,
  today: Date,
  context: { readonly mapped: readonly MappedRecord[]; readonly links?: RegistryLinks },
  earlierFailures: readonly StageFailure[] = [],
): ChunkLoad {
  const failures = [...earlierFailures];
  const prepare = (mapped: readonly MappedRecord[]) =>
    prepareChunk({ ...chunk, records: mapped.map((m) => m.envelope) }, item, today, { mapped, links: context.links });
  let load: ChunkLoad;
  try {
    load = prepare(context.mapped);
  } catch {
    const kept: MappedRecord[] = [];
    for (const m of context.mapped) {
      try {
        prepare([m]);
        kept.push(m);
      } catch (e) {
        failures.push({ envelope: m.envelope, reason: stageFailureReason('validation', e) });
      }
    }
    load = prepare(kept);
  }
  if (failures.length === 0 && load.received === chunk.records.length) return load;
  const rejections: StoredRejection[] = failures.map(({ envelope, reason }) => ({
    index: envelope.index,
    sourceKey: envelope.sourceKey ?? `index:${envelope.index}`,
    field: '(record)',
    code: 'LOAD_FAILED',
    value: reason,
  }));
  return { ...load, received: chunk.records.length, rejections: [...rejections, ...load.rejections] };
}

/** `mapping TypeError`: the stage and the error's class, never its message (it may quote the record). */
export function stageFailureReason(stage: 'mapping' | 'validation', error: unknown): string {
  const name = error instanceof Error && /^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(error.name) ? error.name : 'Error';
  return `${stage} ${name}`;
}
