import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runCommand } from './process-utils';

export const SHARED_PG = 'postgres://postgres@127.0.0.1:5432';
export const SHARED_AMQP = 'amqp://guest:guest@127.0.0.1:5672';

/** A database of its own for one test file, on the shared PostgreSQL; the hub migrates it. */
export async function createTestDatabase(baseUrl = SHARED_PG): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `hubtest_${randomBytes(6).toString('hex')}`;
  await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
  return {
    url: `${baseUrl}/${name}`,
    name,
    drop: async () => {
      await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(baseUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: `${baseUrl}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A RabbitMQ virtual host of its own for one test file, so queue names never collide. */
export async function createTestVhost(
  node?: string,
  baseUrl = SHARED_AMQP,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `hubtest-${randomBytes(6).toString('hex')}`;
  const nodeArgs = node ? ['-n', node] : [];
  await ctl([...nodeArgs, 'add_vhost', name]);
  await ctl([...nodeArgs, 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  return {
    url: `${baseUrl}/${encodeURIComponent(name)}`,
    name,
    drop: async () => {
      await ctl([...nodeArgs, 'delete_vhost', name]).catch(() => undefined);
    },
  };
}

async function ctl(args: string[]): Promise<void> {
  const r = await runCommand('rabbitmqctl', args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

/** A direct connection to a test database, for assertions the API does not expose. */
export async function withDatabase<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Exactly-once evidence for records whose source key starts with `prefix`: rows, distinct keys, version rows. */
export async function loadedCounts(databaseUrl: string, prefix: string): Promise<{ records: number; distinct: number; versions: number }> {
  return withDatabase(databaseUrl, async (db) => {
    const r = await db.query<{ n: string; d: string; v: string }>(
      `SELECT count(*) AS n, count(DISTINCT r.source_key) AS d,
              (SELECT count(*) FROM credit_record_versions v JOIN credit_records x ON x.id = v.record_id WHERE x.source_key LIKE $1) AS v
       FROM credit_records r WHERE r.source_key LIKE $1`,
      [`${prefix}%`],
    );
    return { records: Number(r.rows[0].n), distinct: Number(r.rows[0].d), versions: Number(r.rows[0].v) };
  });
}
