import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import * as iconv from 'iconv-lite';
import { penaltyRecord, recentDate } from '../fixtures/credit-data';
import { adminCall, ADMIN_TOKEN, push, PushResult, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { Observation, reconcile, reliabilityCase } from '../support/reliability';
import { createTestDatabase, createTestVhost } from '../support/test-services';

jest.setTimeout(300_000);

const MiB = 1024 * 1024;
const SECRET_KEY = 'e2e-hub-secret-key-0123456789abcdef';
const ITEM = 'administrative_penalty';
const G = 'G edges (wave 2 findings)';
const E = 'E hostile input';

/** The hub process's memory from /proc: current and peak resident set, in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** A gzip stream of `total` bytes of `fill`, compressed as it is made (never held inflated here either). */
async function gzipOf(prefix: string, fill: number, total: number, suffix = ''): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((r) => gzip.once('end', r));
  gzip.write(prefix);
  const block = Buffer.alloc(MiB, fill);
  for (let n = 0; n < total; n += MiB) if (!gzip.write(block)) await new Promise((r) => gzip.once('drain', r));
  gzip.end(suffix);
  await done;
  return Buffer.concat(out);
}

function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

const observed = (o: Partial<Observation> & { observed: string }): Observation => ({
  accepted: 0,
  loaded: 0,
  rejected: 0,
  lost: 0,
  duplicated: 0,
  answers500: 0,
  stuckBatches: 0,
  ...o,
});

/**
 * Bounded work per input and contained encoding errors (issue 11 findings 4 and 6, reliability
 * anchors E3 and E4, issue 12), on PostgreSQL + RabbitMQ through the booted hub: each hostile
 * input is answered, costs only its own record, and leaves the hub's memory flat.
 */
