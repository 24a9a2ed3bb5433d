import { HubDatabase } from './hub-database';
import { preparedQuery } from './prepared-query';

/** How long a readiness round trip may take before the database counts as unreachable. */
const READY_ROUND_TRIP_MS = 2_000;

export class HealthRepository {
  constructor(private readonly db: HubDatabase) {}

  /**
   * A real round trip through the pool (on the embedded default: the one PGlite connection) the
   * query edge uses, as a named prepared statement like the hot paths: a connection whose named
   * statements are out of step with the driver, or that hangs, shows as not reachable.
   */
  async databaseReady(): Promise<{ reachable: boolean; migrated: boolean }> {
    try {
      const rows = await withTimeout(preparedQuery<{ ok: number }>(this.db, 'hub_health_ready', 'SELECT 1 AS ok', []), READY_ROUND_TRIP_MS);
      if (rows[0]?.ok !== 1) return { reachable: false, migrated: false };
      return { reachable: true, migrated: !(await withTimeout(this.db.pendingMigrations(), READY_ROUND_TRIP_MS)) };
    } catch {
      return { reachable: false, migrated: false };
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
