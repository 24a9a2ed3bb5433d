import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchReport, push, waitForBatchDone } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { LOAD_FAILED_REASON, POISON_BEFORE_MIGRATIONS_SQL, recordsWithPoison } from '../support/poison-records';
import { reconcile, reliabilityCase } from '../support/reliability';
import { withDatabase } from '../support/test-services';

jest.setTimeout(240_000);

const ITEM = 'administrative_penalty';
const GROUP = 'G edges (wave 2 findings)' as const;
const REJECTION_CAP = 500;

/**
 * While the hub is stopped, its PGlite data folder opened and served on a socket of its own, so the
 * same SQL (and `reconcile`) runs against the embedded database as against PostgreSQL. PGlite runs
 * in a child process: it loads its WASM with a dynamic import, which jest's VM refuses.
 */
const SERVE_PGLITE = `
  const { PGlite } = require('@electric-sql/pglite');
  const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
  (async () => {
    const db = await PGlite.create(process.argv[1]);
    const server = new PGLiteSocketServer({ db, path: process.argv[2], maxConnections: 1 });
    await server.start();
    process.on('SIGTERM', async () => { await server.stop(); await db.close(); process.exit(0); });
    process.stdout.write('serving\\n');
  })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;

async function withEmbeddedDatabase<T>(dataDir: string, work: (url: string) => Promise<T>): Promise<T> {
  const socketDir = mkdtempSync(join(tmpdir(), 'hub-pglite-test-'));
  const child = spawn(process.execPath, ['-e', SERVE_PGLITE, join(dataDir, 'pg'), join(socketDir, '.s.PGSQL.5432')], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    let output = '';
    await new Promise<void>((ready, fail) => {
      child.stdout.on('data', (b: Buffer) => (output += b.toString()).includes('serving') && ready());
      child.stderr.on('data', (b: Buffer) => (output += b.toString()));
      child.once('exit', (code) => fail(new Error(`PGlite exited with ${String(code)}: ${output}`)));
    });
    return await work(`postgres://postgres@localhost/postgres?host=${socketDir}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(socketDir, { recursive: true, force: true });
  }
}

/**
 * Issue 11 findings 3 and 6 on the embedded default (PGlite, the in-process bus): the same
 * poison, kill and cap cases as on PostgreSQL + RabbitMQ. The poison trigger is prepared in the
 * data folder before the hub's first start.
 */
