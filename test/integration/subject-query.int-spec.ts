/**
 * The query edge against the real PostgreSQL (第十六条 to 第二十条, 第十九条): accounts and
 * authorisations as stored, every caller kind's view decided by the access policy, a query-log
 * row for every served and refused look, and nothing served when that row cannot be committed.
 */
import { randomUUID } from 'node:crypto';
import { loadCatalog } from '../../catalog/catalog';
import { loadHubConfig } from '../../libs/config/hub-config';
import type { Authorization } from '../../libs/domain/access';
import { AuditChainRepository } from '../../libs/persistence/audit/audit-chain.repository';
import { AuthorizationRepository } from '../../libs/persistence/authorization.repository';
import { BatchRepository } from '../../libs/persistence/batch.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { QueryAccountRepository } from '../../libs/persistence/query-account.repository';
import { RecordRepository } from '../../libs/persistence/record.repository';
import { SubjectQueryRepository } from '../../libs/persistence/subject-query.repository';
import { SupplierRepository } from '../../libs/persistence/supplier.repository';
import { QueryContext, QueryError, SubjectQueryService } from '../../libs/pipeline/query/subject-query.service';
import { citizenId, uscc } from '../fixtures/credit-data';
import { noRecords, reliabilityCase } from '../support/reliability';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

const NOW = new Date('2026-03-01T02:00:00Z'); // 2026-03-01 in China
const ORG = uscc(10_101);
const PERSON = citizenId(20_202);
const STRANGER = uscc(30_303); // valid code, never loaded

interface LogRow {
  caller_kind: string;
  caller_id: string | null;
  subject_code: string;
  purpose: string | null;
  outcome: string;
  reason: string | null;
  result_count: number;
  query_kind: string | null;
  item_codes: string[] | null;
  reference: string | null;
}

