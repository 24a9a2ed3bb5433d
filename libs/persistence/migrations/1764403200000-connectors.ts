import { MigrationInterface, QueryRunner } from 'typeorm';

/** Connector instances with their cursor and status, and the delivery state of each batch's feedback. */
export class Connectors1764403200000 implements MigrationInterface {
  name = 'Connectors1764403200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_instances (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        supplier_id    uuid NOT NULL REFERENCES suppliers(id),
        item_code      text NOT NULL,
        kind           text NOT NULL,
        schedule       text NOT NULL,
        config         jsonb NOT NULL,
        secrets        text,
        enabled        boolean NOT NULL DEFAULT true,
        health         text NOT NULL DEFAULT 'ok' CHECK (health IN ('ok', 'retrying', 'failed')),
        cursor         jsonb,
        last_run_at    timestamptz,
        last_success_at timestamptz,
        last_error     text,
        failures       integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        batches        integer NOT NULL DEFAULT 0,
        records        integer NOT NULL DEFAULT 0,
        lease_until    timestamptz,
        lease_token    uuid,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE batch_feedback (
        batch_id      uuid PRIMARY KEY REFERENCES batches(id),
        instance_id   uuid NOT NULL REFERENCES connector_instances(id),
        label         text NOT NULL,
        address       jsonb NOT NULL,
        state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts      integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error    text,
        delivered_at  timestamptz
      )`);
    await q.query(`CREATE INDEX batch_feedback_pending ON batch_feedback (next_attempt_at) WHERE state = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE batch_feedback');
    await q.query('DROP TABLE connector_instances');
  }
}
