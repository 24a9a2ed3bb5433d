import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11, finding 7.
 * - `rate_limit_windows`: requests counted per (bucket key, one-minute window), shared by every
 *   api process. UNLOGGED: a count is worth no WAL flush, and losing the counts in a crash only
 *   forgives one minute. Keys are hashes (no address or subject code is stored).
 * - Report serials without a per-day ceiling: `last_serial` becomes bigint with no upper bound and
 *   a report number's serial has six digits or more (`XMCR-<date>-<serial>`); every number issued
 *   so far keeps its six-digit form and stays verifiable.
 */
export class RateLimitsAndReportSerials1765443600000 implements MigrationInterface {
  name = 'RateLimitsAndReportSerials1765443600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_windows (
        bucket_key   text NOT NULL,
        window_start timestamptz NOT NULL,
        hits         integer NOT NULL,
        PRIMARY KEY (bucket_key, window_start)
      )`);
    await q.query('ALTER TABLE credit_report_serials DROP CONSTRAINT credit_report_serials_last_serial_check');
    await q.query('ALTER TABLE credit_report_serials ALTER COLUMN last_serial TYPE bigint');
    await q.query('ALTER TABLE credit_report_serials ADD CONSTRAINT credit_report_serials_last_serial_check CHECK (last_serial >= 1)');
    await q.query('ALTER TABLE credit_reports DROP CONSTRAINT credit_reports_report_no_check');
    await q.query(`ALTER TABLE credit_reports ADD CONSTRAINT credit_reports_report_no_check CHECK (report_no ~ '^XMCR-[0-9]{8}-[0-9]{6,18}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE credit_reports DROP CONSTRAINT credit_reports_report_no_check');
    await q.query(`ALTER TABLE credit_reports ADD CONSTRAINT credit_reports_report_no_check CHECK (report_no ~ '^XMCR-[0-9]{8}-[0-9]{6}$') NOT VALID`);
    await q.query('ALTER TABLE credit_report_serials DROP CONSTRAINT credit_report_serials_last_serial_check');
    await q.query('ALTER TABLE credit_report_serials ALTER COLUMN last_serial TYPE integer USING least(last_serial, 999999)');
    await q.query('ALTER TABLE credit_report_serials ADD CONSTRAINT credit_report_serials_last_serial_check CHECK (last_serial BETWEEN 1 AND 999999)');
    await q.query('DROP TABLE rate_limit_windows');
  }
}
