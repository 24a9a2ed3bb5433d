import { randomUUID } from 'node:crypto';
import { Catalog, loadCatalog } from '../../catalog/catalog';
import { loadHubConfig } from '../../libs/config/hub-config';
import { RightsError } from '../../libs/domain/rights';
import { checkRecordAgainstMeasures } from '../../libs/domain/validation/check-record';
import { BatchRepository } from '../../libs/persistence/batch.repository';
import { CalendarRepository } from '../../libs/persistence/calendar.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { NonDisclosureRepository } from '../../libs/persistence/non-disclosure.repository';
import { ObjectionRepository } from '../../libs/persistence/objection.repository';
import type { OutboxNotice, RecipientKind } from '../../libs/persistence/outbox.repository';
import { RecordRepository } from '../../libs/persistence/record.repository';
import { RepairRepository } from '../../libs/persistence/repair.repository';
import { SupplierRepository } from '../../libs/persistence/supplier.repository';
import { WorkingDayCalendarService } from '../../libs/pipeline/calendar/working-day-calendar.service';
import { NonDisclosureJob } from '../../libs/pipeline/jobs/non-disclosure.job';
import { ObjectionDeadlinesJob } from '../../libs/pipeline/jobs/objection-deadlines.job';
import { NonDisclosureService } from '../../libs/pipeline/rights/non-disclosure.service';
import { ObjectionService } from '../../libs/pipeline/rights/objection.service';
import { RepairService } from '../../libs/pipeline/rights/repair.service';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

/**
 * The repositories of the rights workflows on a real PostgreSQL: each step writes the objection (or
 * application), its history, the record, its version and status event, and the outbox notices in
 * one transaction; a refused or failing step leaves nothing; the jobs can run again harmlessly.
 */
