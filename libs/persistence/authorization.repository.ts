import { HubDatabase } from './hub-database';
import { preparedQuery } from './prepared-query';
import { isUuid } from './query-account.repository';
import { returnedRows } from './update-result';

/** 第十七条: one subject's authorisation of one grantee account, as stored. */
export interface StoredAuthorization {
  readonly id: string;
  readonly subjectCode: string;
  /** The grantee's query account id. */
  readonly grantee: string;
  readonly purpose: string;
  readonly scope: string[];
  readonly validFrom: string;
  readonly validTo: string;
  readonly proofReference: string;
  readonly recordedAt: string;
  readonly revokedAt: string | null;
}

interface AuthorizationRow {
  id: string;
  subject_code: string;
  grantee_id: string;
  purpose: string;
  scope: string[];
  valid_from: string;
  valid_to: string;
  proof_reference: string;
  recorded_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = `id, subject_code, grantee_id, purpose, scope, to_char(valid_from, 'YYYY-MM-DD') AS valid_from,
                 to_char(valid_to, 'YYYY-MM-DD') AS valid_to, proof_reference, recorded_at, revoked_at`;

export class AuthorizationRepository {
  constructor(private readonly db: HubDatabase) {}

  async create(input: {
    subjectCode: string;
    granteeId: string;
    purpose: string;
    scope: readonly string[];
    validFrom: string;
    validTo: string;
    proofReference: string;
    recordedAt: Date;
  }): Promise<StoredAuthorization> {
    const rows: AuthorizationRow[] = await this.db.dataSource.query(
      `INSERT INTO authorizations (subject_code, grantee_id, purpose, scope, valid_from, valid_to, proof_reference, recorded_at)
       VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8) RETURNING ${COLUMNS}`,
      [input.subjectCode, input.granteeId, input.purpose, input.scope, input.validFrom, input.validTo, input.proofReference, input.recordedAt],
    );
    return toAuthorization(rows[0]);
  }

  async list(filter: { subjectCode?: string; granteeId?: string; offset: number; limit: number }): Promise<StoredAuthorization[]> {
    if (filter.granteeId !== undefined && !isUuid(filter.granteeId)) return [];
    const rows: AuthorizationRow[] = await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM authorizations
       WHERE ($1::text IS NULL OR subject_code = $1) AND ($2::uuid IS NULL OR grantee_id = $2)
       ORDER BY recorded_at, id OFFSET $3 LIMIT $4`,
      [filter.subjectCode ?? null, filter.granteeId ?? null, filter.offset, filter.limit],
    );
    return rows.map(toAuthorization);
  }

  async findById(id: string): Promise<StoredAuthorization | undefined> {
    if (!isUuid(id)) return undefined;
    const rows: AuthorizationRow[] = await this.db.dataSource.query(`SELECT ${COLUMNS} FROM authorizations WHERE id = $1`, [id]);
    return rows[0] ? toAuthorization(rows[0]) : undefined;
  }

  /** Sets revoked_at once; a second revocation changes nothing and answers the row as it is. */
  async revoke(id: string, at: Date): Promise<StoredAuthorization | undefined> {
    if (!isUuid(id)) return undefined;
    const rows = returnedRows<AuthorizationRow>(
      await this.db.dataSource.query(
        `UPDATE authorizations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
        [id, at],
      ),
    );
    return rows[0] ? toAuthorization(rows[0]) : this.findById(id);
  }

  /**
   * The grantee's authorisations of these subjects that are not revoked, whatever their dates:
   * the access policy tells an expired one from a missing one (第十七条).
   */
  async unrevokedFor(granteeId: string, subjectCodes: readonly string[]): Promise<StoredAuthorization[]> {
    if (!isUuid(granteeId) || subjectCodes.length === 0) return [];
    const rows = await preparedQuery<AuthorizationRow>(
      this.db,
      'hub_authorizations_unrevoked_for',
      `SELECT ${COLUMNS} FROM authorizations
       WHERE grantee_id = $1 AND subject_code = ANY($2) AND revoked_at IS NULL
       ORDER BY recorded_at, id`,
      [granteeId, subjectCodes],
    );
    return rows.map(toAuthorization);
  }
}

function toAuthorization(row: AuthorizationRow): StoredAuthorization {
  return {
    id: row.id,
    subjectCode: row.subject_code,
    grantee: row.grantee_id,
    purpose: row.purpose,
    scope: row.scope,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    proofReference: row.proof_reference,
    recordedAt: row.recorded_at.toISOString(),
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}
