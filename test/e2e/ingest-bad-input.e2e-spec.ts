import * as iconv from 'iconv-lite';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(120_000);

const MAX_BYTES = 64 * 1024;

/** Every refused submission gets its documented code and leaves nothing behind (API.md, Errors). */
describe('a submission the hub refuses', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let apiKey: string;

  const storedState = () =>
    withDatabase(database.url, async (db) => {
      const counts = await db.query<{ batches: string; records: string; rejections: string }>(
        `SELECT (SELECT count(*) FROM batches WHERE status <> 'aborted') AS batches,
                (SELECT count(*) FROM credit_records) AS records,
                (SELECT count(*) FROM rejections) AS rejections`,
      );
      return counts.rows[0];
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, INGEST_MAX_BYTES: String(MAX_BYTES) },
    });
    apiKey = await registerSupplier(hub.url, 'xm-court', ['administrative_penalty']);
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  const valid = JSON.stringify([penaltyRecord(1), penaltyRecord(2)]);

  it.each([
    ['an unknown item', 'no_such_item', valid, 'application/json', 404, 'UNKNOWN_ITEM'],
    ['an item the supplier does not provide', 'administrative_license', valid, 'application/json', 403, 'ITEM_NOT_ALLOWED'],
    ['an unsupported media type', 'administrative_penalty', valid, 'application/xml', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an unsupported charset', 'administrative_penalty', valid, 'text/csv; charset=latin1', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('refuses %s', async (_what, item, body, contentType, status, code) => {
    const before = await storedState();
    const result = await push(hub.url, apiKey, item, body, { contentType });
    expect(result.status).toBe(status);
    expect(result.body.error?.code).toBe(code);
    expect(result.body.error?.message).toMatch(/[\u4e00-\u9fff]/);
    expect(await storedState()).toEqual(before);
  });

  it('refuses a wrong key with 401 UNAUTHENTICATED', async () => {
    const result = await push(hub.url, 'chk_not-a-key', 'administrative_penalty', valid);
    expect(result).toEqual({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: expect.any(String), details: [] } } });
  });

  it('refuses malformed JSON at record 7 with its index, storing nothing', async () => {
    const before = await storedState();
    const good = Array.from({ length: 7 }, (_, n) => JSON.stringify(penaltyRecord(n)));
    const body = `[${good.join(',')},{"subject_name": "坏记录", "decision_no": }, ${JSON.stringify(penaltyRecord(8))}]`;
    const result = await push(hub.url, apiKey, 'administrative_penalty', body);
    expect(result.status).toBe(400);
    expect(result.body.error?.code).toBe('MALFORMED_BODY');
    expect(result.body.error?.details).toEqual([expect.objectContaining({ index: 7 })]);
    expect(await storedState()).toEqual(before);
  });

  it('refuses a GBK file declared as UTF-8 with ENCODING_MISMATCH, storing nothing', async () => {
    const before = await storedState();
    const csv = `行政相对人名称,decision_no\n厦门某某有限公司,厦罚〔2026〕1号\n`;
    const result = await push(hub.url, apiKey, 'administrative_penalty', iconv.encode(csv, 'gbk'), {
      contentType: 'text/csv; charset=utf-8',
    });
    expect(result.status).toBe(400);
    expect(result.body.error?.code).toBe('ENCODING_MISMATCH');
    expect(await storedState()).toEqual(before);
  });

  it('refuses a body over the limit with 413 BODY_TOO_LARGE, storing nothing', async () => {
    const before = await storedState();
    const records = Array.from({ length: 200 }, (_, n) => penaltyRecord(n));
    const body = JSON.stringify(records);
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BYTES);
    const result = await push(hub.url, apiKey, 'administrative_penalty', body);
    expect(result.status).toBe(413);
    expect(result.body.error?.code).toBe('BODY_TOO_LARGE');
    expect(await storedState()).toEqual(before);
  });

  it('refuses an oversize body sent without Content-Length (chunked) once the limit is passed', async () => {
    const before = await storedState();
    const records = Array.from({ length: 200 }, (_, n) => JSON.stringify(penaltyRecord(n)));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`[${records.join(',')}]`));
        controller.close();
      },
    });
    const response = await fetch(`${hub.url}/api/v1/ingest/administrative_penalty`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await storedState()).toEqual(before);
  });

  it('takes a GBK CSV with a BOM-less header and NDJSON, the formats suppliers send', async () => {
    const header = 'source_key,subject_name,subject_type,subject_code,legal_representative,decision_no,violation_type,violation_facts,legal_basis,penalty_categories,penalty_content,fine_amount,decision_date,authority_name,authority_code,notified_on,notice_method';
    const r = penaltyRecord(31);
    const row = [r.source_key, r.subject_name, r.subject_type, r.subject_code, r.legal_representative, r.decision_no, r.violation_type,
      r.violation_facts, r.legal_basis, '罚款', r.penalty_content, r.fine_amount, r.decision_date, r.authority_name, r.authority_code,
      r.notified_on, r.notice_method].join(',');
    const gbk = await push(hub.url, apiKey, 'administrative_penalty', iconv.encode(`${header}\r\n${row}\r\n`, 'gbk'), {
      contentType: 'text/csv; charset=gbk',
    });
    expect(gbk.status).toBe(202);
    expect((await waitForBatchDone(hub.url, apiKey, gbk.body.batchId as string)).loaded).toBe(1);

    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${header}\n${row.replace('CF-31', 'CF-31b')}\n`, 'utf8')]);
    const utf8 = await push(hub.url, apiKey, 'administrative_penalty', bom, { contentType: 'text/csv' });
    expect((await waitForBatchDone(hub.url, apiKey, utf8.body.batchId as string)).loaded).toBe(1);

    const ndjson = [penaltyRecord(32), penaltyRecord(33)].map((x) => JSON.stringify(x)).join('\n');
    const nd = await push(hub.url, apiKey, 'administrative_penalty', `${ndjson}\n`, { contentType: 'application/x-ndjson' });
    expect((await waitForBatchDone(hub.url, apiKey, nd.body.batchId as string)).loaded).toBe(2);
    const stored = await withDatabase(database.url, (db) =>
      db.query<{ name: string }>(`SELECT fields->>'subject_name' AS name FROM credit_records WHERE subject_code = $1`, [uscc(31)]),
    );
    expect(stored.rows[0].name).toBe('厦门测试企业31有限公司');
  });
});
