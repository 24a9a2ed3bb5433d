import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 第二十条: credit reports issued by the center.
 * - `credit_report_serials`: the serial of each China day's reports. Report numbers are
 *   `XMCR-<date>-<6-digit serial>`: a counter per day (rather than one global sequence) keeps the
 *   serial at six digits for good, so the numbers stay unique and sort as plain text. Taken in
 *   its own short statement (a row lock held for microseconds); a report that then fails leaves a
 *   gap, as a sequence would.
 * - `credit_reports`: one row per report that left the hub: who asked, in which format, when, the
 *   records it printed and the SHA-256 of the bytes sent, so a printed report can be verified by
 *   its number. Append-only, like the query log that holds the same look (query_kind 'report',
 *   reference = report number).
 */
export class CreditReports1764921600000 implements MigrationInterface {
  name = 'CreditReports1764921600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credit_report_serials (
        issue_date  date PRIMARY KEY,
        last_serial integer NOT NULL CHECK (last_serial BETWEEN 1 AND 999999)
      )`);
    await q.query(`
      CREATE TABLE credit_reports (
        report_no       text PRIMARY KEY CHECK (report_no ~ '^XMCR-[0-9]{8}-[0-9]{6}$'),
        subject_code    text NOT NULL,
        caller_kind     text NOT NULL,
        caller_id       text,
        purpose         text,
        format          text NOT NULL CHECK (format IN ('pdf', 'html')),
        issued_at       timestamptz NOT NULL,
        record_ids      uuid[] NOT NULL,
        content_sha256  bytea NOT NULL CHECK (length(content_sha256) = 32)
      )`);
    await q.query('CREATE INDEX credit_reports_subject ON credit_reports (subject_code, issued_at)');
    await q.query(`CREATE TRIGGER credit_reports_append_only BEFORE UPDATE OR DELETE ON credit_reports
                   FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE credit_reports');
    await q.query('DROP TABLE credit_report_serials');
  }
}
