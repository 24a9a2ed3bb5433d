import { spawnSync } from 'node:child_process';
import * as soap from 'soap';
import { penaltyRecord, recentDate } from '../fixtures/credit-data';
import { adminCall, ADMIN_TOKEN, batchReport, registerSupplier, runConnectorUntilDone, waitForBatchDone } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { RestSupplier, startRestSupplier } from '../support/rest-supplier';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(300_000);

const SECRET_KEY = 'e2e-hub-secret-key-0123456789abcdef';

/** Connectors through the booted hub: registered over the API, run, feedback on their own channel. */
describe('connectors end to end', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let env: Record<string, string>;

  const admin = (method: string, path: string, body?: unknown) => adminCall(hub.url, method, path, body);

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    env = { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: SECRET_KEY, INGEST_PUBLISH_TIMEOUT_S: '10' };
    hub = await startHubProcess({ env });
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('lists the four connector kinds with config schemas whose secrets are writeOnly', async () => {
    const kinds = await admin('GET', '/connector-kinds');
    expect((kinds.body as unknown as { kind: string }[]).map((k) => k.kind).sort()).toEqual(['db-poll', 'rest-pull', 'sftp', 'soap-pull']);
    const rest = await admin('GET', '/connector-kinds/rest-pull');
    expect(JSON.stringify(rest.body)).toContain('"writeOnly":true');
  });

  describe('REST pull', () => {
    let supplier: RestSupplier;
    let apiKey: string;

    beforeAll(async () => {
      supplier = await startRestSupplier({ token: 'supplier-read-token' });
      apiKey = await registerSupplier(hub.url, 'rest-sup', ['administrative_penalty']);
      supplier.records = Array.from({ length: 250 }, (_, n) => ({
        id: `R${n}`,
        updated_at: `${recentDate(5)}T08:${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}Z`,
        ...penaltyRecord(30_000 + n, { source_key: `R${n}` }),
        ...(n === 7 || n === 123 ? { decision_no: '' } : {}),
      }));
    });

    afterAll(async () => supplier?.close());

    it('reads 25 pages after two 503s, loads them, calls the rejections back, and never shows a secret', async () => {
      supplier.faults.push({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
      const created = await admin('POST', '/connectors', {
        supplier: 'rest-sup',
        item: 'administrative_penalty',
        kind: 'rest-pull',
        schedule: '0 0 3 * * *',
        config: {
          baseUrl: supplier.url,
          path: '/v1/page/records',
          auth: { type: 'bearer' },
          token: 'supplier-read-token',
          pagination: { mode: 'page', pageSize: 10 },
          incremental: { param: 'since', field: 'updated_at' },
          recordsPath: 'data.items',
          retry: { baseDelayMs: 50, maxDelayMs: 200 },
          callback: { url: `${supplier.url}/v1/callback` },
        },
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;

      const run = await admin('POST', `/connectors/${id}/run`);
      expect(run.body).toMatchObject({ outcome: 'done' });
      const batchIds = run.body.batchIds as string[];
      expect(batchIds).toHaveLength(25);
      const reports = await Promise.all(batchIds.map((b) => waitForBatchDone(hub.url, apiKey, b)));
      expect(reports.reduce((n, r) => n + r.loaded, 0)).toBe(248);
      expect(reports.flatMap((r) => r.rejections.map((x) => x.sourceKey)).sort()).toEqual(['R123', 'R7']);

      // The scheduler's dispatcher posts each page's rejections to the supplier's callback.
      const deadline = Date.now() + 60_000;
      const calledBack = () =>
        supplier.callbacks
          .filter((c) => c.status === 200)
          .flatMap((c) => (c.body as { rejections: { sourceKey: string }[] }).rejections.map((r) => r.sourceKey))
          .sort();
      while (calledBack().length < 2 && Date.now() < deadline) await sleep(500);
      expect(calledBack()).toEqual(['R123', 'R7']);
      const withRejection = reports.find((r) => r.rejected > 0) as { batchId: string };
      expect((await batchReport(hub.url, apiKey, withRejection.batchId)).feedback).toMatchObject({ state: 'delivered', channel: 'rest-pull' });

      const status = await admin('GET', `/connectors/${id}`);
      expect(status.body).toMatchObject({ kind: 'rest-pull', health: 'ok', counts: { batches: 25, records: 250 } });
      expect(JSON.stringify(status.body)).not.toContain('supplier-read-token');
      const stored = await withDatabase(database.url, (db) => db.query<{ config: string; secrets: string }>('SELECT config::text, secrets FROM connector_instances'));
      expect(stored.rows[0].config).not.toContain('supplier-read-token');
      expect(stored.rows[0].secrets).not.toContain('supplier-read-token');
    });

    it('loses nothing and loads nothing twice when the hub is killed in the middle of a run', async () => {
      const more = supplier.addRecords(0, recentDate(1));
      expect(more).toEqual([]);
      const base = supplier.records.length;
      const fresh = Array.from({ length: 100 }, (_, n) => ({
        id: `S${n}`,
        updated_at: `${recentDate(1)}T09:00:${String(n % 60).padStart(2, '0')}.${String(n).padStart(3, '0')}Z`,
        ...penaltyRecord(40_000 + n, { source_key: `S${n}` }),
      }));
      supplier.records.push(...fresh);
      const created = await admin('POST', '/connectors', {
        supplier: 'rest-sup', item: 'administrative_penalty', kind: 'rest-pull', schedule: '0 0 3 * * *',
        config: { baseUrl: supplier.url, path: '/v1/page/records', auth: { type: 'bearer' }, token: 'supplier-read-token',
          pagination: { mode: 'page', pageSize: 10 }, recordsPath: 'data.items', incremental: { param: 'since', field: 'updated_at' } },
      });
      const id = created.body.id as string;
      // Stall page 5 so the run is surely in flight, then kill the whole hub.
      supplier.faults.push({ kind: 'stall', ms: 0 }, { kind: 'stall', ms: 0 }, { kind: 'stall', ms: 0 }, { kind: 'stall', ms: 0 }, { kind: 'stall', ms: 8_000 });
      const running = admin('POST', `/connectors/${id}/run`).catch(() => undefined);
      await sleep(3_000);
      await hub.kill();
      await running;
      hub = await startHubProcess({ env });
      const rerun = await runConnectorUntilDone(hub.url, id);
      expect(rerun).toMatchObject({ outcome: 'done' });
      const deadline = Date.now() + 60_000;
      let counts = { records: 0, distinct: 0 };
      while (Date.now() < deadline) {
        counts = await withDatabase(database.url, async (db) => {
          const r = await db.query<{ n: string; d: string }>(
            `SELECT count(*) AS n, count(DISTINCT source_key) AS d FROM credit_records WHERE source_key LIKE 'R%' OR source_key LIKE 'S%'`,
          );
          return { records: Number(r.rows[0].n), distinct: Number(r.rows[0].d) };
        });
        if (counts.records >= base - 2 + 100) break;
        await sleep(500);
      }
      expect(counts).toEqual({ records: base - 2 + 100, distinct: base - 2 + 100 });
      const versions = await withDatabase(database.url, (db) =>
        db.query<{ n: string }>(`SELECT count(*) AS n FROM credit_record_versions v JOIN credit_records r ON r.id = v.record_id WHERE r.source_key LIKE 'S%'`),
      );
      expect(Number(versions.rows[0].n)).toBe(100);
    });
  });

  describe('SOAP push', () => {
    const asFields = (record: Record<string, unknown>) => ({
      field: Object.entries(record).flatMap(([name, value]) =>
        Array.isArray(value) ? value.map((v) => ({ name, value: String(v) })) : [{ name, value: String(value) }],
      ),
    });

    it('takes SubmitRecords with a WS-Security UsernameToken and answers GetBatchReport with the rejections', async () => {
      const apiKey = await registerSupplier(hub.url, 'soap-sup', ['administrative_penalty']);
      const client = await soap.createClientAsync(`${hub.url}/soap/v1/ingest?wsdl`, { disableCache: true });
      client.setEndpoint(`${hub.url}/soap/v1/ingest`);
      client.setSecurity(new soap.WSSecurity('soap-sup', apiKey, { passwordType: 'PasswordText', hasTimeStamp: false }));
      const records = [penaltyRecord(50_001), penaltyRecord(50_002, { decision_no: '' }), penaltyRecord(50_003)];
      const [receipt] = (await client.SubmitRecordsAsync({ item: 'administrative_penalty', requestId: 'soap-1', records: { record: records.map(asFields) } })) as [
        { batchId: string; received: number },
      ];
      expect(receipt).toMatchObject({ received: 3 });
      await waitForBatchDone(hub.url, apiKey, receipt.batchId);
      const [report] = (await client.GetBatchReportAsync({ batchId: receipt.batchId })) as [Record<string, unknown>];
      expect(report).toMatchObject({ status: 'done', received: 3, loaded: 2, rejected: 1 });
      expect(JSON.stringify(report)).toContain('REQUIRED_FIELD');
    });

    it('serves a SOAP client that is not node-soap: Python zeep submits and reads the report through the booted hub', async () => {
      const apiKey = await registerSupplier(hub.url, 'zeep-sup', ['administrative_penalty']);
      const record = penaltyRecord(51_001);
      const script = `
import json, sys, time
import zeep
from zeep.helpers import serialize_object
from zeep.wsse.username import UsernameToken
wsdl, user, key, record = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
client = zeep.Client(wsdl, wsse=UsernameToken(user, key))
fields = [{'name': k, 'value': v} for k, vs in record.items() for v in (vs if isinstance(vs, list) else [vs])]
receipt = serialize_object(client.service.SubmitRecords(item='administrative_penalty', requestId='zeep-e2e', records={'record': [{'field': fields}]}), dict)
for _ in range(100):
    report = serialize_object(client.service.GetBatchReport(batchId=receipt['batchId']), dict)
    if report['status'] == 'done':
        break
    time.sleep(0.2)
print(json.dumps({'received': receipt['received'], 'status': report['status'], 'loaded': report['loaded']}))
`;
      const python = spawnSync('python3', ['-c', 'import zeep']).status === 0 ? 'python3' : '/usr/bin/python3';
      const run = spawnSync(python, ['-c', script, `${hub.url}/soap/v1/ingest?wsdl`, 'zeep-sup', apiKey, JSON.stringify(record)], { encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout.trim())).toEqual({ received: 1, status: 'done', loaded: 1 });
    });

    it('refuses a body with a DOCTYPE with a SOAP fault carrying DTD_FORBIDDEN, and no stack trace', async () => {
      const body = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
        <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol2;</soap:Body></soap:Envelope>`;
      const response = await fetch(`${hub.url}/soap/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body });
      const text = await response.text();
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(text).toContain('DTD_FORBIDDEN');
      expect(text).not.toMatch(/at .+\.js:\d+/);
    });
  });
});
