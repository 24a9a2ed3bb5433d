import { DbDriver } from './db-poll.config';

/**
 * The SQL this connector sends, built as text from names that check() found in
 * information_schema (an allow-list) and quoted anyway; every value is a bind parameter.
 * Pure functions, so the exact statements are unit-tested.
 */

/** Helper columns added to each page; a supplier column with one of these names is refused. */
export const TS_ALIAS = '__hub_ts';
export const KEY_ALIAS = '__hub_key';
export const BEYOND_ALIAS = '__hub_beyond';
export const RESERVED_ALIASES = [TS_ALIAS, KEY_ALIAS, BEYOND_ALIAS];

/** Identifier quoting: `"x"` with `""` inside for PostgreSQL, `` `x` `` with ``` `` ``` inside for MariaDB. */
export function quoteIdent(driver: DbDriver, name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains NUL');
  return driver === 'postgres' ? `"${name.replace(/"/g, '""')}"` : `\`${name.replace(/`/g, '``')}\``;
}

/** The timestamp types a watermark column may have (information_schema.columns.data_type). */
const PG_TIMESTAMP_TYPES: Record<string, string> = {
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  date: 'date',
};
const MARIADB_TIMESTAMP_TYPES = new Set(['datetime', 'timestamp', 'date']);

export function isSupportedWatermarkType(driver: DbDriver, dataType: string): boolean {
  return driver === 'postgres' ? dataType in PG_TIMESTAMP_TYPES : MARIADB_TIMESTAMP_TYPES.has(dataType.toLowerCase());
}

