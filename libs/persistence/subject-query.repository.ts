import { HubDatabase } from './hub-database';
import { preparedQuery } from './prepared-query';
import { isUuid } from './query-account.repository';

export interface SubjectRow {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly name: string | null;
}

export interface StoredRecordRow {
  readonly id: string;
  readonly subjectCode: string;
  readonly itemCode: string;
  readonly status: string;
  readonly disputed: boolean;
  readonly publicationEnd: string | null;
  readonly fields: Record<string, unknown>;
  readonly supplier: string;
}

/**
 * A narrowing the SQL may apply before the access policy decides (only ever a superset of what
 * the policy serves): null means "no narrowing" for that dimension.
 */
export interface RecordPrefilter {
  readonly itemCodes: readonly string[] | null;
  readonly statuses: readonly string[] | null;
  /** Records whose publication period ended before this date are left out. */
  readonly servedOn: string | null;
}

export interface QueryLogEntry {
  readonly queriedAt: Date;
  readonly callerKind: string;
  readonly callerId: string | null;
  /** Kept whole: the subject may ask who looked at its records (R19); only text logs mask it. */
  readonly subjectCode: string;
  readonly purpose: string | null;
  /** `served`, `not_found`, `invalid_code`, `denied`. */
  readonly outcome: string;
  /** The policy's reason of a refusal (e.g. NO_AUTHORIZATION, PURPOSE_REQUIRED, ROLE_NOT_GRANTED). */
  readonly reason: string | null;
  readonly resultCount: number;
  readonly clientAddress: string | null;
  readonly queryKind: string;
  /** The catalog items of the served records (distinct), or null when nothing was served. */
  readonly itemCodes: readonly string[] | null;
  readonly reference: string | null;
}

export interface RecordHistory {
  readonly record: StoredRecordRow & {
    readonly sourceKey: string;
    readonly version: number;
    readonly catalogVersion: number;
    readonly createdAt: string;
    readonly updatedAt: string;
  };
  readonly versions: Array<{
    readonly version: number;
    readonly fields: Record<string, unknown>;
    readonly contentHash: string;
    readonly catalogVersion: number;
    readonly batchId: string;
    readonly provenance: Record<string, unknown>;
    readonly createdAt: string;
  }>;
  readonly statusEvents: Array<{
    readonly from: string;
    readonly to: string;
    readonly reason: string;
    readonly article: string;
    readonly actor: string | null;
    readonly reference: string | null;
    readonly changedAt: string;
  }>;
}

const RECORD_COLUMNS = `r.id, r.subject_code AS "subjectCode", r.item_code AS "itemCode", r.status, r.disputed,
  to_char(r.publication_end, 'YYYY-MM-DD') AS "publicationEnd", r.fields, sp.code AS supplier`;

export type SubjectJoinRow = { s_code: string; s_kind: 'organization' | 'person'; s_name: string | null } & {
  [K in keyof StoredRecordRow]: StoredRecordRow[K] | null;
};

/**
 * Subjects joined with their records narrowed by the prefilter ($2 item codes, $3 statuses,
 * $4 served-on date): one row per record, or one row with null record columns for a subject
 * without any. The caller adds the WHERE on `s`.
 */
export const SUBJECT_WITH_RECORDS = `SELECT s.code AS s_code, s.kind AS s_kind, s.name AS s_name, x.*
  FROM subjects s
  LEFT JOIN LATERAL (
    SELECT ${RECORD_COLUMNS}
    FROM credit_records r JOIN suppliers sp ON sp.id = r.supplier_id
    WHERE r.subject_code = s.code
      AND ($2::text[] IS NULL OR r.item_code = ANY($2))
      AND ($3::text[] IS NULL OR r.status = ANY($3))
      AND ($4::date IS NULL OR r.publication_end IS NULL OR r.publication_end >= $4::date)
    ORDER BY r.item_code, r.created_at, r.id
  ) x ON true`;

/** One subject's rows of SUBJECT_WITH_RECORDS as the subject and its records; subject undefined for no rows. */
export function toSubjectRead(rows: readonly SubjectJoinRow[]): { subject: SubjectRow | undefined; records: StoredRecordRow[] } {
  if (rows.length === 0) return { subject: undefined, records: [] };
  const subject: SubjectRow = { code: rows[0].s_code, kind: rows[0].s_kind, name: rows[0].s_name };
  return { subject, records: rows.filter((r) => r.id !== null).map(toRecord) };
}

/**
 * Reads for the query edge and the append-only query log (第十九条, 第三十一条). Reads take one
 * round trip; the service decides with the access policy and writes the log row before answering.
 */
export class SubjectQueryRepository {
  constructor(private readonly db: HubDatabase) {}

  /** The subject and its records narrowed by `prefilter`, in one statement; subject undefined when unknown. */
  async readSubject(code: string, prefilter: RecordPrefilter): Promise<{ subject: SubjectRow | undefined; records: StoredRecordRow[] }> {
    const rows = await preparedQuery<SubjectJoinRow>(
      this.db,
      'hub_subject_query_read',
      `${SUBJECT_WITH_RECORDS} WHERE s.code = $1`,
      [code, prefilter.itemCodes, prefilter.statuses, prefilter.servedOn],
    );
    return toSubjectRead(rows);
  }

