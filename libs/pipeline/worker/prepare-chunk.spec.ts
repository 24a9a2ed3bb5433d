/**
 * Preparing one chunk for the loader: each record validated (第九条, 第六条, 第十三条) and
 * normalised, or rejected with every reason; the publication end computed (第二十八条); the
 * provenance of each record kept. Pure: the same chunk always prepares the same.
 */
import { createHash } from 'node:crypto';
import { loadCatalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { citizenId, penaltyRecord, personPenaltyRecord, uscc, withWrongCheck } from '../../../test/fixtures/credit-data';
import type { EnvelopeRecord, RecordChunkMessage } from '../../bus/messages';
import { addMonths } from '../../domain/publication/publication-end';
import { maskIdentifier } from '../../domain/identity';
import { canonicalJson } from '../ingest/ingest.service';
import { prepareChunk } from './prepare-chunk';

const TODAY = new Date('2026-06-15T04:00:00Z');
const DECIDED = '2026-06-05';
const NOTIFIED = '2026-05-26';
const catalog = loadCatalog();

function item(code: string): CatalogItem {
  const found = catalog.find(code);
  if (found === undefined) throw new Error(`catalog item ${code} missing`);
  return found;
}

const PENALTY = item('administrative_penalty');

function penalty(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return penaltyRecord(n, { decision_date: DECIDED, notified_on: NOTIFIED, ...overrides });
}

/** A record as the ingest edge envelopes it: source_key taken out of the payload. */
function envelope(index: number, record: Record<string, unknown>): EnvelopeRecord {
  const { source_key: sourceKey, ...payload } = record;
  return typeof sourceKey === 'string' ? { index, sourceKey, payload } : { index, payload };
}

function chunkOf(records: readonly EnvelopeRecord[], overrides: Partial<RecordChunkMessage> = {}): RecordChunkMessage {
  return {
    batchId: 'b6a1c0de-0000-4000-8000-000000000001',
    chunkNo: 3,
    mappingVersion: null,
    supplierId: 'supplier-uuid',
    supplierCode: 'XM-SCJG',
    itemCode: 'administrative_penalty',
    channel: 'rest',
    receivedAt: '2026-06-15T04:00:00.000Z',
    records,
    ...overrides,
  };
}

describe('prepareChunk — counts', () => {
  const chunk = chunkOf([
    envelope(0, penalty(0)),
    envelope(1, penalty(1, { decision_date: '2026-02-30' })),
    envelope(2, penalty(2)),
    envelope(3, penalty(3, { subject_code: withWrongCheck(uscc(3)), fine_amount: '5,000' })),
    envelope(4, penalty(4)),
  ]);
  const load = prepareChunk(chunk, PENALTY, TODAY);

  it('counts every record received and every record loaded', () => {
    expect(load.received).toBe(5);
    expect(load.loaded).toBe(3);
    expect(load.records.map((r) => r.index)).toEqual([0, 2, 4]);
  });

  it('lists one rejection per problem, so a record with two problems has two', () => {
    expect(load.rejections.map((r) => [r.index, r.field, r.code])).toEqual([
      [1, 'decision_date', 'INVALID_DATE'],
      [3, 'fine_amount', 'INVALID_FORMAT'],
      [3, 'subject_code', 'USCC_CHECKSUM'],
    ]);
  });

  it('every received record is either loaded or rejected', () => {
    const rejectedRecords = new Set(load.rejections.map((r) => r.index)).size;
    expect(load.loaded + rejectedRecords).toBe(load.received);
  });

  it('carries the chunk identity and the catalog version the records were validated against', () => {
    expect(load).toEqual(
      expect.objectContaining({
        batchId: chunk.batchId,
        chunkNo: 3,
        supplierId: 'supplier-uuid',
        itemCode: 'administrative_penalty',
        channel: 'rest',
        catalogVersion: PENALTY.version,
      }),
    );
  });
});

describe('prepareChunk — rejections', () => {
  it('carry the index, the source key, the field, the code and the masked value', () => {
    const bad = withWrongCheck(uscc(10));
    const load = prepareChunk(chunkOf([envelope(7, penalty(10, { subject_code: bad }))]), PENALTY, TODAY);
    expect(load.rejections).toEqual([
      { index: 7, sourceKey: 'CF-10', field: 'subject_code', code: 'USCC_CHECKSUM', value: maskIdentifier(bad) },
    ]);
  });

  it('have a null value when the field was missing', () => {
    const { decision_no: _missing, ...record } = penalty(11);
    const load = prepareChunk(chunkOf([envelope(0, record)]), PENALTY, TODAY);
    expect(load.rejections).toEqual([{ index: 0, sourceKey: 'CF-11', field: 'decision_no', code: 'REQUIRED_FIELD', value: null }]);
  });

  it('name a record without a source key by its index', () => {
    const { source_key: _none, ...record } = penalty(12, { decision_date: '2026-13-01' });
    const load = prepareChunk(chunkOf([envelope(5, record)]), PENALTY, TODAY);
    expect(load.rejections).toEqual([
      { index: 5, sourceKey: 'index:5', field: 'decision_date', code: 'INVALID_DATE', value: '2026-13-01' },
    ]);
  });

  it('report bad information without notice evidence as NOTICE_MISSING (第十三条)', () => {
    const { notified_on: _date, notice_method: _method, ...record } = penalty(13);
    const load = prepareChunk(chunkOf([envelope(0, record)]), PENALTY, TODAY);
    expect(load.rejections.map((r) => [r.field, r.code])).toEqual([
      ['notified_on', 'NOTICE_MISSING'],
      ['notice_method', 'NOTICE_MISSING'],
    ]);
    expect(load.loaded).toBe(0);
    expect(load.records).toEqual([]);
  });
});

describe('prepareChunk — loaded records', () => {
  it('keep only the last record of a source key repeated within the chunk', () => {
    const first = penalty(20, { source_key: 'SAME', fine_amount: '100' });
    const last = penalty(21, { source_key: 'SAME', fine_amount: '200' });
    const load = prepareChunk(chunkOf([envelope(0, first), envelope(1, penalty(22)), envelope(2, last)]), PENALTY, TODAY);
    const same = load.records.filter((r) => r.sourceKey === 'SAME');
    expect(same).toHaveLength(1);
    expect(same[0]?.index).toBe(2);
    expect(same[0]?.fields.fine_amount).toBe('200');
    expect(same[0]?.subjectCode).toBe(uscc(21));
    expect(load.records.map((r) => r.sourceKey).sort()).toEqual(['CF-22', 'SAME']);
  });

  it('store the validated, normalised fields and the normalised subject code', () => {
    const load = prepareChunk(
      chunkOf([envelope(0, penalty(30, { subject_code: uscc(30).toLowerCase(), fine_amount: 5000, extra: '丢弃' }))]),
      PENALTY,
      TODAY,
    );
    const [record] = load.records;
    expect(record?.subjectCode).toBe(uscc(30));
    expect(record?.fields.subject_code).toBe(uscc(30));
    expect(record?.fields.fine_amount).toBe('5000');
    expect(record?.fields).not.toHaveProperty('extra');
  });

  it('hash their content as the SHA-256 of the canonical JSON of the stored fields', () => {
    const [record] = prepareChunk(chunkOf([envelope(0, penalty(31))]), PENALTY, TODAY).records;
    expect(record?.contentHash).toBe(createHash('sha256').update(canonicalJson(record?.fields)).digest('hex'));
  });

  it('get the same content hash for equal content, whatever the property order, batch or position', () => {
    const record = penalty(32);
    const reordered = Object.fromEntries(Object.entries(record).reverse());
    const a = prepareChunk(chunkOf([envelope(0, record)]), PENALTY, TODAY).records[0];
    const b = prepareChunk(chunkOf([envelope(9, reordered)], { batchId: 'other-batch', chunkNo: 7 }), PENALTY, TODAY).records[0];
    expect(a?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b?.contentHash).toBe(a?.contentHash);
  });

  it('get the same content hash when only the input form differs (full-width code, number amount)', () => {
    const a = prepareChunk(chunkOf([envelope(0, penalty(33, { fine_amount: '5000' }))]), PENALTY, TODAY).records[0];
    const b = prepareChunk(chunkOf([envelope(0, penalty(33, { fine_amount: 5000 }))]), PENALTY, TODAY).records[0];
    expect(b?.contentHash).toBe(a?.contentHash);
  });

  it('get a different content hash when the content changes', () => {
    const a = prepareChunk(chunkOf([envelope(0, penalty(34))]), PENALTY, TODAY).records[0];
    const b = prepareChunk(chunkOf([envelope(0, penalty(34, { penalty_content: '罚款人民币六千元' }))]), PENALTY, TODAY).records[0];
    expect(b?.contentHash).not.toBe(a?.contentHash);
  });

  it('carry their publication end: a penalty at least 3 months from its decision (第二十八条)', () => {
    const [record] = prepareChunk(chunkOf([envelope(0, penalty(35))]), PENALTY, TODAY).records;
    expect(record?.publicationEnd).toBe(addMonths(DECIDED, 3));
    expect(record?.publicationEnd).toBe('2026-09-05');
  });

  it('carry their publication end: a severe-dishonesty listing 5 years (第二十八条)', () => {
    const severe = item('severe_dishonesty_list');
    const base = penalty(36, { list_name: '严重违法失信企业名单', dishonesty_facts: '拒不履行法定义务' });
    const record = Object.fromEntries(severe.fields.map((f) => [f.name, base[f.name]]).filter(([, v]) => v !== undefined));
    const load = prepareChunk(chunkOf([envelope(0, record)], { itemCode: severe.code }), severe, TODAY);
    expect(load.rejections).toEqual([]);
    expect(load.records[0]?.publicationEnd).toBe('2031-06-05');
  });

  it('carry their provenance: supplier, channel, batch, chunk, index, time of receipt and the mapping used', () => {
    const chunk = chunkOf([envelope(0, penalty(37)), envelope(41, penalty(38))]);
    const load = prepareChunk(chunk, PENALTY, TODAY);
    expect(load.records.find((r) => r.index === 41)?.provenance).toEqual({
      supplier: 'XM-SCJG',
      channel: 'rest',
      batchId: chunk.batchId,
      chunkNo: 3,
      index: 41,
      receivedAt: '2026-06-15T04:00:00.000Z',
      mapping: null,
    });
  });
});

describe('prepareChunk — subjects', () => {
  it('lists each subject once, organisations and persons, with its name', () => {
    const load = prepareChunk(
      chunkOf([
        envelope(0, penalty(40, { source_key: 'A' })),
        envelope(1, penalty(40, { source_key: 'B' })),
        envelope(2, personPenaltyRecord(41, { decision_date: DECIDED, notified_on: NOTIFIED })),
      ]),
      PENALTY,
      TODAY,
    );
    expect(load.subjects).toEqual([
      { code: uscc(40), kind: 'organization', name: '厦门测试企业40有限公司' },
      { code: citizenId(41), kind: 'person', name: '李41' },
    ]);
  });

  it('lists no subject for a rejected record', () => {
    const load = prepareChunk(chunkOf([envelope(0, penalty(42, { decision_date: 'yesterday' }))]), PENALTY, TODAY);
    expect(load.subjects).toEqual([]);
  });
});

describe('prepareChunk — purity', () => {
  it('prepares the same chunk the same way twice', () => {
    const chunk = chunkOf([envelope(0, penalty(50)), envelope(1, penalty(51, { fine_amount: 'x' }))]);
    expect(prepareChunk(chunk, PENALTY, TODAY)).toEqual(prepareChunk(chunk, PENALTY, TODAY));
  });
});
