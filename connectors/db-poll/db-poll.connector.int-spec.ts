import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, Connection as MariaConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { connectorLedger, noRecords, reliabilityCase } from '../../test/support/reliability';
import { Connector, ConnectorError, Cursor, Feedback } from '../connector.contract';
import { DbDriver, DbPollConfig } from './db-poll.config';
import { DbSession } from './db-session';
import { dbPollManifest } from './manifest';
import { permissiveEgressGuard } from '../../libs/security/egress-policy';

type Row = Record<string, unknown>;

/** A statement on one connection of the supplier's database (as the supplier's own application would run it). */
interface SupplierSession {
  exec(sql: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/**
 * A supplier database of its own for this file, on the shared server: a `penalties` table, a
 * `hub_feedback` table, a reading role with SELECT on `penalties` only, and a feedback role that
 * may only INSERT into `hub_feedback`.
 */
interface SupplierDb {
  readonly driver: DbDriver;
  readonly database: string;
  readonly reader: { username: string; password: string };
  readonly writer: { username: string; password: string };
  readonly admin: { username: string; password: string | undefined };
  /** A new connection as the database owner. */
  session(): Promise<SupplierSession>;
  exec(sql: string, params?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

const HOST = '127.0.0.1';

async function pgSession(database: string): Promise<SupplierSession> {
  const client = new Client({ host: HOST, port: 5432, user: 'postgres', database, options: '-c TimeZone=UTC' });
  client.on('error', () => undefined);
  await client.connect();
  return {
    exec: async (sql, params = []) => (await client.query(sql, params)).rows as Row[],
    close: () => client.end(),
  };
}

async function mariaSession(database?: string): Promise<SupplierSession> {
  const connection: MariaConnection = await createConnection({ host: HOST, port: 3306, user: 'root', database, charset: 'utf8mb4', dateStrings: true });
  return {
    exec: async (sql, params = []) => {
      const [rows] = await connection.query(sql, params);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    },
    close: () => connection.end(),
  };
}

async function createSupplierDb(driver: DbDriver): Promise<SupplierDb> {
  const suffix = randomBytes(5).toString('hex');
  const database = `dbpoll_${suffix}`;
  const reader = { username: `dbpoll_r_${suffix}`, password: randomBytes(8).toString('hex') };
  const writer = { username: `dbpoll_w_${suffix}`, password: randomBytes(8).toString('hex') };
  if (driver === 'postgres') {
    const admin = await pgSession('postgres');
    await admin.exec(`CREATE DATABASE ${database}`);
    await admin.exec(`CREATE ROLE ${reader.username} LOGIN PASSWORD '${reader.password}'`);
    await admin.exec(`CREATE ROLE ${writer.username} LOGIN PASSWORD '${writer.password}'`);
    await admin.close();
    const owner = await pgSession(database);
    await owner.exec(`CREATE TABLE penalties (
        id bigint PRIMARY KEY, uscc text NOT NULL, name text, amount numeric(12,2),
        updated_at timestamptz NOT NULL DEFAULT now())`);
    await owner.exec('CREATE INDEX penalties_poll ON penalties (updated_at, id)');
    await owner.exec(`CREATE TABLE hub_feedback (
        batch_id text NOT NULL, record_index int NOT NULL, row_key text, field text NOT NULL, code text NOT NULL,
        message text NOT NULL, value text, created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (batch_id, record_index, field, code))`);
    await owner.exec(`GRANT USAGE ON SCHEMA public TO ${reader.username}, ${writer.username}`);
    await owner.exec(`GRANT SELECT ON penalties TO ${reader.username}`);
    await owner.exec(`GRANT INSERT ON hub_feedback TO ${writer.username}`);
    await owner.close();
    return {
      driver,
      database,
      reader,
      writer,
      admin: { username: 'postgres', password: undefined },
      session: () => pgSession(database),
      exec: async (sql, params) => {
        const s = await pgSession(database);
        try {
          return await s.exec(sql, params);
        } finally {
          await s.close();
        }
      },
      drop: async () => {
        const a = await pgSession('postgres');
        await a.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await a.exec(`DROP ROLE IF EXISTS ${reader.username}`);
        await a.exec(`DROP ROLE IF EXISTS ${writer.username}`);
        await a.close();
      },
    };
  }
  const admin = await mariaSession();
  await admin.exec(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.exec(`CREATE TABLE ${database}.penalties (
      id BIGINT PRIMARY KEY, uscc VARCHAR(18) NOT NULL, name VARCHAR(200), amount DECIMAL(12,2),
      updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), INDEX penalties_poll (updated_at, id))`);
  await admin.exec(`CREATE TABLE ${database}.hub_feedback (
      batch_id VARCHAR(64) NOT NULL, record_index INT NOT NULL, row_key VARCHAR(200), field VARCHAR(100) NOT NULL,
      code VARCHAR(64) NOT NULL, message VARCHAR(1000) NOT NULL, value VARCHAR(1000),
      created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (batch_id, record_index, field, code))`);
  for (const user of [reader, writer]) await admin.exec(`CREATE USER '${user.username}'@'%' IDENTIFIED BY '${user.password}'`);
  await admin.exec(`GRANT SELECT ON ${database}.penalties TO '${reader.username}'@'%'`);
  await admin.exec(`GRANT INSERT ON ${database}.hub_feedback TO '${writer.username}'@'%'`);
  await admin.close();
  return {
    driver,
    database,
    reader,
    writer,
    admin: { username: 'root', password: undefined },
    session: () => mariaSession(database),
    exec: async (sql, params) => {
      const s = await mariaSession(database);
      try {
        return await s.exec(sql, params);
      } finally {
        await s.close();
      }
    },
    drop: async () => {
      const a = await mariaSession();
      await a.exec(`DROP DATABASE IF EXISTS ${database}`);
      for (const user of [reader, writer]) await a.exec(`DROP USER IF EXISTS '${user.username}'@'%'`);
      await a.close();
    },
  };
}

describe.each<DbDriver>(['postgres', 'mariadb'])('db-poll against %s on loopback', (driver) => {
  let db: SupplierDb;
  let workDir: string;
  let logs: string[];
  const ph = (n: number) => (driver === 'postgres' ? `$${n}` : '?');
  const ts = (seconds: number) => new Date(Date.parse('2026-03-01T08:00:00Z') + seconds * 1000).toISOString().replace('T', ' ').replace('Z', '');

  beforeAll(async () => {
    db = await createSupplierDb(driver);
  });

  afterAll(async () => {
    await db.drop();
  });

  beforeEach(async () => {
    await db.exec('DELETE FROM penalties');
    await db.exec('DELETE FROM hub_feedback');
    workDir = mkdtempSync(join(tmpdir(), 'db-poll-'));
    logs = [];
  });

  afterEach(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  function config(overrides: Partial<Record<keyof DbPollConfig, unknown>> = {}): DbPollConfig {
    return dbPollManifest.configSchema.parse({
      driver,
      host: HOST,
      port: driver === 'postgres' ? 5432 : 3306,
      database: db.database,
      username: db.reader.username,
      password: db.reader.password,
      table: 'penalties',
      keyColumn: 'id',
      updatedAtColumn: 'updated_at',
      batchSize: 4,
      lookBackSeconds: 0,
      ...overrides,
    });
  }

  function connector(overrides: Partial<Record<keyof DbPollConfig, unknown>> = {}): Connector {
    return dbPollManifest.create(config(overrides), { workDir, now: () => new Date(), log: (_l, m) => logs.push(m), egress: permissiveEgressGuard() });
  }

  async function insert(rows: { id: string | number; uscc?: string; name?: string; amount?: string; updatedAt?: string }[], session?: SupplierSession): Promise<void> {
    for (const r of rows) {
      const values: unknown[] = [String(r.id), r.uscc ?? '91350200MA2XYZ0001', r.name ?? `厦门企业${r.id}`, r.amount ?? '100.50'];
      const sql = r.updatedAt
        ? `INSERT INTO penalties (id, uscc, name, amount, updated_at) VALUES (${ph(1)}, ${ph(2)}, ${ph(3)}, ${ph(4)}, ${ph(5)})`
        : `INSERT INTO penalties (id, uscc, name, amount) VALUES (${ph(1)}, ${ph(2)}, ${ph(3)}, ${ph(4)})`;
      if (r.updatedAt) values.push(r.updatedAt);
      if (session) await session.exec(sql, values);
      else await db.exec(sql, values);
    }
  }

  interface Outcome {
    readonly batches: { key: string; label: string; records: Row[]; cursorAfter: Cursor }[];
    readonly cursor: Cursor | null;
  }

  /** What the runtime does: check, drain each batch, store its cursor; `crashAfter` stops early. */
  async function run(c: Connector, cursor: Cursor | null, crashAfter?: number): Promise<Outcome> {
    const batches: Outcome['batches'] = [];
    let stored = cursor;
    try {
      await c.check();
      for await (const batch of c.read(cursor)) {
        const records: Row[] = [];
        for await (const r of batch.records) records.push(r);
        batches.push({ key: batch.key, label: batch.label, records, cursorAfter: batch.cursorAfter });
        stored = batch.cursorAfter;
        if (crashAfter !== undefined && batches.length >= crashAfter) break;
      }
    } finally {
      await c.close();
    }
    return { batches, cursor: stored };
  }

  const keysOf = (o: Outcome) => o.batches.flatMap((b) => b.records.map((r) => String(r.source_key)));

  it('reads every row in (updated_at, id) order, each record keyed by its id, values exact', async () => {
    await insert([
      { id: 3, updatedAt: ts(3) },
      { id: 1, updatedAt: ts(1), amount: '1234.56' },
      { id: '9007199254740993', updatedAt: ts(2), name: '厦门市某某科技有限公司' }, // beyond 2^53
      ...[4, 5, 6, 7, 8, 9, 10].map((id) => ({ id, updatedAt: ts(id) })),
    ]);

    const outcome = await run(connector(), null);

    expect(outcome.batches.map((b) => b.records.length)).toEqual([4, 4, 2]);
    expect(keysOf(outcome)).toEqual(['1', '9007199254740993', '3', '4', '5', '6', '7', '8', '9', '10']);
    const [first, second] = outcome.batches[0].records;
    expect(first).toMatchObject({ id: '1', uscc: '91350200MA2XYZ0001', amount: '1234.56', source_key: '1' });
    expect(second).toMatchObject({ id: '9007199254740993', name: '厦门市某某科技有限公司' });
    expect(String(first.updated_at)).toContain('2026-03-01 08:00:01');
    expect(outcome.cursor).toMatchObject({ key: '10' });
    expect(new Set(outcome.batches.map((b) => b.key)).size).toBe(3);

    const again = await run(connector(), outcome.cursor);
    expect(again.batches).toHaveLength(0);
  });

  reliabilityCase(
    {
      id: `D10-${driver}`,
      group: 'D connector',
      title: 'a row committed after a later row was polled is still collected (cursor gap)',
      channel: `DB poll, connector against ${driver} on loopback`,
      input: 'session 1 inserts id 1 and stays open; session 2 inserts id 3 and commits; the poller runs; then session 1 commits and the poller runs again',
      expected: 'with a 300 s look-back window id 1 is read on the next run (2 and 3 re-read and absorbed by the idempotent load); without the window it would be missed',
    },
    async () => {
    await insert([{ id: 2 }]);
    const slow = await db.session();
    const fast = await db.session();
    try {
      // Session 1 takes id 1 and stays open; session 2 inserts id 3 later and commits first.
      await slow.exec(driver === 'postgres' ? 'BEGIN' : 'START TRANSACTION');
      await insert([{ id: 1 }], slow);
      await new Promise((done) => setTimeout(done, 20));
      await insert([{ id: 3 }], fast);

      const first = await run(connector({ lookBackSeconds: 300 }), null);
      expect(keysOf(first)).toEqual(['2', '3']);

      // A run before the commit re-reads the window and sees nothing new.
      const between = await run(connector({ lookBackSeconds: 300 }), first.cursor);
      expect(keysOf(between)).toEqual(['2', '3']);
      expect(between.cursor).toEqual(first.cursor);

      await slow.exec('COMMIT');
      const [late] = await db.exec(`SELECT updated_at < (SELECT updated_at FROM penalties WHERE id = 3) AS earlier FROM penalties WHERE id = 1`);
      expect([true, 1, '1']).toContain(late.earlier); // id 1 carries the earlier timestamp

      const next = await run(connector({ lookBackSeconds: 300 }), first.cursor);
      expect(keysOf(next)).toEqual(['2', '1', '3']); // 2 and 3 again: the idempotent load absorbs them
      // Same window, different rows: a new batch key, so the hub does not answer it from the earlier batch.
      expect(next.batches[0].key).not.toBe(between.batches[0].key);
      expect(next.cursor).toEqual(first.cursor);

      // The trap it avoids: without the window, id 1 is never read.
      const naive = await run(connector({ lookBackSeconds: 0 }), first.cursor);
      expect(keysOf(naive)).toEqual([]);
      const read = [...new Set([...keysOf(first), ...keysOf(next)])];
      return { ...connectorLedger(['1', '2', '3'], read), observed: `run 1 read ${keysOf(first).join(',')}; after the late commit run 2 read ${keysOf(next).join(',')}; without the window: nothing` };
    } finally {
      await slow.close();
      await fast.close();
    }
  });

  reliabilityCase(
    {
      id: `D11-${driver}-boundary`,
      group: 'D connector',
      title: '1,000 rows sharing one updated_at across page boundaries: none skipped or repeated, across a restart',
      channel: `DB poll, connector against ${driver} on loopback`,
      input: '1,000 rows with the same updated_at read in pages of 64, once whole and once cut after page 5 and resumed from the stored cursor',
      expected: 'the composite (updated_at, id) cursor reads ids 1..1000 exactly once both ways',
    },
    async () => {
    const values = Array.from({ length: 1000 }, (_, i) => `(${i + 1}, '91350200MA2XYZ0001', 'n', 1, '${ts(0)}')`);
    await db.exec(`INSERT INTO penalties (id, uscc, name, amount, updated_at) VALUES ${values.join(', ')}`);

    const whole = await run(connector({ batchSize: 64 }), null);
    expect(whole.batches).toHaveLength(16); // 15 × 64 + 40
    expect(keysOf(whole)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i + 1)));
    expect(new Set(whole.batches.map((b) => b.key)).size).toBe(16);

    const cut = await run(connector({ batchSize: 64 }), null, 5);
    expect(cut.cursor).toMatchObject({ key: '320' });
    const rest = await run(connector({ batchSize: 64 }), cut.cursor);
    expect([...keysOf(cut), ...keysOf(rest)]).toEqual(Array.from({ length: 1000 }, (_, i) => String(i + 1)));
    return { ...connectorLedger(Array.from({ length: 1000 }, (_, i) => String(i + 1)), [...keysOf(cut), ...keysOf(rest)]), observed: `whole run 16 pages; cut run resumed at key ${String((cut.cursor as { key?: unknown }).key)}: 1000 read, none twice` };
  });

  it.each([
    ['table', { table: 'penalties; DROP TABLE hub_feedback--' }, 'UNKNOWN_TABLE'],
    ['table', { table: 'penalties` ; DROP TABLE hub_feedback; --' }, 'UNKNOWN_TABLE'],
    ['column', { columns: ['uscc', 'a" , (select 1) --'] }, 'UNKNOWN_COLUMN'],
    ['column', { keyColumn: 'id`, (SELECT 1) --' }, 'UNKNOWN_COLUMN'],
    ['column', { updatedAtColumn: 'UPDATED_AT; DROP' }, 'UNKNOWN_COLUMN'],
  ])('refuses a %s name with SQL in it at check(), and nothing runs', async (_what, overrides, code) => {
    const c = connector(overrides);
    const error = await c.check().catch((e: unknown) => e);
    await c.close();

    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ errorClass: 'config', code });
    expect(await db.exec('SELECT count(*) AS n FROM hub_feedback')).toHaveLength(1); // the table is still there
  });

  it('refuses a table the reading role may not see, as if it did not exist', async () => {
    const c = connector({ table: 'hub_feedback' });
    await expect(c.check()).rejects.toMatchObject({ errorClass: 'config', code: 'UNKNOWN_TABLE' });
    await c.close();
  });

  it('classes an unknown user as config (AUTH_FAILED), not as something to retry', async () => {
    const c = connector({ username: 'nobody_here', password: 'wrong' });
    await expect(c.check()).rejects.toMatchObject({ errorClass: 'config', code: 'AUTH_FAILED' });
    await c.close();
  });

  it('classes an unknown database as config', async () => {
    const c = connector({ database: `${db.database}_missing`, username: db.admin.username, password: db.admin.password });
    await expect(c.check()).rejects.toMatchObject({ errorClass: 'config' });
    await c.close();
  });

  it('reads in a read-only session: a write fails there even for the database owner', async () => {
    await insert([{ id: 1 }]);
    const session = await DbSession.openReadOnly(config({ username: db.admin.username, password: db.admin.password }), permissiveEgressGuard());
    try {
      const insertSql = `INSERT INTO penalties (id, uscc) VALUES (${ph(1)}, ${ph(2)})`;
      await expect(session.query(insertSql, ['2', 'x'])).rejects.toMatchObject({ errorClass: 'config', code: 'READ_ONLY' });
      await expect(session.transaction('read-only', () => session.query('DELETE FROM penalties'))).rejects.toMatchObject({ code: 'READ_ONLY' });
      await expect(session.query('CREATE TABLE intruder (a int)')).rejects.toMatchObject({ code: 'READ_ONLY' });
    } finally {
      await session.close();
    }
    expect(await db.exec('SELECT id FROM penalties')).toHaveLength(1);
  });

  reliabilityCase(
    {
      id: `D11-${driver}-drift`,
      group: 'D connector',
      title: 'a configured column renamed in the supplier table fails closed before any row is read',
      channel: `DB poll, connector against ${driver} on loopback`,
      input: 'after a first run, a new row is inserted and the column name is renamed to company_name',
      expected: 'a config-class UNKNOWN_COLUMN naming "name"; no batch read, the cursor does not move; no silent NULLs',
    },
    async () => {
    await insert([{ id: 1, updatedAt: ts(1) }]);
    const first = await run(connector({ columns: ['id', 'uscc', 'name'] }), null);
    await insert([{ id: 2, updatedAt: ts(2) }]);
    await db.exec(driver === 'postgres' ? 'ALTER TABLE penalties RENAME COLUMN name TO company_name' : 'ALTER TABLE penalties CHANGE name company_name VARCHAR(200)');
    try {
      const c = connector({ columns: ['id', 'uscc', 'name'] });
      const seen: unknown[] = [];
      const error = await (async () => {
        for await (const batch of c.read(first.cursor)) seen.push(batch);
      })().catch((e: unknown) => e);
      await c.close();

      expect(error).toMatchObject({ errorClass: 'config', code: 'UNKNOWN_COLUMN' });
      expect((error as Error).message).toContain('"name"');
      expect(seen).toHaveLength(0);
      return noRecords(`${(error as ConnectorError).code} (${(error as ConnectorError).errorClass}); 0 batches read`);
    } finally {
      await db.exec(driver === 'postgres' ? 'ALTER TABLE penalties RENAME COLUMN company_name TO name' : 'ALTER TABLE penalties CHANGE company_name name VARCHAR(200)');
    }
  });

  it('reading all columns, fails closed when one read before is dropped', async () => {
    await insert([{ id: 1, updatedAt: ts(1) }]);
    const first = await run(connector(), null);
    expect(first.cursor).toMatchObject({ columns: ['id', 'uscc', 'name', 'amount', 'updated_at'] });
    await db.exec('ALTER TABLE penalties DROP COLUMN amount');
    try {
      const c = connector();
      const error = await (async () => {
        for await (const _batch of c.read(first.cursor)) void _batch;
      })().catch((e: unknown) => e);
      await c.close();
      expect(error).toMatchObject({ errorClass: 'config', code: 'COLUMN_DROPPED' });
    } finally {
      await db.exec(driver === 'postgres' ? 'ALTER TABLE penalties ADD COLUMN amount numeric(12,2)' : 'ALTER TABLE penalties ADD COLUMN amount DECIMAL(12,2) AFTER name');
    }
  });

  describe('feedback table', () => {
    const feedback: Feedback = {
      batchId: '5f0c2a4e-batch',
      label: 'public.penalties page 1',
      address: { table: 'public.penalties', keyColumn: 'id' },
      received: 4,
      loaded: 2,
      rejected: 2,
      rejections: [
        { index: 0, sourceKey: '1', field: 'uscc', code: 'INVALID_CHECKSUM', value: '91350200MA2XYZ0001', message: '统一社会信用代码校验位错误', hint: '核对校验位' },
        { index: 3, sourceKey: '4', field: 'amount', code: 'OUT_OF_RANGE', value: '-1', message: '罚款金额不能为负', hint: '' },
      ],
    };

    it('writes one row per rejection with the feedback role, and a repeated delivery adds nothing', async () => {
      const withFeedback = { feedback: { table: 'hub_feedback', username: db.writer.username }, feedbackPassword: db.writer.password };
      const c = connector(withFeedback);
      await c.check();
      // An earlier attempt got the first row in; then two full deliveries.
      await c.deliverFeedback({ ...feedback, rejections: feedback.rejections.slice(0, 1) });
      await c.deliverFeedback(feedback);
      await c.deliverFeedback(feedback);
      await c.close();

      const rows = await db.exec('SELECT batch_id, record_index, row_key, field, code, message, value FROM hub_feedback ORDER BY record_index');
      expect(rows).toEqual([
        { batch_id: '5f0c2a4e-batch', record_index: 0, row_key: '1', field: 'uscc', code: 'INVALID_CHECKSUM', message: '统一社会信用代码校验位错误', value: '91350200MA2XYZ0001' },
        { batch_id: '5f0c2a4e-batch', record_index: 3, row_key: '4', field: 'amount', code: 'OUT_OF_RANGE', message: '罚款金额不能为负', value: '-1' },
      ]);
    });

    it('writes nothing without a feedback table (the supplier reads the batch report)', async () => {
      const c = connector();
      await c.deliverFeedback(feedback);
      await c.close();
      expect(await db.exec('SELECT * FROM hub_feedback')).toEqual([]);
    });

    it('classes a feedback table the role cannot see as config at check()', async () => {
      const c = connector({ feedback: { table: 'penalties_feedback', username: db.writer.username }, feedbackPassword: db.writer.password });
      await expect(c.check()).rejects.toMatchObject({ errorClass: 'config', code: 'UNKNOWN_FEEDBACK_TABLE' });
      await c.close();
    });
  });
});