describe('every accepted record ends loaded or rejected, every batch done (embedded)', () => {
  let dataDir: string;
  let hub: HubProcess | undefined;
  let apiKey: string;
  const env = () => ({ HUB_DATA_DIR: dataDir, INGEST_MAX_REJECTIONS_PER_BATCH: String(REJECTION_CAP) });
  const start = () => startHubProcess({ env: env(), readyTimeoutMs: 120_000 });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'credit-hub-load-failures-'));
    await withEmbeddedDatabase(dataDir, (url) => withDatabase(url, (db) => db.query(POISON_BEFORE_MIGRATIONS_SQL)));
    hub = await start(); // migrates (the poison trigger attaches itself), creates the demo supplier
    apiKey = readFileSync(join(dataDir, 'demo-supplier.key'), 'utf8');
  });

  afterAll(async () => {
    await hub?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function accepted(records: Record<string, unknown>[]): Promise<string> {
    const response = await push((hub as HubProcess).url, apiKey, ITEM, JSON.stringify(records));
    expect(response.status).toBe(202);
    return response.body.batchId as string;
  }

  async function deadLettered(): Promise<number> {
    const metrics = await (await fetch(`${(hub as HubProcess).url}/metrics`)).text();
    const depth = /^credithub_queue_depth\{queue="hub\.dead-letter"\} (\d+)$/m.exec(metrics);
    if (!depth) throw new Error('no dead-letter depth in /metrics');
    return Number(depth[1]);
  }

  const poisonRecords = recordsWithPoison(30_000, 500, [250]);
  let poisonBatch = '';

  reliabilityCase(
    {
      id: 'G3-poison-embedded',
      group: GROUP,
      title: 'a record the database refuses among 499 good ones: the 499 load, it is LOAD_FAILED with the reason, the batch is done',
      channel: 'REST JSON, embedded',
      input: 'one chunk of 500 valid penalties; a test trigger on credit_records (in PGlite) raises check_violation for record 250',
      expected: '499 loaded, 1 LOAD_FAILED (SQLSTATE 23514 check_violation), batch done, nothing dead-lettered',
    },
    async () => {
      poisonBatch = await accepted(poisonRecords);
      const report: BatchReport = await waitForBatchDone((hub as HubProcess).url, apiKey, poisonBatch, 90_000);
      expect({ status: report.status, loaded: report.loaded, rejected: report.rejected }).toEqual({ status: 'done', loaded: 499, rejected: 1 });
      expect(report.rejections).toEqual([expect.objectContaining({ index: 250, sourceKey: 'CF-30250', field: '(record)', code: 'LOAD_FAILED', value: LOAD_FAILED_REASON })]);
      expect(await deadLettered()).toBe(0);
      // The stored rows are reconciled by source key in the last case, once the hub is stopped.
      return {
        observed: `202; report done, loaded ${report.loaded}, rejected ${report.rejected} (${report.rejections[0].code}: ${report.rejections[0].value ?? ''}); dead-letter depth 0`,
        accepted: poisonRecords.length,
        loaded: report.loaded,
        rejected: report.rejected,
        lost: poisonRecords.length - report.loaded - report.rejected,
        duplicated: 0,
        answers500: 0,
        stuckBatches: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: 'G6-rejection-cap-embedded',
      group: GROUP,
      title: `a body of empty records stores at most ${REJECTION_CAP} rejection rows; the rest are counted, the counts stay exact`,
      channel: 'REST JSON, embedded',
      input: `[{},{},…] with 1,000 empty records, INGEST_MAX_REJECTIONS_PER_BATCH=${REJECTION_CAP}`,
      expected: `batch done, rejected 1,000, ${REJECTION_CAP} rejection rows in the report, rejectionsNotStored = the rest`,
    },
    async () => {
      const count = 1_000;
      const batchId = await accepted(Array.from({ length: count }, () => ({})));
      const report = (await waitForBatchDone((hub as HubProcess).url, apiKey, batchId, 90_000)) as BatchReport & { rejectionsNotStored: number };
      const perRecord = report.rejections.filter((r) => r.index === report.rejections[0].index).length;
      expect({ status: report.status, loaded: report.loaded, rejected: report.rejected }).toEqual({ status: 'done', loaded: 0, rejected: count });
      expect(report.rejections).toHaveLength(REJECTION_CAP);
      expect(perRecord).toBeGreaterThan(1);
      expect(report.rejectionsNotStored).toBe(count * perRecord - REJECTION_CAP);
      return {
        observed: `202; report done, rejected ${report.rejected}; ${report.rejections.length} rejection rows stored, rejectionsNotStored ${report.rejectionsNotStored}`,
        accepted: count,
        loaded: report.loaded,
        rejected: report.rejected,
        lost: count - report.loaded - report.rejected,
        duplicated: 0,
        answers500: 0,
        stuckBatches: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: 'G3-kill-mid-isolation-embedded',
      group: GROUP,
      title: 'the hub killed with SIGKILL while isolating a refused record: redelivered after restart, nothing loaded twice',
      channel: 'REST JSON, embedded',
      input: '1,000 valid penalties in 2 chunks, record 700 refused by a slow test trigger (0.5 s per firing); kill -9 of the hub once the isolation began, then a restart',
      expected: 'the chunk is isolated again from scratch; 999 loaded once (one current row, one version each), 1 LOAD_FAILED row, one collection-log row per chunk, batch done, nothing dead-lettered',
    },
    async () => {
      const records = recordsWithPoison(40_000, 1_000, [700], 'SLOWPOISON');
      const batchId = await accepted(records);
      const isolating = `chunk ${batchId}/1: PostgreSQL refused the chunk`;
      for (let waited = 0; !(hub as HubProcess).logs().includes(isolating); waited += 50) {
        if (waited > 90_000) throw new Error(`the worker never began isolating:\n${(hub as HubProcess).logs().slice(-3000)}`);
        await sleep(50);
      }
      await (hub as HubProcess).kill();
      hub = await start();
      const report = await waitForBatchDone(hub.url, apiKey, batchId, 120_000);
      expect(hub.logs()).toContain(isolating); // isolated again: the killed hub committed nothing of that chunk
      expect({ loaded: report.loaded, rejected: report.rejected }).toEqual({ loaded: 999, rejected: 1 });
      expect(await deadLettered()).toBe(0);

      await hub.stop();
      hub = undefined;
      const keys = [...poisonRecords, ...records].map((r) => r.source_key as string);
      const { stored, ledger, dead } = await withEmbeddedDatabase(dataDir, async (url) => ({
        ledger: await reconcile(url, keys),
        stored: await withDatabase(url, async (db) => {
          const n = async (sql: string) => Number((await db.query<{ n: string }>(sql, [batchId])).rows[0].n);
          return {
            records: await n('SELECT count(*) AS n FROM credit_records WHERE batch_id = $1'),
            versions: await n('SELECT count(*) AS n FROM credit_record_versions WHERE batch_id = $1'),
            loadFailedRows: await n(`SELECT count(*) AS n FROM rejections WHERE batch_id = $1 AND code = 'LOAD_FAILED'`),
            collectionLogRows: await n('SELECT count(*) AS n FROM collection_log WHERE batch_id = $1'),
          };
        }),
        dead: await withDatabase(url, async (db) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM bus_messages WHERE state = 'dead'`)).rows[0].n)),
      }));
      expect(stored).toEqual({ records: 999, versions: 999, loadFailedRows: 1, collectionLogRows: 2 });
      expect(dead).toBe(0);
      expect({ loaded: ledger.loaded, rejected: ledger.rejected }).toEqual({ loaded: 499 + 999, rejected: 2 });
      return {
        observed: `kill -9 once isolation began; the restarted hub isolated the chunk again; report done, loaded ${report.loaded}, rejected ${report.rejected}; 999 current rows and 999 versions, 1 LOAD_FAILED row, 2 collection-log rows; no dead bus message; ledger of this and the G3-poison-embedded batch reconciled`,
        accepted: keys.length,
        answers500: 0,
        ...ledger,
      };
    },
  );
});
