import { HubDatabase } from './hub-database';

export interface StoredMapping {
  readonly version: number;
  readonly document: unknown;
  readonly createdAt: Date;
}

export class MappingRepository {
  constructor(private readonly db: HubDatabase) {}

  /** Appends the next version; concurrent writers serialise on the (supplier, item) key. */
  async append(supplierId: string, itemCode: string, document: unknown): Promise<number> {
    return this.db.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1 || $2))', [supplierId, itemCode]);
      const rows: { version: number }[] = await tx.query(
        `INSERT INTO mapping_versions (supplier_id, item_code, version, document)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3::jsonb FROM mapping_versions WHERE supplier_id = $1 AND item_code = $2
         RETURNING version`,
        [supplierId, itemCode, JSON.stringify(document)],
      );
      return rows[0].version;
    });
  }

  async latestVersion(supplierId: string, itemCode: string): Promise<number | undefined> {
    const rows: { version: number | null }[] = await this.db.dataSource.query(
      'SELECT max(version) AS version FROM mapping_versions WHERE supplier_id = $1 AND item_code = $2',
      [supplierId, itemCode],
    );
    return rows[0]?.version ?? undefined;
  }

  async find(supplierId: string, itemCode: string, version: number): Promise<StoredMapping | undefined> {
    const rows: StoredMapping[] = await this.db.dataSource.query(
      `SELECT version, document, created_at AS "createdAt" FROM mapping_versions
       WHERE supplier_id = $1 AND item_code = $2 AND version = $3`,
      [supplierId, itemCode, version],
    );
    return rows[0];
  }

  async latest(supplierId: string, itemCode: string): Promise<StoredMapping | undefined> {
    const rows: StoredMapping[] = await this.db.dataSource.query(
      `SELECT version, document, created_at AS "createdAt" FROM mapping_versions
       WHERE supplier_id = $1 AND item_code = $2 ORDER BY version DESC LIMIT 1`,
      [supplierId, itemCode],
    );
    return rows[0];
  }
}
