import * as iconv from 'iconv-lite';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { penaltyRecord, recentDate, uscc, withWrongCheck } from '../fixtures/credit-data';
import { organizationCodeOfUscc } from '../../libs/domain/identity/legacy-identifier';
import { ADMIN_TOKEN, push, querySubject, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const HEADER = ['案件编号', '当事人名称', '当事人类型', '统一社会信用代码', '身份证号码', '法定代表人', '处罚决定书文号', '违法行为类型',
  '违法事实', '处罚依据', '处罚种类', '处罚内容', '罚款金额(万元)', '没收金额(万元)', '处罚决定日期', '执法机关', '执法机关代码', '告知日期', '备注'];

function legacyRow(n: number, overrides: Partial<Record<string, string>> = {}): string {
  const decided = recentDate(10).replace(/-/g, '');
  const row: Record<string, string> = {
    案件编号: `SM-${n}`, 当事人名称: `厦门思明测试${n}有限公司`, 当事人类型: '1', 统一社会信用代码: uscc(5_000 + n), 身份证号码: '',
    法定代表人: '王五', 处罚决定书文号: `思市监罚〔2026〕${n}号`, 违法行为类型: '无照经营', 违法事实: '未取得营业执照从事经营活动',
    处罚依据: '《无证无照经营查处办法》第十三条', 处罚种类: '警告;罚款', 处罚内容: '警告并处罚款', '罚款金额(万元)': '1.5', '没收金额(万元)': '',
    处罚决定日期: decided, 执法机关: '厦门市思明区市场监督管理局', 执法机关代码: uscc(77_777), 告知日期: recentDate(20), 备注: '',
    ...overrides,
  };
  return HEADER.map((h) => row[h] ?? '').join(',');
}

/** The brain: a mapping made through the API, the rules of the measures, the subject registry, the preview. */
describe('mappings, rules and entity resolution end to end', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let legacyKey: string;
  let modernKey: string;

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${hub.url}/api/v1/admin${path}`, { ...init, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers ?? {}) } });

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({ env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN } });
    legacyKey = await registerSupplier(hub.url, 'sm-amr', ['administrative_penalty']);
    modernKey = await registerSupplier(hub.url, 'xm-modern', ['administrative_penalty']);
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('refuses an invalid mapping with the path of every problem', async () => {
    const response = await admin('/mappings/sm-amr/administrative_penalty', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ item: 'administrative_penalty', fields: { decision_date: { from: '处罚决定日期', date: { formats: ['DD/MM'] } }, no_such_field: '列' } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('INVALID_MAPPING');
    expect(body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining([expect.stringContaining('decision_date'), expect.stringContaining('no_such_field')]));
  });

  it('loads a GBK CSV with Chinese headers through a mapping created over the API, and rejects what is wrong', async () => {
    const yaml = readFileSync(resolve(__dirname, '../../mappings/golden/legacy-gbk-csv/mapping.yaml'), 'utf8');
    const created = await admin('/mappings/sm-amr/administrative_penalty', { method: 'PUT', headers: { 'Content-Type': 'application/yaml' }, body: yaml });
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ supplier: 'sm-amr', item: 'administrative_penalty', version: 1 });

    const rows = [
      legacyRow(1),
      legacyRow(2, { 处罚决定日期: '2026年3月5日'.replace('2026年3月5日', `${recentDate(12).slice(0, 4)}年${Number(recentDate(12).slice(5, 7))}月${Number(recentDate(12).slice(8, 10))}日`) }),
      legacyRow(3, { 统一社会信用代码: withWrongCheck(uscc(5_003)) }),
      legacyRow(4, { 处罚决定日期: '2026-02-30' }),
      legacyRow(5, { 当事人类型: '9' }),
    ];
    const csv = iconv.encode(`${HEADER.join(',')}\r\n${rows.join('\r\n')}\r\n`, 'gbk');
    const accepted = await push(hub.url, legacyKey, 'administrative_penalty', csv, { contentType: 'text/csv; charset=gbk' });
    expect(accepted.status).toBe(202);
    const report = await waitForBatchDone(hub.url, legacyKey, accepted.body.batchId as string);
    expect({ loaded: report.loaded, rejected: report.rejected }).toEqual({ loaded: 2, rejected: 3 });
    expect(report.rejections.map(({ index, field, code }) => ({ index, field, code }))).toEqual([
      { index: 2, field: 'subject_code', code: 'USCC_CHECKSUM' },
      { index: 3, field: 'decision_date', code: 'INVALID_DATE' },
      { index: 4, field: 'subject_type', code: 'UNKNOWN_CODE_VALUE' },
    ]);
    for (const r of report.rejections) expect(r.message).toMatch(/[\u4e00-\u9fff]/);
    expect(report.rejections[0].value).toMatch(/^.{4}\*{10}.{4}$/);

    const stored = await withDatabase(database.url, (db) =>
      db.query<{ source_key: string; fine: string; version: number }>(
        `SELECT r.source_key, r.fields->>'fine_amount' AS fine, v.catalog_version AS version
         FROM credit_records r JOIN credit_record_versions v ON v.record_id = r.id WHERE r.subject_code = $1`,
        [uscc(5_001)],
      ),
    );
    expect(stored.rows).toEqual([{ source_key: 'SM-1', fine: '15000', version: 1 }]);
  });

  it('rejects a record with a 血型 column as PROHIBITED_FIELD and a penalty without notice evidence as NOTICE_MISSING', async () => {
    const { notified_on: _n, notice_method: _m, ...withoutNotice } = penaltyRecord(6_001);
    const accepted = await push(hub.url, modernKey, 'administrative_penalty', JSON.stringify([
      { ...penaltyRecord(6_000), 血型: 'A' },
      withoutNotice,
      penaltyRecord(6_002),
    ]));
    const report = await waitForBatchDone(hub.url, modernKey, accepted.body.batchId as string);
    expect(report.loaded).toBe(1);
    expect(report.rejections.map(({ index, field, code }) => ({ index, field, code }))).toEqual([
      { index: 0, field: '血型', code: 'PROHIBITED_FIELD' },
      { index: 1, field: 'notified_on', code: 'NOTICE_MISSING' },
      { index: 1, field: 'notice_method', code: 'NOTICE_MISSING' },
    ]);
  });

  it('loads a record that carries only an organisation code the registry knows under the right USCC', async () => {
    const known = uscc(6_100);
    const first = await push(hub.url, modernKey, 'administrative_penalty', JSON.stringify([penaltyRecord(6_100)]));
    await waitForBatchDone(hub.url, modernKey, first.body.batchId as string);

    const legacyOnly = penaltyRecord(6_101, { subject_code: organizationCodeOfUscc(known), subject_name: '厦门测试企业6100有限公司' });
    const unknownOrg = penaltyRecord(6_102, { subject_code: organizationCodeOfUscc(uscc(6_199)) });
    const second = await push(hub.url, modernKey, 'administrative_penalty', JSON.stringify([legacyOnly, unknownOrg]));
    const report = await waitForBatchDone(hub.url, modernKey, second.body.batchId as string);
    expect(report.loaded).toBe(1);
    expect(report.rejections.map(({ index, code }) => ({ index, code }))).toEqual([{ index: 1, code: 'SUBJECT_UNRESOLVED' }]);

    const subject = await querySubject(hub.url, known);
    expect(subject.body.records?.map((r) => (r.fields as Record<string, unknown>).decision_no)).toEqual(
      expect.arrayContaining(['厦市监罚〔2026〕6100号', '厦市监罚〔2026〕6101号']),
    );
    const provenance = await withDatabase(database.url, (db) =>
      db.query<{ provenance: { subjectResolvedFrom?: { kind: string } } }>(
        `SELECT v.provenance FROM credit_record_versions v JOIN credit_records r ON r.id = v.record_id WHERE r.source_key = 'CF-6101'`,
      ),
    );
    expect(provenance.rows[0].provenance.subjectResolvedFrom).toMatchObject({ from: 'subject_code', kind: 'organization_code' });
  });

  it('resolves an individual business sent with the 00000000000000000X placeholder through its business registration number', async () => {
    const owner = uscc(6_300);
    const linked = await admin('/subject-identifiers', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ links: [{ kind: 'business_registration_no', identifier: '350203600012345', subjectCode: owner }] }),
    });
    expect(linked.status).toBe(200);
    const record = penaltyRecord(6_300, { subject_type: 'individual_business', subject_code: '00000000000000000X', business_registration_no: '350203600012345' });
    const unknown = penaltyRecord(6_301, { subject_type: 'individual_business', subject_code: '00000000000000000X' });
    const accepted = await push(hub.url, modernKey, 'administrative_penalty', JSON.stringify([record, unknown]));
    const report = await waitForBatchDone(hub.url, modernKey, accepted.body.batchId as string);
    expect(report.loaded).toBe(1);
    expect(report.rejections.map(({ index, field, code }) => ({ index, field, code }))).toEqual([{ index: 1, field: 'subject_code', code: 'SUBJECT_UNRESOLVED' }]);
    expect((await querySubject(hub.url, owner)).status).toBe(200);
  });

  it('links an organisation code only to the USCC that embeds it, and reads the links back', async () => {
    const owner = uscc(6_400);
    const embedded = organizationCodeOfUscc(owner);
    const foreign = organizationCodeOfUscc(uscc(6_401));
    const badCheck = embedded.slice(0, 8) + (embedded.endsWith('1') ? '2' : '1');
    const refused = await admin('/subject-identifiers', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        links: [
          { kind: 'organization_code', identifier: foreign, subjectCode: owner },
          { kind: 'organization_code', identifier: badCheck, subjectCode: owner },
        ],
      }),
    });
    expect(refused.status).toBe(400);
    const problems = ((await refused.json()) as { error: { details: { path: string; code: string }[] } }).error.details;
    expect(problems.map(({ path, code }) => ({ path, code }))).toEqual([
      { path: 'links[0].identifier', code: 'ORG_CODE_MISMATCH' },
      { path: 'links[1].identifier', code: 'ORG_CODE_CHECKSUM' },
    ]);

    const linked = await admin('/subject-identifiers', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ links: [{ kind: 'organization_code', identifier: `${embedded.slice(0, 8)}-${embedded.slice(8)}`, subjectCode: owner }] }),
    });
    expect(linked.status).toBe(200);
    const read = await admin(`/subjects/${owner}/links`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({
      code: owner,
      links: [{ kind: 'organization_code', identifier: embedded, source: 'operator', linkedAt: expect.any(String) }],
    });
    expect((await admin('/subjects/not-a-code/links')).status).toBe(400);
  });

  it('sends garbled Chinese back with GARBLED_TEXT and never publishes it', async () => {
    const replaced = penaltyRecord(6_500, { subject_name: '厦门��公司' });
    const utf8AsGbk = penaltyRecord(6_501, { subject_name: iconv.decode(Buffer.from('厦门市鹭岛科技有限公司', 'utf8'), 'gbk') });
    const clean = penaltyRecord(6_502, { subject_name: '臺灣積體電路製造股份有限公司厦门代表处' });
    const accepted = await push(hub.url, modernKey, 'administrative_penalty', JSON.stringify([replaced, utf8AsGbk, clean]));
    const report = await waitForBatchDone(hub.url, modernKey, accepted.body.batchId as string);
    expect(report.loaded).toBe(1);
    expect(report.rejections.map(({ index, field, code }) => ({ index, field, code }))).toEqual([
      { index: 0, field: 'subject_name', code: 'GARBLED_TEXT' },
      { index: 1, field: 'subject_name', code: 'GARBLED_TEXT' },
    ]);
    expect(report.rejections[1].value).toContain('疑为「厦门市鹭岛科技有限公司」');
    expect((await querySubject(hub.url, uscc(6_500))).status).toBe(404);
    expect((await querySubject(hub.url, uscc(6_501))).status).toBe(404);
    expect((await querySubject(hub.url, uscc(6_502))).status).toBe(200);
  });

  it('previews 50 records with 50 verdicts and stores nothing', async () => {
    const counts = () =>
      withDatabase(database.url, async (db) => (await db.query<{ n: string }>(`SELECT (SELECT count(*) FROM credit_records) + (SELECT count(*) FROM batches) + (SELECT count(*) FROM rejections) AS n`)).rows[0].n);
    const before = await counts();
    const records = Array.from({ length: 50 }, (_, n) => (n % 10 === 0 ? penaltyRecord(7_000 + n, { decision_no: '' }) : penaltyRecord(7_000 + n)));
    const response = await admin('/mappings/xm-modern/administrative_penalty/preview', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { mappingVersion: number | null; results: { index: number; ok: boolean; record?: Record<string, unknown>; rejections?: { code: string }[] }[] };
    expect(body.mappingVersion).toBeNull();
    expect(body.results).toHaveLength(50);
    expect(body.results.filter((r) => r.ok)).toHaveLength(45);
    expect(body.results[0]).toEqual({ index: 0, ok: false, rejections: [{ field: 'decision_no', code: 'REQUIRED_FIELD' }] });
    expect(body.results[1].record).toMatchObject({ subject_code: uscc(7_001), fine_amount: '5000.00' });
    expect(await counts()).toBe(before);
  });
});
