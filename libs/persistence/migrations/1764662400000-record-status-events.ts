import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change of a record's status (archived at the end of its publication period, and later
 * repair, withholding, non-disclosure) is appended here: the record itself is never deleted.
 */
export class RecordStatusEvents1764662400000 implements MigrationInterface {
  name = 'RecordStatusEvents1764662400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE record_status_events (
        id          bigserial PRIMARY KEY,
        record_id   uuid NOT NULL REFERENCES credit_records(id),
        from_status text NOT NULL,
        to_status   text NOT NULL,
        reason      text NOT NULL,
        article     text NOT NULL,
        changed_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX record_status_events_record ON record_status_events (record_id, changed_at)');
    await q.query(`CREATE TRIGGER record_status_events_append_only BEFORE UPDATE OR DELETE ON record_status_events
                   FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`CREATE INDEX credit_records_expiring ON credit_records (publication_end) WHERE status = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX credit_records_expiring');
    await q.query('DROP TABLE record_status_events');
  }
}