describe('subject queries for every caller kind, logged before they are answered', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let service: SubjectQueryService;
  let accounts: QueryAccountRepository;
  let authorizations: AuthorizationRepository;
  const ids: Record<string, string> = {};
  let thirdParty: string;
  let agency: string;

  const ctx = (caller: QueryContext['caller'], callerId: string | null = null, queryKind: QueryContext['queryKind'] = 'subject'): QueryContext => ({
    caller,
    callerId,
    clientAddress: '10.1.2.3',
    queryKind,
  });
  const sql = <T>(text: string, params: unknown[] = []) => withDatabase(database.url, async (c) => (await c.query(text, params)).rows as T[]);
  const logRows = () => sql<LogRow>('SELECT caller_kind, caller_id, subject_code, purpose, outcome, reason, result_count, query_kind, item_codes, reference FROM query_log ORDER BY id');
  const lastLog = async () => (await logRows()).at(-1);
  const idsOf = (view: { records: Array<{ id: string }> }) => view.records.map((r) => r.id).sort();
  const named = (...keys: string[]) => keys.map((k) => ids[k]).sort();
  const authsOf = async (granteeId: string, codes: string[]): Promise<Authorization[]> =>
    (await authorizations.unrevokedFor(granteeId, codes)).map(({ id: _id, recordedAt: _r, revokedAt: _v, ...a }) => a);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    accounts = new QueryAccountRepository(db);
    authorizations = new AuthorizationRepository(db);
    service = new SubjectQueryService(new SubjectQueryRepository(db), loadCatalog(), () => NOW, { batchQueryMax: 3 });

    const supplier = await new SupplierRepository(db).create({ code: 'q-int', name: '查询测试', items: [], apiKeyHash: randomUUID() });
    const batches = new BatchRepository(db);
    const records = new RecordRepository(db);
    const load = async (item: string, rows: Array<{ key: string; subject: string; end: string | null; fields?: Record<string, unknown> }>) => {
      const batchId = randomUUID();
      await batches.createReceiving({ id: batchId, supplierId: supplier.id, itemCode: item, channel: 'test' });
      await batches.accept(batchId, rows.length, 1);
      await records.loadChunk({
        batchId, chunkNo: 0, supplierId: supplier.id, itemCode: item, channel: 'test', catalogVersion: 1,
        received: rows.length, loaded: rows.length, rejections: [],
        subjects: [
          { code: ORG, kind: 'organization', name: '厦门查询测试有限公司' },
          { code: PERSON, kind: 'person', name: '王某' },
        ],
        records: rows.map((r, index) => ({
          index, sourceKey: r.key, subjectCode: r.subject, fields: r.fields ?? { subject_code: r.subject, n: r.key },
          contentHash: r.key, publicationEnd: r.end, provenance: { test: true },
        })),
      });
    };
    await load('administrative_penalty', [
      { key: 'P-active', subject: ORG, end: '2027-01-01' },
      { key: 'P-repaired', subject: ORG, end: '2027-01-01' },
      { key: 'P-expired', subject: ORG, end: '2026-02-28' },
      { key: 'P-person', subject: PERSON, end: '2027-01-01', fields: { subject_code: PERSON, violation_facts: `当事人 ${PERSON} 无照经营` } },
    ]);
    await load('volunteer_service', [{ key: 'V-active', subject: ORG, end: null }]);
    await load('wage_arrears', [{ key: 'W-active', subject: ORG, end: '2027-01-01' }]);
    for (const row of await sql<{ id: string; source_key: string }>('SELECT id, source_key FROM credit_records')) ids[row.source_key] = row.id;
    await sql(`UPDATE credit_records SET status = 'repaired' WHERE source_key = 'P-repaired'`);
    await sql(`INSERT INTO record_status_events (record_id, from_status, to_status, reason, article, actor, reference, changed_at)
               VALUES ($1, 'active', 'repaired', '信用修复', '第二十三条', 'operator', 'R-1', '2026-02-20T00:00:00Z')`, [ids['P-repaired']]);

    thirdParty = (await accounts.create({ kind: 'authorized_third_party', name: '某银行', organization: '某银行厦门分行', roles: [], tokenHash: 'h-third', createdAt: NOW })).id;
    agency = (await accounts.create({ kind: 'credit_agency', name: '某征信', organization: '某信用服务机构', roles: [], tokenHash: 'h-agency', createdAt: NOW })).id;
    await authorizations.create({
      subjectCode: ORG, granteeId: thirdParty, purpose: '贷款审查', scope: ['volunteer_service'],
      validFrom: '2026-01-01', validTo: '2026-12-31', proofReference: 'SQ-2026-001', recordedAt: NOW,
    });
    await authorizations.create({
      subjectCode: ORG, granteeId: agency, purpose: '信用评估', scope: ['administrative_penalty', 'volunteer_service'],
      validFrom: '2026-01-01', validTo: '2026-03-01', proofReference: 'SQ-2026-002', recordedAt: NOW,
    });
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  describe('accounts and authorisations as stored', () => {
    it('finds an account by its token digest, keeps the first disabling time, and knows disabled ones', async () => {
      const created = await accounts.create({ kind: 'government', name: '李四', organization: '市发改委', roles: ['subject_query'], tokenHash: 'h-gov', createdAt: NOW });
      expect(await accounts.findByTokenHash('h-gov')).toEqual(created);
      const first = await accounts.disable(created.id, new Date('2026-03-02T00:00:00Z'));
      const again = await accounts.disable(created.id, new Date('2026-03-05T00:00:00Z'));
      expect(first?.disabledAt).toBe('2026-03-02T00:00:00.000Z');
      expect(again?.disabledAt).toBe('2026-03-02T00:00:00.000Z');
      expect(await accounts.disable('not-a-uuid', NOW)).toBeUndefined();
      expect(await accounts.disable(randomUUID(), NOW)).toBeUndefined();
    });

    it('revokes an authorisation once, never deletes it, and refuses any other change', async () => {
      const granted = await authorizations.create({
        subjectCode: PERSON, granteeId: thirdParty, purpose: '租房核验', scope: ['volunteer_service'],
        validFrom: '2026-03-01', validTo: '2026-03-01', proofReference: 'SQ-X', recordedAt: NOW,
      });
      expect(await authsOf(thirdParty, [PERSON])).toHaveLength(1);
      const revoked = await authorizations.revoke(granted.id, new Date('2026-03-01T03:00:00Z'));
      expect(revoked?.revokedAt).toBe('2026-03-01T03:00:00.000Z');
      expect((await authorizations.revoke(granted.id, new Date('2026-03-09T00:00:00Z')))?.revokedAt).toBe('2026-03-01T03:00:00.000Z');
      expect(await authsOf(thirdParty, [PERSON])).toEqual([]);
      expect((await authorizations.list({ subjectCode: PERSON, offset: 0, limit: 10 })).map((a) => a.id)).toEqual([granted.id]);
      await expect(sql(`UPDATE authorizations SET scope = '{administrative_penalty}' WHERE id = $1`, [granted.id])).rejects.toThrow(/only be revoked/);
      await expect(sql(`UPDATE authorizations SET revoked_at = NULL WHERE id = $1`, [granted.id])).rejects.toThrow(/only be revoked/);
      await expect(sql('DELETE FROM authorizations WHERE id = $1', [granted.id])).rejects.toThrow(/never deleted/);
    });

    it('refuses an authorisation without scope or with its dates the wrong way round', async () => {
      const base = { subject_code: ORG, grantee_id: thirdParty, purpose: 'x', proof_reference: 'p', recorded_at: NOW };
      const insert = (scope: string[], from: string, to: string) =>
        sql(`INSERT INTO authorizations (subject_code, grantee_id, purpose, scope, valid_from, valid_to, proof_reference, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [base.subject_code, base.grantee_id, base.purpose, scope, from, to, base.proof_reference, base.recorded_at]);
      await expect(insert([], '2026-01-01', '2026-02-01')).rejects.toThrow(/check constraint/);
      await expect(insert(['volunteer_service'], '2026-02-01', '2026-01-01')).rejects.toThrow(/check constraint/);
    });
  });

  describe('what each caller is served, and the log row of each look', () => {
    it('serves the public only active public records within their period, masked', async () => {
      const view = await service.view(ORG, ctx({ kind: 'public' }));
      expect(idsOf(view)).toEqual(named('P-active'));
      expect(await lastLog()).toEqual({
        caller_kind: 'public', caller_id: null, subject_code: ORG, purpose: null, outcome: 'served', reason: null,
        result_count: 1, query_kind: 'subject', item_codes: ['administrative_penalty'], reference: null,
      });
      const person = await service.view(PERSON, ctx({ kind: 'public' }));
      expect(JSON.stringify(person.records)).not.toContain(PERSON);
    });

    it('serves the subject its own public and authorised records, unmasked', async () => {
      const view = await service.view(ORG, ctx({ kind: 'subject', subjectCode: ORG }, ORG));
      expect(idsOf(view)).toEqual(named('P-active', 'V-active'));
      const person = await service.view(PERSON, ctx({ kind: 'subject', subjectCode: PERSON }, PERSON));
      expect(JSON.stringify(person.records)).toContain(PERSON);
      expect(await lastLog()).toMatchObject({ caller_kind: 'subject', caller_id: PERSON, outcome: 'served', result_count: 1 });
    });

    it('refuses a subject asking about another subject (403, logged with the reason)', async () => {
      await expect(service.view(ORG, ctx({ kind: 'subject', subjectCode: PERSON }, PERSON))).rejects.toMatchObject({
        code: 'ACCESS_DENIED', details: [{ reason: 'NOT_OWN_SUBJECT' }],
      });
      expect(await lastLog()).toMatchObject({ caller_kind: 'subject', subject_code: ORG, outcome: 'denied', reason: 'NOT_OWN_SUBJECT', result_count: 0, item_codes: null });
    });

    it('serves a third party exactly its authorised scope and logs the agreed purpose', async () => {
      const caller = { kind: 'authorized_third_party' as const, grantee: thirdParty, authorizations: await authsOf(thirdParty, [ORG]) };
      const view = await service.view(ORG, ctx(caller, thirdParty));
      expect(idsOf(view)).toEqual(named('V-active'));
      expect(view.records[0].fields.subject_code).not.toBe(ORG); // masked for third parties
      expect(await lastLog()).toMatchObject({ caller_kind: 'authorized_third_party', caller_id: thirdParty, purpose: '贷款审查', item_codes: ['volunteer_service'] });
    });

    it('refuses a third party without an authorisation of the subject', async () => {
      const caller = { kind: 'authorized_third_party' as const, grantee: thirdParty, authorizations: await authsOf(thirdParty, [PERSON]) };
      await expect(service.view(PERSON, ctx(caller, thirdParty))).rejects.toMatchObject({ code: 'ACCESS_DENIED', details: [{ reason: 'NO_AUTHORIZATION' }] });
      expect(await lastLog()).toMatchObject({ outcome: 'denied', reason: 'NO_AUTHORIZATION', subject_code: PERSON });
    });

    it('serves a government user with a purpose and the role everything shared with government, unmasked', async () => {
      const caller = { kind: 'government' as const, userId: 'g1', roles: ['subject_query'], purpose: 'licensing_inspection_penalty' as const };
      const view = await service.view(ORG, ctx(caller, 'g1'));
      expect(idsOf(view)).toEqual(named('P-active', 'V-active', 'W-active'));
      expect(await lastLog()).toMatchObject({
        caller_kind: 'government', purpose: 'licensing_inspection_penalty', result_count: 3,
        item_codes: ['administrative_penalty', 'volunteer_service', 'wage_arrears'],
      });
    });

    it('refuses a government user without a purpose or without the role, logging what it claimed', async () => {
      const noPurpose = { kind: 'government' as const, userId: 'g1', roles: ['subject_query'], purpose: null, requestedPurpose: 'curiosity' };
      await expect(service.view(ORG, ctx(noPurpose, 'g1'))).rejects.toMatchObject({ code: 'QUERY_PURPOSE_REQUIRED' });
      expect(await lastLog()).toMatchObject({ outcome: 'denied', reason: 'PURPOSE_REQUIRED', purpose: 'curiosity' });
      const noRole = { kind: 'government' as const, userId: 'g2', roles: ['credit_report'], purpose: 'commendation' as const };
      await expect(service.view(ORG, ctx(noRole, 'g2'))).rejects.toMatchObject({ code: 'ROLE_NOT_GRANTED' });
      expect(await lastLog()).toMatchObject({ caller_id: 'g2', outcome: 'denied', reason: 'ROLE_NOT_GRANTED', purpose: 'commendation' });
    });

    it('serves operators every record in every state', async () => {
      const view = await service.view(ORG, ctx({ kind: 'operator' }));
      expect(idsOf(view)).toEqual(named('P-active', 'P-repaired', 'P-expired', 'V-active', 'W-active'));
      expect(await lastLog()).toMatchObject({ caller_kind: 'operator', result_count: 5 });
    });

    it('logs an invalid code and an unknown subject', async () => {
      await expect(service.view('91350200MA00000000', ctx({ kind: 'public' }))).rejects.toMatchObject({ code: 'INVALID_SUBJECT_CODE' });
      expect(await lastLog()).toMatchObject({ subject_code: '91350200MA00000000', outcome: 'invalid_code', result_count: 0 });
      await expect(service.view(STRANGER, ctx({ kind: 'public' }))).rejects.toMatchObject({ code: 'SUBJECT_NOT_FOUND' });
      expect(await lastLog()).toMatchObject({ subject_code: STRANGER, outcome: 'not_found', result_count: 0 });
    });
  });

  describe('batch query and operator history', () => {
    it('decides and logs each subject of a credit agency batch, all rows committed together', async () => {
      const before = (await logRows()).length;
      const caller = { kind: 'credit_agency' as const, agencyId: agency, authorizations: await authsOf(agency, [ORG, PERSON]) };
      const results = await service.batch([ORG, PERSON, 'nonsense'], ctx(caller, agency));
      expect(results.map((r) => [r.code, r.outcome, r.reason])).toEqual([
        [ORG, 'served', undefined],
        [PERSON, 'denied', 'NO_AUTHORIZATION'],
        ['nonsense', 'invalid', undefined],
      ]);
      expect(results[0].subject?.records.map((r) => r.id).sort()).toEqual(named('P-active', 'V-active'));
      const rows = (await logRows()).slice(before);
      expect(rows.map((r) => [r.query_kind, r.caller_kind, r.outcome, r.result_count])).toEqual([
        ['batch', 'credit_agency', 'served', 2],
        ['batch', 'credit_agency', 'denied', 0],
        ['batch', 'credit_agency', 'invalid_code', 0],
      ]);
    });

    it('refuses a batch above the limit and batches from anyone but agencies, logging one row each', async () => {
      const agencyCaller = { kind: 'credit_agency' as const, agencyId: agency, authorizations: [] };
      await expect(service.batch([ORG, ORG, ORG, ORG], ctx(agencyCaller, agency))).rejects.toMatchObject({ code: 'BATCH_TOO_LARGE' });
      expect(await lastLog()).toMatchObject({ query_kind: 'batch', subject_code: '', outcome: 'denied', reason: 'BATCH_TOO_LARGE' });
      await expect(service.batch([ORG], ctx({ kind: 'public' }))).rejects.toMatchObject({ code: 'ACCESS_DENIED', details: [{ reason: 'BATCH_NOT_OFFERED' }] });
      expect(await lastLog()).toMatchObject({ query_kind: 'batch', caller_kind: 'public', reason: 'BATCH_NOT_OFFERED' });
    });

    it("gives operators a record's versions and status changes, logged as a history look", async () => {
      const history = await service.recordHistory(ids['P-repaired'], ctx({ kind: 'operator' }, null, 'history'));
      expect(history.record).toMatchObject({ id: ids['P-repaired'], subjectCode: ORG, status: 'repaired', item: 'administrative_penalty', supplier: 'q-int', version: 1 });
      expect(history.versions).toEqual([expect.objectContaining({ version: 1, provenance: { test: true } })]);
      expect(history.statusEvents).toEqual([
        { from: 'active', to: 'repaired', reason: '信用修复', article: '第二十三条', actor: 'operator', reference: 'R-1', changedAt: '2026-02-20T00:00:00.000Z' },
      ]);
      expect(await lastLog()).toMatchObject({ caller_kind: 'operator', query_kind: 'history', subject_code: ORG, reference: ids['P-repaired'], result_count: 1 });
      await expect(service.recordHistory(randomUUID(), ctx({ kind: 'operator' }, null, 'history'))).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
      await expect(service.recordHistory(ids['P-repaired'], ctx({ kind: 'public' }, null, 'history'))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    });

    it('pages all records of a subject for operators', async () => {
      const first = await service.subjectRecords(ORG, { offset: 0, limit: 3 }, ctx({ kind: 'operator' }, null, 'history'));
      const second = await service.subjectRecords(ORG, { offset: 3, limit: 3 }, ctx({ kind: 'operator' }, null, 'history'));
      expect(first).toMatchObject({ total: 5, nextOffset: 3 });
      expect(second).toMatchObject({ total: 5, nextOffset: null });
      expect([...first.records, ...second.records].map((r) => r.id).sort()).toEqual(named('P-active', 'P-repaired', 'P-expired', 'V-active', 'W-active'));
    });
  });

  describe('the query log is written first', () => {
    it('commits concurrent queries in groups, one row each, and the audit chain still verifies', async () => {
      const before = (await logRows()).length;
      const views = await Promise.all(Array.from({ length: 60 }, () => service.view(ORG, ctx({ kind: 'public' }))));
      expect(views.every((v) => v.records.length === 1)).toBe(true);
      expect((await logRows()).length - before).toBe(60);
      const [{ transactions }] = await sql<{ transactions: number }>(
        'SELECT count(DISTINCT xmin::text)::int AS transactions FROM (SELECT xmin FROM query_log ORDER BY id OFFSET $1) t',
        [before],
      );
      expect(transactions).toBeLessThan(60);
      expect(await new AuditChainRepository(db).verifyChain('query_log')).toMatchObject({ ok: true });
    });

    reliabilityCase(
      {
        id: 'B6',
        group: 'B database',
        title: 'an audit write failure: nothing is served to anyone while the query log cannot be written',
        channel: 'query service on PostgreSQL',
        input: 'a trigger makes every query_log insert fail; the public, an operator, a subject, a credit agency batch and an operator history look are asked',
        expected: 'each refused with QUERY_LOG_UNAVAILABLE (the API answers 503), no data returned, no log row; served again once the log can be written',
      },
      async () => {
      await sql(`CREATE FUNCTION test_refuse_log() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'query log volume full'; END $$`);
      await sql('CREATE TRIGGER a_test_refuse_log BEFORE INSERT ON query_log FOR EACH ROW EXECUTE FUNCTION test_refuse_log()');
      const before = (await logRows()).length;
      try {
        const attempts = [
          service.view(ORG, ctx({ kind: 'public' })),
          service.view(ORG, ctx({ kind: 'operator' })),
          service.view(ORG, ctx({ kind: 'subject', subjectCode: PERSON }, PERSON)),
          service.batch([ORG], ctx({ kind: 'credit_agency', agencyId: agency, authorizations: await authsOf(agency, [ORG]) }, agency)),
          service.recordHistory(ids['P-active'], ctx({ kind: 'operator' }, null, 'history')),
        ];
        for (const attempt of await Promise.allSettled(attempts)) {
          expect(attempt.status).toBe('rejected');
          const reason = (attempt as PromiseRejectedResult).reason as QueryError;
          expect(reason).toBeInstanceOf(QueryError);
          expect(reason.code).toBe('QUERY_LOG_UNAVAILABLE');
        }
      } finally {
        await sql('DROP TRIGGER a_test_refuse_log ON query_log');
        await sql('DROP FUNCTION test_refuse_log()');
      }
      expect((await logRows()).length).toBe(before);
      expect(idsOf(await service.view(ORG, ctx({ kind: 'public' })))).toEqual(named('P-active'));
      return noRecords('5 of 5 looks refused QUERY_LOG_UNAVAILABLE with no data; 0 log rows while failing; served after');
    });
  });
});
