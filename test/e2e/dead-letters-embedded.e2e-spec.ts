import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QUEUES, RecordChunkMessage } from '../../libs/bus/messages';
import { penaltyRecord } from '../fixtures/credit-data';
import { ADMIN_TOKEN, adminCall, batchReport, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { runCommand } from '../support/process-utils';
import { reliabilityCase } from '../support/reliability';

jest.setTimeout(240_000);

const ITEM = 'administrative_penalty';
const SUPPLIER = 'dl-emb';

interface ListedDeadLetter {
  id: string;
  reason: string;
  state: string;
  records: number;
  batchId: string;
}

/**
 * Dead letters on the embedded default (no DATABASE_URL, no AMQP_URL; ADR 0005, 0012): the
 * embedded bus moves a message past its delivery limit to its dead-letter queue, the same sink
 * records it, the operator lists and replays it.
 */
describe('dead letters on the embedded default', () => {
  let dataDir: string;
  let hub: HubProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'credit-hub-dead-letters-'));
  });

  afterAll(async () => {
    await hub?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    startHubProcess({ env: { HUB_DATA_DIR: dataDir, HUB_ADMIN_TOKEN: ADMIN_TOKEN, BUS_DELIVERY_LIMIT: '2' }, readyTimeoutMs: 120_000 });

  /** With the hub stopped, runs SQL on its PGlite folder (one backend: only one process at a time). */
  async function onStoppedHub(sql: string, params: unknown[]): Promise<unknown[]> {
    const script = `
      const { PGlite } = require('@electric-sql/pglite');
      (async () => {
        const db = await PGlite.create(process.argv[1]);
        const r = await db.query(process.argv[2], JSON.parse(process.argv[3]));
        process.stdout.write(JSON.stringify(r.rows));
        await db.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const result = await runCommand(process.execPath, ['-e', script, join(dataDir, 'pg'), sql, JSON.stringify(params)], {
      cwd: resolve(__dirname, '../..'),
      timeoutMs: 60_000,
    });
    if (result.code !== 0) throw new Error(`PGlite script failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as unknown[];
  }

  reliabilityCase(
    {
      id: 'G3-dead-letter-replay-embedded',
      group: 'G edges (wave 2 findings)',
      title: 'a chunk the embedded bus dead-letters completes its batch, is listed, and loads once when replayed',
      channel: 'embedded bus (embedded)',
      input: 'a 3-record chunk of an accepted batch naming mapping version 1, which does not exist yet, in the embedded queue; BUS_DELIVERY_LIMIT=2; then the mapping is created and the dead letter replayed twice',
      expected: 'after 2 failed deliveries the batch is done with 3 LOAD_FAILED and deadLetters 1, the dead letter listed (reason delivery_limit); the replay loads 3 records once; the second replay is 409; a normal push still loads',
    },
    async () => {
      hub = await start();
      const apiKey = await registerSupplier(hub.url, SUPPLIER, [ITEM]);
      await hub.stop();
      hub = undefined;

      const [{ id: supplierId }] = (await onStoppedHub('SELECT id FROM suppliers WHERE code = $1', [SUPPLIER])) as { id: string }[];
      const batchId = randomUUID();
      const keys = ['DL-EMB-1', 'DL-EMB-2', 'DL-EMB-3'];
      const chunk: RecordChunkMessage = {
        batchId,
        chunkNo: 0,
        supplierId,
        supplierCode: SUPPLIER,
        itemCode: ITEM,
        channel: 'rest',
        receivedAt: new Date().toISOString(),
        mappingVersion: 1,
        records: keys.map((key, i) => ({ index: i, sourceKey: key, payload: penaltyRecord(8_100 + i, { source_key: key }) })),
      };
      await onStoppedHub(
        `WITH b AS (INSERT INTO batches (id, supplier_id, item_code, channel, status, received, chunk_count, accepted_at)
                    VALUES ($1, $2, $3, 'rest', 'accepted', 3, 1, now()) RETURNING id)
         INSERT INTO bus_messages (queue, body) SELECT $4, $5::jsonb FROM b`,
        [batchId, supplierId, ITEM, QUEUES.records, JSON.stringify(chunk)],
      );
      hub = await start();
      const url = hub.url;

      let dead: ListedDeadLetter | undefined;
      for (const deadline = Date.now() + 60_000; !dead; ) {
        const list = await adminCall(url, 'GET', '/dead-letters?state=pending');
        expect(list.status).toBe(200);
        dead = (list.body.deadLetters as ListedDeadLetter[]).find((d) => d.batchId === batchId);
        if (!dead && Date.now() > deadline) throw new Error('no dead letter listed');
        if (!dead) await new Promise((r) => setTimeout(r, 200));
      }
      expect(dead).toMatchObject({ records: 3, state: 'pending', reason: expect.stringMatching(/^delivery_limit/) });
      const parked = await waitForBatchDone(url, apiKey, batchId);
      expect({ loaded: parked.loaded, rejected: parked.rejected, codes: [...new Set(parked.rejections.map((r) => r.code))], deadLetters: (parked as { deadLetters?: number }).deadLetters }).toEqual({
        loaded: 0,
        rejected: 3,
        codes: ['LOAD_FAILED'],
        deadLetters: 1,
      });

      const fields = Object.fromEntries(Object.keys(penaltyRecord(1)).map((k) => [k, k]));
      expect((await adminCall(url, 'PUT', `/mappings/${SUPPLIER}/${ITEM}`, { item: ITEM, fields })).status).toBe(200);
      const replayed = await adminCall(url, 'POST', `/dead-letters/${dead.id}/replay`);
      expect(replayed.status).toBe(200);
      let report = await batchReport(url, apiKey, batchId);
      for (const deadline = Date.now() + 60_000; !(report.status === 'done' && report.loaded === 3); ) {
        if (Date.now() > deadline) throw new Error(`batch not loaded after replay: ${JSON.stringify(report)}`);
        await new Promise((r) => setTimeout(r, 200));
        report = await batchReport(url, apiKey, batchId);
      }
      expect({ received: report.received, loaded: report.loaded, rejected: report.rejected, deadLetters: (report as { deadLetters?: number }).deadLetters }).toEqual({ received: 3, loaded: 3, rejected: 0, deadLetters: 0 });
      const twice = await adminCall(url, 'POST', `/dead-letters/${dead.id}/replay`);
      expect(twice.status).toBe(409);
      expect((twice.body as { error: { code: string } }).error.code).toBe('DEAD_LETTER_ALREADY_REPLAYED');

      const normal = await push(url, apiKey, ITEM, JSON.stringify([penaltyRecord(8_200, { source_key: 'DL-EMB-NORMAL' })]));
      expect(normal.status).toBe(202);
      expect((await waitForBatchDone(url, apiKey, normal.body.batchId as string)).loaded).toBe(1);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/credithub_dead_letters\{state="replayed"\} 1\b/);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      return {
        observed: 'dead-lettered after 2 deliveries; batch done 0/3 LOAD_FAILED, deadLetters 1; mapping created; replay → 3 loaded, deadLetters 0; second replay 409; next push 202 and loaded',
        accepted: 4,
        loaded: 4,
        rejected: 0,
        lost: 0,
        duplicated: 0,
        answers500: 0,
        stuckBatches: 0,
      };
    },
  );
});
