import { HubDatabase } from './hub-database';

export interface SubjectRow {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly name: string | null;
}

export interface VisibleRecordRow {
  readonly id: string;
  readonly itemCode: string;
  readonly status: string;
  readonly disputed: boolean;
  readonly publicationEnd: string | null;
  readonly fields: Record<string, unknown>;
  readonly supplier: string;
}

export interface RecordVisibility {
  readonly itemCodes: readonly string[];
  readonly statuses: readonly string[];
  /** Records whose publication period ended before this date are not served. */
  readonly servedOn: string;
}

export interface QueryLogEntry {
  readonly callerKind: string;
  readonly callerId: string | null;
  /** Kept whole: the subject may ask who looked at its records (R19); only text logs mask it. */
  readonly subjectCode: string;
  readonly purpose: string | null;
  readonly clientAddress: string | null;
}

export interface LoggedQueryResult {
  readonly subject: SubjectRow | undefined;
  readonly records: VisibleRecordRow[];
}

export class SubjectQueryRepository {
  constructor(private readonly db: HubDatabase) {}

  /**
   * Reads what the caller may see and writes the query-log row in the same transaction:
   * if the log row cannot be committed, nothing is returned (fail closed, R19).
   */
  async findVisibleAndLog(code: string, visibility: RecordVisibility, log: QueryLogEntry): Promise<LoggedQueryResult> {
    return this.db.dataSource.transaction(async (tx) => {
      const subjects: SubjectRow[] = await tx.query('SELECT code, kind, name FROM subjects WHERE code = $1', [code]);
      const records: VisibleRecordRow[] = subjects.length === 0 ? [] : await tx.query(
        `SELECT r.id, r.item_code AS "itemCode", r.status, r.disputed,
                to_char(r.publication_end, 'YYYY-MM-DD') AS "publicationEnd", r.fields, s.code AS supplier
         FROM credit_records r JOIN suppliers s ON s.id = r.supplier_id
         WHERE r.subject_code = $1 AND r.item_code = ANY($2) AND r.status = ANY($3)
           AND (r.publication_end IS NULL OR r.publication_end >= $4::date)
         ORDER BY r.item_code, r.created_at, r.id`,
        [code, visibility.itemCodes, visibility.statuses, visibility.servedOn],
      );
      const outcome = records.length > 0 ? 'served' : 'not_found';
      await tx.query(
        `INSERT INTO query_log (caller_kind, caller_id, subject_code, purpose, outcome, result_count, client_address)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [log.callerKind, log.callerId, log.subjectCode, log.purpose, outcome, records.length, log.clientAddress],
      );
      return { subject: subjects[0], records };
    });
  }

  /** A refused query (bad code, no access) is logged too; nothing is read. */
  async logRefused(log: QueryLogEntry, outcome: string): Promise<void> {
    await this.db.dataSource.query(
      `INSERT INTO query_log (caller_kind, caller_id, subject_code, purpose, outcome, result_count, client_address)
       VALUES ($1, $2, $3, $4, $5, 0, $6)`,
      [log.callerKind, log.callerId, log.subjectCode, log.purpose, outcome, log.clientAddress],
    );
  }
}
