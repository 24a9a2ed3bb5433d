import { CustomTypesConfig, types as pgTypes } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { egressRefusal, type EgressGuard } from '../../libs/security/egress-policy';
import { ConnectorError } from '../connector.contract';
import { DbDriver, DbPollConfig, defaultPort } from './db-poll.config';
import { readOnlyProbe, readOnlySessionStatements } from './sql-dialect';

export type Row = Record<string, unknown>;
export type SqlValue = string | number | null;

/**
 * One connection to the supplier's database, held for a run. Reading sessions are read-only at
 * three levels: the startup packet (PostgreSQL `default_transaction_read_only`), the session
 * (`SET SESSION … READ ONLY`, verified before use) and each page's `START TRANSACTION READ ONLY`.
 */
export class DbSession {
  private constructor(
    readonly driver: DbDriver,
    private readonly dataSource: DataSource,
    private readonly runner: QueryRunner,
  ) {}

  /** A read-only session for polling; throws ConnectorError('config', 'NOT_READ_ONLY') if the database ignores that. */
  static async openReadOnly(config: DbPollConfig, egress: EgressGuard): Promise<DbSession> {
    const session = await DbSession.open(config.driver, egress, {
      host: config.host,
      port: config.port ?? defaultPort(config.driver),
      database: config.database,
      username: config.username,
      password: config.password,
      connectTimeoutMs: config.connectTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      readOnly: true,
    });
    try {
      for (const statement of readOnlySessionStatements(config.driver, config.statementTimeoutMs)) await session.query(statement);
      const [probe] = await session.query(readOnlyProbe(config.driver));
      const flag = String(probe?.read_only ?? '');
      if (flag !== 'on' && flag !== '1') throw new ConnectorError('config', 'NOT_READ_ONLY', `the ${config.driver} session did not become read-only (${flag})`);
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  /** The writable connection for the feedback table, with its own credentials. */
  static async openFeedbackWriter(config: DbPollConfig, egress: EgressGuard): Promise<DbSession> {
    const feedback = config.feedback;
    if (!feedback) throw new ConnectorError('config', 'NO_FEEDBACK_TABLE', 'no feedback table is configured');
    return DbSession.open(config.driver, egress, {
      host: feedback.host ?? config.host,
      port: feedback.port ?? config.port ?? defaultPort(config.driver),
      database: feedback.database ?? config.database,
      username: feedback.username,
      password: config.feedbackPassword,
      connectTimeoutMs: config.connectTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      readOnly: false,
    });
  }

  private static async open(driver: DbDriver, egress: EgressGuard, c: ConnectionSettings): Promise<DbSession> {
    let address: string;
    try {
      // The egress policy resolves and checks the host (never the hub's own database, never a local
      // socket); the driver then connects to the checked address, so a second answer cannot differ.
      [address] = await egress.resolveTarget({ host: c.host, port: c.port, database: c.database });
    } catch (e) {
      const refused = egressRefusal(e);
      if (refused) throw new ConnectorError('config', 'EGRESS_REFUSED', `${driver} ${c.host}:${c.port}/${c.database}: ${refused.message}`);
      throw classifyDatabaseError(e, `resolving ${driver} host ${c.host}`);
    }
    const settings = { ...c, host: address };
    const dataSource = new DataSource(driver === 'postgres' ? postgresOptions(settings) : mariadbOptions(settings));
    try {
      await dataSource.initialize();
    } catch (e) {
      throw classifyDatabaseError(e, `connecting to ${driver} ${c.host}:${c.port}/${c.database} as ${c.username}`);
    }
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
    } catch (e) {
      await runner.release().catch(() => undefined);
      await dataSource.destroy().catch(() => undefined);
      throw classifyDatabaseError(e, `connecting to ${driver} ${c.host}:${c.port}/${c.database}`);
    }
    return new DbSession(driver, dataSource, runner);
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    try {
      const result: unknown = await this.runner.query(sql, [...params]);
      return Array.isArray(result) ? (result as Row[]) : [];
    } catch (e) {
      throw classifyDatabaseError(e, 'query');
    }
  }

  /** Runs `work` in one transaction (read-only if asked), committed on success and rolled back otherwise. */
  async transaction<T>(mode: 'read-only' | 'read-write', work: () => Promise<T>): Promise<T> {
    await this.query(mode === 'read-only' ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    try {
      const result = await work();
      await this.query('COMMIT');
      return result;
    } catch (e) {
      await this.runner.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.runner.release().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy().catch(() => undefined);
  }
}

interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string | undefined;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly readOnly: boolean;
}

/** Dates and timestamps come back as the database's own text: no time-zone shift, no lost microseconds. */
const PG_TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1266]); // date, time, timestamp, timestamptz, timetz
const pgTypeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (PG_TEXT_TYPES.has(oid) ? (value: string) => value : pgTypes.getTypeParser(oid, format))) as CustomTypesConfig['getTypeParser'],
};

