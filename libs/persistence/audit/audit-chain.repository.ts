import { DataSource } from 'typeorm';

export const AUDITED_TABLES = ['query_log', 'collection_log'] as const;
export type AuditedTable = (typeof AUDITED_TABLES)[number];

/** The last link of one lane: keep it outside the database to detect rows cut from the end. */
export interface ChainHead {
  readonly lane: number;
  readonly id: string;
  readonly seq: string;
  /** row_hash, hex */
  readonly hash: string;
}

export type ChainVerification =
  | { readonly ok: true; readonly rows: number; readonly heads: readonly ChainHead[] }
  | {
      readonly ok: false;
      /** Links found intact before the broken one, in (lane, seq) order. */
      readonly rows: number;
      readonly firstBrokenId: string;
      /**
       * hash_mismatch: the row differs from what was hashed (edited in place).
       * prev_mismatch: the row does not follow the one before it in its lane (a row was
       * removed or slipped in with the triggers off, or the chain was rewritten from here on).
       */
      readonly reason: 'hash_mismatch' | 'prev_mismatch';
    };

export interface AuditChainConnection {
  readonly repository: AuditChainRepository;
  close(): Promise<void>;
}

interface PageRow {
  rows: number;
  /** The last row of each lane in the page, lanes ascending. */
  heads: ChainHead[] | null;
  last_hash: Buffer | null;
  broken_id: string | null;
  broken_reason: 'hash_mismatch' | 'prev_mismatch' | null;
  broken_position: string | null;
}

/**
 * Recomputes one page of the chains, entirely in the database (one row comes back).
 * The formula repeats the migration's on purpose, inline and on built-ins only, so that a
 * superuser who rewrites the trigger or audit_chain_hash() cannot make verification agree.
 * $1, $2 = (lane, seq) of the previous page's last row, $3 = page size, $4 = that row's hash.
 */
function pageSql(table: AuditedTable): string {
  return `
    WITH page AS (
      SELECT t.id::text AS id, t.chain_lane, t.chain_seq, t.prev_hash, t.row_hash,
             sha256(coalesce(t.prev_hash, ''::bytea)
                    || convert_to(jsonb_strip_nulls(to_jsonb(t) - 'prev_hash' - 'row_hash')::text, 'UTF8')) AS recomputed
      FROM ${table} t
      WHERE (t.chain_lane, t.chain_seq) > ($1::smallint, $2::bigint)
      ORDER BY t.chain_lane, t.chain_seq
      LIMIT $3
    ), checked AS (
      SELECT id, chain_lane, chain_seq, row_hash,
             row_number() OVER (ORDER BY chain_lane, chain_seq) AS position,
             CASE
               WHEN row_hash IS DISTINCT FROM recomputed THEN 'hash_mismatch'
               WHEN prev_hash IS DISTINCT FROM coalesce(
                      lag(row_hash) OVER (PARTITION BY chain_lane ORDER BY chain_seq),
                      CASE WHEN chain_lane = $1::smallint THEN $4::bytea END) THEN 'prev_mismatch'
             END AS broken
      FROM page
    ), heads AS (
      SELECT DISTINCT ON (chain_lane) chain_lane, chain_seq, id, row_hash
      FROM checked ORDER BY chain_lane, chain_seq DESC
    ), first_broken AS (
      SELECT id, broken, position FROM checked WHERE broken IS NOT NULL ORDER BY position LIMIT 1
    )
    SELECT (SELECT count(*) FROM checked)::int AS rows,
           (SELECT jsonb_agg(jsonb_build_object('lane', chain_lane, 'id', id, 'seq', chain_seq::text,
                                                'hash', encode(row_hash, 'hex')) ORDER BY chain_lane)
            FROM heads) AS heads,
           (SELECT row_hash FROM heads ORDER BY chain_lane DESC LIMIT 1) AS last_hash,
           first_broken.id AS broken_id, first_broken.broken AS broken_reason,
           first_broken.position::text AS broken_position
    FROM (SELECT 1) one
    LEFT JOIN first_broken ON true`;
}

const PAGE_SQL: Readonly<Record<AuditedTable, string>> = {
  query_log: pageSql('query_log'),
  collection_log: pageSql('collection_log'),
};

/**
 * Verifies the hash chains of the append-only logs (migration AuditChain1764489600000).
 * Takes anything holding a DataSource, so both HubDatabase and the stand-alone verify
 * command can use it.
 */
export class AuditChainRepository {
  constructor(
    private readonly db: { readonly dataSource: DataSource },
    private readonly pageSize = 10_000,
  ) {}

  /** For the stand-alone verify command: one connection of its own, no migrations run. */
  static async connect(databaseUrl: string): Promise<AuditChainConnection> {
    const dataSource = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      poolSize: 1,
      connectTimeoutMS: 10_000,
      applicationName: 'credit-hub-verify-audit-chain',
      synchronize: false,
      logging: false,
    });
    await dataSource.initialize();
    return { repository: new AuditChainRepository({ dataSource }), close: () => dataSource.destroy() };
  }

  /**
   * Walks every lane in (lane, seq) order, one page per statement (bounded by
   * statement_timeout), in one read-only REPEATABLE READ snapshot, and stops at the first
   * broken link. Cutting rows from the end of a lane leaves a valid shorter chain: compare
   * `heads` with a copy kept outside the database to catch that.
   */
  async verifyChain(table: AuditedTable): Promise<ChainVerification> {
    // The type does not stop a string from an HTTP request; the table name goes into SQL.
    if (!Object.hasOwn(PAGE_SQL, table)) throw new RangeError(`not an audited table: ${String(table)}`);
    const sql = PAGE_SQL[table];
    return this.db.dataSource.transaction('REPEATABLE READ', async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      await tx.query(`SET LOCAL "TimeZone" TO 'UTC'`);
      const heads = new Map<number, ChainHead>();
      let rows = 0;
      let after: { lane: number; seq: string; hash: Buffer | null } = { lane: -1, seq: '0', hash: null };
      for (;;) {
        const [page]: PageRow[] = await tx.query(sql, [after.lane, after.seq, this.pageSize, after.hash]);
        if (page.broken_id !== null && page.broken_reason !== null && page.broken_position !== null) {
          return {
            ok: false,
            rows: rows + Number(page.broken_position) - 1,
            firstBrokenId: page.broken_id,
            reason: page.broken_reason,
          };
        }
        const last = page.heads?.at(-1);
        if (page.rows === 0 || !page.heads || !last || !page.last_hash) break;
        rows += page.rows;
        for (const head of page.heads) heads.set(head.lane, head);
        after = { lane: last.lane, seq: last.seq, hash: page.last_hash };
        if (page.rows < this.pageSize) break;
      }
      return { ok: true, rows, heads: [...heads.values()] };
    });
  }
}
