import type { EntityManager } from 'typeorm';
import { HubDatabase } from './hub-database';

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
}

export interface NoticeFilter {
  readonly recipientKind?: RecipientKind;
  readonly recipient?: string;
  readonly topic?: string;
  readonly limit: number;
  readonly offset: number;
}

/**
 * The notification outbox: decisions write their notices here in their own transaction (pass the
 * transaction's manager); a delivery channel reads unsent rows. Nothing is delivered by the hub
 * itself yet: the channel (SMS, mail, the supplier's feedback channel) is pluggable.
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
      `SELECT id::text, recipient_kind AS "recipientKind", recipient, topic, message, payload, dedupe_key AS "dedupeKey",
              created_at AS "createdAt", sent_at AS "sentAt"
       FROM notification_outbox
       WHERE ($1::text IS NULL OR recipient_kind = $1) AND ($2::text IS NULL OR recipient = $2) AND ($3::text IS NULL OR topic = $3)
       ORDER BY id LIMIT $4 OFFSET $5`,
      [filter.recipientKind ?? null, filter.recipient ?? null, filter.topic ?? null, filter.limit, filter.offset],
    );
  }
}