function postgresOptions(c: ConnectionSettings) {
  const settings = [`-c TimeZone=UTC`, `-c statement_timeout=${Math.trunc(c.statementTimeoutMs)}`, `-c idle_in_transaction_session_timeout=60000`];
  if (c.readOnly) settings.push('-c default_transaction_read_only=on');
  return {
    type: 'postgres' as const,
    host: c.host,
    port: c.port,
    database: c.database,
    username: c.username,
    password: c.password,
    poolSize: 1,
    connectTimeoutMS: c.connectTimeoutMs,
    applicationName: c.readOnly ? 'credit-hub db-poll' : 'credit-hub db-poll feedback',
    synchronize: false,
    logging: false,
    extra: { options: settings.join(' '), types: pgTypeParsers, connectionTimeoutMillis: c.connectTimeoutMs },
  };
}

function mariadbOptions(c: ConnectionSettings) {
  return {
    type: 'mariadb' as const,
    host: c.host,
    port: c.port,
    database: c.database,
    username: c.username,
    password: c.password,
    poolSize: 1,
    connectTimeout: c.connectTimeoutMs,
    charset: 'utf8mb4',
    timezone: 'Z',
    // Dates as text (like PostgreSQL above); BIGINT and DECIMAL as text: ids ≥ 2^53 are never rounded.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    synchronize: false,
    logging: false,
  };
}

const CONFIG_CODES: Record<string, string> = {
  // PostgreSQL SQLSTATE
  '28P01': 'AUTH_FAILED',
  '28000': 'AUTH_FAILED',
  '3D000': 'UNKNOWN_DATABASE',
  '42P01': 'UNKNOWN_TABLE',
  '42703': 'UNKNOWN_COLUMN',
  '42501': 'PERMISSION_DENIED',
  '25006': 'READ_ONLY',
  // MariaDB (mysql2 codes)
  ER_ACCESS_DENIED_ERROR: 'AUTH_FAILED',
  ER_DBACCESS_DENIED_ERROR: 'PERMISSION_DENIED',
  ER_BAD_DB_ERROR: 'UNKNOWN_DATABASE',
  ER_NO_SUCH_TABLE: 'UNKNOWN_TABLE',
  ER_BAD_FIELD_ERROR: 'UNKNOWN_COLUMN',
  ER_TABLEACCESS_DENIED_ERROR: 'PERMISSION_DENIED',
  ER_COLUMNACCESS_DENIED_ERROR: 'PERMISSION_DENIED',
  ER_SPECIFIC_ACCESS_DENIED_ERROR: 'PERMISSION_DENIED',
  ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: 'READ_ONLY',
};

/**
 * Config when only a person can fix it (credentials, a missing database, a renamed column, a
 * missing grant); retryable for everything else (network, timeouts, deadlocks, restarts).
 */
export function classifyDatabaseError(error: unknown, what: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; driverError?: { code?: unknown } };
  const code = typeof e.driverError?.code === 'string' ? e.driverError.code : typeof e.code === 'string' ? e.code : undefined;
  const message = `${what}: ${typeof e.message === 'string' ? e.message : String(error)}`;
  const configCode = code ? CONFIG_CODES[code] : undefined;
  if (configCode) return new ConnectorError('config', configCode, message);
  return new ConnectorError('retryable', code ?? 'DATABASE_UNAVAILABLE', message);
}
