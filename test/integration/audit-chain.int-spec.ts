/**
 * The query log and the collection log are append-only and tamper-evident (R19, R31; anchors
 * 3.8 and F8): SQL edits are refused, and edits forced by a superuser are named by the
 * verifier. Each test gets its own database on the shared PostgreSQL, migrated by the hub.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

import { loadHubConfig } from '../../libs/config/hub-config';
import { AuditChainRepository, AuditedTable } from '../../libs/persistence/audit/audit-chain.repository';
import { verifyAuditChains } from '../../libs/persistence/audit/verify-audit-chain';
import { HubDatabase, MIGRATIONS } from '../../libs/persistence/hub-database';
import { AuditChain1764489600000 } from '../../libs/persistence/migrations/1764489600000-audit-chain';
import { LeanChainTrigger1765180800000 } from '../../libs/persistence/migrations/1765180800000-lean-chain-trigger';
import { findFreePort } from '../support/process-utils';
import { createTestDatabase, SHARED_AMQP, SHARED_PG, withDatabase } from '../support/test-services';
import { noRecords, reliabilityCase } from '../support/reliability';

jest.setTimeout(120_000);

const timings: string[] = [];
afterAll(() => {
  if (timings.length > 0) console.info(`audit chain timings\n  ${timings.join('\n  ')}`);
});

type DataSource = HubDatabase['dataSource'];

/** What both a pg Client and the hub's DataSource offer. */
interface Sql {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

/** The statement SubjectQueryRepository.logRefused runs: no chain columns, the trigger fills them. */
async function logQuery(db: Sql, n: number, purpose = 'credit check'): Promise<void> {
  await db.query(
    `INSERT INTO query_log (caller_kind, caller_id, subject_code, purpose, outcome, result_count, client_address)
     VALUES ($1, $2, $3, $4, $5, 0, $6)`,
    ['government', `user-${n}`, `91350200MA${String(n).padStart(8, '0')}`, purpose, 'served', '10.0.0.1'],
  );
}

/** Many rows in one statement: each row's trigger must see the rows before it in the same statement. */
async function logQueries(db: Sql, count: number): Promise<void> {
  await db.query(
    `INSERT INTO query_log (caller_kind, caller_id, subject_code, purpose, outcome, result_count, client_address)
     SELECT 'government', 'user-' || n, '91350200MA' || lpad(n::text, 8, '0'), 'credit check', 'served', n % 7, '10.0.0.1'
     FROM generate_series(1, $1::int) AS n`,
    [count],
  );
}

async function isChained(db: DataSource): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM information_schema.columns WHERE table_name = 'query_log' AND column_name = 'row_hash'`,
  );
  return rows.length > 0;
}

type Migration = Pick<AuditChain1764489600000, 'up' | 'down'>;

async function runMigration(db: HubDatabase, migration: Migration, direction: 'up' | 'down'): Promise<void> {
  const runner = db.dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await migration[direction](runner);
    await runner.commitTransaction();
  } catch (e) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw e;
  } finally {
    await runner.release();
  }
}

/** Runs the migration by hand until it is listed in MIGRATIONS (then migrate() has run it). */
function runAuditChainMigration(db: HubDatabase, direction: 'up' | 'down'): Promise<void> {
  return runMigration(db, new AuditChain1764489600000(), direction);
}

async function ensureChained(db: HubDatabase): Promise<void> {
  if (!(await isChained(db.dataSource))) await runAuditChainMigration(db, 'up');
}

interface TestHub {
  readonly url: string;
  readonly db: HubDatabase;
  readonly chain: AuditChainRepository;
  /** A superuser session, for the edits an attacker with full access would make. */
  superuser<T>(work: (c: Client) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function openTestHub(options: { schema?: 'chained' | 'migrate' | 'none' } = {}): Promise<TestHub> {
  const schema = options.schema ?? 'chained';
  const database = await createTestDatabase();
  const db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: SHARED_AMQP }));
  try {
    if (schema !== 'none') await db.migrate();
    if (schema === 'chained') await ensureChained(db);
  } catch (e) {
    await db.close();
    await database.drop();
    throw e;
  }
  return {
    url: database.url,
    db,
    chain: new AuditChainRepository(db),
    superuser: (work) => withDatabase(database.url, work),
    close: async () => {
      await db.close();
      await database.drop();
    },
  };
}

/** The forced edit: replica mode skips user triggers for this session only. */
async function forced(c: Client, sql: string, params: unknown[] = []): Promise<void> {
  await c.query(`SET session_replication_role = replica`);
  try {
    await c.query(sql, params);
  } finally {
    await c.query(`SET session_replication_role = DEFAULT`);
  }
}

async function sqlErrorOf(work: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await work;
  } catch (e) {
    if (e instanceof Error) return { code: (e as Error & { code?: string }).code, message: e.message };
    throw e;
  }
  throw new Error('the statement was not refused');
}

describe('audit chain: append-only at the database level', () => {
  let hub: TestHub;
  const writerRole = `hubtest_writer_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await withDatabase(`${SHARED_PG}/postgres`, (c) => c.query(`CREATE ROLE ${writerRole} LOGIN`));
  });

  afterAll(async () => {
    await withDatabase(`${SHARED_PG}/postgres`, (c) => c.query(`DROP ROLE IF EXISTS ${writerRole}`));
  });

  beforeEach(async () => {
    hub = await openTestHub();
    await logQueries(hub.db.dataSource, 3);
    // The migration created the group role; the application's login role is made a member.
    await hub.superuser((c) => c.query(`GRANT credithub_audit_writer TO ${writerRole}`));
  });

  afterEach(async () => {
    await hub?.close();
  });

  function asWriter<T>(work: (c: Client) => Promise<T>): Promise<T> {
    const url = new URL(hub.url);
    url.username = writerRole;
    return withDatabase(url.toString(), work);
  }

  it('lets the insert-only role append a row, chained by the trigger', async () => {
    await asWriter((c) => logQuery(c, 4));
    const [row]: Array<{ hashed: boolean }> = await hub.db.dataSource.query(
      `SELECT octet_length(row_hash) = 32 AND chain_seq >= 1 AS hashed FROM query_log WHERE caller_id = 'user-4'`,
    );
    expect(row).toEqual({ hashed: true });
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 4 });
  });

  reliabilityCase(
    {
      id: 'F8-app-role',
      group: 'F access and audit',
      title: 'the application role cannot change or remove audit rows',
      channel: 'PostgreSQL, the query log',
      input: 'as the insert-only login role: UPDATE query_log, DELETE FROM query_log, TRUNCATE query_log',
      expected: 'each refused with 42501 permission denied; the chain still verifies',
    },
    async () => {
      for (const sql of [`UPDATE query_log SET purpose = 'none' WHERE id = 1`, `DELETE FROM query_log WHERE id = 1`, `TRUNCATE query_log`]) {
        const error = await asWriter((c) => sqlErrorOf(c.query(sql)));
        expect(error.code).toBe('42501');
        expect(error.message).toMatch(/permission denied/);
      }
      await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true });
      return noRecords('UPDATE, DELETE, TRUNCATE: 42501 permission denied each; chain intact');
    },
  );

  it.each([
    ['UPDATE query_log', `UPDATE query_log SET purpose = 'none' WHERE id = 1`],
    ['DELETE FROM query_log', `DELETE FROM query_log WHERE id = 1`],
    ['TRUNCATE query_log', `TRUNCATE query_log`],
    ['TRUNCATE collection_log', `TRUNCATE collection_log`],
  ])('refuses %s even from the owner while the triggers are on', async (_verb, sql) => {
    const error = await hub.superuser((c) => sqlErrorOf(c.query(sql)));
    expect(error.code).toBe('42501');
    expect(error.message).toMatch(/is append-only/);
  });

  it('ignores chain values supplied by the writer', async () => {
    await hub.db.dataSource.query(
      `INSERT INTO query_log (caller_kind, subject_code, outcome, result_count, chain_seq, prev_hash, row_hash)
       VALUES ('public', 'X', 'served', 0, 1, NULL, '\\x00')`,
    );
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 4 });
  });
});

