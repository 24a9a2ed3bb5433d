import type { EntityManager } from 'typeorm';
import type { HubDatabase } from './hub-database';
import type { RecordStatus } from '../domain/access';
import { RightsError, type StatusChange } from '../domain/rights';

/** A credit record as the rights workflows read it, locked for the transaction that changes it. */
export interface RightsRecordRow {
  readonly id: string;
  readonly supplierId: string;
  readonly supplierCode: string;
  readonly itemCode: string;
  readonly subjectCode: string;
  readonly status: RecordStatus;
  readonly disputed: boolean;
  readonly fields: Record<string, unknown>;
  readonly version: number;
  readonly catalogVersion: number;
  readonly batchId: string;
  readonly publicationEnd: string | null;
}

/** A new content version written by an objection outcome (更正 / 补充). */
export interface NewRecordVersion {
  readonly fields: Record<string, unknown>;
  readonly contentHash: string;
  readonly publicationEnd: string | null;
  readonly catalogVersion: number;
  readonly provenance: Record<string, unknown>;
}

/** What one decision does to the record; every part optional. */
export interface RecordUpdate {
  readonly status?: StatusChange;
  readonly disputed?: boolean;
  readonly newVersion?: NewRecordVersion;
}

/** Who changed the record, on which application, when (record_status_events.actor / reference / changed_at). */
export interface ChangeAudit {
  readonly actor: string;
  readonly reference: string;
  readonly at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs and bodies: anything that is not a UUID is simply not found (never a 500). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

const RECORD_COLUMNS = `r.id, r.supplier_id AS "supplierId", s.code AS "supplierCode", r.item_code AS "itemCode",
  r.subject_code AS "subjectCode", r.status, r.disputed, r.fields, r.version, r.catalog_version AS "catalogVersion",
  r.batch_id AS "batchId", to_char(r.publication_end, 'YYYY-MM-DD') AS "publicationEnd"`;

/** Reads a record and locks it until the transaction ends (one decision on a record at a time). */
export async function lockRecord(tx: EntityManager, id: string): Promise<RightsRecordRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows: RightsRecordRow[] = await tx.query(
    `SELECT ${RECORD_COLUMNS} FROM credit_records r JOIN suppliers s ON s.id = r.supplier_id WHERE r.id = $1 FOR UPDATE OF r`,
    [id],
  );
  return rows[0];
}

/** Locks a record the caller names; RECORD_NOT_FOUND when there is none. */
export async function lockExistingRecord(tx: EntityManager, id: string): Promise<RightsRecordRow> {
  const record = await lockRecord(tx, id);
  if (!record) throw new RightsError('RECORD_NOT_FOUND', '未找到该信用信息记录');
  return record;
}

/**
 * Locks an application's record, then the application row: always in that order, so a step of an
 * application and a new filing on the same record wait for each other instead of deadlocking.
 * Returns the record, or undefined when the application is unknown.
 */
export async function lockApplication(
  tx: EntityManager,
  table: 'objections' | 'repair_applications' | 'non_disclosure_requests',
  id: string,
): Promise<RightsRecordRow | undefined> {
  const ref: { recordId: string }[] = await tx.query(`SELECT record_id AS "recordId" FROM ${table} WHERE id = $1`, [id]);
  if (ref.length === 0) return undefined;
  const record = await lockExistingRecord(tx, ref[0].recordId);
  await tx.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
  return record;
}

/**
 * Applies one decision to a record inside the caller's transaction: the current row (status,
 * disputed mark, content), the appended version (append-only; same batch as the current row, the
 * provenance names the decision) and the status event. Nothing when the update is empty.
 */
export async function applyRecordUpdate(tx: EntityManager, record: RightsRecordRow, update: RecordUpdate, audit: ChangeAudit): Promise<void> {
  const status = update.status && update.status.to !== record.status ? update.status : undefined;
  const disputed = update.disputed !== undefined && update.disputed !== record.disputed ? update.disputed : undefined;
  const version = update.newVersion;
  if (!status && disputed === undefined && !version) return;

  await tx.query(
    `UPDATE credit_records
     SET status = coalesce($2, status),
         disputed = coalesce($3, disputed),
         fields = coalesce($4::jsonb, fields),
         content_hash = coalesce($5, content_hash),
         publication_end = CASE WHEN $6 THEN $7::date ELSE publication_end END,
         catalog_version = coalesce($8, catalog_version),
         version = version + CASE WHEN $6 THEN 1 ELSE 0 END,
         updated_at = $9
     WHERE id = $1`,
    [
      record.id,
      status?.to ?? null,
      disputed ?? null,
      version ? JSON.stringify(version.fields) : null,
      version?.contentHash ?? null,
      version !== undefined,
      version?.publicationEnd ?? null,
      version?.catalogVersion ?? null,
      audit.at,
    ],
  );
  if (version) {
    await tx.query(
      `INSERT INTO credit_record_versions (record_id, version, fields, content_hash, catalog_version, batch_id, provenance, created_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8)`,
      [record.id, record.version + 1, JSON.stringify(version.fields), version.contentHash, version.catalogVersion, record.batchId, JSON.stringify(version.provenance), audit.at],
    );
  }
  if (status) {
    await tx.query(
      `INSERT INTO record_status_events (record_id, from_status, to_status, reason, article, changed_at, actor, reference)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [record.id, record.status, status.to, status.reason, status.article, audit.at, audit.actor, audit.reference],
    );
  }
}

/** PostgreSQL's unique_violation on the named index (a concurrent duplicate application). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  const name = e?.driverError?.constraint ?? e?.constraint;
  return code === '23505' && name === constraint;
}

/** A rights table as its listing reads it: `table` under `alias`, with the joins of `from`. */
export interface RightsListing {
  readonly table: string;
  readonly alias: string;
  readonly columns: string;
  readonly from: string;
}

/**
 * One page of a rights table in filing order, and how many rows match `where` (over `params`):
 * the operators' listings of repairs, non-disclosure requests and objections.
 */
export async function pageInFilingOrder<T>(
  db: HubDatabase,
  listing: RightsListing,
  where: string,
  params: readonly unknown[],
  page: { readonly limit: number; readonly offset: number },
): Promise<{ rows: T[]; total: number }> {
  const { table, alias, columns, from } = listing;
  const rows: T[] = await db.dataSource.query(
    `SELECT ${columns} FROM ${from} WHERE ${where} ORDER BY ${alias}.created_at, ${alias}.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  const total: { n: string }[] = await db.dataSource.query(`SELECT count(*) AS n FROM ${table} ${alias} WHERE ${where}`, [...params]);
  return { rows, total: Number(total[0].n) };
}
