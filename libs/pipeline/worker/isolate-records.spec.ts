/**
 * A record that makes a pure stage throw is set aside with LOAD_FAILED and its neighbours load
 * (issue 11 finding 3: one record used to hold back the whole chunk, then dead-letter it).
 * The throwing record is built the way an unforeseen input reaches code: a value whose reading
 * throws (a getter), which is what a bug meeting odd data looks like from outside.
 */
import { loadCatalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { penaltyRecord } from '../../../test/fixtures/credit-data';
import type { EnvelopeRecord, RecordChunkMessage } from '../../bus/messages';
import { mapRecordsIsolating, prepareChunkIsolating, stageFailureReason } from './isolate-records';
import { prepareChunk } from './prepare-chunk';

const TODAY = new Date('2026-06-15T04:00:00Z');
const PENALTY = loadCatalog().find('administrative_penalty') as CatalogItem;

function envelope(index: number, overrides: Record<string, unknown> = {}): EnvelopeRecord {
  const { source_key: sourceKey, ...payload } = penaltyRecord(index, { decision_date: '2026-06-05', notified_on: '2026-05-26', ...overrides });
  return { index, sourceKey: sourceKey as string, payload };
}

/** A record whose `field` cannot be read: reading it throws a TypeError. */
function throwingEnvelope(index: number, field: string): EnvelopeRecord {
  const base = envelope(index);
  const payload = { ...base.payload };
  Object.defineProperty(payload, field, {
    enumerable: true,
    get() {
      throw new TypeError(`cannot read ${field} of record 350203199001011234`);
    },
  });
  return { ...base, payload };
}

function chunkOf(records: EnvelopeRecord[]): RecordChunkMessage {
  return {
    batchId: 'b6a1c0de-0000-4000-8000-000000000001',
    chunkNo: 0,
    mappingVersion: null,
    supplierId: 'supplier-uuid',
    supplierCode: 'XM-SCJG',
    itemCode: 'administrative_penalty',
    channel: 'rest',
    receivedAt: '2026-06-15T04:00:00.000Z',
    records,
  };
}

function prepare(chunk: RecordChunkMessage) {
  const { mapped, failures } = mapRecordsIsolating(PENALTY.code, chunk.records, undefined);
  return prepareChunkIsolating(chunk, PENALTY, TODAY, { mapped }, failures);
}

describe('isolating records that make mapping or validation throw', () => {
  it('a chunk where nothing throws prepares exactly as prepareChunk does', () => {
    const chunk = chunkOf([envelope(0), envelope(1, { decision_date: '2026-02-30' }), envelope(2)]);
    expect(prepare(chunk)).toEqual(prepareChunk(chunk, PENALTY, TODAY));
  });

  it('one record among 500 that makes validation throw: 499 loaded, 1 LOAD_FAILED naming the stage, 500 received', () => {
    const records = Array.from({ length: 500 }, (_, i) => (i === 321 ? throwingEnvelope(i, 'fine_amount') : envelope(i)));
    const load = prepare(chunkOf(records));
    expect({ received: load.received, loaded: load.loaded, records: load.records.length }).toEqual({ received: 500, loaded: 499, records: 499 });
    expect(load.rejections).toEqual([{ index: 321, sourceKey: 'CF-321', field: '(record)', code: 'LOAD_FAILED', value: 'validation TypeError' }]);
  });

  it('a record whose mapping throws (the standard mapping reads its CF_ columns) is set aside at mapping', () => {
    const standard = (i: number): EnvelopeRecord => ({ index: i, sourceKey: `CF-${i}`, payload: { CF_WSH: `厦罚〔2026〕${i}号` } });
    const bad = standard(1);
    Object.defineProperty(bad.payload, 'CF_XDR_MC', { enumerable: true, get: () => { throw new RangeError('Maximum call stack size exceeded'); } });
    const { mapped, failures } = mapRecordsIsolating(PENALTY.code, [standard(0), bad, standard(2)], undefined);
    expect(mapped.map((m) => m.envelope.index)).toEqual([0, 2]);
    expect(failures.map((f) => [f.envelope.index, f.reason])).toEqual([[1, 'mapping RangeError']]);
  });

  it('every received record is loaded or rejected, and the reason never quotes the record', () => {
    const records = [envelope(0), throwingEnvelope(1, 'subject_name'), envelope(2), throwingEnvelope(3, 'decision_no'), envelope(4, { fine_amount: 'x' })];
    const load = prepare(chunkOf(records));
    expect(load.loaded + new Set(load.rejections.map((r) => r.index)).size).toBe(load.received);
    expect(load.rejections.filter((r) => r.code === 'LOAD_FAILED').map((r) => r.index)).toEqual([1, 3]);
    expect(JSON.stringify(load.rejections)).not.toMatch(/350203199001011234/);
  });

  it('stageFailureReason gives the stage and the error class, or Error for anything odd', () => {
    expect(stageFailureReason('mapping', new TypeError('x'))).toBe('mapping TypeError');
    expect(stageFailureReason('validation', 'a string')).toBe('validation Error');
    expect(stageFailureReason('validation', Object.assign(new Error('x'), { name: 'bad name 350203199001011234' }))).toBe('validation Error');
  });
});
