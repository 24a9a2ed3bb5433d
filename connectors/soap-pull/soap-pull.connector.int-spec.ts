import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { penaltyChanges, SEQ_BASE, SoapSupplier, startSoapSupplier, supplierWsdl } from '../../test/support/soap-supplier';
import { noRecords, reliabilityCase } from '../../test/support/reliability';
import { Connector, ConnectorError, Cursor, Feedback, ReadBatch } from '../connector.contract';
import { soapPullManifest } from './manifest';
import { SoapPullConfig } from './soap-pull.config';
import { permissiveEgressGuard } from '../../libs/security/egress-policy';

const USER = 'hub-xiamen';
const PASSWORD = 'p@ss-不是真的';

interface ReadOutcome {
  readonly batches: { key: string; label: string; records: Record<string, unknown>[]; cursorAfter: Cursor }[];
  readonly error?: unknown;
}

/** Reads like the runtime: every batch's records drained, the cursor taken from the last batch; stops at the first error. */
async function readAll(connector: Connector, cursor: Cursor | null, stopAfter = Infinity): Promise<ReadOutcome> {
  const batches: ReadOutcome['batches'] = [];
  try {
    for await (const batch of connector.read(cursor)) {
      batches.push({ key: batch.key, label: batch.label, records: await drain(batch), cursorAfter: batch.cursorAfter });
      if (batches.length >= stopAfter) break;
    }
    return { batches };
  } catch (error) {
    return { batches, error };
  }
}

async function drain(batch: ReadBatch): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const r of batch.records) out.push(r);
  return out;
}

const seq = (n: number) => String(SEQ_BASE + BigInt(n));

