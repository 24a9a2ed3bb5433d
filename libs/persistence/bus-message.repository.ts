import { HubDatabase } from './hub-database';
import { returnedRows } from './update-result';

export interface StoredMessage {
  readonly id: string;
  readonly body: unknown;
  readonly deliveries: number;
  readonly lastError: string | null;
  /** Set on a dead letter: the queue it came from and when it was moved. */
  readonly deadLetteredFrom: string | null;
  readonly deadLetteredAt: Date | null;
}

/** The embedded bus's queue table: committed insert = publisher confirm, delete = ack. */
export class BusMessageRepository {
  constructor(private readonly db: HubDatabase) {}

  async enqueue(queue: string, bodies: readonly unknown[]): Promise<void> {
    if (bodies.length === 0) return;
    await this.db.dataSource.query(
      `INSERT INTO bus_messages (queue, body) SELECT $1, value FROM jsonb_array_elements($2::jsonb)`,
      [queue, JSON.stringify(bodies)],
    );
  }

  async nextReady(queue: string, excludeIds: readonly string[], limit: number): Promise<StoredMessage[]> {
    return this.db.dataSource.query(
      `SELECT id::text AS id, body, deliveries, last_error AS "lastError",
              dead_lettered_from AS "deadLetteredFrom", dead_lettered_at AS "deadLetteredAt" FROM bus_messages
       WHERE queue = $1 AND state = 'ready' AND NOT (id = ANY($2::bigint[]))
       ORDER BY id LIMIT $3`,
      [queue, excludeIds, limit],
    );
  }

  async ack(id: string): Promise<void> {
    await this.db.dataSource.query('DELETE FROM bus_messages WHERE id = $1', [id]);
  }

  /**
   * Counts a failed delivery; past the limit the message moves to the dead-letter queue (as
   * RabbitMQ's dead-letter exchange would route it) with the reason `delivery_limit`.
   */
  async fail(id: string, deliveryLimit: number, error: string, deadLetterQueue: string): Promise<'requeued' | 'dead'> {
    const result: unknown[] = await this.db.dataSource.query(
      `UPDATE bus_messages SET deliveries = deliveries + 1,
              last_error = CASE WHEN deliveries + 1 >= $2 THEN 'delivery_limit: ' || $3 ELSE $3 END,
              dead_lettered_from = CASE WHEN deliveries + 1 >= $2 THEN queue END,
              dead_lettered_at = CASE WHEN deliveries + 1 >= $2 THEN now() END,
              queue = CASE WHEN deliveries + 1 >= $2 THEN $4 ELSE queue END
       WHERE id = $1 RETURNING dead_lettered_at IS NOT NULL AS dead`,
      [id, deliveryLimit, error, deadLetterQueue],
    );
    return returnedRows<{ dead: boolean }>(result)[0]?.dead ? 'dead' : 'requeued';
  }

  /** The handler gave up on the message: it moves to the dead-letter queue now. */
  async deadLetter(id: string, deadLetterQueue: string, reason: string): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE bus_messages SET dead_lettered_from = queue, dead_lettered_at = now(), queue = $2, last_error = $3
       WHERE id = $1`,
      [id, deadLetterQueue, reason],
    );
  }

  /** Ready messages of `queue`, and the dead letters not yet taken by the dead-letter sink. */
  async depth(queue: string, deadLetterQueue: string): Promise<{ ready: number; dead: number }> {
    const rows: { ready: string; dead: string }[] = await this.db.dataSource.query(
      `SELECT count(*) FILTER (WHERE queue = $1) AS ready, count(*) FILTER (WHERE queue = $2) AS dead
       FROM bus_messages WHERE queue IN ($1, $2) AND state = 'ready'`,
      [queue, deadLetterQueue],
    );
    return { ready: Number(rows[0]?.ready ?? 0), dead: Number(rows[0]?.dead ?? 0) };
  }
}
