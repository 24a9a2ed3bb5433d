import { HubDatabase } from './hub-database';

/**
 * Request counts per (bucket key, one-minute window) in PostgreSQL, the store every api process
 * shares (rate_limit_windows is UNLOGGED: no WAL flush per request).
 */
export class RateLimitRepository {
  constructor(private readonly db: HubDatabase) {}

  /** Adds `weight` to the window's count and returns the count after it, in one statement. */
  async hit(bucketKey: string, windowStart: Date, weight: number): Promise<number> {
    const rows: { hits: number }[] = await this.db.dataSource.query(
      `INSERT INTO rate_limit_windows (bucket_key, window_start, hits) VALUES ($1, $2, $3)
       ON CONFLICT (bucket_key, window_start) DO UPDATE SET hits = rate_limit_windows.hits + EXCLUDED.hits
       RETURNING hits`,
      [bucketKey, windowStart.toISOString(), weight],
    );
    return Number(rows[0].hits);
  }

  /** Forgets windows that started before `before`. */
  async prune(before: Date): Promise<void> {
    await this.db.dataSource.query('DELETE FROM rate_limit_windows WHERE window_start < $1', [before.toISOString()]);
  }
}
