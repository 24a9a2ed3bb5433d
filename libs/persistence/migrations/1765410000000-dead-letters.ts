import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters an operator can see and replay (ADR 0012):
 * - `dead_letters`: one row per message the bus gave up on, recorded by the worker's dead-letter
 *   sink from RabbitMQ's `hub.dead-letter` queue or the embedded bus's; `message_key` makes a
 *   redelivered dead letter a no-op. The body is kept so the chunk can be published again.
 * - `bus_messages`: the embedded bus moves a dead message to its `hub.dead-letter` queue (as the
 *   dead-letter exchange does on RabbitMQ) and notes where it came from; rows parked as `dead` by
 *   earlier versions are moved there too, so the sink takes them.
 */
export class DeadLetters1765410000000 implements MigrationInterface {
  name = 'DeadLetters1765410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dead_letters (
        id                bigserial PRIMARY KEY,
        message_key       text NOT NULL UNIQUE,
        queue             text NOT NULL,
        batch_id          uuid,
        chunk_no          integer,
        supplier_code     text,
        item_code         text,
        records           integer NOT NULL DEFAULT 0,
        deliveries        integer NOT NULL DEFAULT 0,
        reason            text NOT NULL,
        body              jsonb,
        state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'replayed')),
        dead_lettered_at  timestamptz NOT NULL,
        recorded_at       timestamptz NOT NULL DEFAULT now(),
        replayed_at       timestamptz
      )`);
    await q.query('CREATE INDEX dead_letters_newest ON dead_letters (dead_lettered_at DESC, id DESC)');
    await q.query('CREATE INDEX dead_letters_batch ON dead_letters (batch_id) WHERE batch_id IS NOT NULL');
    await q.query('ALTER TABLE bus_messages ADD COLUMN dead_lettered_from text, ADD COLUMN dead_lettered_at timestamptz');
    await q.query(`
      UPDATE bus_messages SET dead_lettered_from = queue, dead_lettered_at = created_at, queue = 'hub.dead-letter',
             state = 'ready', last_error = 'delivery_limit: ' || coalesce(last_error, '')
      WHERE state = 'dead'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE bus_messages SET queue = dead_lettered_from, state = 'dead' WHERE dead_lettered_from IS NOT NULL`);
    await q.query('ALTER TABLE bus_messages DROP COLUMN dead_lettered_from, DROP COLUMN dead_lettered_at');
    await q.query('DROP TABLE dead_letters');
  }
}
