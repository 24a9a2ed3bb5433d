import { randomUUID } from 'node:crypto';
import { loadHubConfig } from '../../libs/config/hub-config';
import { BatchRepository } from '../../libs/persistence/batch.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { RecordRepository } from '../../libs/persistence/record.repository';
import { SupplierRepository } from '../../libs/persistence/supplier.repository';
import { uscc } from '../fixtures/credit-data';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

/** 第二十八条: at the end of its publication period a record is archived — not served, not deleted. */
describe('archiving records whose publication period ended', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let records: RecordRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    records = new RecordRepository(db);
    const supplier = await new SupplierRepository(db).create({ code: 'expiry', name: '到期测试', items: ['administrative_penalty'], apiKeyHash: randomUUID() });
    const batchId = randomUUID();
    const batches = new BatchRepository(db);
    await batches.createReceiving({ id: batchId, supplierId: supplier.id, itemCode: 'administrative_penalty', channel: 'test' });
    await batches.accept(batchId, 5, 1);
    const ends = ['2026-01-31', '2026-05-31', '2026-05-31', '2026-06-01', null];
    await records.loadChunk({
      batchId, chunkNo: 0, supplierId: supplier.id, itemCode: 'administrative_penalty', channel: 'test', catalogVersion: 1,
      received: 5, loaded: 5, subjects: [], rejections: [],
      records: ends.map((end, i) => ({
        index: i, sourceKey: `E-${i}`, subjectCode: uscc(i), fields: { n: i }, contentHash: `h${i}`, publicationEnd: end, provenance: {},
      })),
    });
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('archives, in resumable batches, exactly the active records whose period ended before today, and keeps them', async () => {
    const today = '2026-06-01';
    expect(await records.archiveExpired(today, 2)).toBe(2);
    expect(await records.archiveExpired(today, 2)).toBe(1);
    expect(await records.archiveExpired(today, 2)).toBe(0);

    const state = await withDatabase(database.url, (c) =>
      c.query<{ source_key: string; status: string; events: string }>(
        `SELECT r.source_key, r.status, (SELECT count(*) FROM record_status_events e WHERE e.record_id = r.id AND e.article = '第二十八条') AS events
         FROM credit_records r ORDER BY r.source_key`,
      ),
    );
    expect(state.rows).toEqual([
      { source_key: 'E-0', status: 'archived', events: '1' },
      { source_key: 'E-1', status: 'archived', events: '1' },
      { source_key: 'E-2', status: 'archived', events: '1' },
      { source_key: 'E-3', status: 'active', events: '0' }, // its last day is today: still published
      { source_key: 'E-4', status: 'active', events: '0' }, // published without end
    ]);
  });

  it('keeps the status history append-only', async () => {
    await expect(withDatabase(database.url, (c) => c.query('DELETE FROM record_status_events'))).rejects.toThrow(/append-only/);
  });
});
