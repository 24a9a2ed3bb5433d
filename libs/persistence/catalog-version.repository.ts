import { HubDatabase } from './hub-database';

export class CatalogVersionConflictError extends Error {
  readonly code = 'CATALOG_VERSION_CONFLICT';
}

/** Keeps each catalog item version the hub validates against; a changed item must bump its version. */
export class CatalogVersionRepository {
  constructor(private readonly db: HubDatabase) {}

  async record(items: readonly { code: string; version: number; contentHash: string; definition: unknown }[]): Promise<void> {
    await this.db.dataSource.query(
      `INSERT INTO catalog_item_versions (item_code, version, content_hash, definition)
       SELECT code, version, "contentHash", definition
       FROM jsonb_to_recordset($1::jsonb) AS t(code text, version int, "contentHash" text, definition jsonb)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(items)],
    );
    const conflicts: { item_code: string; version: number }[] = await this.db.dataSource.query(
      `SELECT v.item_code, v.version FROM catalog_item_versions v
       JOIN jsonb_to_recordset($1::jsonb) AS t(code text, version int, "contentHash" text)
         ON t.code = v.item_code AND t.version = v.version AND t."contentHash" <> v.content_hash`,
      [JSON.stringify(items)],
    );
    if (conflicts.length > 0) {
      throw new CatalogVersionConflictError(
        `catalog items changed without a version bump: ${conflicts.map((c) => `${c.item_code} v${c.version}`).join(', ')}`,
      );
    }
  }
}
