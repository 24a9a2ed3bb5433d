import { createHash } from 'node:crypto';
import { writeJson } from '../shared/json-text';
import { z } from 'zod';
import { Connector, ConnectorContext, ConnectorError, Cursor, Feedback, ReadBatch } from '../connector.contract';
import { DbPollConfig } from './db-poll.config';
import { DbSession, Row } from './db-session';
import {
  BEYOND_ALIAS,
  catalogQueries,
  FEEDBACK_OPTIONAL_COLUMNS,
  FEEDBACK_REQUIRED_COLUMNS,
  FeedbackColumn,
  feedbackInsert,
  FeedbackRow,
  isSupportedWatermarkType,
  KEY_ALIAS,
  lookBackQuery,
  PageSpec,
  PageStart,
  pageQuery,
  Position,
  RESERVED_ALIASES,
  TS_ALIAS,
} from './sql-dialect';

/**
 * The stored high-water mark: the (updated_at, key) of the last row of the last durable page, as
 * the database prints them. `columns`, kept only when the config does not list the columns, is
 * the column set the rows were read with: a column that disappears later fails closed.
 */
const cursorSchema = z.strictObject({ ts: z.string().min(1), key: z.string(), columns: z.array(z.string()).optional() });
type DbCursor = z.infer<typeof cursorSchema>;

interface ResolvedTable {
  readonly schema: string;
  readonly table: string;
  readonly allColumns: readonly string[];
  readonly columns: readonly string[];
  readonly keyColumn: string;
  readonly tsColumn: string;
  readonly tsType: string;
}

const FEEDBACK_CHUNK = 500;
const FEEDBACK_TEXT_LIMIT = 1000;

export class DbPollConnector implements Connector {
  private reader?: DbSession;

  constructor(
    private readonly config: DbPollConfig,
    private readonly context: ConnectorContext,
  ) {}

  /**
   * Connects read-only and resolves the table and every configured column against
   * information_schema: a name that is not listed there (say `orders; DROP TABLE x--`) is refused
   * before any statement is built from it. With a feedback table, checks it on its own connection.
   */
  async check(): Promise<void> {
    await this.resolveTable(await this.readerSession());
    if (this.config.feedback) {
      const writer = await DbSession.openFeedbackWriter(this.config, this.context.egress);
      try {
        await this.resolveFeedbackTable(writer);
      } finally {
        await writer.close();
      }
    }
  }

  async *read(cursor: Cursor | null): AsyncIterable<ReadBatch> {
    const stored = this.parseCursor(cursor);
    const session = await this.readerSession();
    // Again at every run, not only at registration: a renamed or dropped column stops the run here,
    // before any row is read, instead of arriving as NULLs.
    const table = await this.resolveTable(session);
    if (stored?.columns && !this.config.columns) {
      const gone = stored.columns.filter((c) => !table.allColumns.includes(c));
      if (gone.length > 0) {
        throw new ConnectorError('config', 'COLUMN_DROPPED', `${this.tableLabel(table)}: columns read before are gone: ${gone.map((c) => JSON.stringify(c)).join(', ')}`);
      }
      const added = table.allColumns.filter((c) => !stored.columns?.includes(c));
      if (added.length > 0) this.context.log('log', `${this.tableLabel(table)}: new columns are read from now on: ${added.join(', ')}`);
    }

    const spec: PageSpec = {
      driver: this.config.driver,
      schema: table.schema,
      table: table.table,
      columns: table.columns,
      keyColumn: table.keyColumn,
      tsColumn: table.tsColumn,
      limit: this.config.batchSize,
    };
    const lookBack = this.config.lookBackSeconds;
    let start: PageStart;
    let runLabel: string;
    if (!stored) {
      start = { kind: 'beginning' };
      runLabel = 'start';
    } else if (lookBack > 0) {
      const [row] = await session.transaction('read-only', () => session.query(lookBackQuery(this.config.driver, table.tsType), [stored.ts, lookBack]));
      start = { kind: 'from-ts', ts: text(row?.start) };
      runLabel = `>=${start.ts}`;
    } else {
      start = { kind: 'after', position: stored };
      runLabel = `>${stored.ts}`;
    }
    // With a look-back the first rows lie before the stored mark: the cursor must not move back to them.
    const highWater: Position | undefined = stored && lookBack > 0 ? stored : undefined;

    for (let page = 1; ; page++) {
      const { sql, params } = pageQuery(spec, start, highWater);
      const rows = await session.transaction('read-only', () => session.query(sql, params));
      if (rows.length === 0) return;
      const first = rows[0];
      const last = rows[rows.length - 1];
      const lastPosition: Position = { ts: text(last[TS_ALIAS]), key: text(last[KEY_ALIAS]) };
      const position = !highWater || isTrue(last[BEYOND_ALIAS]) ? lastPosition : highWater;
      const cursorAfter: DbCursor = this.config.columns ? { ...position } : { ...position, columns: [...table.allColumns] };
      const records = rows.map((row) => this.toRecord(row, table));
      yield {
        // Stable for a retry over the same rows; a different key as soon as the rows differ (a row
        // that committed late inside the look-back window), so the hub never answers it from an
        // earlier batch's idempotency record.
        key: `${runLabel}:${page}:${digest([stored?.ts ?? null, stored?.key ?? null, records])}`,
        label: `${this.tableLabel(table)} page ${page} (${text(first[TS_ALIAS])} … ${lastPosition.ts})`,
        records: (async function* () {
          yield* records;
        })(),
        cursorAfter,
        feedbackAddress: { table: this.tableLabel(table), keyColumn: table.keyColumn },
      };
      if (rows.length < this.config.batchSize) return;
      start = { kind: 'after', position: lastPosition };
    }
  }

