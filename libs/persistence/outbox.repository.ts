import type { EntityManager } from 'typeorm';
import { HubDatabase } from './hub-database';
import { returnedRows } from './update-result';

export type RecipientKind = 'subject' | 'supplier' | 'applicant' | 'operator';

export interface OutboxNotice {
  readonly recipientKind: RecipientKind;
  /** A subject code, a supplier code, an applicant's contact or `center`. */
  readonly recipient: string;
  /** Stable English code of what happened, e.g. `objection.closed`, `supplier.reminder`. */
  readonly topic: string;
  /** The Chinese text the recipient reads. */
  readonly message: string;
  readonly payload?: Record<string, unknown>;
  /** The same notice twice (a job run again) is written once. */
  readonly dedupeKey: string;
  readonly createdAt: Date;
}

export interface StoredNotice extends Omit<OutboxNotice, 'payload'> {
  readonly id: string;
  readonly payload: Record<string, unknown>;
  readonly sentAt: string | null;
  /** Delivery attempts so far (a claim counts as one). */
  readonly attempts: number;
  readonly lastError: string | null;
  /** Set when delivery was given up: the channel refused the notice, or every attempt failed. */
  readonly failedAt: string | null;
}

/** pending: not sent yet (retries included); sent; failed: given up, waiting for an operator. */
export const NOTICE_STATES = ['pending', 'sent', 'failed'] as const;
export type NoticeState = (typeof NOTICE_STATES)[number];

export interface NoticeFilter {
  readonly recipientKind?: RecipientKind;
  readonly recipient?: string;
  readonly topic?: string;
  readonly state?: NoticeState;
  readonly limit: number;
  readonly offset: number;
}

const NOTICE_COLUMNS = `id::text, recipient_kind AS "recipientKind", recipient, topic, message, payload, dedupe_key AS "dedupeKey",
  created_at AS "createdAt", sent_at AS "sentAt", attempts, last_error AS "lastError", failed_at AS "failedAt"`;

/**
 * The notification outbox: decisions write their notices here in their own transaction (pass the
 * transaction's manager); a deliverer claims due rows, hands them to the configured channel and
 * records the outcome (libs/pipeline/notifications). Without a channel the rows just wait here.
 */
export class OutboxRepository {
  constructor(private readonly db: HubDatabase) {}

  /** Returns how many of the notices were new (a dedupe key already present is skipped). */
  async enqueue(notices: readonly OutboxNotice[], tx?: EntityManager): Promise<number> {
    if (notices.length === 0) return 0;
    const runner = tx ?? this.db.dataSource.manager;
    const rows: unknown[] = await runner.query(
      `INSERT INTO notification_outbox (recipient_kind, recipient, topic, message, payload, dedupe_key, created_at)
       SELECT "recipientKind", recipient, topic, message, coalesce(payload, '{}'::jsonb), "dedupeKey", "createdAt"
       FROM jsonb_to_recordset($1::jsonb) AS t("recipientKind" text, recipient text, topic text, message text,
                                               payload jsonb, "dedupeKey" text, "createdAt" timestamptz)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [JSON.stringify(notices.map((n) => ({ ...n, createdAt: n.createdAt.toISOString() })))],
    );
    return rows.length;
  }

  async list(filter: NoticeFilter): Promise<StoredNotice[]> {
    return this.db.dataSource.query(
      `SELECT ${NOTICE_COLUMNS}
       FROM notification_outbox
       WHERE ($1::text IS NULL OR recipient_kind = $1) AND ($2::text IS NULL OR recipient = $2) AND ($3::text IS NULL OR topic = $3)
         AND CASE $6::text WHEN 'pending' THEN sent_at IS NULL AND failed_at IS NULL
                           WHEN 'sent' THEN sent_at IS NOT NULL
                           WHEN 'failed' THEN failed_at IS NOT NULL
                           ELSE true END
       ORDER BY id LIMIT $4 OFFSET $5`,
      [filter.recipientKind ?? null, filter.recipient ?? null, filter.topic ?? null, filter.limit, filter.offset, filter.state ?? null],
    );
  }

  /**
   * Takes up to `limit` due notices (unsent, not given up, not claimed by a live deliverer),
   * oldest first, counting the attempt and hiding them from other deliverers until `leaseUntil`.
   * A deliverer that dies mid-send loses nothing: the notice is due again when the lease ends.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<StoredNotice[]> {
    const rows = returnedRows<StoredNotice>(
      await this.db.dataSource.query(
        `UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = $2
         FROM (SELECT id AS due_id FROM notification_outbox
               WHERE sent_at IS NULL AND failed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
               ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) due
         WHERE id = due.due_id
         RETURNING ${NOTICE_COLUMNS}`,
        [now, leaseUntil, limit],
      ),
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Sent wins: a deliverer whose lease ran out may have given up a notice that another one then sent. */
  async markSent(id: string, at: Date): Promise<void> {
    await this.db.dataSource.query(
      'UPDATE notification_outbox SET sent_at = $2, last_error = NULL, next_attempt_at = NULL, failed_at = NULL WHERE id = $1 AND sent_at IS NULL',
      [id, at],
    );
  }

  async markRetry(id: string, error: string, retryAt: Date): Promise<void> {
    await this.db.dataSource.query(
      'UPDATE notification_outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1 AND sent_at IS NULL',
      [id, error.slice(0, 1000), retryAt],
    );
  }

  async markFailed(id: string, error: string, at: Date): Promise<void> {
    await this.db.dataSource.query(
      'UPDATE notification_outbox SET last_error = $2, failed_at = $3, next_attempt_at = NULL WHERE id = $1 AND sent_at IS NULL',
      [id, error.slice(0, 1000), at],
    );
  }

  /** What waits to be sent, for the metrics: pending (due or retrying), failed, and the oldest pending notice's time. */
  async unsentSummary(): Promise<{ pending: number; failed: number; oldestPendingAt: Date | null }> {
    const [row]: Array<{ pending: string; failed: string; oldest: Date | null }> = await this.db.dataSource.query(
      `SELECT count(*) FILTER (WHERE failed_at IS NULL) AS pending, count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed,
              min(created_at) FILTER (WHERE failed_at IS NULL) AS oldest
       FROM notification_outbox WHERE sent_at IS NULL`,
    );
    return { pending: Number(row.pending), failed: Number(row.failed), oldestPendingAt: row.oldest };
  }

  async find(id: string): Promise<StoredNotice | undefined> {
    if (!/^[0-9]{1,18}$/.test(id)) return undefined;
    const rows: StoredNotice[] = await this.db.dataSource.query(`SELECT ${NOTICE_COLUMNS} FROM notification_outbox WHERE id = $1`, [id]);
    return rows[0];
  }

  /** An operator sends a given-up notice again (e.g. once the gateway is fixed); undefined unless it had failed. */
  async retryFailed(id: string): Promise<StoredNotice | undefined> {
    if (!/^[0-9]{1,18}$/.test(id)) return undefined;
    const rows = returnedRows<StoredNotice>(
      await this.db.dataSource.query(
        `UPDATE notification_outbox SET failed_at = NULL, attempts = 0, next_attempt_at = NULL
         WHERE id = $1 AND failed_at IS NOT NULL RETURNING ${NOTICE_COLUMNS}`,
        [id],
      ),
    );
    return rows[0];
  }
}