/** Lists the table (or view) and its columns; the names are bind parameters, never spliced. */
export function catalogQueries(driver: DbDriver): { table: string; columns: string } {
  if (driver === 'postgres') {
    return {
      table: 'SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
      columns: 'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    };
  }
  return {
    table: 'SELECT table_name AS table_name, table_type AS table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
    columns:
      'SELECT column_name AS column_name, data_type AS data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position',
  };
}

/** Statements that make a session read-only and pin its time zone and statement timeout. */
export function readOnlySessionStatements(driver: DbDriver, statementTimeoutMs: number): string[] {
  if (driver === 'postgres') {
    // The same settings also travel in the startup packet; repeated here so a session is never writable.
    return ['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', "SET TIME ZONE 'UTC'", `SET statement_timeout = ${Math.trunc(statementTimeoutMs)}`];
  }
  return ['SET SESSION TRANSACTION READ ONLY', "SET time_zone = '+00:00'", `SET SESSION max_statement_time = ${(Math.trunc(statementTimeoutMs) / 1000).toFixed(3)}`];
}

export function readOnlyProbe(driver: DbDriver): string {
  // MariaDB 10.x knows only the older name tx_read_only.
  return driver === 'postgres' ? "SELECT current_setting('default_transaction_read_only') AS read_only" : 'SELECT @@session.tx_read_only AS read_only';
}

/** (stored updated_at − window) computed by the database itself, in the column's own type and precision. */
export function lookBackQuery(driver: DbDriver, dataType: string): string {
  if (driver === 'postgres') {
    const type = PG_TIMESTAMP_TYPES[dataType];
    if (!type) throw new Error(`unsupported watermark type ${dataType}`);
    return `SELECT (CAST($1 AS ${type}) - $2 * interval '1 second')::text AS "start"`;
  }
  return 'SELECT CAST(CAST(? AS DATETIME(6)) - INTERVAL ? SECOND AS CHAR) AS `start`';
}

export interface Position {
  readonly ts: string;
  readonly key: string;
}

export interface PageSpec {
  readonly driver: DbDriver;
  /** Canonical names, as information_schema spells them. */
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly keyColumn: string;
  readonly tsColumn: string;
  readonly limit: number;
}

/**
 * Where a page starts: the whole table, every row at or after a timestamp (the look-back start),
 * or strictly after a (updated_at, key) position (keyset pagination).
 */
export type PageStart = { readonly kind: 'beginning' } | { readonly kind: 'from-ts'; readonly ts: string } | { readonly kind: 'after'; readonly position: Position };

/**
 * One page in (updated_at, key) order. `highWater`, when given, adds a column telling whether a
 * row lies beyond the stored high-water mark, so a look-back run never moves the cursor backwards.
 * PostgreSQL gets the row comparison `(ts, key) > ($1, $2)`; MariaDB the expanded
 * `ts > ? OR (ts = ? AND key > ?)` (plus `ts >= ?` so the index range is used).
 */
export function pageQuery(spec: PageSpec, start: PageStart, highWater?: Position): { sql: string; params: string[] } {
  const q = (name: string) => quoteIdent(spec.driver, name);
  const params: string[] = [];
  const p = (value: string): string => {
    params.push(value);
    return spec.driver === 'postgres' ? `$${params.length}` : '?';
  };
  const ts = q(spec.tsColumn);
  const key = q(spec.keyColumn);
  const asText = (column: string) => (spec.driver === 'postgres' ? `(${column})::text` : `CAST(${column} AS CHAR)`);
  const after = (position: Position): string =>
    spec.driver === 'postgres' ? `(${ts}, ${key}) > (${p(position.ts)}, ${p(position.key)})` : `(${ts} > ${p(position.ts)} OR (${ts} = ${p(position.ts)} AND ${key} > ${p(position.key)}))`;

  const select = [...spec.columns.map(q), `${asText(ts)} AS ${q(TS_ALIAS)}`, `${asText(key)} AS ${q(KEY_ALIAS)}`];
  if (highWater) select.push(`${after(highWater)} AS ${q(BEYOND_ALIAS)}`);
  const where = [`${ts} IS NOT NULL`, `${key} IS NOT NULL`];
  switch (start.kind) {
    case 'beginning':
      break;
    case 'from-ts':
      where.push(`${ts} >= ${p(start.ts)}`);
      break;
    case 'after':
      if (spec.driver === 'mariadb') where.push(`${ts} >= ${p(start.position.ts)}`);
      where.push(after(start.position));
      break;
  }
  const relation = `${q(spec.schema)}.${q(spec.table)}`;
  const limit = Math.trunc(spec.limit);
  const sql = `SELECT ${select.join(', ')} FROM ${relation} WHERE ${where.join(' AND ')} ORDER BY ${ts}, ${key} LIMIT ${limit}`;
  return { sql, params };
}

export interface FeedbackRow {
  readonly batchId: string;
  readonly recordIndex: number;
  readonly rowKey: string | null;
  readonly field: string;
  readonly code: string;
  readonly message: string;
  readonly value: string | null;
  readonly hint: string;
}

export const FEEDBACK_REQUIRED_COLUMNS = ['batch_id', 'record_index', 'row_key', 'field', 'code', 'message'] as const;
export const FEEDBACK_OPTIONAL_COLUMNS = ['value', 'hint'] as const;
export type FeedbackColumn = (typeof FEEDBACK_REQUIRED_COLUMNS)[number] | (typeof FEEDBACK_OPTIONAL_COLUMNS)[number];

/**
 * One multi-row INSERT. PostgreSQL leaves rows already there alone (ON CONFLICT DO NOTHING);
 * MariaDB has no form of that which needs only the INSERT privilege (ON DUPLICATE KEY UPDATE
 * needs SELECT and UPDATE too, INSERT IGNORE also hides truncation), so there the caller retries
 * row by row on a duplicate-key error. Either way the table's unique key on (batch_id,
 * record_index, field, code) is what makes a repeated delivery add nothing.
 */
export function feedbackInsert(
  driver: DbDriver,
  target: { schema: string; table: string; columns: readonly FeedbackColumn[] },
  rows: readonly FeedbackRow[],
): { sql: string; params: (string | number | null)[] } {
  const q = (name: string) => quoteIdent(driver, name);
  const params: (string | number | null)[] = [];
  const tuples = rows.map((row) => {
    const values = target.columns.map((column) => {
      params.push(feedbackValue(row, column));
      return driver === 'postgres' ? `$${params.length}` : '?';
    });
    return `(${values.join(', ')})`;
  });
  const head = `INSERT INTO ${q(target.schema)}.${q(target.table)} (${target.columns.map(q).join(', ')}) VALUES ${tuples.join(', ')}`;
  const sql = driver === 'postgres' ? `${head} ON CONFLICT DO NOTHING` : head;
  return { sql, params };
}

function feedbackValue(row: FeedbackRow, column: FeedbackColumn): string | number | null {
  switch (column) {
    case 'batch_id':
      return row.batchId;
    case 'record_index':
      return row.recordIndex;
    case 'row_key':
      return row.rowKey;
    case 'field':
      return row.field;
    case 'code':
      return row.code;
    case 'message':
      return row.message;
    case 'value':
      return row.value;
    case 'hint':
      return row.hint;
  }
}
