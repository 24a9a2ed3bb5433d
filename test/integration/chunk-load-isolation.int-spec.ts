import { randomUUID } from 'node:crypto';
import { loadHubConfig } from '../../libs/config/hub-config';
import { isTransientDatabaseError } from '../../libs/persistence/database-errors';
import { BatchRepository, StoredRejection } from '../../libs/persistence/batch.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { ChunkLoad, LoadableRecord, RecordRepository } from '../../libs/persistence/record.repository';
import { SupplierRepository } from '../../libs/persistence/supplier.repository';
import { uscc } from '../fixtures/credit-data';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

/**
 * A test-only fault on the database side (no record passes the hub's checks and then fails in
 * PostgreSQL by itself): a trigger refuses a record whose `marker` field says POISON with a
 * check_violation, and answers DEADLOCK with deadlock_detected, a real PostgreSQL error on loopback.
 */
const POISON_TRIGGER = `
  CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.fields->>'marker' = 'POISON' THEN RAISE EXCEPTION 'poison record' USING ERRCODE = 'check_violation'; END IF;
    IF NEW.fields->>'marker' = 'DEADLOCK' THEN RAISE EXCEPTION 'simulated deadlock' USING ERRCODE = 'deadlock_detected'; END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER test_poison BEFORE INSERT OR UPDATE ON credit_records FOR EACH ROW EXECUTE FUNCTION test_poison();`;

