import * as amqp from 'amqplib';
import { ADMIN_TOKEN, BatchReport, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { LOAD_FAILED_REASON, POISON_TRIGGER_SQL, recordsWithPoison } from '../support/poison-records';
import { reconcile, reliabilityCase } from '../support/reliability';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const ITEM = 'administrative_penalty';
const GROUP = 'G edges (wave 2 findings)' as const;
const REJECTION_CAP = 1_000;

/**
 * Issue 11 findings 3 and 6 on PostgreSQL + RabbitMQ: a chunk PostgreSQL partly refuses still
 * loads its good records and brings its batch to `done`, also when the worker is killed in the
 * middle of isolating the refused record; rejection rows stop at INGEST_MAX_REJECTIONS_PER_BATCH.
 * One API process and one worker process (so the worker alone can be killed) for the whole file.
 */
describe('every accepted record ends loaded or rejected, every batch done (services)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let env: Record<string, string>;
  let api: HubProcess;
  let worker: HubProcess;
  let apiKey: string;

  beforeAll(async () => {
    [database, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    env = { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, INGEST_MAX_REJECTIONS_PER_BATCH: String(REJECTION_CAP) };
    api = await startHubProcess({ app: 'api', env }); // migrates the database
    [worker, apiKey] = await Promise.all([
      withDatabase(database.url, (db) => db.query(POISON_TRIGGER_SQL)).then(() => startHubProcess({ app: 'worker', env })),
      registerSupplier(api.url, 'poison', [ITEM]),
    ]);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await Promise.all([database?.drop(), vhost?.drop()]);
  });

  async function deadLettered(): Promise<number> {
    const connection = await amqp.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      return (await channel.checkQueue('hub.dead-letter')).messageCount;
    } finally {
      await connection.close();
    }
  }

  async function accepted(records: Record<string, unknown>[]): Promise<string> {
    const response = await push(api.url, apiKey, ITEM, JSON.stringify(records));
    expect(response.status).toBe(202);
    return response.body.batchId as string;
  }

  /** Rows of the batch, for "nothing twice": current records, versions, LOAD_FAILED rows, log rows. */
  async function storedFor(batchId: string) {
    return withDatabase(database.url, async (db) => {
      const n = async (sql: string) => Number((await db.query<{ n: string }>(sql, [batchId])).rows[0].n);
      return {
        records: await n('SELECT count(*) AS n FROM credit_records WHERE batch_id = $1'),
        versions: await n('SELECT count(*) AS n FROM credit_record_versions WHERE batch_id = $1'),
        loadFailedRows: await n(`SELECT count(*) AS n FROM rejections WHERE batch_id = $1 AND code = 'LOAD_FAILED'`),
        collectionLogRows: await n('SELECT count(*) AS n FROM collection_log WHERE batch_id = $1'),
      };
    });
  }

  reliabilityCase(
    {
      id: 'G3-poison-services',
      group: GROUP,
      title: 'a record PostgreSQL refuses among 499 good ones: the 499 load, it is LOAD_FAILED with the reason, the batch is done',
      channel: 'REST JSON, services',
      input: 'one chunk of 500 valid penalties; a test trigger on credit_records raises check_violation for record 250',
      expected: '499 loaded, 1 LOAD_FAILED (SQLSTATE 23514 check_violation), batch done, nothing dead-lettered',
    },
    async () => {
      const records = recordsWithPoison(10_000, 500, [250]);
      const batchId = await accepted(records);
      const report: BatchReport = await waitForBatchDone(api.url, apiKey, batchId, 60_000);
      expect({ status: report.status, loaded: report.loaded, rejected: report.rejected }).toEqual({ status: 'done', loaded: 499, rejected: 1 });
      expect(report.rejections).toEqual([
        expect.objectContaining({ index: 250, sourceKey: 'CF-10250', field: '(record)', code: 'LOAD_FAILED', value: LOAD_FAILED_REASON, message: '记录多次尝试后仍无法入库' }),
      ]);
      expect(await deadLettered()).toBe(0);
      const ledger = await reconcile(database.url, records.map((r) => r.source_key as string));
      expect({ loaded: ledger.loaded, rejected: ledger.rejected }).toEqual({ loaded: 499, rejected: 1 });
      return {
        observed: `202; report done, loaded ${report.loaded}, rejected ${report.rejected} (${report.rejections[0].code}: ${report.rejections[0].value ?? ''}); dead-letter queue empty`,
        accepted: records.length,
        answers500: 0,
        ...ledger,
      };
    },
  );

  reliabilityCase(
    {
      id: 'G3-kill-mid-isolation-services',
      group: GROUP,
      title: 'the worker killed with SIGKILL while isolating a refused record: redelivered, nothing loaded twice',
      channel: 'REST JSON, services',
      input: '1,000 valid penalties in 2 chunks, record 700 refused by a slow test trigger (0.5 s per firing); kill -9 of the worker once the isolation began, then a new worker',
      expected: 'the chunk is redelivered and isolated again from scratch; 999 loaded once (one current row, one version each), 1 LOAD_FAILED row, one collection-log row per chunk, batch done',
    },
    async () => {
      const records = recordsWithPoison(20_000, 1_000, [700], 'SLOWPOISON');
      const hitsBefore = await poisonHits();
      const batchId = await accepted(records);
      const isolating = `chunk ${batchId}/1: PostgreSQL refused the chunk`;
      for (let waited = 0; !worker.logs().includes(isolating); waited += 50) {
        if (waited > 60_000) throw new Error(`the worker never began isolating:\n${worker.logs().slice(-3000)}`);
        await sleep(50);
      }
      await worker.kill();
      const hitsAtKill = (await poisonHits()) - hitsBefore;
      worker = await startHubProcess({ app: 'worker', env });
      const report = await waitForBatchDone(api.url, apiKey, batchId, 90_000);
      // The new worker isolated the chunk again: the killed one had committed nothing of it.
      expect(worker.logs()).toContain(isolating);
      expect({ loaded: report.loaded, rejected: report.rejected }).toEqual({ loaded: 999, rejected: 1 });
      expect(await storedFor(batchId)).toEqual({ records: 999, versions: 999, loadFailedRows: 1, collectionLogRows: 2 });
      expect(await deadLettered()).toBe(0);
      const ledger = await reconcile(database.url, records.map((r) => r.source_key as string));
      return {
        observed: `kill -9 after ${hitsAtKill} firing(s) of the poison trigger; the new worker isolated the chunk again; report done, loaded ${report.loaded}, rejected ${report.rejected}; 999 current rows and 999 versions, 1 LOAD_FAILED row, 2 collection-log rows`,
        accepted: records.length,
        answers500: 0,
        ...ledger,
      };
    },
  );

  reliabilityCase(
    {
      id: 'G3-clipped-echo-services',
      group: GROUP,
      title: 'a rejected value whose echo is clipped inside a surrogate pair no longer fails its chunk',
      channel: 'REST JSON, services',
      input: '500 valid penalties, record 99 with decision_date = 199 letters and an emoji (rejected INVALID_DATE; the echo clipped at 200 UTF-16 units ends in a lone high surrogate, which jsonb refuses)',
      expected: '499 loaded, 1 INVALID_DATE whose value ends in U+FFFD, batch done, nothing dead-lettered (before: the whole chunk failed every delivery and was dead-lettered)',
    },
    async () => {
      const records = recordsWithPoison(50_000, 500, []);
      records[99] = { ...records[99], decision_date: `${'x'.repeat(199)}😀 2026-01-01` };
      const batchId = await accepted(records);
      const report = await waitForBatchDone(api.url, apiKey, batchId, 60_000);
      expect({ status: report.status, loaded: report.loaded, rejected: report.rejected }).toEqual({ status: 'done', loaded: 499, rejected: 1 });
      expect(report.rejections).toEqual([expect.objectContaining({ index: 99, field: 'decision_date', code: 'INVALID_DATE', value: `${'x'.repeat(199)}\ufffd…` })]);
      expect(await deadLettered()).toBe(0);
      const ledger = await reconcile(database.url, records.map((r) => r.source_key as string));
      return {
        observed: `202; report done, loaded ${report.loaded}, rejected ${report.rejected} (INVALID_DATE, echo ending in U+FFFD); dead-letter queue empty`,
        accepted: records.length,
        answers500: 0,
        ...ledger,
      };
    },
  );

  reliabilityCase(
    {
      id: 'G6-rejection-cap',
      group: GROUP,
      title: `a body of empty records stores at most ${REJECTION_CAP} rejection rows; the rest are counted, the counts stay exact`,
      channel: 'REST JSON, services',
      input: `[{},{},…] with 2,000 empty records (each missing every required field), INGEST_MAX_REJECTIONS_PER_BATCH=${REJECTION_CAP}`,
      expected: `batch done, rejected 2,000, ${REJECTION_CAP} rejection rows stored, rejectionsNotStored = the rest`,
    },
    async () => {
      const count = 2_000;
      const batchId = await accepted(Array.from({ length: count }, () => ({})));
      const report = (await waitForBatchDone(api.url, apiKey, batchId, 60_000)) as BatchReport & { rejectionsNotStored: number };
      const rows = await withDatabase(database.url, async (db) => {
        const stored = await db.query<{ n: string }>('SELECT count(*) AS n FROM rejections WHERE batch_id = $1', [batchId]);
        // Every empty record has the same reasons; the first record stored is stored whole.
        const perRecord = await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM rejections WHERE batch_id = $1 GROUP BY record_index ORDER BY count(*) DESC LIMIT 1',
          [batchId],
        );
        return { stored: Number(stored.rows[0].n), perRecord: Number(perRecord.rows[0].n) };
      });
      expect({ status: report.status, loaded: report.loaded, rejected: report.rejected }).toEqual({ status: 'done', loaded: 0, rejected: count });
      expect(rows.stored).toBe(REJECTION_CAP);
      expect(rows.perRecord).toBeGreaterThan(1);
      expect(report.rejectionsNotStored).toBe(count * rows.perRecord - REJECTION_CAP);
      return {
        observed: `202; report done, rejected ${report.rejected}; ${rows.stored} rejection rows stored, rejectionsNotStored ${report.rejectionsNotStored} (${rows.perRecord} reasons per record)`,
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

  async function poisonHits(): Promise<number> {
    return withDatabase(database.url, async (db) => Number((await db.query<{ n: string }>('SELECT last_value AS n FROM poison_hits')).rows[0].n));
  }
});
