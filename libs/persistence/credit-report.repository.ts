import { HubDatabase } from './hub-database';

export interface IssuedCreditReport {
  readonly reportNo: string;
  readonly subjectCode: string;
  readonly callerKind: string;
  readonly callerId: string | null;
  readonly purpose: string | null;
  readonly format: 'pdf' | 'html';
  readonly issuedAt: Date;
  readonly recordIds: readonly string[];
  /** SHA-256 of the bytes sent. */
  readonly contentSha256: Buffer;
}

export interface StoredCreditReport extends Omit<IssuedCreditReport, 'contentSha256'> {
  readonly contentSha256: string;
}

/** 第二十条: report numbers and the register of issued credit reports (append-only). */
export class CreditReportRepository {
  constructor(private readonly db: HubDatabase) {}

  /** The next serial of `issueDate` (a China date), 1 for the day's first report. Never reused. */
  async nextSerial(issueDate: string): Promise<number> {
    // bigint: no per-day ceiling (issue 11, finding 7); pg hands bigint back as text.
    const rows: { serial: string | number }[] = await this.db.dataSource.query(
      `INSERT INTO credit_report_serials (issue_date, last_serial) VALUES ($1::date, 1)
       ON CONFLICT (issue_date) DO UPDATE SET last_serial = credit_report_serials.last_serial + 1
       RETURNING last_serial AS serial`,
      [issueDate],
    );
    return Number(rows[0].serial);
  }

  async record(report: IssuedCreditReport): Promise<void> {
    await this.db.dataSource.query(
      `INSERT INTO credit_reports (report_no, subject_code, caller_kind, caller_id, purpose, format, issued_at, record_ids, content_sha256)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::uuid[], $9)`,
      [report.reportNo, report.subjectCode, report.callerKind, report.callerId, report.purpose, report.format,
        report.issuedAt, report.recordIds, report.contentSha256],
    );
  }

  async find(reportNo: string): Promise<StoredCreditReport | undefined> {
    const rows: StoredCreditReport[] = await this.db.dataSource.query(
      `SELECT report_no AS "reportNo", subject_code AS "subjectCode", caller_kind AS "callerKind", caller_id AS "callerId",
              purpose, format, issued_at AS "issuedAt", record_ids::text[] AS "recordIds", encode(content_sha256, 'hex') AS "contentSha256"
       FROM credit_reports WHERE report_no = $1`,
      [reportNo],
    );
    return rows[0];
  }

  /** Supplier code → name, for the provider line under each record. */
  async supplierNames(codes: readonly string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows: { code: string; name: string }[] = await this.db.dataSource.query(
      'SELECT code, name FROM suppliers WHERE code = ANY($1)',
      [codes],
    );
    return new Map(rows.map((r) => [r.code, r.name]));
  }
}
