import { Client } from 'pg';
import { penaltyRecord } from '../fixtures/credit-data';
import { adminCall, ADMIN_TOKEN, registerSupplier, runConnectorUntilDone, waitForBatchDone } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { reliabilityCase } from '../support/reliability';
import { createTestDatabase, createTestVhost, loadedCounts, withDatabase } from '../support/test-services';

jest.setTimeout(300_000);

const NOTHING_ACCEPTED = { accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 };

const COLUMNS = ['subject_name', 'subject_type', 'subject_code', 'legal_representative', 'decision_no', 'violation_type', 'violation_facts',
  'legal_basis', 'penalty_categories', 'penalty_content', 'fine_amount', 'decision_date', 'authority_name', 'authority_code',
  'notified_on', 'notice_method'];

/** Database polling through the booted hub: a supplier that can only give read access to a table. */
describe('the database-polling connector end to end', () => {
  let hubDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let supplierDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let env: Record<string, string>;
  let apiKey: string;
  let connectorId: string;

  const admin = (method: string, path: string, body?: unknown) => adminCall(hub.url, method, path, body);

  const insertRows = async (from: number, count: number, bad: number[] = []) => {
    const client = new Client({ connectionString: supplierDb.url });
    await client.connect();
    try {
      for (let k = 0; k < count; k++) {
        const r = penaltyRecord(from + k, bad.includes(k) ? { decision_no: '' } : {});
        const values = COLUMNS.map((c) => (Array.isArray(r[c]) ? (r[c] as string[]).join(';') : ((r[c] as string | undefined) ?? null)));
        await client.query(
          `INSERT INTO penalty_export (case_id, ${COLUMNS.join(', ')}) VALUES ($1, ${COLUMNS.map((_, i) => `$${i + 2}`).join(', ')})`,
          [`DB-${from + k}`, ...values],
        );
      }
    } finally {
      await client.end();
    }
  };

  const loaded = (prefix: string) => loadedCounts(hubDb.url, prefix);

  beforeAll(async () => {
    hubDb = await createTestDatabase();
    supplierDb = await createTestDatabase();
    vhost = await createTestVhost();
    await withDatabase(supplierDb.url, async (db) => {
      await db.query(`CREATE TABLE penalty_export (case_id text PRIMARY KEY, ${COLUMNS.map((c) => `${c} text`).join(', ')},
                      updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
      await db.query(`CREATE TABLE hub_feedback (batch_id text NOT NULL, record_index int NOT NULL, row_key text, field text NOT NULL,
                      code text NOT NULL, message text NOT NULL, value text, hint text, created_at timestamptz NOT NULL DEFAULT now(),
                      PRIMARY KEY (batch_id, record_index, field, code))`);
    });
    env = { DATABASE_URL: hubDb.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: 'e2e-hub-secret-key-0123456789abcdef', INGEST_PUBLISH_TIMEOUT_S: '10' };
    hub = await startHubProcess({ env });
    apiKey = await registerSupplier(hub.url, 'db-sup', ['administrative_penalty']);
  });

  afterAll(async () => {
    await hub?.stop();
    await hubDb?.drop();
    await supplierDb?.drop();
    await vhost?.drop();
  });

  reliabilityCase(
    {
      id: 'E9-sql-identifier-injection',
      group: 'E hostile input',
      title: 'SQL in a configured table or column name is refused when the connector is registered',
      channel: 'DB poll, services',
      input: 'POST /api/v1/admin/connectors (db-poll) with table "penalty_export; DROP TABLE x--" and then key column \'case_id" , (select 1) --\'',
      expected: '400 INVALID_CONNECTOR (the names are not in information_schema); no instance stored; the supplier table intact',
    },
    async () => {
      const base = { driver: 'postgres', host: '127.0.0.1', database: supplierDb.name, username: 'postgres', table: 'penalty_export', keyColumn: 'case_id', updatedAtColumn: 'updated_at' };
      const answers = [];
      for (const config of [{ ...base, table: 'penalty_export; DROP TABLE x--' }, { ...base, keyColumn: 'case_id" , (select 1) --' }]) {
        const refused = await admin('POST', '/connectors', { supplier: 'db-sup', item: 'administrative_penalty', kind: 'db-poll', schedule: '0 0 3 * * *', config });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ error: { code: 'INVALID_CONNECTOR' } });
        answers.push(refused.status);
      }
      const stored = await withDatabase(hubDb.url, (db) => db.query<{ n: string }>('SELECT count(*) AS n FROM connector_instances'));
      expect(Number(stored.rows[0].n)).toBe(0);
      const intact = await withDatabase(supplierDb.url, (db) => db.query("SELECT to_regclass('penalty_export') IS NOT NULL AS ok"));
      expect(intact.rows[0]).toEqual({ ok: true });
      return { observed: `answers ${answers.join(', ')} INVALID_CONNECTOR; 0 instances stored; penalty_export intact`, ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G10-own-database-refused',
      group: 'G edges (wave 2 findings)',
      title: "a db-poll connector pointed at the hub's own database is refused, even with private targets allowed",
      channel: 'DB poll, services',
      input: "POST /api/v1/admin/connectors (db-poll) reading the hub's suppliers table at DATABASE_URL's host, port and database (as 127.0.0.1 and as localhost), and one whose feedback connection goes there; HUB_EGRESS_ALLOW_PRIVATE=on",
      expected: '400 INVALID_CONNECTOR naming config.host / config.feedback.host with HUB_DATABASE; nothing stored, nothing read',
    },
    async () => {
      const own = { driver: 'postgres', port: 5432, database: hubDb.name, username: 'postgres', table: 'suppliers', keyColumn: 'id', updatedAtColumn: 'created_at' };
      const configs: [Record<string, unknown>, string][] = [
        [{ ...own, host: '127.0.0.1' }, 'config.host'],
        [{ ...own, host: 'localhost' }, 'config.host'],
        [
          { ...own, host: '127.0.0.1', database: supplierDb.name, table: 'penalty_export', keyColumn: 'case_id', updatedAtColumn: 'updated_at', feedback: { table: 'suppliers', username: 'postgres', host: 'localhost', database: hubDb.name } },
          'config.feedback.host',
        ],
      ];
      for (const [config, path] of configs) {
        const refused = await admin('POST', '/connectors', { supplier: 'db-sup', item: 'administrative_penalty', kind: 'db-poll', schedule: '0 0 3 * * *', config });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ error: { code: 'INVALID_CONNECTOR', details: expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(/^HUB_DATABASE: /) })]) } });
      }
      const stored = await withDatabase(hubDb.url, (db) => db.query<{ n: string }>('SELECT count(*) AS n FROM connector_instances'));
      expect(Number(stored.rows[0].n)).toBe(0);
      const batches = await withDatabase(hubDb.url, (db) => db.query<{ n: string }>('SELECT count(*) AS n FROM batches'));
      expect(Number(batches.rows[0].n)).toBe(0);
      return { observed: `${configs.length} registrations answered 400 INVALID_CONNECTOR HUB_DATABASE; 0 instances, 0 batches`, ...NOTHING_ACCEPTED };
    },
  );

  it('polls the table, loads the rows, and writes the rejections into the supplier feedback table', async () => {
    await insertRows(90_000, 50, [9]);
    const created = await admin('POST', '/connectors', {
      supplier: 'db-sup', item: 'administrative_penalty', kind: 'db-poll', schedule: '0 0 3 * * *',
      config: {
        driver: 'postgres', host: '127.0.0.1', port: 5432, database: supplierDb.name, username: 'postgres', password: 'unused-under-trust',
        table: 'penalty_export', keyColumn: 'case_id', updatedAtColumn: 'updated_at', batchSize: 100, lookBackSeconds: 5,
        feedback: { table: 'hub_feedback', username: 'postgres' }, feedbackPassword: 'unused-under-trust',
      },
    });
    expect(created.status).toBe(201);
    connectorId = created.body.id as string;
    const run = await admin('POST', `/connectors/${connectorId}/run`);
    expect(run.body).toMatchObject({ outcome: 'done' });
    const reports = await Promise.all((run.body.batchIds as string[]).map((b) => waitForBatchDone(hub.url, apiKey, b)));
    expect(reports.reduce((n, r) => n + r.loaded, 0)).toBe(49);
    const deadline = Date.now() + 60_000;
    let rows: { row_key: string; code: string }[] = [];
    while (rows.length === 0 && Date.now() < deadline) {
      rows = (await withDatabase(supplierDb.url, (db) => db.query<{ row_key: string; code: string }>('SELECT row_key, code FROM hub_feedback'))).rows;
      await sleep(500);
    }
    expect(rows).toEqual([{ row_key: 'DB-90009', code: 'REQUIRED_FIELD' }]);
  });

  it('loses nothing and loads nothing twice when the hub is killed in the middle of a poll', async () => {
    await insertRows(95_000, 3_000);
    const running = admin('POST', `/connectors/${connectorId}/run`).catch(() => undefined);
    const until = Date.now() + 60_000;
    while ((await loaded('DB-95')).records + (await loaded('DB-96')).records === 0 && Date.now() < until) await sleep(100);
    await hub.kill();
    await running;
    hub = await startHubProcess({ env });
    const rerun = await runConnectorUntilDone(hub.url, connectorId);
    expect(rerun).toMatchObject({ outcome: 'done' });
    const total = async () => {
      const [a, b, c] = await Promise.all([loaded('DB-95'), loaded('DB-96'), loaded('DB-97')]);
      return { records: a.records + b.records + c.records, distinct: a.distinct + b.distinct + c.distinct, versions: a.versions + b.versions + c.versions };
    };
    const deadline = Date.now() + 120_000;
    while ((await total()).records < 3_000 && Date.now() < deadline) await sleep(500);
    expect(await total()).toEqual({ records: 3_000, distinct: 3_000, versions: 3_000 });
  });
});
