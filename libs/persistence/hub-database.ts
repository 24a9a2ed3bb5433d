import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/hub-config';
import { EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema';
import { Brain1764316800000 } from './migrations/1764316800000-brain';
import { Connectors1764403200000 } from './migrations/1764403200000-connectors';
import { AuditChain1764489600000 } from './migrations/1764489600000-audit-chain';
import { ConnectorNames1764576000000 } from './migrations/1764576000000-connector-names';
import { RecordStatusEvents1764662400000 } from './migrations/1764662400000-record-status-events';
import { RightsFoundation1764748800000 } from './migrations/1764748800000-rights-foundation';
import { QueryAccounts1764835200000 } from './migrations/1764835200000-query-accounts';
import { CalendarTable1764878400000 } from './migrations/1764878400000-calendar-table';
import { CreditReports1764921600000 } from './migrations/1764921600000-credit-reports';
import { SubjectRights1765008000000 } from './migrations/1765008000000-subject-rights';
import { ListsAndCompliance1765094400000 } from './migrations/1765094400000-lists-and-compliance';
import { LeanChainTrigger1765180800000 } from './migrations/1765180800000-lean-chain-trigger';
import { NotificationDelivery1765267200000 } from './migrations/1765267200000-notification-delivery';
import { LoadFailuresAndRejectionCap1765400000000 } from './migrations/1765400000000-load-failures-and-rejection-cap';
import { DeadLetters1765410000000 } from './migrations/1765410000000-dead-letters';
import { IdempotencyDigest1765440000000 } from './migrations/1765440000000-idempotency-digest';
import { RateLimitsAndReportSerials1765443600000 } from './migrations/1765443600000-rate-limits-and-report-serials';

export const MIGRATIONS = [
  InitialSchema1764230400000,
  Brain1764316800000,
  Connectors1764403200000,
  AuditChain1764489600000,
  ConnectorNames1764576000000,
  RecordStatusEvents1764662400000,
  RightsFoundation1764748800000,
  QueryAccounts1764835200000,
  CalendarTable1764878400000,
  CreditReports1764921600000,
  SubjectRights1765008000000,
  ListsAndCompliance1765094400000,
  LeanChainTrigger1765180800000,
  NotificationDelivery1765267200000,
  LoadFailuresAndRejectionCap1765400000000,
  DeadLetters1765410000000,
  IdempotencyDigest1765440000000,
  RateLimitsAndReportSerials1765443600000,
];

/**
 * The connection to the central repository. Repositories receive it; nothing else may
 * reach the DataSource (only files in libs/persistence import typeorm).
 */
export class HubDatabase {
  private constructor(
    readonly dataSource: DataSource,
    private readonly embedded?: EmbeddedPostgres,
  ) {}

  static async open(config: HubConfig): Promise<HubDatabase> {
    let embedded: EmbeddedPostgres | undefined;
    let connection: { url: string } | { host: string; port: number; username: string; database: string };
    if (config.database.url) {
      connection = { url: config.database.url };
    } else {
      embedded = await startEmbeddedPostgres(config.dataDir);
      connection = { host: embedded.socketDir, port: embedded.port, username: 'postgres', database: 'postgres' };
    }
    const dataSource = new DataSource({
      type: 'postgres',
      ...connection,
      migrations: MIGRATIONS,
      migrationsTableName: 'schema_migrations',
      synchronize: false,
      logging: false,
      applicationName: 'credit-hub',
      // Bounded waits (pg has no checkout timeout by default; an exhausted pool would hang).
      poolSize: embedded ? 1 : config.database.poolSize,
      connectTimeoutMS: 5_000,
      extra: {
        statement_timeout: config.database.statementTimeoutMs,
        idle_in_transaction_session_timeout: embedded ? undefined : 5 * 60_000,
        connectionTimeoutMillis: embedded ? 60_000 : 10_000,
        ...(embedded ? { onConnect: forgetEarlierSessions } : {}),
      },
    });
    try {
      await dataSource.initialize();
    } catch (e) {
      await embedded?.stop();
      throw e;
    }
    return new HubDatabase(dataSource, embedded);
  }

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  async migrate(): Promise<void> {
    if (this.embedded) {
      await this.dataSource.runMigrations({ transaction: 'each' });
      return;
    }
    // One migrator at a time when several processes start together.
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock(727001)');
      try {
        await this.dataSource.runMigrations({ transaction: 'each' });
      } finally {
        await runner.query('SELECT pg_advisory_unlock(727001)');
      }
    } finally {
      await runner.release();
    }
  }

  /** The pg pool TypeORM holds (the one every repository and `preparedQuery` uses). */
  get pool(): Pool | undefined {
    return poolOf(this.dataSource);
  }

  async pendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

function poolOf(dataSource: DataSource): Pool | undefined {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  return pool !== undefined && typeof pool.connect === 'function' ? pool : undefined;
}

/**
 * PGlite is ONE backend session behind its socket: a connection the pool replaces (after a socket
 * error, say) leaves its named prepared statements behind in that session, and the new client,
 * which knows none of them, would fail every `preparedQuery` with `prepared statement "…" already
 * exists` (issue 11, finding 1). pg-pool awaits this hook before it hands a new connection out.
 */
async function forgetEarlierSessions(client: PoolClient): Promise<void> {
  await client.query('DEALLOCATE ALL');
}
