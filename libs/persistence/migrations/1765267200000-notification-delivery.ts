import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery of the notification outbox through a channel (libs/pipeline/notifications):
 * - `next_attempt_at`: when a notice may be tried (again). A claim moves it one lease ahead, so a
 *   deliverer that dies mid-send leaves the notice to be retried after the lease, never lost.
 * - `failed_at`: the channel refused it for good, or it failed every attempt; operators see it
 *   (`?state=failed`) and nothing retries it.
 * The unsent index now holds ids (the claim takes the oldest first) and serves the metrics'
 * count of pending and failed notices; sent rows, the bulk of the table, are outside it.
 */
export class NotificationDelivery1765267200000 implements MigrationInterface {
  name = 'NotificationDelivery1765267200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE notification_outbox ADD COLUMN next_attempt_at timestamptz, ADD COLUMN failed_at timestamptz');
    await q.query('DROP INDEX notification_outbox_unsent');
    await q.query('CREATE INDEX notification_outbox_unsent ON notification_outbox (id) WHERE sent_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX notification_outbox_unsent');
    await q.query('CREATE INDEX notification_outbox_unsent ON notification_outbox (created_at) WHERE sent_at IS NULL');
    await q.query('ALTER TABLE notification_outbox DROP COLUMN next_attempt_at, DROP COLUMN failed_at');
  }
}