describe('audit chain: verification names the first broken link', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await openTestHub();
    // One connection, no contention: all 1,000 rows in one lane, so ids 1..1000 are seq 1..1000.
    await withDatabase(hub.url, async (c) => {
      for (let n = 1; n <= 10; n++) await logQuery(c, n);
      await logQueries(c, 990);
    });
  });

  afterEach(async () => {
    await hub?.close();
  });

  it('passes an intact chain of 1,000 rows and reports its head', async () => {
    const result = await hub.chain.verifyChain('query_log');
    expect(result).toEqual({
      ok: true, rows: 1000,
      heads: [{ lane: expect.any(Number), id: '1000', seq: '1000', hash: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    });
  });

  it('walks page boundaries the same way (page size 7)', async () => {
    await expect(new AuditChainRepository(hub.db, 7).verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 1000 });
    await hub.superuser((c) => forced(c, `UPDATE query_log SET result_count = 99 WHERE id = 700`));
    await expect(new AuditChainRepository(hub.db, 7).verifyChain('query_log')).resolves.toEqual({
      ok: false, rows: 699, firstBrokenId: '700', reason: 'hash_mismatch',
    });
  });

  reliabilityCase(
    {
      id: 'F8-edit',
      group: 'F access and audit',
      title: 'a superuser edit of an audit row is found by the hash-chain verifier',
      channel: 'PostgreSQL, the query log',
      input: "as a superuser with the triggers off: UPDATE query_log SET purpose = 'marketing' WHERE id = 500 (of 1,000)",
      expected: 'the verifier reports the chain broken at row 500 (hash_mismatch), 499 rows good',
    },
    async () => {
    await hub.superuser((c) => forced(c, `UPDATE query_log SET purpose = 'marketing' WHERE id = 500`));
    await expect(hub.chain.verifyChain('query_log')).resolves.toEqual({
      ok: false, rows: 499, firstBrokenId: '500', reason: 'hash_mismatch',
    });
    return noRecords('verifier: ok false, 499 rows good, first broken id 500, hash_mismatch');
  });

  it('names row 500 when its triggers are disabled table-wide and it is edited', async () => {
    await hub.superuser(async (c) => {
      await c.query('ALTER TABLE query_log DISABLE TRIGGER USER');
      await c.query(`UPDATE query_log SET queried_at = queried_at - interval '1 day' WHERE id = 500`);
      await c.query('ALTER TABLE query_log ENABLE TRIGGER USER');
    });
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: false, firstBrokenId: '500', reason: 'hash_mismatch' });
  });

  it('names the next row when a superuser deletes row 500', async () => {
    await hub.superuser((c) => forced(c, `DELETE FROM query_log WHERE id = 500`));
    await expect(hub.chain.verifyChain('query_log')).resolves.toEqual({
      ok: false, rows: 499, firstBrokenId: '501', reason: 'prev_mismatch',
    });
  });

  it('names the next row when row 500 is edited and rehashed on its own', async () => {
    await hub.superuser(async (c) => {
      await c.query(`SET TimeZone = 'UTC'`); // as the trigger renders queried_at
      await forced(c, `UPDATE query_log t SET purpose = 'marketing',
                         row_hash = audit_chain_hash(t.prev_hash, to_jsonb(t) || '{"purpose":"marketing"}')
                       WHERE id = 500`);
    });
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: false, firstBrokenId: '501', reason: 'prev_mismatch' });
  });

  it('names the old first row when the chain start is deleted', async () => {
    await hub.superuser((c) => forced(c, `DELETE FROM query_log WHERE id = 1`));
    await expect(hub.chain.verifyChain('query_log')).resolves.toEqual({
      ok: false, rows: 0, firstBrokenId: '2', reason: 'prev_mismatch',
    });
  });

  it('is not fooled by a rewritten hash function', async () => {
    await hub.superuser(async (c) => {
      await forced(c, `UPDATE query_log SET purpose = 'marketing' WHERE id = 500`);
      await c.query(`CREATE OR REPLACE FUNCTION audit_chain_hash(prev bytea, row_json jsonb) RETURNS bytea
                     LANGUAGE sql AS $$ SELECT '\\x00'::bytea $$`);
    });
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: false, firstBrokenId: '500' });
  });

  it('exits 1 from the verify command and prints the broken row; 0 when intact', async () => {
    const lines: string[] = [];
    const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`error: ${l}`) };
    await expect(verifyAuditChains(hub.url, out)).resolves.toBe(0);
    expect(lines).toEqual([
      'query_log: intact, 1000 rows in 1 lanes',
      expect.stringMatching(/^ {2}query_log lane \d+ head: id 1000 seq 1000 sha256 [0-9a-f]{64}$/),
      'collection_log: intact, 0 rows in 0 lanes',
    ]);
    lines.length = 0;
    await hub.superuser((c) => forced(c, `UPDATE query_log SET purpose = 'marketing' WHERE id = 500`));
    await expect(verifyAuditChains(hub.url, out)).resolves.toBe(1);
    expect(lines[0]).toBe('query_log: BROKEN at id 500 (hash_mismatch), after 499 intact rows');
  });
});

