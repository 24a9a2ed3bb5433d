import * as amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { QUEUES, RecordChunkMessage } from '../../libs/bus/messages';
import { penaltyRecord, uscc, withWrongCheck } from '../fixtures/credit-data';
import { ADMIN_TOKEN, adminCall, batchReport, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { ThrowawayRabbit, startThrowawayRabbit } from '../support/rabbit-node';
import { reconcile, reliabilityCase } from '../support/reliability';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const ITEM = 'administrative_penalty';
const SUPPLIER = 'dl-sup';
const MAX_MESSAGE_BYTES = 1024 * 1024;

interface DeadLetter {
  id: string;
  queue: string;
  batchId: string | null;
  chunkNo: number | null;
  supplier: string | null;
  item: string | null;
  records: number;
  deliveries: number;
  reason: string;
  message: string;
  state: 'pending' | 'replayed';
}

/**
 * Dead letters on PostgreSQL + RabbitMQ (issue 11 findings 3 and 5; ADR 0012): a dead-lettered
 * chunk completes its batch with LOAD_FAILED, is listed for operators and replayed once; the bus
 * recovers from a chunk above the broker's maximum message size.
 */
describe('dead letters and bus healing (PostgreSQL + RabbitMQ)', () => {
  let rabbit: ThrowawayRabbit;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let hub: HubProcess;
  let apiKey: string;
  let supplierId: string;

  beforeAll(async () => {
    rabbit = await startThrowawayRabbit();
    await rabbit.ctl(['eval', `application:set_env(rabbit, max_message_size, ${MAX_MESSAGE_BYTES}).`]);
    database = await createTestDatabase();
    hub = await startHubProcess({
      env: { DATABASE_URL: database.url, AMQP_URL: rabbit.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, BUS_DELIVERY_LIMIT: '2' },
    });
    apiKey = await registerSupplier(hub.url, SUPPLIER, [ITEM]);
    supplierId = await withDatabase(database.url, async (db) => (await db.query<{ id: string }>('SELECT id FROM suppliers WHERE code = $1', [SUPPLIER])).rows[0].id);
  });

  afterAll(async () => {
    await hub?.stop();
    await rabbit?.destroy();
    await database?.drop();
  });

  /** An accepted batch of one chunk, as if the api had published it; the chunk goes straight to the queue. */
  async function publishStraightToQueue(chunk: Omit<RecordChunkMessage, 'batchId' | 'supplierId' | 'supplierCode' | 'chunkNo' | 'channel' | 'receivedAt'>): Promise<string> {
    const batchId = randomUUID();
    await withDatabase(database.url, (db) =>
      db.query(
        `INSERT INTO batches (id, supplier_id, item_code, channel, status, received, chunk_count, accepted_at)
         VALUES ($1, $2, $3, 'rest', 'accepted', $4, 1, now())`,
        [batchId, supplierId, ITEM, chunk.records.length],
      ),
    );
    const body: RecordChunkMessage = { ...chunk, batchId, chunkNo: 0, supplierId, supplierCode: SUPPLIER, channel: 'rest', receivedAt: new Date().toISOString() };
    const connection = await amqp.connect(rabbit.url);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish('', QUEUES.records, Buffer.from(JSON.stringify(body)), { persistent: true, messageId: randomUUID() });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    return batchId;
  }

  async function deadLetters(query = ''): Promise<{ deadLetters: DeadLetter[]; total: number }> {
    const response = await adminCall(hub.url, 'GET', `/dead-letters${query}`);
    expect(response.status).toBe(200);
    return response.body as unknown as { deadLetters: DeadLetter[]; total: number };
  }

  async function waitForDeadLetter(batchId: string, state: 'pending' | 'replayed' = 'pending'): Promise<DeadLetter> {
    for (const deadline = Date.now() + 60_000; ; ) {
      const found = (await deadLetters(`?state=${state}&limit=1000`)).deadLetters.find((d) => d.batchId === batchId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${state} dead letter for batch ${batchId}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function replay(id: string) {
    return adminCall(hub.url, 'POST', `/dead-letters/${id}/replay`);
  }

  async function waitForReport(batchId: string, predicate: (r: Awaited<ReturnType<typeof batchReport>> & { deadLetters?: number }) => boolean) {
    for (const deadline = Date.now() + 60_000; ; ) {
      const report = (await batchReport(hub.url, apiKey, batchId, '?limit=1000')) as Awaited<ReturnType<typeof batchReport>> & { deadLetters?: number };
      if (predicate(report)) return report;
      if (Date.now() > deadline) throw new Error(`batch ${batchId}: ${JSON.stringify(report)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  reliabilityCase(
    {
      id: 'A7-poison-dead-letter',
      group: 'A broker',
      title: 'a chunk no worker can handle is dead-lettered, completes its batch with LOAD_FAILED and is listed for operators',
      channel: 'RabbitMQ (services)',
      input: 'a 3-record chunk of an accepted batch naming an item the worker does not know, published straight to hub.records',
      expected: 'the worker dead-letters it; the sink rejects its 3 records LOAD_FAILED ("转入死信队列：…"); the batch is done with deadLetters 1; GET /admin/dead-letters lists it; credithub_dead_letters{state="pending"} counts it; a replay that fails again adds a new dead letter and the batch stays consistent; a second replay of the same one is 409',
    },
    async () => {
      const records = [1, 2, 3].map((n) => ({ index: n - 1, sourceKey: `DL-A7-${n}`, payload: penaltyRecord(7_100 + n, { source_key: `DL-A7-${n}` }) }));
      const batchId = await publishStraightToQueue({ itemCode: 'no_such_item', mappingVersion: null, records });
      const dead = await waitForDeadLetter(batchId);
      expect(dead).toMatchObject({ queue: QUEUES.records, chunkNo: 0, supplier: SUPPLIER, item: 'no_such_item', records: 3, reason: 'rejected', state: 'pending' });
      expect(dead.message).toContain('no_such_item');

      const report = await waitForReport(batchId, (r) => r.status === 'done');
      expect({ received: report.received, loaded: report.loaded, rejected: report.rejected, deadLetters: report.deadLetters }).toEqual({ received: 3, loaded: 0, rejected: 3, deadLetters: 1 });
      expect(report.rejections.map((r) => r.code)).toEqual(['LOAD_FAILED', 'LOAD_FAILED', 'LOAD_FAILED']);
      expect(report.rejections[0].value).toMatch(/^转入死信队列：.*no_such_item/);
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      expect(metrics).toMatch(/credithub_dead_letters\{state="pending"\} 1\b/);

      const replayed = await replay(dead.id);
      expect(replayed.status).toBe(200);
      expect(replayed.body).toMatchObject({ id: dead.id, state: 'replayed' });
      // Still unknown to the worker: dead-lettered again, as a new entry; the batch is done again.
      const again = await waitForDeadLetter(batchId, 'pending');
      expect(again.id).not.toBe(dead.id);
      const after = await waitForReport(batchId, (r) => r.status === 'done');
      expect({ loaded: after.loaded, rejected: after.rejected, rejections: after.rejections.length, deadLetters: after.deadLetters }).toEqual({ loaded: 0, rejected: 3, rejections: 3, deadLetters: 1 });

      const twice = await replay(dead.id);
      expect(twice.status).toBe(409);
      expect((twice.body as { error: { code: string } }).error.code).toBe('DEAD_LETTER_ALREADY_REPLAYED');
      const missing = await replay('999999999');
      expect(missing.status).toBe(404);
      expect((missing.body as { error: { code: string; message: string } }).error).toMatchObject({ code: 'DEAD_LETTER_NOT_FOUND', message: expect.stringMatching(/死信/) });
      const anonymous = await fetch(`${hub.url}/api/v1/admin/dead-letters`);
      expect(anonymous.status).toBe(401);

      const ledger = await reconcile(database.url, records.map((r) => r.sourceKey));
      return { observed: `dead-lettered (reason rejected), batch done 0 loaded / 3 LOAD_FAILED, listed; replay → dead-lettered again as a new entry; second replay 409; unknown id 404`, accepted: 3, answers500: 0, ...ledger };
    },
  );

  reliabilityCase(
    {
      id: 'G3-dead-letter-replay-services',
      group: 'G edges (wave 2 findings)',
      title: 'a chunk dead-lettered after the delivery limit loads once when replayed after the cause is fixed',
      channel: 'RabbitMQ + PostgreSQL (services)',
      input: 'a 4-record chunk (one with a wrong USCC check digit) naming mapping version 1, which does not exist yet; BUS_DELIVERY_LIMIT=2; then the operator creates the mapping and replays the dead letter twice',
      expected: 'after 2 failed deliveries the chunk is dead-lettered and its batch done with 4 LOAD_FAILED; after the replay the batch is done with 3 loaded and 1 rejected for its check digit, deadLetters 0; the second replay is 409; one record and one version per key',
    },
    async () => {
      const keys = [1, 2, 3, 4].map((n) => `DL-G3-${n}`);
      const records = keys.map((key, i) => ({
        index: i,
        sourceKey: key,
        payload: penaltyRecord(7_200 + i, { source_key: key, ...(i === 3 ? { subject_code: withWrongCheck(uscc(7_203)) } : {}) }),
      }));
      const batchId = await publishStraightToQueue({ itemCode: ITEM, mappingVersion: 1, records });
      const dead = await waitForDeadLetter(batchId);
      expect(dead).toMatchObject({ reason: 'delivery_limit', records: 4 });
      const parked = await waitForReport(batchId, (r) => r.status === 'done');
      expect({ loaded: parked.loaded, rejected: parked.rejected, deadLetters: parked.deadLetters }).toEqual({ loaded: 0, rejected: 4, deadLetters: 1 });

      // The cause: the mapping version the chunk names. An identity mapping of every field.
      const fields = Object.fromEntries(Object.keys(penaltyRecord(1)).map((k) => [k, k]));
      const mapping = await adminCall(hub.url, 'PUT', `/mappings/${SUPPLIER}/${ITEM}`, { item: ITEM, fields });
      expect(mapping.status).toBe(200);

      const replayed = await replay(dead.id);
      expect(replayed.status).toBe(200);
      const done = await waitForReport(batchId, (r) => r.status === 'done' && r.loaded > 0);
      expect({ received: done.received, loaded: done.loaded, rejected: done.rejected, deadLetters: done.deadLetters }).toEqual({ received: 4, loaded: 3, rejected: 1, deadLetters: 0 });
      expect(done.rejections.map((r) => r.code)).not.toContain('LOAD_FAILED');
      expect((await replay(dead.id)).status).toBe(409);
      expect((await waitForBatchDone(hub.url, apiKey, batchId)).loaded).toBe(3);

      const versions = await withDatabase(database.url, async (db) =>
        Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM credit_record_versions v JOIN credit_records r ON r.id = v.record_id WHERE r.source_key = ANY($1)`, [keys])).rows[0].n),
      );
      expect(versions).toBe(3);
      const ledger = await reconcile(database.url, keys);
      return { observed: `dead-lettered after 2 deliveries (delivery_limit), batch done 0/4 LOAD_FAILED; mapping created; replay → 3 loaded, 1 rejected (check digit), deadLetters 0; second replay 409; ${versions} versions`, accepted: 4, answers500: 0, ...ledger };
    },
  );

  reliabilityCase(
    {
      id: 'G5-oversize-chunk-heals',
      group: 'G edges (wave 2 findings)',
      title: 'a push whose chunk exceeds the broker maximum does not stop ingestion',
      channel: 'REST JSON (services)',
      input: 'max_message_size 1 MiB on the broker; push 500 records of ~3 KB (one chunk of ~1.6 MB), then push 2 ordinary records',
      expected: 'the big push is 503 BROKER_UNAVAILABLE (or 202 if chunks are bounded in bytes below the maximum); the next push is 202 and loads; /health/ready is 200 with the bus up',
    },
    async () => {
      const big = Array.from({ length: 500 }, (_, n) => penaltyRecord(7_300 + n, { source_key: `DL-G5-BIG-${n}`, violation_facts: `在其经营场所发布虚假广告${'。'.repeat(1_000)}` }));
      const first = await push(hub.url, apiKey, ITEM, JSON.stringify(big));
      expect([202, 503]).toContain(first.status);
      if (first.status === 503) expect(first.body.error?.code).toBe('BROKER_UNAVAILABLE');
      const keys = ['DL-G5-1', 'DL-G5-2'];
      const next = await push(hub.url, apiKey, ITEM, JSON.stringify(keys.map((k, i) => penaltyRecord(7_900 + i, { source_key: k }))));
      expect(next.status).toBe(202);
      expect((await waitForBatchDone(hub.url, apiKey, next.body.batchId as string)).loaded).toBe(2);
      const ready = await fetch(`${hub.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: { bus: boolean } }).checks.bus).toBe(true);
      const accepted = first.status === 202 ? [...keys, ...big.map((r) => r.source_key as string)] : keys;
      if (first.status === 202) await waitForBatchDone(hub.url, apiKey, first.body.batchId as string);
      const ledger = await reconcile(database.url, accepted);
      return { observed: `big push ${first.status}; next push 202 and loaded 2; /health/ready 200 (bus true)`, accepted: accepted.length, answers500: 0, ...ledger };
    },
  );
});