  /**
   * One row per rejection in the supplier's feedback table, on the feedback connection, in one
   * transaction. A repeated delivery inserts nothing new (unique key on batch_id, record_index,
   * field, code). Without a feedback table the supplier reads the batch report instead.
   */
  async deliverFeedback(feedback: Feedback): Promise<void> {
    if (!this.config.feedback || feedback.rejections.length === 0) return;
    const writer = await DbSession.openFeedbackWriter(this.config, this.context.egress);
    try {
      const target = await this.resolveFeedbackTable(writer);
      const rows: FeedbackRow[] = feedback.rejections.map((r) => ({
        batchId: feedback.batchId,
        recordIndex: r.index,
        rowKey: r.sourceKey,
        field: r.field,
        code: r.code,
        message: clip(r.message),
        value: r.value === null ? null : clip(r.value),
        hint: clip(r.hint),
      }));
      await writer.transaction('read-write', async () => {
        for (let i = 0; i < rows.length; i += FEEDBACK_CHUNK) await this.insertFeedback(writer, target, rows.slice(i, i + FEEDBACK_CHUNK));
      });
    } finally {
      await writer.close();
    }
  }

  /** A chunk at once; on MariaDB, a chunk that meets a row already delivered goes again row by row. */
  private async insertFeedback(writer: DbSession, target: { schema: string; table: string; columns: FeedbackColumn[] }, rows: FeedbackRow[]): Promise<void> {
    const { sql, params } = feedbackInsert(this.config.driver, target, rows);
    try {
      await writer.query(sql, params);
    } catch (e) {
      if (!(e instanceof ConnectorError && e.code === 'ER_DUP_ENTRY')) throw e;
      if (rows.length === 1) return; // delivered before
      // InnoDB undid only the failed statement; the transaction goes on.
      for (const row of rows) await this.insertFeedback(writer, target, [row]);
    }
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }

  // ---------------------------------------------------------------------------------------------

  private async readerSession(): Promise<DbSession> {
    this.reader ??= await DbSession.openReadOnly(this.config, this.context.egress);
    return this.reader;
  }

  private defaultSchema(): string {
    return this.config.driver === 'postgres' ? (this.config.schema ?? 'public') : this.config.database;
  }

  private async resolveTable(session: DbSession): Promise<ResolvedTable> {
    const schema = this.defaultSchema();
    const found = await this.describe(session, schema, this.config.table);
    if (!found) {
      throw new ConnectorError('config', 'UNKNOWN_TABLE', `no table or view ${show(this.config.table)} in ${show(schema)} that this user may read`);
    }
    const byName = new Map(found.columns.map((c) => [c.name, c]));
    const resolve = (name: string) => byName.get(name) ?? (this.config.driver === 'mariadb' ? found.columns.find((c) => c.name.toLowerCase() === name.toLowerCase()) : undefined);
    const wanted = [this.config.keyColumn, this.config.updatedAtColumn, ...(this.config.columns ?? [])];
    const unknown = wanted.filter((name) => !resolve(name));
    if (unknown.length > 0) {
      throw new ConnectorError('config', 'UNKNOWN_COLUMN', `${schema}.${found.table} has no column ${unknown.map(show).join(', ')} (or this user may not read it)`);
    }
    const reserved = found.columns.filter((c) => RESERVED_ALIASES.includes(c.name));
    if (reserved.length > 0) throw new ConnectorError('config', 'RESERVED_COLUMN', `${found.table} has a column named ${reserved[0].name}, which the connector uses itself`);
    const ts = resolve(this.config.updatedAtColumn);
    const key = resolve(this.config.keyColumn);
    if (!ts || !key) throw new ConnectorError('config', 'UNKNOWN_COLUMN', 'key or updated-at column not found');
    if (!isSupportedWatermarkType(this.config.driver, ts.type)) {
      throw new ConnectorError('config', 'UNSUPPORTED_COLUMN_TYPE', `${show(ts.name)} is ${ts.type}; the updated-at column must be a timestamp, datetime or date`);
    }
    const all = found.columns.map((c) => c.name);
    return {
      schema,
      table: found.table,
      allColumns: all,
      columns: this.config.columns ? this.config.columns.map((name) => resolve(name)?.name ?? name) : all,
      keyColumn: key.name,
      tsColumn: ts.name,
      tsType: ts.type,
    };
  }