describe('bounded work per input (services)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let apiKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: {
        DATABASE_URL: database.url,
        AMQP_URL: vhost.url,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_SECRET_KEY: SECRET_KEY,
        INGEST_MAX_BYTES: String(96 * MiB),
      },
    });
    apiKey = await registerSupplier(hub.url, 'bounds-sup', [ITEM]);
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  /** Pushes, waits for the batch, and reconciles the accepted source keys against the ledger. */
  async function pushAndReconcile(body: string | Buffer, contentType: string, keys: string[]) {
    const result = await push(hub.url, apiKey, ITEM, body, { contentType });
    expect(result.status).toBe(202);
    const report = await waitForBatchDone(hub.url, apiKey, result.body.batchId as string);
    return { result, report, ledger: await reconcile(database.url, keys) };
  }

  reliabilityCase(
    {
      id: 'G6-huge-record',
      group: G,
      title: 'a 60 MB record is refused alone with RECORD_TOO_LARGE, never buffered whole; its neighbours load',
      channel: 'REST JSON, services',
      input: 'a JSON array of 3 penalty records, the middle one holding a 60 MB string',
      expected: '202; the middle record RECORD_TOO_LARGE, the other two loaded; the hub’s peak RSS grows by less than 150 MB',
    },
    async () => {
      const before = memoryOf(hub.pid);
      const body = Buffer.concat([
        Buffer.from(`[${JSON.stringify(penaltyRecord(1, { source_key: 'HUGE-1' }))},{"source_key":"HUGE-2","violation_facts":"`),
        Buffer.alloc(60 * MiB, 0x61),
        Buffer.from(`"},${JSON.stringify(penaltyRecord(3, { source_key: 'HUGE-3' }))}]`),
      ]);
      const { result, report, ledger } = await pushAndReconcile(body, 'application/json', ['HUGE-1', 'HUGE-3', 'index:1']);
      const after = memoryOf(hub.pid);
      expect(report.rejections).toEqual([expect.objectContaining({ index: 1, code: 'RECORD_TOO_LARGE' })]);
      expect(report.loaded).toBe(2);
      expect(after.peak - before.rss).toBeLessThan(150 * MiB);
      return observed({
        observed: `${result.status}; loaded ${report.loaded}, rejected ${report.rejections.map((r) => r.code).join()}; peak RSS +${Math.round((after.peak - before.rss) / MiB)} MB`,
        accepted: 3,
        ...ledger,
      });
    },
  );

  reliabilityCase(
    {
      id: 'E3-gzip-bomb-rest',
      group: E,
      title: 'a gzip bomb is refused at the byte limit counted after inflation, memory flat',
      channel: 'REST JSON, services',
      input: 'Content-Encoding: gzip, ~200 KB that inflate to 200 MB of spaces; INGEST_MAX_BYTES 96 MiB',
      expected: '413 BODY_TOO_LARGE; the hub’s peak RSS grows by less than 150 MB; nothing stored',
    },
    async () => {
      const bomb = await gzipOf('', 0x20, 200 * MiB, '[]');
      const before = memoryOf(hub.pid);
      const response = await fetch(`${hub.url}/api/v1/ingest/${ITEM}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        body: bomb,
      });
      const body = (await response.json()) as PushResult['body'];
      const after = memoryOf(hub.pid);
      expect(response.status).toBe(413);
      expect(body.error?.code).toBe('BODY_TOO_LARGE');
      expect(after.peak - before.rss).toBeLessThan(150 * MiB);
      // An honest gzip body is taken.
      const honest = await fetch(`${hub.url}/api/v1/ingest/${ITEM}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        body: await gzipOf(JSON.stringify([penaltyRecord(5, { source_key: 'GZ-1' })]), 0x20, 0),
      });
      expect(honest.status).toBe(202);
      const batchId = ((await honest.json()) as { batchId: string }).batchId;
      expect((await waitForBatchDone(hub.url, apiKey, batchId)).loaded).toBe(1);
      return observed({
        observed: `${response.status} ${body.error?.code} for ${bomb.length} compressed bytes; peak RSS +${Math.round((after.peak - before.rss) / MiB)} MB; an honest gzip body 202 and loaded`,
        accepted: 1,
        ...(await reconcile(database.url, ['GZ-1'])),
      });
    },
  );

  reliabilityCase(
    {
      id: 'G4-ndjson-bad-bytes-services',
      group: G,
      title: 'an NDJSON body with bytes invalid in its charset is answered; only the broken line is refused',
      channel: 'REST NDJSON, services',
      input: '4 NDJSON lines declared UTF-8, line 3 holding a GBK-encoded company name',
      expected: '202; line 3 ENCODING_MISMATCH naming line 3 and its byte offset; the other three loaded',
    },
    async () => {
      const lines: Buffer[] = [1, 2, 3, 4].map((n) => Buffer.from(`${JSON.stringify(penaltyRecord(100 + n, { source_key: `ND-${n}` }))}\n`));
      const offset = lines[0].length + lines[1].length + lines[2].indexOf('厦门测试企业');
      lines[2] = iconv.encode(lines[2].toString('utf8'), 'gbk');
      const { result, report, ledger } = await pushAndReconcile(Buffer.concat(lines), 'application/x-ndjson', ['ND-1', 'ND-2', 'ND-4', 'index:2']);
      expect(result.body.received).toBe(4);
      expect(report.rejections).toEqual([expect.objectContaining({ index: 2, code: 'ENCODING_MISMATCH', value: `第 3 行，字节偏移 ${offset}` })]);
      expect(report.loaded).toBe(3);
      return observed({ observed: `202; loaded ${report.loaded}; ${report.rejections[0].code} ${report.rejections[0].value}`, accepted: 4, ...ledger });
    },
  );

  reliabilityCase(
    {
      id: 'E5-csv-bad-row',
      group: E,
      title: 'a CSV row with bytes invalid in the declared charset is refused alone, with its line',
      channel: 'REST CSV, services',
      input: 'a UTF-8 CSV of 3 rows, row 2 encoded in GBK',
      expected: '202; row 2 ENCODING_MISMATCH naming line 3; rows 1 and 3 loaded',
    },
    async () => {
      const header = 'source_key,subject_name,subject_type,subject_code,legal_representative,decision_no,violation_type,violation_facts,legal_basis,penalty_categories,penalty_content,fine_amount,decision_date,authority_name,authority_code,notified_on,notice_method';
      const row = (n: number) => {
        const r = penaltyRecord(200 + n, { source_key: `CSV-${n}` });
        return `${[r.source_key, r.subject_name, r.subject_type, r.subject_code, r.legal_representative, r.decision_no, r.violation_type, r.violation_facts,
          r.legal_basis, '罚款', r.penalty_content, r.fine_amount, r.decision_date, r.authority_name, r.authority_code, r.notified_on, r.notice_method].join(',')}\r\n`;
      };
      const body = Buffer.concat([Buffer.from(`${header}\r\n${row(1)}`), iconv.encode(row(2), 'gbk'), Buffer.from(row(3))]);
      const { report, ledger } = await pushAndReconcile(body, 'text/csv; charset=utf-8', ['CSV-1', 'CSV-2', 'CSV-3']);
      expect(report.rejections).toEqual([expect.objectContaining({ index: 1, sourceKey: 'CSV-2', code: 'ENCODING_MISMATCH', value: expect.stringMatching(/^第 3 行/) })]);
      expect(report.loaded).toBe(2);
      return observed({ observed: `202; loaded ${report.loaded}; ${report.rejections[0].code} ${report.rejections[0].value}`, accepted: 3, ...ledger });
    },
  );

  reliabilityCase(
    {
      id: 'G6-long-csv-row',
      group: G,
      title: 'a CSV row past the record limit is refused alone with RECORD_TOO_LARGE; the rows around it load',
      channel: 'REST CSV, services',
      input: 'a UTF-8 CSV of 3 penalty rows, row 2 holding a 2 MB violation_facts cell (INGEST_MAX_RECORD_BYTES 1 MiB)',
      expected: '202; row 2 RECORD_TOO_LARGE naming line 3; rows 1 and 3 loaded (the whole body used to be refused 400)',
    },
    async () => {
      const header = 'source_key,subject_name,subject_type,subject_code,legal_representative,decision_no,violation_type,violation_facts,legal_basis,penalty_categories,penalty_content,fine_amount,decision_date,authority_name,authority_code,notified_on,notice_method';
      const row = (n: number, facts?: string) => {
        const r = penaltyRecord(400 + n, { source_key: `LONG-${n}` });
        return `${[r.source_key, r.subject_name, r.subject_type, r.subject_code, r.legal_representative, r.decision_no, r.violation_type, facts ?? r.violation_facts,
          r.legal_basis, '罚款', r.penalty_content, r.fine_amount, r.decision_date, r.authority_name, r.authority_code, r.notified_on, r.notice_method].join(',')}\r\n`;
      };
      const body = `${header}\r\n${row(1)}${row(2, 'a'.repeat(2 * MiB))}${row(3)}`;
      const { report, ledger } = await pushAndReconcile(body, 'text/csv; charset=utf-8', ['LONG-1', 'LONG-3', 'index:1']);
      expect(report.rejections).toEqual([expect.objectContaining({ index: 1, code: 'RECORD_TOO_LARGE', value: expect.stringMatching(/^第 3 行/) })]);
      expect(report.loaded).toBe(2);
      return observed({ observed: `202; loaded ${report.loaded}; ${report.rejections[0].code} ${report.rejections[0].value}`, accepted: 3, ...ledger });
    },
  );

  reliabilityCase(
    {
      id: 'G6-wide-csv-header',
      group: G,
      title: 'a CSV header of 100,000 columns is refused after one pass with a clear message',
      channel: 'REST CSV, services',
      input: 'a CSV whose header has 100,000 short column names (690 KB) and one row',
      expected: '400 MALFORMED_BODY “CSV 表头有 100000 列，超过上限 1000 列”; the next honest push on the same client is taken',
    },
    async () => {
      const header = Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',');
      const result = await push(hub.url, apiKey, ITEM, `${header}\n${'x,'.repeat(99_999)}x\n`, { contentType: 'text/csv' });
      expect(result.status).toBe(400);
      expect(result.body.error).toMatchObject({ code: 'MALFORMED_BODY', message: 'CSV 表头有 100000 列，超过上限 1000 列' });
      const next = await push(hub.url, apiKey, ITEM, JSON.stringify([penaltyRecord(300, { source_key: 'WIDE-NEXT' })]));
      expect(next.status).toBe(202);
      await waitForBatchDone(hub.url, apiKey, next.body.batchId as string);
      return observed({ observed: `${result.status} ${result.body.error?.message}; next push ${next.status}`, accepted: 1, ...(await reconcile(database.url, ['WIDE-NEXT'])) });
    },
  );

  reliabilityCase(
    {
      id: 'G6-many-keys',
      group: G,
      title: 'records with too many keys are refused alone with RECORD_TOO_LARGE',
      channel: 'REST JSON, services',
      input: 'a JSON array: a good record, one with 300,000 keys (4 MB), one with 50,000 keys (under the byte limit), a good record',
      expected: '202; both wide records RECORD_TOO_LARGE (by size and by field count); the good ones loaded',
    },
    async () => {
      const wide = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;
      const body = `[${JSON.stringify(penaltyRecord(401, { source_key: 'KEYS-1' }))},${wide(300_000)},${wide(50_000)},${JSON.stringify(penaltyRecord(404, { source_key: 'KEYS-4' }))}]`;
      const { report, ledger } = await pushAndReconcile(body, 'application/json', ['KEYS-1', 'KEYS-4', 'index:1', 'index:2']);
      expect(report.rejections.map((r) => [r.index, r.code])).toEqual([
        [1, 'RECORD_TOO_LARGE'],
        [2, 'RECORD_TOO_LARGE'],
      ]);
      expect(report.loaded).toBe(2);
      return observed({ observed: `202; loaded ${report.loaded}; ${report.rejections.map((r) => `${r.code} ${r.value}`).join('; ')}`, accepted: 4, ...ledger });
    },
  );

  reliabilityCase(
    {
      id: 'E4-deep-json',
      group: E,
      title: 'a record nested 10,000 levels deep is refused alone, in a JSON array and in NDJSON',
      channel: 'REST JSON and NDJSON, services',
      input: '[good, {"a":{"a":… 10,000 levels}}, good] as a JSON array, and the same as NDJSON',
      expected: '202 each; the deep record RECORD_TOO_LARGE; the good ones loaded; no 500',
    },
    async () => {
      const good = (n: number) => JSON.stringify(penaltyRecord(500 + n, { source_key: `DEEP-${n}` }));
      const array = await pushAndReconcile(`[${good(1)},${deepJson(10_000)},${good(3)}]`, 'application/json', ['DEEP-1', 'DEEP-3']);
      const nd = await pushAndReconcile(`${good(4)}\n${deepJson(10_000)}\n${good(6)}\n`, 'application/x-ndjson', ['DEEP-4', 'DEEP-6']);
      for (const { report } of [array, nd]) {
        expect(report.rejections).toEqual([expect.objectContaining({ index: 1, code: 'RECORD_TOO_LARGE' })]);
        expect(report.loaded).toBe(2);
      }
      const ledger = await reconcile(database.url, ['DEEP-1', 'DEEP-3', 'DEEP-4', 'DEEP-6', 'index:1']);
      return observed({ observed: `202 twice; ${array.report.rejections[0].value} / ${nd.report.rejections[0].value}`, accepted: 6, ...ledger });
    },
  );

  it('refuses an empty body with 400 EMPTY_BODY', async () => {
    for (const [body, type] of [
      ['', 'application/json'],
      ['', 'application/x-ndjson'],
      ['[]', 'application/json'],
    ]) {
      const result = await push(hub.url, apiKey, ITEM, body, { contentType: type });
      expect({ status: result.status, code: result.body.error?.code }).toEqual({ status: 400, code: 'EMPTY_BODY' });
    }
  });

  describe('SOAP push', () => {
    const envelope = (security: string) =>
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:credit-hub:ingest:v1"><soap:Header>${security}</soap:Header><soap:Body><tns:SubmitRecords><tns:item>${ITEM}</tns:item><tns:records><tns:record><tns:field><tns:name>x</tns:name><tns:value>`;
    const token = (user: string, key: string) =>
      `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken><wsse:Username>${user}</wsse:Username><wsse:Password>${key}</wsse:Password></wsse:UsernameToken></wsse:Security>`;
    const tail = '</tns:value></tns:field></tns:record></tns:records></tns:SubmitRecords></soap:Body></soap:Envelope>';
    const soapPost = (body: Buffer, headers: Record<string, string> = {}) =>
      fetch(`${hub.url}/soap/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Encoding': 'gzip', ...headers }, body });

    reliabilityCase(
      {
        id: 'G6-soap-unauthenticated-bomb',
        group: G,
        title: 'an unauthenticated gzipped SOAP request is refused from its first bytes, before it is inflated or parsed',
        channel: 'SOAP, services',
        input: '126 KB of gzip inflating to 31 MB, with a UsernameToken holding a wrong key, then with none',
        expected: 'a Client fault UNAUTHENTICATED each time; the hub’s peak RSS grows by less than 40 MB (the 31 MB are never held)',
      },
      async () => {
        const before = memoryOf(hub.pid);
        const faults: string[] = [];
        for (const security of [token('bounds-sup', 'chk_wrong-key'), '']) {
          const response = await soapPost(await gzipOf(envelope(security), 0x61, 31 * MiB, tail));
          const text = await response.text();
          faults.push(`${response.status} ${/<code>([A-Z_]+)<\/code>|UNAUTHENTICATED/.exec(text)?.[0] ?? text.slice(0, 200)}`);
          expect(text).toContain('UNAUTHENTICATED');
        }
        const after = memoryOf(hub.pid);
        expect(after.peak - before.rss).toBeLessThan(40 * MiB);
        return observed({ observed: `${faults.join('; ')}; peak RSS +${Math.round((after.peak - before.rss) / MiB)} MB` });
      },
    );

    reliabilityCase(
      {
        id: 'E3-gzip-bomb-soap',
        group: E,
        title: 'an authenticated SOAP gzip bomb stops at the cap after inflation',
        channel: 'SOAP, services',
        input: 'a UsernameToken with the right key, then gzip inflating to 200 MB',
        expected: '413 with a Client fault BODY_TOO_LARGE; memory bounded by the 32 MB cap',
      },
      async () => {
        const before = memoryOf(hub.pid);
        const response = await soapPost(await gzipOf(envelope(token('bounds-sup', apiKey)), 0x61, 200 * MiB, tail));
        const text = await response.text();
        const after = memoryOf(hub.pid);
        expect(response.status).toBe(413);
        expect(text).toContain('BODY_TOO_LARGE');
        expect(after.peak - before.rss).toBeLessThan(150 * MiB);
        return observed({ observed: `${response.status} BODY_TOO_LARGE; peak RSS +${Math.round((after.peak - before.rss) / MiB)} MB` });
      },
    );
  });

  describe('REST pull', () => {
    let server: Server;
    let url: string;

    beforeAll(async () => {
      const when = `${recentDate(3)}T08:00:0`;
      const record = (n: number, extra = '') =>
        `${JSON.stringify({ id: `P${n}`, updated_at: `${when}${n}Z`, ...penaltyRecord(600 + n, { source_key: `PULL-${n}` }) }).slice(0, -1)}${extra}}`;
      const page = `{"data":{"items":[${record(1)},${record(2, `,"nested":${deepJson(20_000)}`)},${record(3)}]}}`;
      server = createServer((req, res) => {
        const since = new URL(req.url ?? '/', 'http://x').searchParams.get('since');
        res.setHeader('Content-Type', 'application/json');
        // After the cursor has moved past P3 there is nothing new.
        res.end(since && since >= `${when}3Z` ? '{"data":{"items":[]}}' : page);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => new Promise<void>((r) => server?.close(() => r())));

    reliabilityCase(
      {
        id: 'G6-deep-rest-pull',
        group: G,
        title: 'a REST-pull page holding one 20,000-deep record: that record is refused, the others load, the cursor advances',
        channel: 'REST pull, services',
        input: 'a supplier page of 3 records, the second with a field nested 20,000 levels (JSON.stringify of it overflows the stack)',
        expected: 'the run ends done; PULL-1 and PULL-3 loaded, the deep record RECORD_TOO_LARGE; a second run reads nothing new',
      },
      async () => {
        const created = await adminCall(hub.url, 'POST', '/connectors', {
          supplier: 'bounds-sup',
          item: ITEM,
          kind: 'rest-pull',
          schedule: '0 0 3 * * *',
          config: {
            baseUrl: url,
            path: '/v1/records',
            auth: { type: 'none' },
            pagination: { mode: 'page', pageSize: 10 },
            incremental: { param: 'since', field: 'updated_at' },
            recordsPath: 'data.items',
            retry: { baseDelayMs: 50, maxDelayMs: 200 },
          },
        });
        expect(created.status).toBe(201);
        const id = created.body.id as string;
        const run = await adminCall(hub.url, 'POST', `/connectors/${id}/run`);
        expect(run.body).toMatchObject({ outcome: 'done' });
        const [batchId] = run.body.batchIds as string[];
        const report = await waitForBatchDone(hub.url, apiKey, batchId);
        expect(report.rejections).toEqual([expect.objectContaining({ index: 1, sourceKey: 'PULL-2', code: 'RECORD_TOO_LARGE' })]);
        expect(report.loaded).toBe(2);
        const again = await adminCall(hub.url, 'POST', `/connectors/${id}/run`);
        expect(again.body).toMatchObject({ outcome: 'done', batchIds: [] });
        return observed({
          observed: `run ${String(run.body.outcome)}; loaded ${report.loaded}; PULL-2 ${report.rejections[0].code} (${report.rejections[0].value}); second run ${JSON.stringify(again.body.batchIds)}`,
          accepted: 3,
          ...(await reconcile(database.url, ['PULL-1', 'PULL-2', 'PULL-3'])),
        });
      },
    );
  });
});
