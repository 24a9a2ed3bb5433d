import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The walking skeleton's schema. History tables (record versions, collection log, query log)
 * are append-only at the database level: a trigger refuses UPDATE and DELETE (R19, R31).
 */
export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END $$`);

    await q.query(`
      CREATE TABLE suppliers (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code          text NOT NULL UNIQUE,
        name          text NOT NULL,
        uscc          text,
        api_key_hash  text NOT NULL UNIQUE,
        items         text[] NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE batches (
        id               uuid PRIMARY KEY,
        supplier_id      uuid NOT NULL REFERENCES suppliers(id),
        item_code        text NOT NULL,
        channel          text NOT NULL,
        idempotency_key  text,
        status           text NOT NULL CHECK (status IN ('receiving', 'accepted', 'aborted')),
        received         integer NOT NULL DEFAULT 0,
        chunk_count      integer NOT NULL DEFAULT 0,
        abort_reason     text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        accepted_at      timestamptz
      )`);
    // An aborted attempt frees its key, so the supplier's retry with the same key is taken.
    await q.query(`
      CREATE UNIQUE INDEX batches_idempotency_key ON batches (supplier_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL AND status <> 'aborted'`);
    await q.query(`CREATE INDEX batches_receiving ON batches (created_at) WHERE status = 'receiving'`);

    // One row per processed chunk: the idempotency marker that makes redelivery harmless.
    await q.query(`
      CREATE TABLE batch_chunks (
        batch_id      uuid NOT NULL REFERENCES batches(id),
        chunk_no      integer NOT NULL,
        records       integer NOT NULL,
        loaded        integer NOT NULL,
        rejected      integer NOT NULL,
        new_versions  integer NOT NULL,
        processed_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (batch_id, chunk_no)
      )`);

    await q.query(`
      CREATE TABLE subjects (
        code           text PRIMARY KEY,
        kind           text NOT NULL CHECK (kind IN ('organization', 'person')),
        name           text,
        first_seen_at  timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE credit_records (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        supplier_id      uuid NOT NULL REFERENCES suppliers(id),
        item_code        text NOT NULL,
        source_key       text NOT NULL,
        subject_code     text NOT NULL,
        fields           jsonb NOT NULL,
        content_hash     text NOT NULL,
        version          integer NOT NULL,
        catalog_version  integer NOT NULL,
        status           text NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active', 'repaired', 'archived', 'withheld', 'non_disclosed')),
        disputed         boolean NOT NULL DEFAULT false,
        publication_end  date,
        batch_id         uuid NOT NULL REFERENCES batches(id),
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        UNIQUE (supplier_id, item_code, source_key)
      )`);
    await q.query(`CREATE INDEX credit_records_subject ON credit_records (subject_code)`);

    await q.query(`
      CREATE TABLE credit_record_versions (
        record_id        uuid NOT NULL REFERENCES credit_records(id),
        version          integer NOT NULL,
        fields           jsonb NOT NULL,
        content_hash     text NOT NULL,
        catalog_version  integer NOT NULL,
        batch_id         uuid NOT NULL REFERENCES batches(id),
        provenance       jsonb NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (record_id, version)
      )`);

    await q.query(`
      CREATE TABLE rejections (
        id            bigserial PRIMARY KEY,
        batch_id      uuid NOT NULL REFERENCES batches(id),
        record_index  integer NOT NULL,
        source_key    text,
        field         text NOT NULL,
        code          text NOT NULL,
        value         text,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX rejections_batch ON rejections (batch_id, record_index)`);

    await q.query(`
      CREATE TABLE collection_log (
        id            bigserial PRIMARY KEY,
        batch_id      uuid NOT NULL REFERENCES batches(id),
        chunk_no      integer NOT NULL,
        supplier_id   uuid NOT NULL REFERENCES suppliers(id),
        item_code     text NOT NULL,
        channel       text NOT NULL,
        received      integer NOT NULL,
        loaded        integer NOT NULL,
        rejected      integer NOT NULL,
        new_versions  integer NOT NULL,
        logged_at     timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE query_log (
        id             bigserial PRIMARY KEY,
        queried_at     timestamptz NOT NULL DEFAULT now(),
        caller_kind    text NOT NULL,
        caller_id      text,
        subject_code   text NOT NULL,
        purpose        text,
        outcome        text NOT NULL,
        result_count   integer NOT NULL,
        client_address text
      )`);

    await q.query(`CREATE INDEX query_log_subject ON query_log (subject_code, queried_at)`);

    for (const table of ['credit_record_versions', 'collection_log', 'query_log']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    }

    // The embedded default's durable queue: same contract as the RabbitMQ queue (ack, retry, dead letter).
    await q.query(`
      CREATE TABLE bus_messages (
        id            bigserial PRIMARY KEY,
        queue         text NOT NULL,
        body          jsonb NOT NULL,
        deliveries    integer NOT NULL DEFAULT 0,
        state         text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'dead')),
        last_error    text,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX bus_messages_ready ON bus_messages (queue, id) WHERE state = 'ready'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'bus_messages', 'query_log', 'collection_log', 'rejections', 'credit_record_versions',
      'credit_records', 'subjects', 'batch_chunks', 'batches', 'suppliers',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`DROP FUNCTION refuse_change()`);
  }
}
