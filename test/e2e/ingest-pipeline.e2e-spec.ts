import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { citizenId, penaltyRecord, personPenaltyRecord, uscc, withWrongCheck } from '../fixtures/credit-data';
import { ADMIN_TOKEN, batchReport, push, querySubject, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

/**
 * The whole path on real services: REST push → RabbitMQ → worker → PostgreSQL → batch report
 * and subject query.
 */
describe('the hub end to end on PostgreSQL and RabbitMQ', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let apiKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    apiKey = await registerSupplier(hub.url, 'xm-amr', ['administrative_penalty']);
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('loads 9,500 of 10,000 penalties and rejects the 500 bad ones with index, field and code', async () => {
    const records = Array.from({ length: 10_000 }, (_, n) => {
      if (n % 40 === 3) return penaltyRecord(n, { subject_code: withWrongCheck(uscc(n)) });
      if (n % 40 === 23) return penaltyRecord(n, { decision_no: undefined });
      return penaltyRecord(n);
    });
    const expectedRejections = records
      .map((r, index) => ({ r, index }))
      .filter(({ index }) => index % 20 === 3)
      .map(({ index }) => ({
        index,
        field: index % 40 === 3 ? 'subject_code' : 'decision_no',
        code: index % 40 === 3 ? 'USCC_CHECKSUM' : 'REQUIRED_FIELD',
      }));

    const accepted = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify(records));
    expect(accepted.status).toBe(202);
    expect(accepted.body.received).toBe(10_000);

    const report = await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string);
    expect({ received: report.received, loaded: report.loaded, rejected: report.rejected }).toEqual({
      received: 10_000,
      loaded: 9_500,
      rejected: 500,
    });
    expect(report.rejections.map(({ index, field, code }) => ({ index, field, code }))).toEqual(expectedRejections);
    for (const rejection of report.rejections) {
      expect(rejection.message).toMatch(/[\u4e00-\u9fff]/);
      if (rejection.code === 'USCC_CHECKSUM') expect(rejection.value).toMatch(/^\d{4}\*+.{4}$/);
    }

    const loaded = await querySubject(hub.url, uscc(1));
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ code: uscc(1), kind: 'organization', name: '厦门测试企业1有限公司' });
    expect(loaded.body.records).toEqual([
      expect.objectContaining({
        item: 'administrative_penalty',
        category: 'bad',
        disclosure: 'public',
        status: 'active',
        disputed: false,
        supplier: 'xm-amr',
        fields: expect.objectContaining({ decision_no: '厦市监罚〔2026〕1号', fine_amount: '5000.00' }),
      }),
    ]);
    expect((await querySubject(hub.url, uscc(3))).status).toBe(404);
  });

  it('serves a person without showing the full citizen ID in the record fields, and logs every query', async () => {
    const accepted = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify([personPenaltyRecord(424_242)]));
    await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string);
    const code = citizenId(424_242);
    const result = await querySubject(hub.url, code);
    expect(result.status).toBe(200);
    expect(JSON.stringify(result.body.records)).not.toContain(code);
    const logged = await withDatabase(database.url, (db) =>
      db.query<{ outcome: string; result_count: number }>('SELECT outcome, result_count FROM query_log WHERE subject_code = $1', [code]),
    );
    expect(logged.rows).toEqual([{ outcome: 'served', result_count: 1 }]);
  });

  it('keeps the query log append-only and hash-chained: SQL edits are refused and verification passes', async () => {
    await querySubject(hub.url, uscc(2));
    await expect(withDatabase(database.url, (db) => db.query(`UPDATE query_log SET purpose = 'x'`))).rejects.toThrow(/append-only/);
    await expect(withDatabase(database.url, (db) => db.query('DELETE FROM query_log'))).rejects.toThrow(/append-only/);
    const verified = await fetch(`${hub.url}/api/v1/admin/audit/verify`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await verified.json()).toMatchObject({ queryLog: { ok: true }, collectionLog: { ok: true } });
  });

  it('answers a repeated Idempotency-Key with the same batch and ingests nothing twice', async () => {
    const body = JSON.stringify([penaltyRecord(700_001), penaltyRecord(700_002)]);
    const first = await push(hub.url, apiKey, 'administrative_penalty', body, { idempotencyKey: 'idem-1' });
    const second = await push(hub.url, apiKey, 'administrative_penalty', body, { idempotencyKey: 'idem-1' });
    expect(first.status).toBe(202);
    expect(second).toEqual(first);
    await waitForBatchDone(hub.url, apiKey, first.body.batchId as string);
    const batches = await withDatabase(database.url, (db) =>
      db.query<{ n: string }>(`SELECT count(*) AS n FROM batches WHERE idempotency_key = 'idem-1'`),
    );
    expect(batches.rows[0].n).toBe('1');
  });

  it('adds no version when the same records arrive again in a new batch, and one when content changes', async () => {
    const records = [penaltyRecord(800_001), penaltyRecord(800_002)];
    const versions = () =>
      withDatabase(database.url, async (db) => {
        const r = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM credit_record_versions v JOIN credit_records c ON c.id = v.record_id
           WHERE c.source_key IN ('CF-800001', 'CF-800002')`,
        );
        return Number(r.rows[0].n);
      });
    for (const body of [records, records]) {
      const accepted = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify(body));
      await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string);
    }
    expect(await versions()).toBe(2);

    const changed = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify([penaltyRecord(800_001, { fine_amount: '6000.00' })]));
    await waitForBatchDone(hub.url, apiKey, changed.body.batchId as string);
    expect(await versions()).toBe(3);
    const current = await withDatabase(database.url, (db) =>
      db.query<{ version: number; fine: string }>(`SELECT version, fields->>'fine_amount' AS fine FROM credit_records WHERE source_key = 'CF-800001'`),
    );
    expect(current.rows).toEqual([{ version: 2, fine: '6000.00' }]);
  });

  it('gives the batch rejections as a formula-safe CSV to the owning supplier only', async () => {
    const accepted = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify([
      penaltyRecord(900_001, { subject_name: '=HYPERLINK("http://x")', decision_no: undefined }),
    ]));
    const batchId = accepted.body.batchId as string;
    await waitForBatchDone(hub.url, apiKey, batchId);
    const csv = await fetch(`${hub.url}/api/v1/ingest/batches/${batchId}/rejections?format=csv`, {
      headers: { Authorization: `Bearer ${apiKey}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\r\n')[1]).toBe('0,CF-900001,decision_no,REQUIRED_FIELD,,必填字段缺失,按目录补齐该字段后重新报送');

    const otherKey = await registerSupplier(hub.url, 'xm-tax', ['administrative_penalty']);
    await expect(batchReport(hub.url, otherKey, batchId)).rejects.toThrow(/404/);
    const asOperator = await fetch(`${hub.url}/api/v1/ingest/batches/${batchId}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(asOperator.status).toBe(200);
  });

  it('serves the OpenAPI document that is committed in docs/openapi.json', async () => {
    const served = await (await fetch(`${hub.url}/api/docs-json`)).json();
    const committed = JSON.parse(readFileSync(resolve(__dirname, '../../docs/openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
  });
});
