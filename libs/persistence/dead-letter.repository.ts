import { HubDatabase } from './hub-database';
import { returnedRows } from './update-result';

export type DeadLetterState = 'pending' | 'replayed';

/** What a dead letter says of itself, as recorded and as listed. */
interface DeadLetterFacts {
  readonly queue: string;
  readonly batchId: string | null;
  readonly chunkNo: number | null;
  readonly supplierCode: string | null;
  readonly itemCode: string | null;
  readonly records: number;
  readonly deliveries: number;
  readonly reason: string;
  readonly deadLetteredAt: Date;
}

export interface NewDeadLetter extends DeadLetterFacts {
  readonly key: string;
  readonly body: unknown;
}

export interface DeadLetterRow extends DeadLetterFacts {
  readonly id: string;
  readonly state: DeadLetterState;
  readonly replayedAt: Date | null;
}

export type ReplayClaim =
  | { readonly outcome: 'claimed'; readonly row: DeadLetterRow; readonly body: unknown }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'not-replayable'; readonly row: DeadLetterRow }
  | { readonly outcome: 'already-replayed'; readonly row: DeadLetterRow };

const COLUMNS = `id::text AS id, queue, batch_id AS "batchId", chunk_no AS "chunkNo", supplier_code AS "supplierCode",
  item_code AS "itemCode", records, deliveries, reason, state, dead_lettered_at AS "deadLetteredAt", replayed_at AS "replayedAt"`;

/** The dead letters operators see and replay (ADR 0012). */
export class DeadLetterRepository {
  constructor(private readonly db: HubDatabase) {}

  /** Records a dead letter once: a redelivery of the same dead-lettering answers false. */
  async record(letter: NewDeadLetter): Promise<boolean> {
    const rows: unknown[] = await this.db.dataSource.query(
      `INSERT INTO dead_letters (message_key, queue, batch_id, chunk_no, supplier_code, item_code, records, deliveries,
                                 reason, body, dead_lettered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
       ON CONFLICT (message_key) DO NOTHING RETURNING id`,
      [
        letter.key, letter.queue, letter.batchId, letter.chunkNo, letter.supplierCode, letter.itemCode, letter.records,
        letter.deliveries, letter.reason, letter.body === undefined ? null : JSON.stringify(letter.body), letter.deadLetteredAt,
      ],
    );
    return rows.length > 0;
  }

  /** Newest first. */
  async list(page: { offset: number; limit: number; state?: DeadLetterState }): Promise<{ rows: DeadLetterRow[]; total: number }> {
    const rows: DeadLetterRow[] = await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM dead_letters WHERE ($1::text IS NULL OR state = $1)
       ORDER BY dead_lettered_at DESC, id DESC OFFSET $2 LIMIT $3`,
      [page.state ?? null, page.offset, page.limit],
    );
    const total: { n: string }[] = await this.db.dataSource.query(
      'SELECT count(*) AS n FROM dead_letters WHERE ($1::text IS NULL OR state = $1)',
      [page.state ?? null],
    );
    return { rows, total: Number(total[0]?.n ?? 0) };
  }

  async counts(): Promise<Record<DeadLetterState, number>> {
    const rows: { state: DeadLetterState; n: string }[] = await this.db.dataSource.query(
      'SELECT state, count(*) AS n FROM dead_letters GROUP BY state',
    );
    return {
      pending: Number(rows.find((r) => r.state === 'pending')?.n ?? 0),
      replayed: Number(rows.find((r) => r.state === 'replayed')?.n ?? 0),
    };
  }

  /** Chunks of the batch waiting in the dead-letter list for an operator. */
  async pendingForBatch(batchId: string): Promise<number> {
    const rows: { n: string }[] = await this.db.dataSource.query(
      `SELECT count(*) AS n FROM dead_letters WHERE batch_id = $1 AND state = 'pending'`,
      [batchId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Claims a pending dead letter for replay and, in the same transaction, takes back what the sink
   * recorded for its chunk (the chunk marker and the rejections of its records), so the chunk
   * published again loads through the normal path and the batch's counts stay one per record.
   * `recordIndexes` answers undefined for a body that cannot be replayed: then nothing changes.
   */
  async claimForReplay(id: string, recordIndexes: (row: DeadLetterRow, body: unknown) => readonly number[] | undefined): Promise<ReplayClaim> {
    if (!/^\d{1,18}$/.test(id)) return { outcome: 'not-found' };
    return this.db.dataSource.transaction(async (tx) => {
      const found: (DeadLetterRow & { body: unknown })[] = await tx.query(`SELECT ${COLUMNS}, body FROM dead_letters WHERE id = $1 FOR UPDATE`, [id]);
      const row = found[0];
      if (!row) return { outcome: 'not-found' } as const;
      if (row.state === 'replayed') return { outcome: 'already-replayed', row } as const;
      const indexes = recordIndexes(row, row.body);
      if (indexes === undefined) return { outcome: 'not-replayable', row } as const;
      const updated = returnedRows<DeadLetterRow>(
        await tx.query(`UPDATE dead_letters SET state = 'replayed', replayed_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [id]),
      );
      if (row.batchId !== null && row.chunkNo !== null) {
        await tx.query('DELETE FROM rejections WHERE batch_id = $1 AND record_index = ANY($2::int[])', [row.batchId, indexes]);
        await tx.query('DELETE FROM batch_chunks WHERE batch_id = $1 AND chunk_no = $2', [row.batchId, row.chunkNo]);
      }
      return { outcome: 'claimed', row: updated[0], body: row.body } as const;
    });
  }

  /** The replay could not be published: the dead letter is pending again. */
  async unclaim(id: string): Promise<void> {
    await this.db.dataSource.query(`UPDATE dead_letters SET state = 'pending', replayed_at = NULL WHERE id = $1`, [id]);
  }
}
