import { randomUUID } from 'node:crypto';
import { loadCatalog } from '../../catalog/catalog';
import { loadHubConfig } from '../../libs/config/hub-config';
import { BatchRepository } from '../../libs/persistence/batch.repository';
import { CalendarRepository } from '../../libs/persistence/calendar.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { KeyAttentionRepository } from '../../libs/persistence/key-attention.repository';
import { ObjectionRepository } from '../../libs/persistence/objection.repository';
import { OutboxRepository } from '../../libs/persistence/outbox.repository';
import { RecordRepository } from '../../libs/persistence/record.repository';
import { SupplierComplianceRepository } from '../../libs/persistence/supplier-compliance.repository';
import { Supplier, SupplierRepository } from '../../libs/persistence/supplier.repository';
import { WorkingDayCalendarService } from '../../libs/pipeline/calendar/working-day-calendar.service';
import { SupplierComplianceService } from '../../libs/pipeline/compliance/supplier-compliance.service';
import { KeyAttentionEscalationJob } from '../../libs/pipeline/jobs/key-attention-escalation.job';
import { uscc } from '../fixtures/credit-data';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

/** 2026-11-27 09:00 in China. */
const NOW = new Date('2026-11-27T01:00:00Z');

describe('lists and supplier compliance against PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let suppliers: SupplierRepository;
  let batches: BatchRepository;
  let records: RecordRepository;
  let keyAttention: KeyAttentionRepository;
  const supplierByCode = new Map<string, Supplier>();

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withDatabase(database.url, async (c) => (await c.query<T>(text, params)).rows);

  async function supplier(code: string, items: string[]): Promise<Supplier> {
    const found = supplierByCode.get(code);
    if (found) return found;
    const created = await suppliers.create({ code, name: `${code} 单位`, items, apiKeyHash: randomUUID() });
    supplierByCode.set(code, created);
    return created;
  }

  /** One accepted batch of `item` loading `loaded` records and rejecting `rejected` ones; returns its id. */
  async function deliver(
    by: Supplier,
    item: string,
    loaded: { sourceKey: string; subjectCode: string; fields: Record<string, unknown> }[],
    rejected = 0,
  ): Promise<string> {
    const batchId = randomUUID();
    await batches.createReceiving({ id: batchId, supplierId: by.id, itemCode: item, channel: 'test' });
    await batches.accept(batchId, loaded.length + rejected, 1);
    await records.loadChunk({
      batchId, chunkNo: 0, supplierId: by.id, itemCode: item, channel: 'test', catalogVersion: 2,
      received: loaded.length + rejected, loaded: loaded.length, subjects: [],
      rejections: Array.from({ length: rejected }, (_, i) => ({ index: loaded.length + i, sourceKey: null, field: 'subject_code', code: 'USCC_CHECKSUM', value: null })),
      records: loaded.map((r, i) => ({ index: i, ...r, contentHash: `${r.sourceKey}-h`, publicationEnd: null, provenance: {} })),
    });
    return batchId;
  }

  async function listKeyAttention(supplierCode: string, subjectCode: string, sector: string, decisionDate: string): Promise<string> {
    const by = await supplier(supplierCode, ['key_attention_list']);
    const sourceKey = `KA-${supplierCode}-${subjectCode}-${decisionDate}`;
    await deliver(by, 'key_attention_list', [
      { sourceKey, subjectCode, fields: { sector, decision_date: decisionDate, decision_no: `${supplierCode}〔2026〕${decisionDate}号` } },
    ]);
    const [row] = await sql<{ id: string }>('SELECT id FROM credit_records WHERE source_key = $1', [sourceKey]);
    return row.id;
  }

  const notices = (topicPrefix: string) =>
    sql<{ recipient_kind: string; recipient: string; topic: string; message: string; payload: Record<string, unknown> }>(
      `SELECT recipient_kind, recipient, topic, message, payload FROM notification_outbox WHERE topic LIKE $1 ORDER BY id`,
      [`${topicPrefix}%`],
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    suppliers = new SupplierRepository(db);
    batches = new BatchRepository(db);
    records = new RecordRepository(db);
    keyAttention = new KeyAttentionRepository(db);
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  describe('key-attention escalation (第二十八条)', () => {
    const three = uscc(8_001);
    const two = uscc(8_002);
    let threeIds: string[];

    beforeAll(async () => {
      threeIds = [
        await listKeyAttention('ka-amr', three, '市场监管', '2026-01-15'),
        await listKeyAttention('ka-tax', three, '税务', '2026-06-01'),
        await listKeyAttention('ka-eco', three, '生态环境', '2026-11-20'),
      ];
      await listKeyAttention('ka-traffic', three, '交通运输', '2025-10-01'); // outside the window on 2026-11-27
      await listKeyAttention('ka-amr', two, '市场监管', '2026-02-01');
      await listKeyAttention('ka-tax', two, '税务', '2026-03-01');
      await listKeyAttention('ka-tax', two, '税务', '2026-04-01'); // same sector again
    });

    it('finds only subjects with three sectors in the window and a listing not yet escalated', async () => {
      const found = await keyAttention.candidates({ windowFrom: '2025-11-27', today: '2026-11-27', minSectors: 3, afterSubject: '', limit: 10 });
      expect(found.map((c) => c.subjectCode)).toEqual([three]);
      expect(found[0].listings.map((l) => [l.sector, l.decisionDate, l.supplier, l.escalated])).toEqual([
        ['市场监管', '2026-01-15', 'ka-amr', false],
        ['税务', '2026-06-01', 'ka-tax', false],
        ['生态环境', '2026-11-20', 'ka-eco', false],
      ]);
      const withOld = await keyAttention.candidates({ windowFrom: '2025-01-01', today: '2026-11-27', minSectors: 4, afterSubject: '', limit: 10 });
      expect(withOld.map((c) => c.subjectCode)).toEqual([three]);
    });

    it('notifies the subject and prompts each provider once, in one transaction with the escalation row', async () => {
      const job = new KeyAttentionEscalationJob(keyAttention, () => NOW);
      expect(await job.run()).toEqual({ examined: 1, escalated: 1, providersPrompted: 3, failed: 0 });

      const sent = await notices('key_attention.');
      expect(sent.map((n) => [n.recipient_kind, n.recipient, n.topic])).toEqual([
        ['subject', three, 'key_attention.escalation'],
        ['supplier', 'ka-amr', 'key_attention.extension_prompt'],
        ['supplier', 'ka-eco', 'key_attention.extension_prompt'],
        ['supplier', 'ka-tax', 'key_attention.extension_prompt'],
      ]);
      expect(sent[0].message).toMatch(/3 个行业、领域.*重点关注名单.*二年/);
      expect(sent[1].message).toMatch(/公示期调整为二年/);
      expect(sent[1].payload).toMatchObject({ records: [threeIds[0]], extensionField: 'extended_to_two_years' });

      const [row] = await keyAttention.escalationsOf(three);
      expect(row).toMatchObject({
        subjectCode: three,
        listingIds: threeIds,
        sectors: ['市场监管', '生态环境', '税务'],
        suppliers: ['ka-amr', 'ka-eco', 'ka-tax'],
        windowFrom: '2025-11-27',
        windowTo: '2026-11-27',
      });

      expect(await job.run()).toEqual({ examined: 0, escalated: 0, providersPrompted: 0, failed: 0 });
      expect(await notices('key_attention.')).toHaveLength(4);
    });

    it('escalates again when a new sector lists the subject, prompting only the new provider', async () => {
      await listKeyAttention('ka-culture', three, '文化旅游', '2026-11-25');
      const job = new KeyAttentionEscalationJob(keyAttention, () => NOW);
      expect(await job.run()).toMatchObject({ escalated: 1, providersPrompted: 1 });
      const sent = await notices('key_attention.');
      expect(sent.slice(4).map((n) => [n.recipient_kind, n.recipient])).toEqual([
        ['subject', three],
        ['supplier', 'ka-culture'],
      ]);
      expect(sent[4].message).toMatch(/4 个行业、领域/);
      expect(await keyAttention.escalationsOf(three)).toHaveLength(2);
    });

    it('pages through candidates', async () => {
      const a = uscc(8_101);
      const b = uscc(8_102);
      for (const subject of [a, b]) {
        await listKeyAttention('ka-amr', subject, '市场监管', '2026-09-01');
        await listKeyAttention('ka-tax', subject, '税务', '2026-09-02');
        await listKeyAttention('ka-eco', subject, '生态环境', '2026-09-03');
      }
      const job = new KeyAttentionEscalationJob(keyAttention, () => NOW, 1);
      expect(await job.run()).toMatchObject({ examined: 2, escalated: 2, providersPrompted: 6 });
    });

    it('writes one escalation of a set when two runs race for it, and nothing else from the loser', async () => {
      const subject = uscc(8_201);
      const escalation = {
        subjectCode: subject, listingKey: 'x,y,z', listingIds: [randomUUID()], sectors: ['a', 'b', 'c'], suppliers: ['ka-amr'],
        windowFrom: '2025-11-27', windowTo: '2026-11-27', escalatedAt: NOW,
      };
      const notice = (key: string) => [
        { recipientKind: 'subject' as const, recipient: subject, topic: 'key_attention.escalation', message: '告知', dedupeKey: key, createdAt: NOW },
      ];
      const results = await Promise.all([
        keyAttention.recordEscalation(escalation, notice('race-1')),
        keyAttention.recordEscalation(escalation, notice('race-2')),
      ]);
      expect(results.sort()).toEqual([false, true]);
      expect(await sql('SELECT 1 FROM notification_outbox WHERE dedupe_key LIKE $1', ['race-%'])).toHaveLength(1);
    });

    it('keeps the escalations append-only', async () => {
      await expect(sql('DELETE FROM key_attention_escalations')).rejects.toThrow(/append-only/);
    });
  });

  describe('supplier compliance (第三十二条)', () => {
    const catalog = loadCatalog();
    let idle: Supplier;
    let busy: Supplier;
    let service: (now: Date) => SupplierComplianceService;

    beforeAll(async () => {
      idle = await supplier('cp-idle', ['administrative_penalty']);
      busy = await supplier('cp-busy', ['administrative_penalty', 'commendation']);
      // Registered on Monday 2026-11-02 (China); the hub stamps registration with the database time.
      await sql(`UPDATE suppliers SET created_at = '2026-11-02T10:00:00+08:00' WHERE code IN ('cp-idle', 'cp-busy')`);

      const penalty = (n: number) => ({ sourceKey: `CP-${n}`, subjectCode: uscc(9_000 + n), fields: { decision_date: '2026-11-01' } });
      const first = await deliver(busy, 'administrative_penalty', [penalty(1), penalty(2)], 2);
      const second = await deliver(busy, 'administrative_penalty', [penalty(3), penalty(4), penalty(5), penalty(6)]);
      // Accepted 2026-11-02 23:30 and 2026-11-09 00:30 China time: dates are China dates, not UTC ones.
      await sql(`UPDATE batches SET accepted_at = '2026-11-02T15:30:00Z' WHERE id = $1`, [first]);
      await sql(`UPDATE batches SET accepted_at = '2026-11-08T16:30:00Z' WHERE id = $1`, [second]);

      const objections = new ObjectionRepository(db);
      const [record1, record2] = await sql<{ id: string }>(`SELECT id FROM credit_records WHERE source_key IN ('CP-1', 'CP-2') ORDER BY source_key`);
      const file = (recordId: string) =>
        objections.create(recordId, () => ({
          id: randomUUID(), applicantCode: uscc(9_001), filedBy: 'operator', reason: '数据有误', contact: '0592-0000000',
          acceptedOn: '2026-11-10', comparisonDue: '2026-11-12', record: { disputed: true },
          event: { action: 'file', actor: 'test' }, notices: [], at: NOW,
        }));
      const upheld = await file(record1.id);
      await file(record2.id);
      await objections.transition(upheld.id, () => ({
        patch: { state: 'closed', outcome: 'correct', closedOn: '2026-11-20' },
        event: { action: 'close', actor: 'test' },
        record: { disputed: false },
        notices: [],
        at: NOW,
      }));

      const repository = new SupplierComplianceRepository(db);
      const calendarRepository = new CalendarRepository(db);
      service = (now) =>
        new SupplierComplianceService(repository, new OutboxRepository(db), catalog, new WorkingDayCalendarService(calendarRepository, () => now), () => now);
    });

    it('reads delivery dates as China dates, per supplier and item', async () => {
      const dates = await new SupplierComplianceRepository(db).deliveryDates('2026-11-01', busy.id);
      expect([...(dates.get(busy.id)?.get('administrative_penalty') ?? [])].sort()).toEqual(['2026-11-02', '2026-11-09']);
      expect(dates.get(idle.id)).toBeUndefined();
    });

    it('reminds a supplier once per overdue period, whatever how often the job runs', async () => {
      const first = await service(NOW).remindOverdue();
      const reminders = await notices('supplier.reminder');
      const idleReminders = reminders.filter((n) => n.recipient === 'cp-idle');
      // penalty: daily, 7 working days; on 2026-11-27 the periods ending 11-02 .. 11-17 (due by 11-26) are
      // overdue. A Monday's period starts on the Saturday before it (the days off belong to it).
      expect(idleReminders.map((n) => (n.payload.period as { start: string }).start)).toEqual([
        '2026-10-31', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-10', '2026-11-11',
        '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-17',
      ]);
      expect(idleReminders[0]).toMatchObject({ recipient_kind: 'supplier', topic: 'supplier.reminder' });
      expect(idleReminders[0].message).toMatch(/催报.*行政处罚.*2026-11-02.*2026-11-11/);
      expect(first.reminded).toBe(reminders.length);

      expect(await service(NOW).remindOverdue()).toMatchObject({ reminded: 0, overdue: first.overdue });
      expect(await notices('supplier.reminder')).toHaveLength(reminders.length);
    });

    it('scores timeliness, rejection rate and upheld objections', async () => {
      const card = await service(NOW).scorecard('cp-busy', { from: '2026-11-01', to: '2026-11-30' });
      expect(card).toMatchObject({
        supplier: 'cp-busy',
        period: { from: '2026-11-01', to: '2026-11-30' },
        registeredOn: '2026-11-02',
        received: 8,
        rejected: 2,
        rejectionRate: 0.25,
        objections: { total: 2, upheld: 1 },
      });
      // Daily, 7 working days: the six working days 11-02 .. 11-09 delivered on time by the 11-02
      // and 11-09 batches; 11-10 .. 11-17 missing (due by 11-26); 11-18 .. 11-27 pending.
      expect(card.items.find((i) => i.item === 'administrative_penalty')).toMatchObject({
        frequency: 'daily', expected: 12, onTime: 6, late: 0, missing: 6, pending: 8, timeliness: 0.5, received: 8, rejected: 2,
      });
      // Commendation: monthly, 10 working days; November is not due yet.
      expect(card.items.find((i) => i.item === 'commendation')).toMatchObject({ expected: 0, pending: 1, timeliness: null });
    });

    it('answers SUPPLIER_NOT_FOUND and refuses a reversed range', async () => {
      await expect(service(NOW).scorecard('nobody', {})).rejects.toMatchObject({ code: 'SUPPLIER_NOT_FOUND' });
      await expect(service(NOW).scorecard('cp-busy', { from: '2026-11-30', to: '2026-11-01' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    });
  });
});
