import { HubDatabase } from './hub-database';

/** China dates are Asia/Shanghai calendar days; a [from, to] range of them as instants. */
const CHINA = `'Asia/Shanghai'`;
const FROM_INSTANT = (p: string) => `(${p}::date::timestamp AT TIME ZONE ${CHINA})`;
const UNTIL_INSTANT = (p: string) => `((${p}::date + 1)::timestamp AT TIME ZONE ${CHINA})`;

export interface ObligedSupplier {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  /** The items it provides (suppliers.items). */
  readonly items: string[];
  /** China date of its registration: nothing is owed before it. */
  readonly registeredOn: string;
}

export interface ItemIntake {
  readonly itemCode: string;
  /** Records received in accepted batches. */
  readonly received: number;
  /** Records rejected (sent back to the supplier with reasons). */
  readonly rejected: number;
}

export interface ObjectionCounts {
  readonly total: number;
  /** Closed with outcome correct, delete or supplement: the record was wrong. */
  readonly upheld: number;
}

/** 第三十二条: what a supplier delivered (accepted batches) and how its records fared, for 催报 and the scorecard. */
export class SupplierComplianceRepository {
  constructor(private readonly db: HubDatabase) {}

  async suppliers(): Promise<ObligedSupplier[]> {
    return this.db.dataSource.query(
      `SELECT id, code, name, items, to_char(created_at AT TIME ZONE ${CHINA}, 'YYYY-MM-DD') AS "registeredOn"
       FROM suppliers ORDER BY code`,
    );
  }

  async findSupplier(code: string): Promise<ObligedSupplier | undefined> {
    const rows: ObligedSupplier[] = await this.db.dataSource.query(
      `SELECT id, code, name, items, to_char(created_at AT TIME ZONE ${CHINA}, 'YYYY-MM-DD') AS "registeredOn"
       FROM suppliers WHERE code = $1`,
      [code],
    );
    return rows[0];
  }

  /**
   * The China dates on which batches were accepted since `since` (inclusive), per supplier and
   * item; one supplier when `supplierId` is given. `supplierId → itemCode → dates`.
   */
  async deliveryDates(since: string, supplierId?: string): Promise<Map<string, Map<string, string[]>>> {
    const rows: { supplierId: string; itemCode: string; dates: string[] }[] = await this.db.dataSource.query(
      `SELECT supplier_id AS "supplierId", item_code AS "itemCode",
              array_agg(DISTINCT to_char(accepted_at AT TIME ZONE ${CHINA}, 'YYYY-MM-DD')) AS dates
       FROM batches
       WHERE status = 'accepted' AND accepted_at >= ${FROM_INSTANT('$1')} AND ($2::uuid IS NULL OR supplier_id = $2)
       GROUP BY supplier_id, item_code`,
      [since, supplierId ?? null],
    );
    const out = new Map<string, Map<string, string[]>>();
    for (const row of rows) {
      const items = out.get(row.supplierId) ?? new Map<string, string[]>();
      items.set(row.itemCode, row.dates);
      out.set(row.supplierId, items);
    }
    return out;
  }

  /** Records received and rejected per item in the batches accepted on China dates [from, to]. */
  async intake(supplierId: string, from: string, to: string): Promise<ItemIntake[]> {
    const rows: { itemCode: string; received: string; rejected: string }[] = await this.db.dataSource.query(
      `SELECT b.item_code AS "itemCode", sum(b.received) AS received, coalesce(sum(c.rejected), 0) AS rejected
       FROM batches b
       LEFT JOIN LATERAL (SELECT sum(rejected) AS rejected FROM batch_chunks WHERE batch_id = b.id) c ON true
       WHERE b.supplier_id = $1 AND b.status = 'accepted'
         AND b.accepted_at >= ${FROM_INSTANT('$2')} AND b.accepted_at < ${UNTIL_INSTANT('$3')}
       GROUP BY b.item_code ORDER BY b.item_code`,
      [supplierId, from, to],
    );
    return rows.map((r) => ({ itemCode: r.itemCode, received: Number(r.received), rejected: Number(r.rejected) }));
  }

  /** Objections (第二十四条) to the supplier's records accepted on China dates [from, to]. */
  async objections(supplierId: string, from: string, to: string): Promise<ObjectionCounts> {
    const rows: { total: string; upheld: string }[] = await this.db.dataSource.query(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE state = 'closed' AND outcome IN ('correct', 'delete', 'supplement')) AS upheld
       FROM objections WHERE supplier_id = $1 AND accepted_on BETWEEN $2::date AND $3::date`,
      [supplierId, from, to],
    );
    return { total: Number(rows[0].total), upheld: Number(rows[0].upheld) };
  }

  /** 催报 notices written to the supplier on China dates [from, to]. */
  async remindersSent(supplierCode: string, topic: string, from: string, to: string): Promise<number> {
    const rows: { n: string }[] = await this.db.dataSource.query(
      `SELECT count(*) AS n FROM notification_outbox
       WHERE recipient_kind = 'supplier' AND recipient = $1 AND topic = $2
         AND created_at >= ${FROM_INSTANT('$3')} AND created_at < ${UNTIL_INSTANT('$4')}`,
      [supplierCode, topic, from, to],
    );
    return Number(rows[0].n);
  }
}