describe('subjects’ rights: objections, repair and non-disclosure on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let catalog: Catalog;
  let objectionRepo: ObjectionRepository;
  let objections: ObjectionService;
  let repairs: RepairService;
  let nonDisclosures: NonDisclosureService;
  let deadlinesJob: ObjectionDeadlinesJob;
  let nonDisclosureJob: NonDisclosureJob;
  let supplierId: string;
  let batchId: string;
  let serial = 0;
  // China time 10:00 on the given day.
  let now = new Date('2026-09-18T02:00:00Z');
  const clock = () => now;
  const at = (day: string) => (now = new Date(`${day}T02:00:00Z`));

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withDatabase(database.url, async (c) => (await c.query<T>(text, params)).rows);

  /** A penalty (bad) or commendation (good) of a fresh subject, loaded through the real loader. */
  async function loadRecord(kind: 'penalty' | 'commendation'): Promise<{ id: string; subject: string }> {
    serial += 1;
    const subject = uscc(70_000 + serial);
    const itemCode = kind === 'penalty' ? 'administrative_penalty' : 'commendation';
    const raw =
      kind === 'penalty'
        ? penaltyRecord(70_000 + serial, { decision_date: '2026-09-01', notified_on: '2026-08-25' })
        : {
            subject_name: `厦门守信企业${serial}有限公司`, subject_type: 'legal_person', subject_code: subject, honor_name: '厦门市诚信示范企业',
            honor_level: '市级', decision_no: `厦府〔2026〕${serial}号`, decision_date: '2026-06-01', authority_name: '厦门市人民政府',
            authority_code: uscc(99_000_001),
          };
    const item = catalog.find(itemCode);
    if (!item) throw new Error(itemCode);
    const { source_key: _k, ...record } = raw as Record<string, unknown>;
    const verdict = checkRecordAgainstMeasures({ record, sourceFields: Object.keys(record) }, item, now);
    if (!verdict.ok) throw new Error(JSON.stringify(verdict.rejections));
    const sourceKey = `R-${serial}`;
    await new RecordRepository(db).loadChunk({
      batchId, chunkNo: serial, supplierId, itemCode, channel: 'test', catalogVersion: item.version, received: 1, loaded: 1,
      subjects: [{ code: subject, kind: 'organization', name: String(record.subject_name) }], rejections: [],
      records: [{ index: 0, sourceKey, subjectCode: subject, fields: verdict.fields, contentHash: `h-${serial}`, publicationEnd: kind === 'penalty' ? '2026-12-01' : null, provenance: { test: true } }],
    });
    const rows = await sql<{ id: string }>('SELECT id FROM credit_records WHERE source_key = $1', [sourceKey]);
    return { id: rows[0].id, subject };
  }

  const subjectOf = (subjectCode: string) => ({ kind: 'subject' as const, subjectCode });

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (e) {
      if (e instanceof RightsError) return e.code;
      throw e;
    }
    return 'no error';
  }

  /** Everything the rights workflows may have written about one record. */
  async function footprint(recordId: string) {
    const [record] = await sql<{ status: string; disputed: boolean; version: number; fields: Record<string, unknown> }>(
      'SELECT status, disputed, version, fields FROM credit_records WHERE id = $1',
      [recordId],
    );
    const counts = await sql<Record<string, string>>(
      `SELECT (SELECT count(*) FROM objections WHERE record_id = $1) AS objections,
              (SELECT count(*) FROM objection_events e JOIN objections o ON o.id = e.objection_id WHERE o.record_id = $1) AS events,
              (SELECT count(*) FROM credit_record_versions WHERE record_id = $1) AS versions,
              (SELECT count(*) FROM record_status_events WHERE record_id = $1) AS "statusEvents",
              (SELECT count(*) FROM repair_applications WHERE record_id = $1) AS repairs,
              (SELECT count(*) FROM non_disclosure_requests WHERE record_id = $1) AS "nonDisclosures",
              (SELECT count(*) FROM notification_outbox WHERE payload->>'recordId' = $1::text) AS notices`,
      [recordId],
    );
    return { ...record, ...Object.fromEntries(Object.entries(counts[0]).map(([k, v]) => [k, Number(v)])) };
  }

  const badNotice = (): OutboxNotice => ({
    recipientKind: 'nobody' as RecipientKind,
    recipient: 'x',
    topic: 'test.fail',
    message: '失败',
    dedupeKey: `fail:${randomUUID()}`,
    createdAt: now,
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    catalog = loadCatalog();
    const supplier = await new SupplierRepository(db).create({
      code: 'xm-amr', name: '厦门市市场监督管理局', items: ['administrative_penalty', 'commendation'], apiKeyHash: randomUUID(),
    });
    supplierId = supplier.id;
    batchId = randomUUID();
    const batches = new BatchRepository(db);
    await batches.createReceiving({ id: batchId, supplierId, itemCode: 'administrative_penalty', channel: 'test' });
    await batches.accept(batchId, 100, 100);
    const calendar = new WorkingDayCalendarService(new CalendarRepository(db), clock);
    objectionRepo = new ObjectionRepository(db);
    objections = new ObjectionService(objectionRepo, calendar, catalog, clock);
    repairs = new RepairService(new RepairRepository(db), catalog, clock);
    const nonDisclosureRepo = new NonDisclosureRepository(db);
    nonDisclosures = new NonDisclosureService(nonDisclosureRepo, calendar, catalog, clock);
    deadlinesJob = new ObjectionDeadlinesJob(objectionRepo, catalog, clock);
    nonDisclosureJob = new NonDisclosureJob(nonDisclosureRepo, catalog, clock);
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  describe('objections (第二十四条 to 第二十六条)', () => {
    it('files, compares, withholds on a missed provider deadline exactly once, and completes with a new version', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      at('2026-09-18');
      const filed = await objections.file(subjectOf(subject), { recordId, reason: '罚款金额有误', contact: '13800000001' });
      expect(filed).toMatchObject({ state: 'comparing', acceptedOn: '2026-09-18', comparisonDue: '2026-09-21', applicantCode: subject, filedBy: 'subject' });
      expect(await footprint(recordId)).toMatchObject({ status: 'active', disputed: true, objections: 1, events: 1, notices: 2 });

      at('2026-09-24');
      const forwarded = await objections.compare(filed.id, { discrepancy: true, note: '与信息源不一致' });
      expect(forwarded).toMatchObject({ state: 'forwarded_to_provider', forwardedOn: '2026-09-24', providerDue: '2026-10-10' });

      at('2026-10-10'); // the deadline day itself: not missed yet
      expect(await deadlinesJob.run()).toEqual({ providerDeadlinesMissed: 0, recordsWithheld: 0, centerOverdueNotices: 0 });
      expect((await footprint(recordId)).status).toBe('active');

      at('2026-10-11');
      expect(await deadlinesJob.run()).toEqual({ providerDeadlinesMissed: 1, recordsWithheld: 1, centerOverdueNotices: 0 });
      const afterFirstRun = await footprint(recordId);
      expect(afterFirstRun).toMatchObject({ status: 'withheld', disputed: true, statusEvents: 1 });
      // Idempotent: a second run (or a second scheduler) changes nothing and writes no notice twice.
      expect(await deadlinesJob.run()).toEqual({ providerDeadlinesMissed: 0, recordsWithheld: 0, centerOverdueNotices: 0 });
      expect(await footprint(recordId)).toEqual(afterFirstRun);
      const [withholding] = await sql('SELECT from_status, to_status, article, actor, reference FROM record_status_events WHERE record_id = $1', [recordId]);
      expect(withholding).toEqual({ from_status: 'active', to_status: 'withheld', article: '第二十六条第二款', actor: 'job:objection-deadlines', reference: filed.id });

      at('2026-10-12');
      const closed = await objections.decide(filed.id, { outcome: 'correct', reason: '经核实罚款金额应为五百元', fields: { fine_amount: '500.00' } });
      expect(closed).toMatchObject({ state: 'closed', outcome: 'correct', closedOn: '2026-10-12', recordWithheld: true, providerMissedDeadline: true });
      expect(await footprint(recordId)).toMatchObject({ status: 'active', disputed: false, version: 2, versions: 2, statusEvents: 2 });
      const [version] = await sql<{ fields: Record<string, unknown>; provenance: Record<string, unknown>; batch_id: string }>(
        'SELECT fields, provenance, batch_id FROM credit_record_versions WHERE record_id = $1 AND version = 2',
        [recordId],
      );
      expect(version.fields.fine_amount).toBe('500.00');
      expect(version.provenance).toMatchObject({ objection: filed.id, outcome: 'correct' });
      expect(version.batch_id).toBe(batchId);
      const events = await objections.get(subjectOf(subject), filed.id);
      expect(events.events.map((e) => e.action)).toEqual(['filed', 'forwarded', 'provider_deadline_missed', 'decided']);
      const notices = await sql<{ topic: string; recipient_kind: string }>(
        `SELECT topic, recipient_kind FROM notification_outbox WHERE payload->>'objectionId' = $1 ORDER BY id`,
        [filed.id],
      );
      expect(notices).toEqual([
        { topic: 'objection.accepted', recipient_kind: 'applicant' },
        { topic: 'objection.to_compare', recipient_kind: 'operator' },
        { topic: 'objection.forwarded', recipient_kind: 'supplier' },
        { topic: 'objection.provider_overdue', recipient_kind: 'applicant' },
        { topic: 'objection.provider_overdue', recipient_kind: 'supplier' },
        { topic: 'objection.closed', recipient_kind: 'applicant' },
        { topic: 'objection.closed', recipient_kind: 'supplier' },
      ]);
    });

    it('refuses another subject, a second open objection and a deleted record, writing nothing', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      at('2026-09-18');
      const before = await footprint(recordId);
      expect(await codeOf(objections.file(subjectOf(uscc(1)), { recordId, reason: '他人', contact: 'x' }))).toBe('NOT_OWN_RECORD');
      expect(await codeOf(objections.file(subjectOf(subject), { recordId: randomUUID(), reason: '无', contact: 'x' }))).toBe('RECORD_NOT_FOUND');
      expect(await codeOf(objections.file(subjectOf(subject), { recordId: 'not-a-uuid', reason: '无', contact: 'x' }))).toBe('RECORD_NOT_FOUND');
      expect(await footprint(recordId)).toEqual(before);

      const first = await objections.file({ kind: 'operator' }, { recordId, reason: '代为申请', contact: '窗口' });
      const afterFirst = await footprint(recordId);
      expect(await codeOf(objections.file(subjectOf(subject), { recordId, reason: '再次', contact: 'y' }))).toBe('OBJECTION_ALREADY_OPEN');
      expect(await footprint(recordId)).toEqual(afterFirst);

      // Provider answers delete; the center deletes: status deleted, the row and its versions kept.
      await objections.compare(first.id, { discrepancy: true, note: '不一致' });
      const supplier = { id: supplierId, code: 'xm-amr' };
      await objections.answer(supplier, first.id, { answer: 'delete', note: '主体登记错误' });
      expect(await codeOf(objections.decide(first.id, { outcome: 'reject', reason: '不同意' }))).toBe('OBJECTION_OUTCOME_MISMATCH');
      await objections.decide(first.id, { outcome: 'delete', reason: '信息主体错误，予以删除' });
      expect(await footprint(recordId)).toMatchObject({ status: 'deleted', disputed: false, versions: 1 });
      expect(await codeOf(objections.file(subjectOf(subject), { recordId, reason: '再次', contact: 'y' }))).toBe('OBJECTION_RECORD_DELETED');
    });

    it('two filings for one record at the same moment: exactly one is accepted', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      const results = await Promise.allSettled(
        [1, 2, 3].map((n) => objections.file(subjectOf(subject), { recordId, reason: `并发 ${n}`, contact: `c${n}` })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
        expect(r.reason).toMatchObject({ code: 'OBJECTION_ALREADY_OPEN' });
      }
      expect(await footprint(recordId)).toMatchObject({ objections: 1, events: 1, disputed: true });
    });

    it('a failing step leaves nothing: filing and deciding roll back whole', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      at('2026-09-18');
      const before = await footprint(recordId);
      await expect(
        objectionRepo.create(recordId, () => ({
          id: randomUUID(), applicantCode: subject, filedBy: 'subject', reason: 'r', contact: 'c', acceptedOn: '2026-09-18',
          comparisonDue: '2026-09-21', record: { disputed: true }, event: { action: 'filed', actor: 'subject' }, notices: [badNotice()], at: now,
        })),
      ).rejects.toThrow();
      expect(await footprint(recordId)).toEqual(before);

      const filed = await objections.file(subjectOf(subject), { recordId, reason: '金额有误', contact: 'c' });
      await objections.compare(filed.id, { discrepancy: true, note: '不一致' });
      const opened = await footprint(recordId);
      await expect(
        objectionRepo.transition(filed.id, (o, record) => ({
          patch: { state: 'closed', outcome: 'correct', outcomeReason: 'x', closedOn: '2026-09-19' },
          event: { action: 'decided', actor: 'operator' },
          record: {
            disputed: false,
            status: { to: 'deleted', reason: 'x', article: '第二十五条第二款' },
            newVersion: { fields: { ...record.fields, fine_amount: '1' }, contentHash: 'h', publicationEnd: null, catalogVersion: 1, provenance: { objection: o.id } },
          },
          notices: [badNotice()],
          at: now,
        })),
      ).rejects.toThrow();
      expect(await footprint(recordId)).toEqual(opened);
      expect((await objections.get({ kind: 'operator' }, filed.id)).state).toBe('forwarded_to_provider');

      // A refused decision (provider deadline still running) changes nothing either.
      expect(await codeOf(objections.decide(filed.id, { outcome: 'correct', reason: 'x', fields: { fine_amount: '1.00' } }))).toBe(
        'OBJECTION_AWAITING_PROVIDER',
      );
      expect(await footprint(recordId)).toEqual(opened);
    });

    it('an invalid correction is refused with the rule it breaks, and nothing changes', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      at('2026-09-18');
      const filed = await objections.file(subjectOf(subject), { recordId, reason: '日期有误', contact: 'c' });
      await objections.compare(filed.id, { discrepancy: true, note: '不一致' });
      const supplier = { id: supplierId, code: 'xm-amr' };
      const before = await footprint(recordId);
      await expect(objections.answer({ id: randomUUID(), code: 'other' }, filed.id, { answer: 'explain', note: 'x' })).rejects.toMatchObject({
        code: 'OBJECTION_NOT_FOUND',
      });
      await expect(objections.answer(supplier, filed.id, { answer: 'correct', note: 'x', fields: { decision_date: '2026-02-30' } })).rejects.toMatchObject({
        code: 'OBJECTION_CORRECTION_INVALID',
        details: [expect.objectContaining({ field: 'decision_date' })],
      });
      expect(await footprint(recordId)).toEqual(before);
      expect((await objections.get({ kind: 'operator' }, filed.id)).state).toBe('forwarded_to_provider');
      await objections.answer(supplier, filed.id, { answer: 'supplement', note: '补充备注', fields: { remarks: '已履行' } });
      // The center takes the provider's fields when it gives none.
      const closed = await objections.decide(filed.id, { outcome: 'supplement', reason: '补充备注' });
      expect(closed.state).toBe('closed');
      expect(await footprint(recordId)).toMatchObject({ version: before.version + 1, disputed: false, fields: expect.objectContaining({ remarks: '已履行' }) });
    });

    it('no discrepancy closes the objection as not upheld and removes the disputed mark', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      at('2026-09-18');
      const filed = await objections.file(subjectOf(subject), { recordId, reason: '不服', contact: 'c' });
      const closed = await objections.compare(filed.id, { discrepancy: false, note: '与信息源一致，不予处理' });
      expect(closed).toMatchObject({ state: 'closed', outcome: 'reject', outcomeReason: '与信息源一致，不予处理' });
      expect(await footprint(recordId)).toMatchObject({ status: 'active', disputed: false, versions: 1, statusEvents: 0 });
    });

    it('the center’s own overdue steps get one operator notice each, however often the job runs', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      at('2026-11-02');
      const filed = await objections.file(subjectOf(subject), { recordId, reason: '逾期提醒', contact: 'c' });
      expect(filed.comparisonDue).toBe('2026-11-04');
      at('2026-11-05');
      const first = await deadlinesJob.run();
      expect(first.centerOverdueNotices).toBeGreaterThanOrEqual(1);
      expect((await deadlinesJob.run()).centerOverdueNotices).toBe(0);
      const reminders = await sql(`SELECT topic FROM notification_outbox WHERE dedupe_key = $1`, [`objection:${filed.id}:comparison-overdue`]);
      expect(reminders).toEqual([{ topic: 'objection.comparison_overdue' }]);
      const overdue = await objections.list({ overdue: true, limit: 100, offset: 0 });
      expect(overdue.objections.find((o) => o.id === filed.id)?.overdue).toBe('comparison');
    });
  });

  describe('credit repair (第二十三条)', () => {
    it('approval withdraws the record for good, with its status event; refusals write nothing', async () => {
      const { id: recordId, subject } = await loadRecord('penalty');
      const good = await loadRecord('commendation');
      at('2026-09-18');
      expect(await codeOf(repairs.file(subjectOf(good.subject), { recordId: good.id, reason: 'x', evidence: 'y' }))).toBe('REPAIR_NOT_BAD_INFORMATION');
      expect(await codeOf(repairs.file(subjectOf(uscc(2)), { recordId, reason: 'x', evidence: 'y' }))).toBe('NOT_OWN_RECORD');
      expect(await footprint(recordId)).toMatchObject({ repairs: 0, notices: 0 });

      const application = await repairs.file(subjectOf(subject), { recordId, reason: '已缴清罚款', evidence: '缴款凭证 001' });
      expect(await codeOf(repairs.file(subjectOf(subject), { recordId, reason: '再次', evidence: 'y' }))).toBe('REPAIR_ALREADY_PENDING');
      const approved = await repairs.decide(application.id, { decision: 'approve', decidedBy: 'provider', reason: '已纠正失信行为' });
      expect(approved).toMatchObject({ state: 'approved', decidedBy: 'provider' });
      expect(await footprint(recordId)).toMatchObject({ status: 'repaired', versions: 1, statusEvents: 1, repairs: 1 });
      const [event] = await sql('SELECT to_status, article, actor, reference FROM record_status_events WHERE record_id = $1', [recordId]);
      expect(event).toEqual({ to_status: 'repaired', article: '第二十三条第三款', actor: 'provider:xm-amr', reference: application.id });
      expect(await codeOf(repairs.decide(application.id, { decision: 'reject', decidedBy: 'center', reason: 'x' }))).toBe('REPAIR_ALREADY_DECIDED');
      expect(await codeOf(repairs.file(subjectOf(subject), { recordId, reason: '再次', evidence: 'y' }))).toBe('REPAIR_ALREADY_REPAIRED');
    });
  });

  describe('non-disclosure of good information (第二十七条)', () => {
    it('accepted with its 5-working-day due date, carried out once by the job, provider informed', async () => {
      const good = await loadRecord('commendation');
      const bad = await loadRecord('penalty');
      at('2026-09-24');
      expect(await codeOf(nonDisclosures.file(subjectOf(bad.subject), { recordId: bad.id, reason: 'x' }))).toBe('NON_DISCLOSURE_NOT_GOOD_INFORMATION');
      const request = await nonDisclosures.file(subjectOf(good.subject), { recordId: good.id, reason: '不希望公开' });
      expect(request).toMatchObject({ state: 'accepted', acceptedOn: '2026-09-24', dueOn: '2026-10-09' });
      expect(await codeOf(nonDisclosures.file(subjectOf(good.subject), { recordId: good.id, reason: 'again' }))).toBe('NON_DISCLOSURE_ALREADY_PENDING');

      const run = await nonDisclosureJob.run();
      expect(run.carriedOut).toBeGreaterThanOrEqual(1);
      const after = await footprint(good.id);
      expect(after).toMatchObject({ status: 'non_disclosed', statusEvents: 1 });
      expect(await nonDisclosureJob.run()).toEqual({ carriedOut: 0, recordsWithdrawn: 0 });
      expect(await footprint(good.id)).toEqual(after);
      const supplierNotice = await sql(`SELECT topic FROM notification_outbox WHERE recipient_kind = 'supplier' AND payload->>'requestId' = $1`, [request.id]);
      expect(supplierNotice).toEqual([{ topic: 'non_disclosure.done' }]);
      expect(await codeOf(nonDisclosures.refuse(request.id, { reason: '太迟' }))).toBe('NON_DISCLOSURE_ALREADY_DECIDED');
      expect(await codeOf(nonDisclosures.file(subjectOf(good.subject), { recordId: good.id, reason: 'again' }))).toBe('NON_DISCLOSURE_ALREADY_DONE');
    });

    it('an operator may refuse an accepted request before the job carries it out', async () => {
      const good = await loadRecord('commendation');
      at('2026-09-24');
      const request = await nonDisclosures.file({ kind: 'operator' }, { recordId: good.id, reason: '窗口代办' });
      const refused = await nonDisclosures.refuse(request.id, { reason: '材料不全' });
      expect(refused).toMatchObject({ state: 'refused', refusalReason: '材料不全' });
      await nonDisclosureJob.run();
      expect(await footprint(good.id)).toMatchObject({ status: 'active', statusEvents: 0 });
    });
  });
});