  private async resolveFeedbackTable(writer: DbSession): Promise<{ schema: string; table: string; columns: FeedbackColumn[] }> {
    const feedback = this.config.feedback;
    if (!feedback) throw new ConnectorError('config', 'NO_FEEDBACK_TABLE', 'no feedback table is configured');
    const schema = this.config.driver === 'postgres' ? (feedback.schema ?? this.config.schema ?? 'public') : (feedback.database ?? this.config.database);
    const found = await this.describe(writer, schema, feedback.table);
    if (!found) throw new ConnectorError('config', 'UNKNOWN_FEEDBACK_TABLE', `no feedback table ${show(feedback.table)} in ${show(schema)} that the feedback user may write`);
    const names = new Set(found.columns.map((c) => c.name.toLowerCase()));
    const missing = FEEDBACK_REQUIRED_COLUMNS.filter((c) => !names.has(c));
    if (missing.length > 0) throw new ConnectorError('config', 'FEEDBACK_COLUMNS_MISSING', `${found.table} lacks the columns ${missing.join(', ')}`);
    return { schema, table: found.table, columns: [...FEEDBACK_REQUIRED_COLUMNS, ...FEEDBACK_OPTIONAL_COLUMNS.filter((c) => names.has(c))] };
  }

  /** The table (or view) and its columns as information_schema lists them for this user; undefined when not listed. */
  private async describe(session: DbSession, schema: string, table: string): Promise<{ table: string; columns: { name: string; type: string }[] } | undefined> {
    const catalog = catalogQueries(this.config.driver);
    const tables = await session.transaction('read-only', () => session.query(catalog.table, [schema, table]));
    if (tables.length === 0) return undefined;
    const rows = await session.transaction('read-only', () => session.query(catalog.columns, [schema, table]));
    if (rows.length === 0) return undefined;
    // information_schema compares names case-insensitively in MariaDB; take the exact match when there is one.
    const canonical = text(tables.find((t) => t.table_name === table)?.table_name ?? tables[0].table_name ?? table);
    return { table: canonical, columns: rows.map((r) => ({ name: text(r.column_name), type: text(r.data_type) })) };
  }

  private toRecord(row: Row, table: ResolvedTable): Record<string, unknown> {
    const record: Record<string, unknown> = {};
    for (const column of table.columns) record[column] = plain(row[column]);
    // The same row always maps to the same record: the hub's idempotent load absorbs the look-back overlap.
    record.source_key = text(row[KEY_ALIAS]);
    return record;
  }

  private tableLabel(table: { schema: string; table: string }): string {
    return `${table.schema}.${table.table}`;
  }

  private parseCursor(cursor: Cursor | null): DbCursor | null {
    if (cursor === null) return null;
    const parsed = cursorSchema.safeParse(cursor);
    if (!parsed.success) throw new ConnectorError('config', 'BAD_CURSOR', `the stored cursor is not a db-poll cursor: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    return parsed.data;
  }
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

function isTrue(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

/** JSON-safe values: binary as base64, bigint as text (never rounded), any stray Date as ISO text. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

function clip(value: string): string {
  return value.length > FEEDBACK_TEXT_LIMIT ? `${value.slice(0, FEEDBACK_TEXT_LIMIT - 1)}…` : value;
}

/** A configured name in an error message: quoted, cut short, control characters escaped. */
function show(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

function digest(value: unknown): string {
  // Without recursion: a JSON column may hold a record nested thousands of levels deep.
  const hash = createHash('sha256');
  writeJson(value, (text) => hash.update(text));
  return hash.digest('hex').slice(0, 20);
}
