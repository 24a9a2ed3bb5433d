import { HubDatabase } from './hub-database';
import { returnedRows } from './update-result';

export interface StoredMessage {
  readonly id: string;
  readonly body: unknown;
  readonly deliveries: number;
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
      `SELECT id::text AS id, body, deliveries FROM bus_messages
       WHERE queue = $1 AND state = 'ready' AND NOT (id = ANY($2::bigint[]))
       ORDER BY id LIMIT $3`,
      [queue, excludeIds, limit],
    );
  }

  async ack(id: string): Promise<void> {
    await this.db.dataSource.query('DELETE FROM bus_messages WHERE id = $1', [id]);
  }

  /** Counts a failed delivery; past the limit the message is kept as dead-lettered. */
  async fail(id: string, deliveryLimit: number, error: string): Promise<'requeued' | 'dead'> {
    const result: unknown[] = await this.db.dataSource.query(
      `UPDATE bus_messages SET deliveries = deliveries + 1, last_error = $3,
              state = CASE WHEN deliveries + 1 >= $2 THEN 'dead' ELSE 'ready' END
       WHERE id = $1 RETURNING state`,
      [id, deliveryLimit, error],
    );
    const first = returnedRows<{ state: 'ready' | 'dead' }>(result)[0];
    return first?.state === 'dead' ? 'dead' : 'requeued';
  }

  async deadLetter(id: string, error: string): Promise<void> {
    await this.db.dataSource.query(`UPDATE bus_messages SET state = 'dead', last_error = $2 WHERE id = $1`, [id, error]);
  }

  async depth(queue: string): Promise<{ ready: number; dead: number }> {
    const rows: { state: string; n: string }[] = await this.db.dataSource.query(
      'SELECT state, count(*) AS n FROM bus_messages WHERE queue = $1 GROUP BY state',
      [queue],
    );
    return {
      ready: Number(rows.find((r) => r.state === 'ready')?.n ?? 0),
      dead: Number(rows.find((r) => r.state === 'dead')?.n ?? 0),
    };
  }
}
