import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lists (第二十一条, 第二十八条) and supplier compliance (第三十二条):
 * - `key_attention_escalations`: each time the center told a subject it was listed by three or
 *   more sectors within twelve months and prompted the providers (第二十八条), with the listings it
 *   covered. Unique per (subject, set of listings), so the job escalates each set once; append-only.
 * - indexes for the escalation job (active key-attention listings per subject) and for the
 *   compliance job and scorecard (accepted batches per supplier and item, by time).
 */
export class ListsAndCompliance1765094400000 implements MigrationInterface {
  name = 'ListsAndCompliance1765094400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_attention_escalations (
        id            bigserial PRIMARY KEY,
        subject_code  text NOT NULL,
        listing_key   text NOT NULL,
        listing_ids   uuid[] NOT NULL,
        sectors       text[] NOT NULL,
        suppliers     text[] NOT NULL,
        window_from   date NOT NULL,
        window_to     date NOT NULL,
        escalated_at  timestamptz NOT NULL,
        UNIQUE (subject_code, listing_key)
      )`);
    await q.query(`CREATE TRIGGER key_attention_escalations_append_only BEFORE UPDATE OR DELETE ON key_attention_escalations
                   FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`CREATE INDEX credit_records_key_attention ON credit_records (subject_code)
                   WHERE item_code = 'key_attention_list' AND status = 'active'`);
    await q.query(`CREATE INDEX batches_delivered ON batches (supplier_id, item_code, accepted_at) WHERE status = 'accepted'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX batches_delivered');
    await q.query('DROP INDEX credit_records_key_attention');
    await q.query('DROP TABLE key_attention_escalations');
  }
}
