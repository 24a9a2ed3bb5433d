import { createHash, randomUUID } from 'node:crypto';
import { loadHubConfig } from '../../libs/config/hub-config';
import { CreditReportRepository } from '../../libs/persistence/credit-report.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { formatReportNumber } from '../../libs/pipeline/reports/credit-report/report-number';
import { uscc } from '../fixtures/credit-data';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

/** 第二十条: report numbers from PostgreSQL, and the append-only register of issued reports. */
describe('credit report numbers and register', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let reports: CreditReportRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    reports = new CreditReportRepository(db);
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('hands out each serial of a day once, even to concurrent requests, and starts every day at 1', async () => {
    const serials = await Promise.all(Array.from({ length: 25 }, () => reports.nextSerial('2026-11-27')));
    expect([...serials].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(await reports.nextSerial('2026-11-28')).toBe(1);
    expect(await reports.nextSerial('2026-11-27')).toBe(26);
  });

  it('goes on past 999,999 a day (issue 11, finding 7) and registers the wider numbers', async () => {
    await withDatabase(database.url, (c) => c.query(`INSERT INTO credit_report_serials (issue_date, last_serial) VALUES ('2026-12-01', 999998)`));
    const serials = [await reports.nextSerial('2026-12-01'), await reports.nextSerial('2026-12-01'), await reports.nextSerial('2026-12-01')];
    expect(serials).toEqual([999_999, 1_000_000, 1_000_001]);
    const reportNo = formatReportNumber('2026-12-01', serials[2]);
    expect(reportNo).toBe('XMCR-20261201-1000001');
    await reports.record({
      reportNo, subjectCode: uscc(9), callerKind: 'public', callerId: null, purpose: null, format: 'html',
      issuedAt: new Date('2026-12-01T02:00:00Z'), recordIds: [], contentSha256: createHash('sha256').update('y').digest(),
    });
    expect((await reports.find(reportNo))?.reportNo).toBe(reportNo);
  });

  it('registers an issued report and reads it back by number', async () => {
    const reportNo = formatReportNumber('2026-11-27', 1);
    const body = Buffer.from('%PDF-1.3 test');
    const recordIds = [randomUUID(), randomUUID()];
    await reports.record({
      reportNo, subjectCode: uscc(7), callerKind: 'public', callerId: null, purpose: null, format: 'pdf',
      issuedAt: new Date('2026-11-27T06:05:09Z'), recordIds, contentSha256: createHash('sha256').update(body).digest(),
    });
    expect(await reports.find(reportNo)).toEqual({
      reportNo, subjectCode: uscc(7), callerKind: 'public', callerId: null, purpose: null, format: 'pdf',
      issuedAt: new Date('2026-11-27T06:05:09Z'), recordIds, contentSha256: createHash('sha256').update(body).digest('hex'),
    });
    expect(await reports.find('XMCR-20261127-999999')).toBeUndefined();
  });

  it('refuses a second report under the same number, a malformed number, and any change or deletion', async () => {
    const report = {
      reportNo: formatReportNumber('2026-11-27', 2), subjectCode: uscc(8), callerKind: 'public', callerId: null, purpose: null,
      format: 'html' as const, issuedAt: new Date('2026-11-27T06:05:10Z'), recordIds: [], contentSha256: createHash('sha256').update('x').digest(),
    };
    await reports.record(report);
    await expect(reports.record(report)).rejects.toThrow(/duplicate key/);
    await expect(reports.record({ ...report, reportNo: 'XMCR-1-2' })).rejects.toThrow(/check constraint/);
    await expect(withDatabase(database.url, (c) => c.query(`UPDATE credit_reports SET subject_code = 'x'`))).rejects.toThrow(/append-only/);
    await expect(withDatabase(database.url, (c) => c.query('DELETE FROM credit_reports'))).rejects.toThrow(/append-only/);
  });

  it('names the providers of the printed records', async () => {
    await withDatabase(database.url, (c) =>
      c.query(`INSERT INTO suppliers (code, name, items, api_key_hash) VALUES ('xm-amr', '厦门市市场监督管理局', '{administrative_penalty}', $1)`, [randomUUID()]),
    );
    expect(await reports.supplierNames(['xm-amr', 'nobody'])).toEqual(new Map([['xm-amr', '厦门市市场监督管理局']]));
    expect(await reports.supplierNames([])).toEqual(new Map());
  });
});
