import { HubDatabase } from './hub-database';
import { preparedQuery } from './prepared-query';
import { returnedRows } from './update-result';

export const QUERY_ACCOUNT_KINDS = ['government', 'authorized_third_party', 'credit_agency'] as const;
export type QueryAccountKind = (typeof QUERY_ACCOUNT_KINDS)[number];

export interface QueryAccount {
  readonly id: string;
  readonly kind: QueryAccountKind;
  readonly name: string;
  readonly organization: string;
  readonly roles: string[];
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

interface AccountRow {
  id: string;
  kind: QueryAccountKind;
  name: string;
  organization: string;
  roles: string[];
  created_at: Date;
  disabled_at: Date | null;
}

const COLUMNS = 'id, kind, name, organization, roles, created_at, disabled_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs and bodies: anything that is not a uuid names no row (and never reaches PostgreSQL's cast). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Accounts of government users, authorised third parties and credit agencies (tokens stored as SHA-256 only). */
export class QueryAccountRepository {
  constructor(private readonly db: HubDatabase) {}

  async create(input: {
    kind: QueryAccountKind;
    name: string;
    organization: string;
    roles: readonly string[];
    tokenHash: string;
    createdAt: Date;
  }): Promise<QueryAccount> {
    const rows: AccountRow[] = await this.db.dataSource.query(
      `INSERT INTO query_accounts (kind, name, organization, roles, token_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [input.kind, input.name, input.organization, input.roles, input.tokenHash, input.createdAt],
    );
    return toAccount(rows[0]);
  }

  async list(page: { offset: number; limit: number }): Promise<QueryAccount[]> {
    const rows: AccountRow[] = await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM query_accounts ORDER BY created_at, id OFFSET $1 LIMIT $2`,
      [page.offset, page.limit],
    );
    return rows.map(toAccount);
  }

  async findById(id: string): Promise<QueryAccount | undefined> {
    if (!isUuid(id)) return undefined;
    const rows: AccountRow[] = await this.db.dataSource.query(`SELECT ${COLUMNS} FROM query_accounts WHERE id = $1`, [id]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** Disabled accounts too: the caller decides (a disabled account is refused, not unknown to the log). */
  async findByTokenHash(tokenHash: string): Promise<QueryAccount | undefined> {
    // Every query by an account starts here: a prepared statement (see prepared-query.ts).
    const rows = await preparedQuery<AccountRow>(this.db, 'hub_query_account_by_token', `SELECT ${COLUMNS} FROM query_accounts WHERE token_hash = $1`, [tokenHash]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** Sets disabled_at once (a second call keeps the first time); undefined when there is no such account. */
  async disable(id: string, at: Date): Promise<QueryAccount | undefined> {
    if (!isUuid(id)) return undefined;
    const rows = returnedRows<AccountRow>(
      await this.db.dataSource.query(
        `UPDATE query_accounts SET disabled_at = coalesce(disabled_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, at],
      ),
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  }
}

function toAccount(row: AccountRow): QueryAccount {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    organization: row.organization,
    roles: row.roles,
    createdAt: row.created_at.toISOString(),
    disabledAt: row.disabled_at ? row.disabled_at.toISOString() : null,
  };
}