describe('audit chain: writers and readers in different settings', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await openTestHub();
  });

  afterEach(async () => {
    await hub?.close();
  });

  it('keeps every lane a valid chain under concurrent inserts from 8 connections', async () => {
    const perWriter = 150;
    const writers = Array.from({ length: 8 }, (_, w) =>
      withDatabase(hub.url, async (c) => {
        for (let i = 0; i < perWriter; i++) {
          await c.query('BEGIN');
          await logQuery(c, w * 1000 + i);
          if (i % 10 === 0) await logQuery(c, w * 1000 + i, 'second row of the transaction');
          await c.query('COMMIT');
        }
      }),
    );
    await Promise.all(writers);
    const expected = 8 * (perWriter + perWriter / 10);
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: expected });
    const lanes: Array<{ max: string; count: string }> = await hub.db.dataSource.query(
      'SELECT max(chain_seq)::text AS max, count(*)::text AS count FROM query_log GROUP BY chain_lane',
    );
    for (const lane of lanes) expect(lane.max).toBe(lane.count); // gapless within each lane
    const pairs: Array<{ caller_id: string }> = await hub.db.dataSource.query(
      `SELECT caller_id FROM query_log GROUP BY caller_id
       HAVING count(*) = 2 AND (count(DISTINCT chain_lane) > 1 OR max(chain_seq) - min(chain_seq) <> 1)`,
    );
    expect(pairs).toEqual([]); // the two rows of one transaction are consecutive in its lane
  });

  it('puts a writer in a free lane instead of waiting for one held by an open transaction', async () => {
    await withDatabase(hub.url, async (holder) => {
      await holder.query('BEGIN');
      await logQuery(holder, 1);
      await withDatabase(hub.url, async (other) => {
        await other.query(`SET statement_timeout = '3s'`);
        await logQuery(other, 2);
      });
      await holder.query('COMMIT');
    });
    const rows: Array<{ caller_id: string; chain_lane: number; chain_seq: string }> = await hub.db.dataSource.query(
      'SELECT caller_id, chain_lane, chain_seq::text AS chain_seq FROM query_log ORDER BY id',
    );
    expect(rows).toHaveLength(2);
    expect(rows[0].chain_lane).not.toBe(rows[1].chain_lane);
    expect(rows.map((r) => r.chain_seq)).toEqual(['1', '1']);
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 2, heads: [{}, {}] });
  });

  it('leaves no hole when a chained insert rolls back', async () => {
    await withDatabase(hub.url, async (c) => {
      await logQuery(c, 1);
      await c.query('BEGIN');
      await logQuery(c, 2);
      await c.query('ROLLBACK');
      await logQuery(c, 3);
    });
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 2 });
  });

  it('hashes the same in every session time zone', async () => {
    await withDatabase(hub.url, async (c) => {
      await c.query(`SET TimeZone = 'Asia/Shanghai'`);
      await logQuery(c, 1);
      await c.query(`SET TimeZone = 'America/Los_Angeles'`);
      await logQuery(c, 2);
    });
    await hub.db.dataSource.query(`SET TimeZone = 'Pacific/Chatham'`);
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 2 });
  });

  it("leaves the writer's time zone as it was, inside its transaction too", async () => {
    await withDatabase(hub.url, async (c) => {
      await c.query(`SET TimeZone = 'Asia/Shanghai'`);
      await c.query('BEGIN');
      await logQuery(c, 1);
      const [{ zone, shown }] = (await c.query(`SELECT current_setting('TimeZone') AS zone, '2026-11-27 00:00:00+00'::timestamptz::text AS shown`)).rows;
      await c.query('COMMIT');
      expect({ zone, shown }).toEqual({ zone: 'Asia/Shanghai', shown: '2026-11-27 08:00:00+08' });
    });
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 1 });
  });

  it('chains the collection log too and names an edited row there', async () => {
    const [supplier]: Array<{ id: string }> = await hub.db.dataSource.query(
      `INSERT INTO suppliers (code, name, api_key_hash, items) VALUES ('S1', 'Supplier', 'h', '{XK_A}') RETURNING id`,
    );
    const [batch]: Array<{ id: string }> = await hub.db.dataSource.query(
      `INSERT INTO batches (id, supplier_id, item_code, channel, status) VALUES (gen_random_uuid(), $1, 'XK_A', 'rest', 'accepted') RETURNING id`,
      [supplier.id],
    );
    await withDatabase(hub.url, async (c) => {
      for (let chunk = 0; chunk < 20; chunk++) {
        // The statement RecordRepository runs per loaded chunk.
        await c.query(
          `INSERT INTO collection_log (batch_id, chunk_no, supplier_id, item_code, channel, received, loaded, rejected, new_versions)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [batch.id, chunk, supplier.id, 'XK_A', 'rest', 500, 498, 2, 498],
        );
      }
    });
    await expect(hub.chain.verifyChain('collection_log')).resolves.toMatchObject({ ok: true, rows: 20 });
    const [row]: Array<{ id: string }> = await hub.db.dataSource.query(`SELECT id::text AS id FROM collection_log WHERE chunk_no = 12`);
    await hub.superuser((c) => forced(c, `UPDATE collection_log SET rejected = 0 WHERE id = $1`, [row.id]));
    await expect(hub.chain.verifyChain('collection_log')).resolves.toEqual({
      ok: false, rows: 12, firstBrokenId: row.id, reason: 'hash_mismatch',
    });
  });

  it('refuses a table name that is not an audited log', async () => {
    await expect(hub.chain.verifyChain('suppliers' as AuditedTable)).rejects.toThrow(RangeError);
  });

  it('verifies 100,000 rows (timing printed)', async () => {
    let t0 = performance.now();
    await logQueries(hub.db.dataSource, 100_000);
    timings.push(`insert 100,000 chained rows in one statement: ${Math.round(performance.now() - t0)} ms`);
    t0 = performance.now();
    const result = await hub.chain.verifyChain('query_log');
    const ms = Math.round(performance.now() - t0);
    timings.push(`verifyChain over 100,000 rows (pages of 10,000): ${ms} ms`);
    expect(result).toMatchObject({ ok: true, rows: 100_000 });
  });
});

describe('audit chain migration', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await openTestHub({ schema: 'migrate' });
    // When the migration is listed in MIGRATIONS, migrate() has applied it: step back first.
    if (await isChained(hub.db.dataSource)) await runAuditChainMigration(hub.db, 'down');
  });

  afterEach(async () => {
    await hub?.close();
  });

  it('chains the rows written before it, in id order, and then new rows after them', async () => {
    await logQueries(hub.db.dataSource, 50);
    await runAuditChainMigration(hub.db, 'up');
    await logQuery(hub.db.dataSource, 51);
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 51 });
    const [lane0]: Array<{ ids: string; seqs: string }> = await hub.db.dataSource.query(
      `SELECT string_agg(id::text, ',' ORDER BY chain_seq) AS ids, string_agg(chain_seq::text, ',' ORDER BY chain_seq) AS seqs
       FROM query_log WHERE id <= 50 AND chain_lane = 0`,
    );
    const oneTo50 = Array.from({ length: 50 }, (_, i) => String(i + 1)).join(',');
    expect(lane0).toEqual({ ids: oneTo50, seqs: oneTo50 });
  });

  it('goes down and up again, re-chaining what is there', async () => {
    await runAuditChainMigration(hub.db, 'up');
    await logQueries(hub.db.dataSource, 5);
    await runAuditChainMigration(hub.db, 'down');
    expect(await isChained(hub.db.dataSource)).toBe(false);
    await logQueries(hub.db.dataSource, 5);
    await runAuditChainMigration(hub.db, 'up');
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 10 });
  });
});

describe('audit chain under the migrations that come after it', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await openTestHub({ schema: 'none' });
  });

  afterEach(async () => {
    await hub?.close();
  });

  // Guards the rule in the migration's comment: a later migration that gives old log rows a
  // new non-null value (a column with a default, a rename) would make every old row look forged.
  it('keeps the rows chained before them valid', async () => {
    const listed: readonly Migration[] = MIGRATIONS.map((M) => new M());
    const at = MIGRATIONS.findIndex((M) => M.name === AuditChain1764489600000.name);
    const before = at < 0 ? [...listed, new AuditChain1764489600000()] : listed.slice(0, at + 1);
    const after = at < 0 ? [] : listed.slice(at + 1);
    for (const m of before) await runMigration(hub.db, m, 'up');
    await withDatabase(hub.url, (c) => logQueries(c, 20));
    for (const m of after) await runMigration(hub.db, m, 'up');
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 20 });
  });

  // 1765180800000 replaces the trigger function; rows linked by either version form one chain.
  it('links one chain across the lean trigger going down and up again', async () => {
    const functionSettings = async () =>
      (await hub.db.dataSource.query<Array<{ config: string[] | null }>>(
        `SELECT proconfig AS config FROM pg_proc WHERE proname = 'query_log_chain_link'`,
      ))[0].config;
    for (const M of MIGRATIONS) await runMigration(hub.db, new M(), 'up');
    const lean = new LeanChainTrigger1765180800000();
    await withDatabase(hub.url, (c) => logQueries(c, 5));
    expect(await functionSettings()).toBeNull();
    await runMigration(hub.db, lean, 'down');
    expect(await functionSettings()).toEqual(expect.arrayContaining(['TimeZone=UTC']));
    await withDatabase(hub.url, (c) => logQueries(c, 5));
    await runMigration(hub.db, lean, 'up');
    await withDatabase(hub.url, async (c) => {
      await c.query(`SET TimeZone = 'Asia/Shanghai'`);
      await logQueries(c, 5);
    });
    await expect(hub.chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 15 });
  });
});

/**
 * PGlite needs dynamic import(), which jest's VM refuses, so it runs in a child process:
 * in memory, behind the pglite-socket server, as embedded-postgres.ts serves it to the hub.
 */
async function startPglite(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const script = `
    const { PGlite } = require('@electric-sql/pglite');
    const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
    (async () => {
      const db = await PGlite.create();
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: ${port}, maxConnections: 1 });
      await server.start();
      process.stdout.write('ready\\n');
      process.on('SIGTERM', () => server.stop().then(() => db.close()).finally(() => process.exit(0)));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`PGlite exited with ${code}: ${stderr}`)));
  });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('audit chain on PGlite (PostgreSQL in WASM, as the embedded default runs it)', () => {
  let pglite: { url: string; stop(): Promise<void> } | undefined;
  let db: HubDatabase | undefined;

  afterAll(async () => {
    await db?.close();
    await pglite?.stop();
  });

  it('migrates, chains, verifies and names a forced edit', async () => {
    const t0 = performance.now();
    pglite = await startPglite(await findFreePort());
    // One connection: PGlite is a single backend.
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: pglite.url, AMQP_URL: SHARED_AMQP, DB_POOL_SIZE: '1' }));
    await db.dataSource.runMigrations({ transaction: 'each' });
    await ensureChained(db);
    const [{ version }]: Array<{ version: string }> = await db.dataSource.query('SELECT version()');
    timings.push(`PGlite start + all migrations: ${Math.round(performance.now() - t0)} ms (${version.split(' on ')[0]})`);

    for (let n = 1; n <= 5; n++) await logQuery(db.dataSource, n);
    await logQueries(db.dataSource, 995);
    const chain = new AuditChainRepository(db, 100);
    await expect(chain.verifyChain('query_log')).resolves.toMatchObject({ ok: true, rows: 1000 });

    await expect(db.dataSource.query(`UPDATE query_log SET purpose = 'x' WHERE id = 10`)).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`DELETE FROM query_log WHERE id = 10`)).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`TRUNCATE query_log`)).rejects.toThrow(/append-only/);

    await db.dataSource.query(`SET session_replication_role = replica`);
    await db.dataSource.query(`UPDATE query_log SET purpose = 'marketing' WHERE id = 500`);
    await db.dataSource.query(`SET session_replication_role = DEFAULT`);
    await expect(chain.verifyChain('query_log')).resolves.toEqual({
      ok: false, rows: 499, firstBrokenId: '500', reason: 'hash_mismatch',
    });
  });
});