/** RecordRepository.loadChunk against real PostgreSQL: isolation of refused records, the rejection cap. */
describe('loading a chunk that PostgreSQL partly refuses', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let records: RecordRepository;
  let batches: BatchRepository;
  let supplierId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    await withDatabase(database.url, (c) => c.query(POISON_TRIGGER));
    records = new RecordRepository(db);
    batches = new BatchRepository(db);
    supplierId = (await new SupplierRepository(db).create({ code: 'isolation', name: '隔离测试', items: ['administrative_penalty'], apiKeyHash: randomUUID() })).id;
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  async function acceptedBatch(chunks: number): Promise<string> {
    const id = randomUUID();
    await batches.createReceiving({ id, supplierId, itemCode: 'administrative_penalty', channel: 'test' });
    await batches.accept(id, chunks * 500, chunks);
    return id;
  }

  function record(n: number, marker = 'ok'): LoadableRecord {
    return { index: n, sourceKey: `ISO-${n}`, subjectCode: uscc(n), fields: { n, marker }, contentHash: `h${n}-${marker}`, publicationEnd: null, provenance: {} };
  }

  function chunkOf(batchId: string, chunkNo: number, loadable: LoadableRecord[], rejections: StoredRejection[] = []): ChunkLoad {
    return {
      batchId, chunkNo, supplierId, itemCode: 'administrative_penalty', channel: 'test', catalogVersion: 1,
      received: loadable.length + new Set(rejections.map((r) => r.index)).size, loaded: loadable.length,
      records: loadable, subjects: loadable.map((r) => ({ code: r.subjectCode, kind: 'organization' as const, name: `企业${r.index}` })),
      rejections,
    };
  }

  async function stored(batchId: string) {
    return withDatabase(database.url, async (c) => {
      const n = async (sql: string) => Number((await c.query<{ n: string }>(sql, [batchId])).rows[0].n);
      return {
        records: await n('SELECT count(*) AS n FROM credit_records WHERE batch_id = $1'),
        versions: await n('SELECT count(*) AS n FROM credit_record_versions WHERE batch_id = $1'),
        rejections: await n('SELECT count(*) AS n FROM rejections WHERE batch_id = $1'),
        markers: await n('SELECT count(*) AS n FROM batch_chunks WHERE batch_id = $1'),
        logRows: await n('SELECT count(*) AS n FROM collection_log WHERE batch_id = $1'),
      };
    });
  }

  it('one poison record among 500: 499 load, the poison is LOAD_FAILED with its SQLSTATE, the marker counts are exact', async () => {
    const batchId = await acceptedBatch(1);
    const chunk = chunkOf(batchId, 0, Array.from({ length: 500 }, (_, i) => record(1_000 + i, i === 137 ? 'POISON' : 'ok')));
    const result = await records.loadChunk(chunk);
    expect(result).toMatchObject({ outcome: 'loaded', newVersions: 499, loadFailed: 1, rejectionsNotStored: 0 });
    // Halving 500 down to 16 (5 levels, at most 2 attempts each), then at most 16 single records.
    expect(result.outcome === 'loaded' && result.attempts).toBeLessThanOrEqual(1 + 2 * 5 + 16);
    expect(await stored(batchId)).toEqual({ records: 499, versions: 499, rejections: 1, markers: 1, logRows: 1 });
    expect(await batches.rejections(batchId, { offset: 0, limit: null })).toEqual([
      { index: 1_137, sourceKey: 'ISO-1137', field: '(record)', code: 'LOAD_FAILED', value: 'SQLSTATE 23514 check_violation' },
    ]);
    expect(await batches.progress(batchId)).toEqual({ chunksProcessed: 1, loaded: 499, rejected: 1, newVersions: 499, rejectionsNotStored: 0 });

    // Redelivered (the ack was lost): the marker makes it a no-op, nothing is stored twice.
    expect(await records.loadChunk(chunk)).toEqual({ outcome: 'already-loaded' });
    expect(await stored(batchId)).toEqual({ records: 499, versions: 499, rejections: 1, markers: 1, logRows: 1 });
  });

  it('several poison records are each isolated; every other record loads once', async () => {
    const batchId = await acceptedBatch(1);
    const poison = new Set([0, 1, 250, 499]);
    const result = await records.loadChunk(chunkOf(batchId, 0, Array.from({ length: 500 }, (_, i) => record(2_000 + i, poison.has(i) ? 'POISON' : 'ok'))));
    expect(result).toMatchObject({ outcome: 'loaded', loadFailed: 4 });
    expect(await stored(batchId)).toEqual({ records: 496, versions: 496, rejections: 4, markers: 1, logRows: 1 });
  });

  it('a deadlock (transient) during the load rejects nothing and leaves nothing: no marker, no record, so the chunk is tried again', async () => {
    const batchId = await acceptedBatch(1);
    const chunk = chunkOf(batchId, 0, Array.from({ length: 50 }, (_, i) => record(3_000 + i, i === 7 ? 'DEADLOCK' : i === 9 ? 'POISON' : 'ok')));
    const error = await records.loadChunk(chunk).then(() => undefined, (e: unknown) => e);
    expect(isTransientDatabaseError(error)).toBe(true);
    expect(await stored(batchId)).toEqual({ records: 0, versions: 0, rejections: 0, markers: 0, logRows: 0 });
  });

  it('rejection rows stop at the cap per batch across chunks; the rest are counted and `rejected` stays exact', async () => {
    const batchId = await acceptedBatch(3);
    const rejections = (from: number) => Array.from({ length: 40 }, (_, i) => ({ index: from + i, sourceKey: `R-${from + i}`, field: 'decision_no', code: 'REQUIRED_FIELD', value: null }));
    const cap = { maxRejectionRowsPerBatch: 100 };
    await records.loadChunk(chunkOf(batchId, 0, [record(4_000)], rejections(0)), cap);
    await records.loadChunk(chunkOf(batchId, 1, [record(4_001)], rejections(100)), cap);
    const third = await records.loadChunk(chunkOf(batchId, 2, [record(4_002, 'POISON')], rejections(200)), cap);
    expect(third).toMatchObject({ outcome: 'loaded', loadFailed: 1, rejectionsNotStored: 21 });
    expect(await stored(batchId)).toMatchObject({ records: 2, rejections: 100 });
    expect(await batches.progress(batchId)).toEqual({ chunksProcessed: 3, loaded: 2, rejected: 121, newVersions: 2, rejectionsNotStored: 21 });
    // The LOAD_FAILED row is stored first within its chunk: it is the one a supplier cannot guess.
    const rows = await batches.rejections(batchId, { offset: 0, limit: null });
    expect(rows.filter((r) => r.code === 'LOAD_FAILED')).toHaveLength(1);
  });

  it('a rejection value clipped inside a surrogate pair is stored with U+FFFD instead of failing the chunk', async () => {
    const batchId = await acceptedBatch(1);
    const clipped = `${'x'.repeat(199)}😀`.slice(0, 200) + '…';
    const result = await records.loadChunk(chunkOf(batchId, 0, [record(5_000)], [{ index: 1, sourceKey: 'S-1', field: 'decision_date', code: 'INVALID_DATE', value: clipped }]));
    expect(result).toMatchObject({ outcome: 'loaded', loadFailed: 0 });
    expect((await batches.rejections(batchId, { offset: 0, limit: null }))[0].value).toBe(`${'x'.repeat(199)}\ufffd…`);
  });
});
