import { DatabaseError, type PoolClient } from 'pg';
import { HubDatabase } from './hub-database';

/**
 * A statement of a hot path (the query edge) run as a named prepared statement on the pool that
 * TypeORM's PostgreSQL driver holds: parsed and planned once per connection instead of on every
 * call. On the 2-core host that planning was most of PostgreSQL's work for the subject read
 * (5,100 q/s unnamed vs 9,500 q/s named, 16 clients, pg alone). Same pool, so the same size,
 * timeouts and session settings; falls back to `dataSource.query` if the driver has no pg pool.
 * `name` must be unique per `text`.
 *
 * The client is checked out and given back by hand, not through `pool.query`: pg-pool's
 * `query` releases the client WITH the error of a failed statement, which discards a perfectly
 * healthy connection (the server answered the error and is ready again after Sync). On the
 * embedded default that was the poison of finding 1 (issue 11): PGlite is one backend behind the
 * socket, so the discarded connection's named statements outlived it, and the next connection,
 * not knowing them, failed every call with `prepared statement "…" already exists`. Only a
 * connection that is itself broken (no longer queryable) is discarded.
 */
export async function preparedQuery<T>(db: HubDatabase, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = db.pool;
  if (pool === undefined) return db.dataSource.query(text, values);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const result = await client.query<T & Record<string, unknown>>({ name, text, values });
    return result.rows;
  } catch (error) {
    if (!isAnsweredByServer(error) || !isQueryable(client)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * An ErrorResponse of the server: the statement failed, the session did not (after Sync it is
 * ready for the next). A socket error or a client-side timeout is not one; that client goes.
 * FATAL answers (admin shutdown, class 57P0x) end the session: pg marks the client unqueryable.
 */
function isAnsweredByServer(error: unknown): boolean {
  return error instanceof DatabaseError && error.severity !== 'FATAL' && error.severity !== 'PANIC';
}

function isQueryable(client: PoolClient): boolean {
  const state = client as unknown as { _queryable?: boolean; _ending?: boolean };
  return state._queryable !== false && state._ending !== true;
}
