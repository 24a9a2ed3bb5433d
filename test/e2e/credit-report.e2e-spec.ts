import { createHash } from 'node:crypto';
import { chinaCalendarDate } from '../../libs/domain/identity/citizen-id';
import { mintIdentityToken } from '../../libs/security/identity-token';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import { adminCall, ADMIN_TOKEN, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { pdfPages, squeeze } from '../support/pdf-text';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const IDENTITY = { issuer: 'credit-hub-idp', secret: 'e2e-identity-secret-0123456789abcdef' };
const SUBJECT = uscc(8_801);
const SUBJECT_NAME = '厦门鹭江报告测试有限公司';
const REPORT_NO = /^XMCR-\d{8}-\d{6}$/;

interface Fetched {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** 第二十条: the credit report through the booted hub, read back as its reader would read it. */
describe('credit report end to end', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;

  const report = async (code: string, query = '', headers: Record<string, string> = {}): Promise<Fetched> => {
    const response = await fetch(`${hub.url}/api/v1/subjects/${encodeURIComponent(code)}/report${query}`, { headers });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };
  const errorCode = (fetched: Fetched): string => (JSON.parse(fetched.body.toString('utf8')) as { error: { code: string } }).error.code;
  const logRow = (reference: string) =>
    withDatabase(database.url, async (db) =>
      (await db.query<Record<string, unknown>>(
        `SELECT caller_kind, caller_id, subject_code, query_kind, reference, outcome, result_count, purpose
         FROM query_log WHERE reference = $1`,
        [reference],
      )).rows,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: {
        DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_IDENTITY_TOKEN_SECRET: IDENTITY.secret, HUB_IDENTITY_TOKEN_ISSUER: IDENTITY.issuer,
      },
    });
    const key = await registerSupplier(hub.url, 'xm-amr-report', ['administrative_penalty']);
    const records = [
      penaltyRecord(8_801, { subject_name: SUBJECT_NAME, penalty_content: '警告并处罚款人民币八千元', fine_amount: '8000.00' }),
      penaltyRecord(8_802, { subject_name: SUBJECT_NAME, subject_code: SUBJECT, violation_facts: '<script>alert(1)</script>在店堂发布虚假广告' }),
      penaltyRecord(8_803, { subject_name: SUBJECT_NAME, subject_code: SUBJECT }),
    ];
    const accepted = await push(hub.url, key, 'administrative_penalty', JSON.stringify(records));
    expect(accepted.status).toBe(202);
    const done = await waitForBatchDone(hub.url, key, accepted.body.batchId as string);
    expect({ loaded: done.loaded, rejected: done.rejected }).toEqual({ loaded: 3, rejected: 0 });
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('issues the public a PDF whose extracted text is the Chinese report, with its number, logged as a report and registered', async () => {
    const before = chinaCalendarDate(new Date()).replace(/-/g, '');
    const fetched = await report(SUBJECT);
    const after = chinaCalendarDate(new Date()).replace(/-/g, '');
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('application/pdf');
    const reportNo = fetched.headers.get('x-report-number') ?? '';
    expect(reportNo).toMatch(REPORT_NO);
    expect([before, after]).toContain(reportNo.slice(5, 13)); // the China date of issue
    expect(fetched.headers.get('content-disposition')).toBe(`attachment; filename="${reportNo}.pdf"`);
    expect(fetched.headers.get('cache-control')).toBe('no-store');

    const pages = (await pdfPages(fetched.body)).map(squeeze);
    const text = pages.join('');
    for (const expected of ['公共信用信息报告', reportNo, SUBJECT_NAME, SUBJECT, '社会公众', '失信信息', '行政处罚', '警告并处罚款人民币八千元', '厦市监罚〔2026〕8802号', '厦门市市场监督管理局']) {
      expect(text).toContain(expected);
    }
    expect(text).toContain('行政处罚（3条）');
    pages.forEach((page, i) => expect(page).toContain(`第${i + 1}页共${pages.length}页`));

    expect(await logRow(reportNo)).toEqual([
      { caller_kind: 'public', caller_id: null, subject_code: SUBJECT, query_kind: 'report', reference: reportNo, outcome: 'served', result_count: 3, purpose: null },
    ]);
    const registered = await withDatabase(database.url, async (db) =>
      (await db.query<Record<string, unknown>>(
        `SELECT subject_code, caller_kind, caller_id, format, encode(content_sha256, 'hex') AS sha256,
                (SELECT array_agg(id::text ORDER BY id) FROM credit_records WHERE subject_code = $2) = (SELECT array_agg(x::text ORDER BY x) FROM unnest(record_ids) x) AS all_records
         FROM credit_reports WHERE report_no = $1`,
        [reportNo, SUBJECT],
      )).rows,
    );
    expect(registered).toEqual([
      { subject_code: SUBJECT, caller_kind: 'public', caller_id: null, format: 'pdf', sha256: createHash('sha256').update(fetched.body).digest('hex'), all_records: true },
    ]);
  });

  it('issues the same report as a printable HTML page, with a later number and every value escaped', async () => {
    const first = await report(SUBJECT, '?format=pdf');
    const fetched = await report(SUBJECT, '?format=html');
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(fetched.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const reportNo = fetched.headers.get('x-report-number') ?? '';
    expect(reportNo > (first.headers.get('x-report-number') ?? '')).toBe(true);
    expect(fetched.headers.get('content-disposition')).toBe(`inline; filename="${reportNo}.html"`);

    const html = fetched.body.toString('utf8');
    expect(html).toContain('<html lang="zh-CN">');
    for (const expected of ['公共信用信息报告', reportNo, SUBJECT_NAME, '行政处罚', '警告并处罚款人民币八千元']) expect(html).toContain(expected);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;在店堂发布虚假广告');
    expect(await logRow(reportNo)).toEqual([expect.objectContaining({ query_kind: 'report', outcome: 'served', reference: reportNo })]);
    const formats = await withDatabase(database.url, async (db) => (await db.query('SELECT format FROM credit_reports WHERE report_no = $1', [reportNo])).rows);
    expect(formats).toEqual([{ format: 'html' }]);
  });

  it('marks a record under objection 异议处理中 in the PDF (第二十六条)', async () => {
    await withDatabase(database.url, (db) => db.query(`UPDATE credit_records SET disputed = true WHERE source_key = 'CF-8803'`));
    const text = squeeze((await pdfPages((await report(SUBJECT)).body)).join(''));
    expect(text).toMatch(/\d\.行政处罚「异议处理中」/);
  });

  it('issues the subject its own report, as 信用主体本人, logged under the subject code', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = mintIdentityToken(IDENTITY, { iss: IDENTITY.issuer, sub: SUBJECT, iat: now - 5, exp: now + 600 });
    const fetched = await report(SUBJECT, '', { Authorization: `Bearer ${token}` });
    expect(fetched.status).toBe(200);
    const reportNo = fetched.headers.get('x-report-number') ?? '';
    expect(squeeze((await pdfPages(fetched.body)).join(''))).toContain('信用主体本人');
    expect(await logRow(reportNo)).toEqual([expect.objectContaining({ caller_kind: 'subject', caller_id: SUBJECT, query_kind: 'report', outcome: 'served' })]);
  });

  it('issues a government user with the credit_report role its report naming user, unit and purpose; refuses one without the role, logged', async () => {
    const granted = await adminCall(hub.url, 'POST', '/query-accounts', { kind: 'government', name: '李审批', organization: '厦门市发展和改革委员会', roles: ['credit_report'] });
    const queryOnly = await adminCall(hub.url, 'POST', '/query-accounts', { kind: 'government', name: '王查询', organization: '厦门市商务局', roles: ['subject_query'] });
    expect([granted.status, queryOnly.status]).toEqual([201, 201]);
    const purpose = { 'X-Query-Purpose': 'licensing_inspection_penalty' };

    const fetched = await report(SUBJECT, '?format=html', { Authorization: `Bearer ${String(granted.body.token)}`, ...purpose });
    expect(fetched.status).toBe(200);
    expect(fetched.body.toString('utf8')).toContain('政务用户 李审批（厦门市发展和改革委员会），查询用途：行政许可、监督检查、行政处罚');
    const reportNo = fetched.headers.get('x-report-number') ?? '';
    expect(await logRow(reportNo)).toEqual([
      expect.objectContaining({ caller_kind: 'government', caller_id: granted.body.id, purpose: 'licensing_inspection_penalty', outcome: 'served' }),
    ]);

    const refused = await report(SUBJECT, '', { Authorization: `Bearer ${String(queryOnly.body.token)}`, ...purpose });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('ROLE_NOT_GRANTED');
    const refusedLog = await withDatabase(database.url, async (db) =>
      (await db.query(`SELECT outcome, reference FROM query_log WHERE caller_id = $1 AND query_kind = 'report'`, [queryOnly.body.id])).rows,
    );
    expect(refusedLog).toEqual([{ outcome: 'denied', reference: expect.stringMatching(REPORT_NO) }]);
    const issued = await withDatabase(database.url, async (db) => (await db.query('SELECT 1 FROM credit_reports WHERE caller_id = $1', [queryOnly.body.id])).rows);
    expect(issued).toEqual([]);
  });

  it('issues a report stating 未查询到可公开的信用信息 for a valid code with nothing to see, logged as not_found', async () => {
    const nobody = uscc(8_899);
    const fetched = await report(nobody);
    expect(fetched.status).toBe(200);
    const reportNo = fetched.headers.get('x-report-number') ?? '';
    expect(squeeze((await pdfPages(fetched.body)).join(''))).toContain('未查询到可公开的信用信息');
    expect(await logRow(reportNo)).toEqual([expect.objectContaining({ subject_code: nobody, outcome: 'not_found', result_count: 0 })]);
  });

  it('refuses an invalid code (logged) and an unknown format (nothing issued)', async () => {
    const invalid = await report('91350200XXXXXXXXXX');
    expect(invalid.status).toBe(400);
    expect(errorCode(invalid)).toBe('INVALID_SUBJECT_CODE');
    const unknownFormat = await report(SUBJECT, '?format=docx');
    expect(unknownFormat.status).toBe(400);
    expect(errorCode(unknownFormat)).toBe('UNSUPPORTED_FORMAT');
    const invalidLog = await withDatabase(database.url, async (db) =>
      (await db.query(`SELECT outcome FROM query_log WHERE query_kind = 'report' AND subject_code = '91350200XXXXXXXXXX'`)).rows,
    );
    expect(invalidLog).toEqual([{ outcome: 'invalid_code' }]);
  });

  describe('checking a report by its number and the SHA-256 of its bytes', () => {
    const verify = async (reportNo: string, sha256?: string, headers: Record<string, string> = {}) => {
      const query = sha256 === undefined ? '' : `?sha256=${encodeURIComponent(sha256)}`;
      const response = await fetch(`${hub.url}/api/v1/reports/${encodeURIComponent(reportNo)}/verification${query}`, { headers });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string } } };
    };
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const verificationLog = (reportNo: string) =>
      withDatabase(database.url, async (db) =>
        (await db.query(
          `SELECT caller_kind, subject_code, outcome, result_count FROM query_log WHERE query_kind = 'report_verification' AND reference = $1 ORDER BY id`,
          [reportNo],
        )).rows,
      );
    let issued: { reportNo: string; bytes: Buffer };

    beforeAll(async () => {
      const pdf = await report(SUBJECT);
      expect(pdf.status).toBe(200);
      issued = { reportNo: pdf.headers.get('x-report-number') as string, bytes: pdf.body };
    });

    it('confirms the bytes it issued, with the issue time and the subject code masked, to anyone, logged', async () => {
      const checked = await verify(issued.reportNo, sha256(issued.bytes).toUpperCase());
      expect(checked).toEqual({
        status: 200,
        body: {
          reportNo: issued.reportNo,
          authentic: true,
          issuedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          format: 'pdf',
          subjectCode: `${SUBJECT.slice(0, 4)}**********${SUBJECT.slice(-4)}`,
          recordCount: 3,
        },
      });
      expect(await verificationLog(issued.reportNo)).toEqual([{ caller_kind: 'public', subject_code: SUBJECT, outcome: 'served', result_count: 1 }]);
    });

    it('answers authentic=false and nothing more for bytes changed by one, logged as not_found', async () => {
      const forged = Buffer.from(issued.bytes);
      forged[forged.length - 10] ^= 1;
      expect(await verify(issued.reportNo, sha256(forged))).toEqual({ status: 200, body: { reportNo: issued.reportNo, authentic: false } });
      expect((await verificationLog(issued.reportNo)).at(-1)).toEqual({ caller_kind: 'public', subject_code: SUBJECT, outcome: 'not_found', result_count: 0 });
    });

    it('answers 404 REPORT_NOT_FOUND for a number never issued (logged), 400 for a malformed number or digest (not logged)', async () => {
      const never = 'XMCR-20000101-999999';
      const unknown = await verify(never, sha256(issued.bytes));
      expect({ status: unknown.status, code: unknown.body.error?.code }).toEqual({ status: 404, code: 'REPORT_NOT_FOUND' });
      expect(await verificationLog(never)).toEqual([{ caller_kind: 'public', subject_code: '', outcome: 'not_found', result_count: 0 }]);

      const badNumber = await verify('XMCR-2026-1', sha256(issued.bytes));
      expect({ status: badNumber.status, code: badNumber.body.error?.code }).toEqual({ status: 400, code: 'INVALID_REPORT_NUMBER' });
      for (const digest of [undefined, '', 'abc', sha256(issued.bytes).slice(1)]) {
        const badDigest = await verify(issued.reportNo, digest);
        expect({ digest, status: badDigest.status, code: badDigest.body.error?.code }).toEqual({ digest, status: 400, code: 'INVALID_DIGEST' });
      }
      expect(await verificationLog('XMCR-2026-1')).toEqual([]);
    });
  });
});
