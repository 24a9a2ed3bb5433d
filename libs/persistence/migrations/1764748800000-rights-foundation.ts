import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What every subjects'-rights feature shares (issue 5):
 * - `notification_outbox`: notices to subjects, suppliers and applicants (objection outcomes,
 *   催报 reminders, key-attention escalations). Delivery is pluggable; the row is written in the
 *   same transaction as the decision it reports, and `dedupe_key` makes a re-run job harmless.
 * - query_log columns for what was looked at (R19: which items, which kind of look, a reference
 *   such as a report number). NULLable without default, as the audit chain's rules require.
 * - record status `deleted`: an objection outcome that removes a record from service; the row
 *   and its versions stay (R30: no unlawful deletion).
 */
export class RightsFoundation1764748800000 implements MigrationInterface {
  name = 'RightsFoundation1764748800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_outbox (
        id              bigserial PRIMARY KEY,
        recipient_kind  text NOT NULL CHECK (recipient_kind IN ('subject', 'supplier', 'applicant', 'operator')),
        recipient       text NOT NULL,
        topic           text NOT NULL,
        message         text NOT NULL,
        payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
        dedupe_key      text NOT NULL UNIQUE,
        created_at      timestamptz NOT NULL,
        sent_at         timestamptz,
        attempts        integer NOT NULL DEFAULT 0,
        last_error      text
      )`);
    await q.query('CREATE INDEX notification_outbox_unsent ON notification_outbox (created_at) WHERE sent_at IS NULL');
    await q.query('CREATE INDEX notification_outbox_recipient ON notification_outbox (recipient_kind, recipient, created_at)');

    await q.query('ALTER TABLE query_log ADD COLUMN query_kind text, ADD COLUMN item_codes text[], ADD COLUMN reference text');

    await q.query('ALTER TABLE credit_records DROP CONSTRAINT credit_records_status_check');
    await q.query(`ALTER TABLE credit_records ADD CONSTRAINT credit_records_status_check
                   CHECK (status IN ('active', 'repaired', 'archived', 'withheld', 'non_disclosed', 'deleted'))`);
    await q.query('ALTER TABLE record_status_events ADD COLUMN actor text, ADD COLUMN reference text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE record_status_events DROP COLUMN actor, DROP COLUMN reference');
    await q.query('ALTER TABLE credit_records DROP CONSTRAINT credit_records_status_check');
    await q.query(`ALTER TABLE credit_records ADD CONSTRAINT credit_records_status_check
                   CHECK (status IN ('active', 'repaired', 'archived', 'withheld', 'non_disclosed'))`);
    await q.query('ALTER TABLE query_log DROP COLUMN query_kind, DROP COLUMN item_codes, DROP COLUMN reference');
    await q.query('DROP TABLE notification_outbox');
  }
}
