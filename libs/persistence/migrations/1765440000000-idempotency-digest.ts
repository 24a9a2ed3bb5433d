import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `batches.content_digest`: what a batch was submitted with, so that an Idempotency-Key sent
 * again is answered with the earlier batch only when it carries the same thing (issue 11,
 * finding 9). REST push: `body:` + SHA-256 of the body bytes as received; connectors and SOAP:
 * `records:` + SHA-256 of the records in order (canonical JSON). The item is compared from
 * `item_code`. Batches from before this column have none and are compared by item alone.
 */
export class IdempotencyDigest1765440000000 implements MigrationInterface {
  name = 'IdempotencyDigest1765440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE batches ADD COLUMN content_digest text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE batches DROP COLUMN content_digest');
  }
}