describe('soap-pull connector against a node-soap supplier on loopback', () => {
  let supplier: SoapSupplier;
  const logs: string[] = [];

  const connector = (overrides: Partial<SoapPullConfig> = {}): Connector => {
    const config = soapPullManifest.configSchema.parse({
      endpoint: supplier.endpoint,
      wsdl: supplier.wsdl,
      operation: 'GetPenaltyChanges',
      incremental: { parameter: 'since', initialValue: '0', field: 'seq' },
      paging: { pageParameter: 'page', pageSizeParameter: 'pageSize', pageSize: 3 },
      recordsPath: 'changes.change',
      username: USER,
      password: PASSWORD,
      timeoutMs: 2_000,
      ...overrides,
    });
    return soapPullManifest.create(config, {
      workDir: mkdtempSync(join(tmpdir(), 'soap-pull-')),
      now: () => new Date('2025-06-01T00:00:00Z'),
      log: (level, message) => void logs.push(`${level}: ${message}`),
      egress: permissiveEgressGuard(),
    });
  };

  beforeEach(async () => {
    supplier = await startSoapSupplier({ username: USER, password: PASSWORD, changes: penaltyChanges(7) });
  });
  afterEach(async () => {
    await supplier.close();
    expect(supplier.wsdlRequests()).toBe(0); // the WSDL comes from the config, never from the network
  });

  it('reads 3 pages with an advancing cursor, records in the supplier terms and exact, and moves since only with the last page', async () => {
    const c = connector();
    const run = await readAll(c, null);

    expect(run.error).toBeUndefined();
    expect(run.batches.map((b) => b.records.length)).toEqual([3, 3, 1]);
    expect(run.batches.map((b) => b.cursorAfter)).toEqual([
      { since: '0', resume: { page: 2, pagesDone: 1, maxSeen: seq(3) } },
      { since: '0', resume: { page: 3, pagesDone: 2, maxSeen: seq(6) } },
      { since: seq(7) },
    ]);
    expect(run.batches.map((b) => b.key)).toEqual([
      expect.stringMatching(/^GetPenaltyChanges:0:1:[0-9a-f]{16}$/),
      expect.stringMatching(/^GetPenaltyChanges:0:2:[0-9a-f]{16}$/),
      expect.stringMatching(/^GetPenaltyChanges:0:3:[0-9a-f]{16}$/),
    ]);
    // xsd:long above 2^53, xsd:decimal and xsd:dateTime stay the text the supplier wrote
    expect(run.batches[1].records[1]).toEqual({
      seq: seq(5),
      changedAt: '2025-03-06T09:30:00.123456+08:00',
      decisionNo: '厦市监罚〔2025〕5号',
      subjectName: '厦门测试商贸有限公司5',
      fineAmount: '1005.50',
      category: ['罚款'],
    });
    expect(run.batches[0].records[1].category).toEqual(['警告', '罚款']);
    expect(supplier.calls.map((call) => [call.args.since, call.args.page, call.args.pageSize, call.username])).toEqual([
      ['0', 1, 3, USER],
      ['0', 2, 3, USER],
      ['0', 3, 3, USER],
    ]);

    // Next run: nothing new, nothing published; then two new changes arrive after the stored mark.
    const idle = await readAll(c, run.batches[2].cursorAfter);
    expect(idle).toEqual({ batches: [] });
    supplier.changes.push(...penaltyChanges(2, 8));
    const next = await readAll(c, run.batches[2].cursorAfter);
    expect(next.batches.map((b) => b.records.map((r) => r.seq))).toEqual([[seq(8), seq(9)]]);
    expect(next.batches[0].cursorAfter).toEqual({ since: seq(9) });
    expect(supplier.calls.at(-1)?.args.since).toBe(seq(7));
    await c.close();
  });

  it('resumes a run cut after page 1 at page 2 of the same since, with the same batch keys as an uncut run', async () => {
    const full = await readAll(connector(), null);
    const cut = await readAll(connector(), null, 1);
    const resumed = await readAll(connector(), cut.batches[0].cursorAfter);

    expect([...cut.batches, ...resumed.batches].map((b) => b.key)).toEqual(full.batches.map((b) => b.key));
    expect(resumed.batches.at(-1)?.cursorAfter).toEqual({ since: seq(7) });
  });

  it('gives a re-read page with other records another key (the hub would otherwise replay the old batch and lose them)', async () => {
    supplier.changes.splice(2); // two changes: page 1 is short, the run ends there
    const first = await readAll(connector(), null);
    supplier.changes.push(...penaltyChanges(1, 3));
    const again = await readAll(connector(), null);

    expect(first.batches[0].key).toMatch(/^GetPenaltyChanges:0:1:/);
    expect(again.batches[0].key).toMatch(/^GetPenaltyChanges:0:1:/);
    expect(again.batches[0].key).not.toBe(first.batches[0].key);
  });

  reliabilityCase(
    {
      id: 'D6-server-fault',
      group: 'D connector',
      title: 'a soap:Server fault is retryable and publishes nothing for its page',
      channel: 'SOAP pull, connector against a loopback node-soap supplier',
      input: 'page 1 answers normally, page 2 answers HTTP 500 with a soap:Server fault (ORA-12170)',
      expected: 'a retryable SUPPLIER_SERVER_FAULT; only page 1 is published, so the stored cursor is page 1\'s',
    },
    async () => {
    supplier.respondWith('ok', 'server-fault');
    const run = await readAll(connector(), null);

    expect(run.batches).toHaveLength(1); // page 1 only: its cursor is the last one the runtime may store
    expect(run.error).toBeInstanceOf(ConnectorError);
    expect(run.error).toMatchObject({ errorClass: 'retryable', code: 'SUPPLIER_SERVER_FAULT' });
    expect((run.error as Error).message).toContain('ORA-12170');
    return noRecords(`page 1 published, then ${(run.error as ConnectorError).code} (${(run.error as ConnectorError).errorClass}); nothing published for page 2`);
  });

  reliabilityCase(
    {
      id: 'D6-client-fault',
      group: 'D connector',
      title: 'a soap:Client fault is a contract error, not retried',
      channel: 'SOAP pull, connector against a loopback node-soap supplier',
      input: 'the first page answers a soap:Client fault',
      expected: 'a config-class SUPPLIER_CLIENT_FAULT naming a contract error; nothing published, the cursor does not move',
    },
    async () => {
    supplier.respondWith('client-fault');
    const run = await readAll(connector(), null);

    expect(run.batches).toEqual([]);
    expect(run.error).toMatchObject({ errorClass: 'config', code: 'SUPPLIER_CLIENT_FAULT' });
    expect((run.error as Error).message).toContain('contract error');
    return noRecords(`${(run.error as ConnectorError).code} (${(run.error as ConnectorError).errorClass}); 0 batches published`);
  });

  reliabilityCase(
    {
      id: 'D7-garbage',
      group: 'D connector',
      title: 'an HTML 502 from a proxy and a garbled 200 are typed retryable errors',
      channel: 'SOAP pull, connector against a loopback node-soap supplier',
      input: 'one run answered with an HTML 502 page, one with a 200 whose body is not XML',
      expected: 'HTTP_502 and INVALID_RESPONSE, both retryable; nothing published, the cursor does not move',
    },
    async () => {
    supplier.respondWith('html-502', 'invalid-xml');
    const gateway = await readAll(connector(), null);
    const garbled = await readAll(connector(), null);

    expect(gateway.error).toMatchObject({ errorClass: 'retryable', code: 'HTTP_502' });
    expect(garbled.error).toMatchObject({ errorClass: 'retryable', code: 'INVALID_RESPONSE' });
    expect([...gateway.batches, ...garbled.batches]).toEqual([]);
    return noRecords('HTTP_502 and INVALID_RESPONSE (retryable); 0 batches published');
  });

  reliabilityCase(
    {
      id: 'D7-hang',
      group: 'D connector',
      title: 'a SOAP supplier that never answers is cut at the configured timeout',
      channel: 'SOAP pull, connector against a loopback node-soap supplier',
      input: 'the supplier accepts the call and never answers; timeoutMs 500',
      expected: 'a retryable TIMEOUT after about the timeout (well under 3 s), no hang; nothing published',
    },
    async () => {
    supplier.respondWith('hang');
    const started = Date.now();
    const run = await readAll(connector({ timeoutMs: 500 }), null);
    const elapsed = Date.now() - started;

    expect(run.error).toMatchObject({ errorClass: 'retryable', code: 'TIMEOUT' });
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(3_000);
    return noRecords(`TIMEOUT (retryable) after ${elapsed} ms; nothing published`);
  });

  it('ends a call whose body trickles forever with the same deadline (an idle timer alone never fires)', async () => {
    supplier.respondWith('trickle');
    const started = Date.now();
    const run = await readAll(connector({ timeoutMs: 600 }), null);

    expect(run.error).toMatchObject({ errorClass: 'retryable', code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('classes refused credentials as config (AUTH_FAILED)', async () => {
    const run = await readAll(connector({ password: 'wrong' }), null);
    expect(run.error).toMatchObject({ errorClass: 'config', code: 'AUTH_FAILED' });
  });

  it('classes an unreachable endpoint as retryable', async () => {
    const run = await readAll(connector({ endpoint: 'http://127.0.0.1:9/penalty/v2' }), null);
    expect(run.error).toMatchObject({ errorClass: 'retryable', code: 'NETWORK' });
  });

  it('check() builds the client from the stored WSDL and calls only the configured cheap operation', async () => {
    await connector().check();
    expect(supplier.calls).toEqual([]);

    await connector({ checkOperation: { name: 'Ping', arguments: {} } }).check();
    expect(supplier.calls.map((call) => [call.operation, call.username])).toEqual([['Ping', USER]]);

    await expect(connector({ operation: 'GetLicenceChanges' }).check()).rejects.toMatchObject({ errorClass: 'config', code: 'UNKNOWN_OPERATION' });
  });

  it('refuses at configuration a WSDL that would be fetched or expanded: a URL, an import with a location, a DOCTYPE', () => {
    const base = {
      endpoint: supplier.endpoint,
      operation: 'GetPenaltyChanges',
      incremental: { initialValue: '0', field: 'seq' },
      recordsPath: 'changes.change',
    };
    const withImport = supplierWsdl().replace('<xsd:schema ', '<xsd:import namespace="urn:x" schemaLocation="http://169.254.169.254/x.xsd"/><xsd:schema ');
    const withDoctype = supplierWsdl().replace('<definitions', '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><definitions');

    expect(soapPullManifest.configSchema.safeParse({ ...base, wsdl: supplier.wsdl }).success).toBe(true);
    for (const wsdl of [`${supplier.endpoint}?wsdl`, withImport, withDoctype]) {
      expect(soapPullManifest.configSchema.safeParse({ ...base, wsdl }).success).toBe(false);
    }
    expect(soapPullManifest.secretFields).toEqual(['username', 'password']);
  });

  describe('deliverFeedback', () => {
    const feedback: Feedback = {
      batchId: '3f1c2a9e-0000-4000-8000-000000000001',
      label: 'GetPenaltyChanges page 1 since 0',
      address: { operation: 'GetPenaltyChanges', since: '0', page: 1 },
      received: 3,
      loaded: 2,
      rejected: 1,
      rejections: [{ index: 1, sourceKey: seq(2), field: 'subject_code', code: 'USCC_CHECKSUM', value: null, message: '统一社会信用代码校验位错误', hint: '核对第 18 位' }],
    };

    it('is a no-op by default: the supplier reads rejections with the hub GetBatchReport', async () => {
      await connector().deliverFeedback(feedback);
      expect(supplier.calls).toEqual([]);
    });

    it('calls the supplier ReportRejections operation when the config names one', async () => {
      await connector({ feedbackOperation: 'ReportRejections' }).deliverFeedback(feedback);

      expect(supplier.calls).toHaveLength(1);
      expect(supplier.calls[0]).toMatchObject({
        operation: 'ReportRejections',
        username: USER,
        args: {
          batchId: feedback.batchId,
          received: 3,
          loaded: 2,
          rejected: 1,
          rejections: { rejection: [{ index: 1, sourceKey: seq(2), field: 'subject_code', code: 'USCC_CHECKSUM', message: '统一社会信用代码校验位错误', hint: '核对第 18 位' }] },
        },
      });
    });
  });
});
