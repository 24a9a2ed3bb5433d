import { MigrationInterface, QueryRunner } from 'typeorm';

/** Catalog versions, mapping versions and the subject registry of legacy identifiers (R6, R9). */
export class Brain1764316800000 implements MigrationInterface {
  name = 'Brain1764316800000';

  async up(q: QueryRunner): Promise<void> {
    // Every version of every catalog item the hub has validated against, kept for good (R9).
    await q.query(`
      CREATE TABLE catalog_item_versions (
        item_code     text NOT NULL,
        version       integer NOT NULL,
        content_hash  text NOT NULL,
        definition    jsonb NOT NULL,
        first_used_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (item_code, version)
      )`);

    await q.query(`
      CREATE TABLE mapping_versions (
        supplier_id  uuid NOT NULL REFERENCES suppliers(id),
        item_code    text NOT NULL,
        version      integer NOT NULL,
        document     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (supplier_id, item_code, version)
      )`);

    // Legacy identifiers linked to a subject's social credit code. The USCC embeds the
    // organisation code at characters 9-17, so every USCC seen teaches one link.
    await q.query(`
      CREATE TABLE subject_identifiers (
        kind          text NOT NULL CHECK (kind IN ('organization_code', 'business_registration_no', 'passport', 'residence_permit')),
        identifier    text NOT NULL,
        subject_code  text NOT NULL,
        source        text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, identifier)
      )`);
    await q.query(`CREATE INDEX subject_identifiers_subject ON subject_identifiers (subject_code)`);
    await q.query(`CREATE TRIGGER mapping_versions_append_only BEFORE UPDATE OR DELETE ON mapping_versions
                   FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`CREATE TRIGGER catalog_item_versions_append_only BEFORE UPDATE OR DELETE ON catalog_item_versions
                   FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE subject_identifiers');
    await q.query('DROP TABLE mapping_versions');
    await q.query('DROP TABLE catalog_item_versions');
  }
}
