import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every batch reaches `done` and its rejections stay bounded (issue 11, findings 3 and 6):
 * - `batches.rejection_rows`: rejection rows stored so far for the batch, the counter the loader
 *   takes its allowance from (INGEST_MAX_REJECTIONS_PER_BATCH) under the batch row's lock.
 * - `batch_chunks.rejections_not_stored`: rows of the chunk counted but not stored past the cap,
 *   summed into the batch report's `rejectionsNotStored` (the `rejected` record count stays exact).
 */
export class LoadFailuresAndRejectionCap1765400000000 implements MigrationInterface {
  name = 'LoadFailuresAndRejectionCap1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE batches ADD COLUMN rejection_rows integer NOT NULL DEFAULT 0');
    await q.query('ALTER TABLE batch_chunks ADD COLUMN rejections_not_stored integer NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE batch_chunks DROP COLUMN rejections_not_stored');
    await q.query('ALTER TABLE batches DROP COLUMN rejection_rows');
  }
}