  /** Every record of a subject in every status (operators), paged in a stable order. */
  async subjectRecordsPage(
    code: string,
    page: { offset: number; limit: number },
  ): Promise<{ subject: SubjectRow | undefined; records: StoredRecordRow[]; total: number }> {
    const subjects: SubjectRow[] = await this.db.dataSource.query('SELECT code, kind, name FROM subjects WHERE code = $1', [code]);
    if (subjects.length === 0) return { subject: undefined, records: [], total: 0 };
    const records: Array<StoredRecordRow & { total: string }> = await this.db.dataSource.query(
      `SELECT ${RECORD_COLUMNS}, count(*) OVER () AS total
       FROM credit_records r JOIN suppliers sp ON sp.id = r.supplier_id
       WHERE r.subject_code = $1
       ORDER BY r.item_code, r.created_at, r.id OFFSET $2 LIMIT $3`,
      [code, page.offset, page.limit],
    );
    const total = records.length > 0 ? Number(records[0].total) : await this.countRecords(code);
    return { subject: subjects[0], records: records.map(({ total: _total, ...r }) => r), total };
  }

  /** A record with every stored version and every status change, oldest first; undefined when unknown. */
  async recordHistory(id: string): Promise<RecordHistory | undefined> {
    if (!isUuid(id)) return undefined;
    const records: Array<RecordHistory['record'] & { createdAt: Date; updatedAt: Date }> = await this.db.dataSource.query(
      `SELECT ${RECORD_COLUMNS}, r.source_key AS "sourceKey", r.version, r.catalog_version AS "catalogVersion",
              r.created_at AS "createdAt", r.updated_at AS "updatedAt"
       FROM credit_records r JOIN suppliers sp ON sp.id = r.supplier_id WHERE r.id = $1`,
      [id],
    );
    if (records.length === 0) return undefined;
    const versions: Array<RecordHistory['versions'][number] & { createdAt: Date }> = await this.db.dataSource.query(
      `SELECT version, fields, content_hash AS "contentHash", catalog_version AS "catalogVersion", batch_id AS "batchId",
              provenance, created_at AS "createdAt"
       FROM credit_record_versions WHERE record_id = $1 ORDER BY version`,
      [id],
    );
    const events: Array<RecordHistory['statusEvents'][number] & { changedAt: Date }> = await this.db.dataSource.query(
      `SELECT from_status AS "from", to_status AS "to", reason, article, actor, reference, changed_at AS "changedAt"
       FROM record_status_events WHERE record_id = $1 ORDER BY changed_at, id`,
      [id],
    );
    const record = records[0];
    return {
      record: { ...record, createdAt: record.createdAt.toISOString(), updatedAt: record.updatedAt.toISOString() },
      versions: versions.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
      statusEvents: events.map((e) => ({ ...e, changedAt: e.changedAt.toISOString() })),
    };
  }

  /**
   * Appends query-log rows in ONE transaction (group commit): either every row is committed or
   * none is, and the callers are answered only after the commit (fail closed, R19).
   */
  async appendLog(entries: readonly QueryLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      queried_at: e.queriedAt.toISOString(),
      caller_kind: e.callerKind,
      caller_id: e.callerId,
      subject_code: e.subjectCode,
      purpose: e.purpose,
      outcome: e.outcome,
      reason: e.reason,
      result_count: e.resultCount,
      client_address: e.clientAddress,
      query_kind: e.queryKind,
      item_codes: e.itemCodes,
      reference: e.reference,
    }));
    // One statement is one implicit transaction: the chain trigger puts all rows in one lane.
    await preparedQuery(
      this.db,
      'hub_query_log_append',
      `INSERT INTO query_log (queried_at, caller_kind, caller_id, subject_code, purpose, outcome, reason, result_count,
                              client_address, query_kind, item_codes, reference)
       SELECT queried_at, caller_kind, caller_id, subject_code, purpose, outcome, reason, result_count,
              client_address, query_kind, item_codes, reference
       FROM jsonb_to_recordset($1::jsonb) AS x(queried_at timestamptz, caller_kind text, caller_id text, subject_code text,
            purpose text, outcome text, reason text, result_count integer, client_address text, query_kind text,
            item_codes text[], reference text)`,
      [JSON.stringify(rows)],
    );
  }

  private async countRecords(code: string): Promise<number> {
    const rows: Array<{ n: string }> = await this.db.dataSource.query('SELECT count(*) AS n FROM credit_records WHERE subject_code = $1', [code]);
    return Number(rows[0].n);
  }
}

function toRecord(row: SubjectJoinRow): StoredRecordRow {
  return {
    id: row.id as string,
    subjectCode: row.subjectCode as string,
    itemCode: row.itemCode as string,
    status: row.status as string,
    disputed: row.disputed as boolean,
    publicationEnd: row.publicationEnd,
    fields: row.fields as Record<string, unknown>,
    supplier: row.supplier as string,
  };
}
