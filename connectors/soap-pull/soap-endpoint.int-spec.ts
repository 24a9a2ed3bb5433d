/**
 * The hub's SOAP push edge (apps/api/src/soap), mounted on a bare express app on loopback with
 * in-memory services: this file is about the SOAP edge (WSDL, clients, auth, faults, hostile
 * bodies), not the pipeline, which the e2e tests run through the booted hub.
 */
import { spawnSync, spawn } from 'node:child_process';
import express from 'express';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import * as iconv from 'iconv-lite';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import * as soap from 'soap';
import { mountSoapIngest } from '../../apps/api/src/soap/soap-ingest';
import { hashApiKey } from '../../libs/http/api-key';
import type { Supplier } from '../../libs/persistence/supplier.repository';
import { IngestError } from '../../libs/pipeline/ingest/ingest-error';
import type { Receipt, RecordsBatch } from '../../libs/pipeline/ingest/ingest.service';
import { BatchReport, BatchViewer, ReportError } from '../../libs/pipeline/reports/batch-report.service';
import { noRecords, reliabilityCase } from '../../test/support/reliability';

const MAX_BODY = 1024 * 1024;
const KNOWN_ITEMS = new Set(['administrative_penalty', 'administrative_license']);
const XMSCJG: Supplier = { id: '11111111-1111-4111-8111-111111111111', code: 'xmscjg', name: '厦门市市场监督管理局', uscc: null, items: ['administrative_penalty'] };
const XMSWJ: Supplier = { id: '22222222-2222-4222-8222-222222222222', code: 'xmswj', name: '厦门市税务局', uscc: null, items: ['administrative_license'] };
const KEYS = new Map([
  [XMSCJG.code, 'chk_test_key_for_xmscjg_0123456789abcdefghijklmno'],
  [XMSWJ.code, 'chk_test_key_for_xmswj_0123456789abcdefghijklmnop'],
]);
const keyOf = (s: Supplier) => KEYS.get(s.code) ?? '';

interface StoredBatch {
  readonly supplier: Supplier;
  readonly item: string;
  readonly channel: string;
  readonly idempotencyKey: string | undefined;
  readonly records: Record<string, unknown>[];
}

/** In-memory stand-ins with the real services' acceptance rules that the edge must surface (codes, ownership, replay). */
class InMemoryHub {
  readonly batches = new Map<string, StoredBatch>();
  calls = 0;
  failNextWith: unknown;
  private nextId = 1;

  readonly ingest = {
    submitRecords: async (batch: RecordsBatch): Promise<Receipt> => {
      this.calls++;
      if (this.failNextWith !== undefined) {
        const failure = this.failNextWith;
        this.failNextWith = undefined;
        throw failure;
      }
      if (!KNOWN_ITEMS.has(batch.itemCode)) throw new IngestError('UNKNOWN_ITEM', `目录中没有信息项 ${batch.itemCode}`);
      if (!batch.supplier.items.includes(batch.itemCode)) throw new IngestError('ITEM_NOT_ALLOWED', `报送单位 ${batch.supplier.code} 不是信息项 ${batch.itemCode} 的提供单位`);
      for (const [id, earlier] of this.batches) {
        if (batch.idempotencyKey && earlier.supplier.id === batch.supplier.id && earlier.idempotencyKey === batch.idempotencyKey) {
          return { batchId: id, received: earlier.records.length, replayed: true };
        }
      }
      const records: Record<string, unknown>[] = [];
      for await (const r of batch.records) records.push(r);
      const id = `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, '0')}`;
      this.batches.set(id, { supplier: batch.supplier, item: batch.itemCode, channel: batch.channel, idempotencyKey: batch.idempotencyKey, records });
      return { batchId: id, received: records.length, replayed: false };
    },
  };

  readonly reports = {
    report: async (batchId: string, viewer: BatchViewer, page: { offset: number; limit: number }): Promise<BatchReport> => {
      const batch = this.batches.get(batchId);
      if (!batch || (viewer.kind === 'supplier' && viewer.supplierId !== batch.supplier.id)) throw new ReportError('BATCH_NOT_FOUND', `批次 ${batchId} 不存在`);
      const rejections = batch.records.flatMap((r, index) =>
        r.decision_no
          ? []
          : [{ index, sourceKey: typeof r.source_key === 'string' ? r.source_key : null, field: 'decision_no', code: 'REQUIRED_FIELD', value: null, message: '必填字段缺失', hint: '填写行政处罚决定书文号' }],
      );
      return {
        batchId,
        supplier: batch.supplier.code,
        item: batch.item,
        status: 'done',
        received: batch.records.length,
        loaded: batch.records.length - rejections.length,
        rejected: rejections.length,
        rejections: rejections.slice(page.offset, page.offset + page.limit),
        rejectionsNotStored: 0,
        rejectionsNextOffset: rejections.length > page.offset + page.limit ? page.offset + page.limit : null,
        feedback: null,
      };
    },
  };

  readonly suppliers = {
    findByApiKeyHash: async (hash: string): Promise<Supplier | undefined> => [XMSCJG, XMSWJ].find((s) => hashApiKey(keyOf(s)) === hash),
  };
}

interface RawReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly elapsedMs: number;
}

/** A raw POST, so hostile bodies go out exactly as written; resolves with the answer even if the hub stops reading early. */
function rawPost(url: string, body: Buffer | Readable, headers: Record<string, string>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      // EPIPE / ECONNRESET while still sending: the hub answered and closed; the 'response' carries the verdict.
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e);
    });
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

const envelope = (body: string, header = '') =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:h="urn:credit-hub:ingest:v1">` +
  `${header ? `<soap:Header>${header}</soap:Header>` : ''}<soap:Body>${body}</soap:Body></soap:Envelope>`;

const submitBody = (item: string, value = '厦市监罚〔2025〕1号') =>
  envelope(`<h:SubmitRecords><h:item>${item}</h:item><h:records><h:record><h:field><h:name>decision_no</h:name><h:value>${value}</h:value></h:field></h:record></h:records></h:SubmitRecords>`);

/** The fault's hub code, after checking that the fault says nothing about the hub's insides. */
function faultCode(body: string): string | undefined {
  expect(body).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|TypeError|ReferenceError|Invalid character|Unexpected close tag|sax/);
  expect(body).toContain('<faultcode>');
  return /<code>([A-Z_]+)<\/code>/.exec(body)?.[1];
}

/** The code carried by a fault a node-soap client raised. */
function nodeSoapFaultCode(error: unknown): string | undefined {
  const fault = (error as { root?: { Envelope?: { Body?: { Fault?: { detail?: { IngestFault?: { code?: unknown } } } } } } }).root?.Envelope?.Body?.Fault;
  const code = fault?.detail?.IngestFault?.code;
  return typeof code === 'string' ? code : undefined;
}

function pythonWithZeep(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', 'import zeep'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error("no python3 with zeep (Debian's python3-zeep): the interoperability test needs it");
}

function runPython(python: string, script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('SOAP push endpoint (GET ?wsdl, POST /soap/v1/ingest)', () => {
  let server: http.Server;
  let base: string;
  let endpoint: string;
  let hub: InMemoryHub;
  const logged: string[] = [];

  beforeAll(async () => {
    hub = new InMemoryHub();
    const app = express();
    await mountSoapIngest(app, {
      ingest: hub.ingest,
      reports: hub.reports,
      suppliers: hub.suppliers,
      maxBodyBytes: MAX_BODY,
      log: { log: (m: unknown) => void logged.push(String(m)), warn: (m: unknown) => void logged.push(String(m)), error: (m: unknown) => void logged.push(String(m)) },
    });
    server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    endpoint = `${base}/soap/v1/ingest`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    hub.calls = 0;
  });

  it('serves the hand-written document/literal WSDL with the address it was asked from', async () => {
    const response = await fetch(`${endpoint}?wsdl`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/xml/);
    expect(text).toContain('targetNamespace="urn:credit-hub:ingest:v1"');
    expect(text).toContain('<soap:binding style="document"');
    expect(text).toContain(`<soap:address location="${endpoint}"/>`);
  });

  it('mounts on a NestExpressApplication the way apps/hub/src/boot.ts does (before listen)', async () => {
    @Module({})
    class EmptyModule {}
    const nest = await NestFactory.create<NestExpressApplication>(EmptyModule, { bodyParser: false, logger: false });
    await mountSoapIngest(nest, { ingest: hub.ingest, reports: hub.reports, suppliers: hub.suppliers, maxBodyBytes: MAX_BODY, log: { log() {}, warn() {}, error() {} } });
    await nest.listen(0, '127.0.0.1');
    try {
      const url = (await nest.getUrl()).replace('[::1]', '127.0.0.1');
      const c = await soap.createClientAsync(`${url}/soap/v1/ingest?wsdl`, { disableCache: true });
      c.setSecurity(new soap.BearerSecurity(keyOf(XMSCJG)));
      const [receipt] = (await c.SubmitRecordsAsync({ item: 'administrative_penalty', records: { record: [] } })) as [Record<string, unknown>];
      expect(receipt).toMatchObject({ received: 0, replayed: false });
    } finally {
      await nest.close();
    }
  });

  describe('node-soap client', () => {
    const client = async (security?: soap.ISecurity) => {
      const c = await soap.createClientAsync(`${endpoint}?wsdl`, { disableCache: true });
      if (security) c.setSecurity(security);
      return c;
    };

    it('submits with a WS-Security UsernameToken, is answered again for the same requestId, and reads the report', async () => {
      const c = await client(new soap.WSSecurity(XMSCJG.code, keyOf(XMSCJG), { passwordType: 'PasswordText', hasTimeStamp: false }));
      const records = {
        record: [
          { field: [{ name: 'source_key', value: 'CF-1' }, { name: 'decision_no', value: '厦市监罚〔2025〕1号' }, { name: 'penalty_categories', value: '警告' }, { name: 'penalty_categories', value: '罚款' }] },
          { field: [{ name: 'source_key', value: 'CF-2' }, { name: 'remarks', value: 'a & <b>' }] },
        ],
      };
      const [receipt] = (await c.SubmitRecordsAsync({ item: 'administrative_penalty', requestId: 'req-2025-001', records })) as [Record<string, unknown>];
      const [again] = (await c.SubmitRecordsAsync({ item: 'administrative_penalty', requestId: 'req-2025-001', records })) as [Record<string, unknown>];

      expect(receipt).toEqual({ batchId: expect.stringMatching(/^[0-9a-f-]{36}$/), received: 2, replayed: false });
      expect(again).toEqual({ ...receipt, replayed: true });
      const stored = hub.batches.get(String(receipt.batchId));
      expect(stored).toMatchObject({ supplier: XMSCJG, item: 'administrative_penalty', channel: 'soap-push', idempotencyKey: 'req-2025-001' });
      expect(stored?.records).toEqual([
        { source_key: 'CF-1', decision_no: '厦市监罚〔2025〕1号', penalty_categories: ['警告', '罚款'] },
        { source_key: 'CF-2', remarks: 'a & <b>' },
      ]);

      const [report] = (await c.GetBatchReportAsync({ batchId: receipt.batchId })) as [Record<string, unknown>];
      expect(report).toEqual({
        batchId: receipt.batchId,
        item: 'administrative_penalty',
        status: 'done',
        received: 2,
        loaded: 1,
        rejected: 1,
        rejections: { rejection: [{ index: 1, sourceKey: 'CF-2', field: 'decision_no', code: 'REQUIRED_FIELD', message: '必填字段缺失', hint: '填写行政处罚决定书文号' }] },
      });
    });

    it('authenticates with the API key in an Authorization: Bearer or X-Api-Key header instead', async () => {
      const bearer = await client(new soap.BearerSecurity(keyOf(XMSCJG)));
      const [viaBearer] = (await bearer.SubmitRecordsAsync({ item: 'administrative_penalty', records: { record: [{ field: [{ name: 'decision_no', value: 'X-1' }] }] } })) as [Record<string, unknown>];
      const header = await client();
      header.addHttpHeader('X-Api-Key', keyOf(XMSCJG));
      const [viaHeader] = (await header.SubmitRecordsAsync({ item: 'administrative_penalty', records: { record: [] } })) as [Record<string, unknown>];

      expect(viaBearer).toMatchObject({ received: 1, replayed: false });
      expect(viaHeader).toMatchObject({ received: 0, replayed: false });
    });

    it('refuses wrong or missing credentials with an UNAUTHENTICATED fault, before any service runs', async () => {
      const attempts = [
        await client(new soap.WSSecurity(XMSCJG.code, 'chk_wrong', { passwordType: 'PasswordText', hasTimeStamp: false })),
        await client(new soap.WSSecurity(XMSWJ.code, keyOf(XMSCJG), { passwordType: 'PasswordText', hasTimeStamp: false })), // another supplier's name
        await client(new soap.WSSecurity(XMSCJG.code, keyOf(XMSCJG), { passwordType: 'PasswordDigest', hasTimeStamp: false })),
        await client(new soap.BearerSecurity('chk_wrong')),
        await client(),
      ];
      for (const c of attempts) {
        const failure: unknown = await c.SubmitRecordsAsync({ item: 'administrative_penalty', records: { record: [] } }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(nodeSoapFaultCode(failure)).toBe('UNAUTHENTICATED');
      }
      expect(hub.calls).toBe(0);
    });

    it('reports only to the owning supplier: another supplier gets BATCH_NOT_FOUND', async () => {
      const owner = await client(new soap.BearerSecurity(keyOf(XMSCJG)));
      const [receipt] = (await owner.SubmitRecordsAsync({ item: 'administrative_penalty', records: { record: [{ field: [{ name: 'decision_no', value: 'X-2' }] }] } })) as [Record<string, unknown>];
      const other = await client(new soap.BearerSecurity(keyOf(XMSWJ)));
      const failure: unknown = await other.GetBatchReportAsync({ batchId: receipt.batchId }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(nodeSoapFaultCode(failure)).toBe('BATCH_NOT_FOUND');
    });

    it("carries the services' codes as soap:Client or soap:Server faults with Chinese text", async () => {
      const c = await client(new soap.BearerSecurity(keyOf(XMSCJG)));
      const refuse = (item: string) =>
        c.SubmitRecordsAsync({ item, records: { record: [] } }).then(
          () => undefined,
          (e: unknown) => e,
        );
      const unknown = await refuse('no_such_item');
      const notAllowed = await refuse('administrative_license');
      hub.failNextWith = new IngestError('BROKER_UNAVAILABLE', '消息队列暂不可用，本次报送未被接收，请稍后重试');
      const broker = await refuse('administrative_penalty');

      expect(nodeSoapFaultCode(unknown)).toBe('UNKNOWN_ITEM');
      expect(nodeSoapFaultCode(notAllowed)).toBe('ITEM_NOT_ALLOWED');
      expect(nodeSoapFaultCode(broker)).toBe('BROKER_UNAVAILABLE');
      const faultOf = (e: unknown) => (e as { root: { Envelope: { Body: { Fault: { faultcode: string; faultstring: string } } } } }).root.Envelope.Body.Fault;
      expect(faultOf(unknown)).toMatchObject({ faultcode: 'soap:Client', faultstring: '目录中没有信息项 no_such_item' });
      expect(faultOf(broker).faultcode).toBe('soap:Server');
    });
  });

  it('interoperates with zeep (Python), a SOAP client that is not node-soap: submit, report, faults', async () => {
    const script = String.raw`
import json, sys
import zeep
from zeep.helpers import serialize_object
from zeep.wsse.username import UsernameToken
wsdl, user, key = sys.argv[1], sys.argv[2], sys.argv[3]
def code_of(fault):
    found = fault.detail.find('.//{urn:credit-hub:ingest:v1}code') if fault.detail is not None else None
    return found.text if found is not None else None
client = zeep.Client(wsdl, wsse=UsernameToken(user, key))
records = {'record': [
    {'field': [{'name': 'source_key', 'value': 'ZP-1'}, {'name': 'decision_no', 'value': '厦市监罚〔2025〕88号'}, {'name': 'remarks', 'value': None}]},
    {'field': [{'name': 'source_key', 'value': 'ZP-2'}]},
]}
receipt = serialize_object(client.service.SubmitRecords(item='administrative_penalty', requestId='zeep-1', records=records), dict)
report = serialize_object(client.service.GetBatchReport(batchId=receipt['batchId']), dict)
faults = {}
try:
    client.service.SubmitRecords(item='no_such_item', records={'record': []})
except zeep.exceptions.Fault as f:
    faults['unknown'] = [f.code, code_of(f), f.message]
try:
    zeep.Client(wsdl, wsse=UsernameToken(user, 'chk_wrong')).service.GetBatchReport(batchId=receipt['batchId'])
except zeep.exceptions.Fault as f:
    faults['unauthenticated'] = [f.code, code_of(f)]
print(json.dumps({'receipt': receipt, 'report': report, 'faults': faults}, ensure_ascii=False))
`;
    const result = await runPython(pythonWithZeep(), script, [`${endpoint}?wsdl`, XMSCJG.code, keyOf(XMSCJG)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { receipt: Record<string, unknown>; report: Record<string, unknown>; faults: Record<string, unknown[]> };

    expect(out.receipt).toEqual({ batchId: expect.stringMatching(/^[0-9a-f-]{36}$/), received: 2, replayed: false });
    expect(hub.batches.get(String(out.receipt.batchId))?.records).toEqual([
      { source_key: 'ZP-1', decision_no: '厦市监罚〔2025〕88号', remarks: null },
      { source_key: 'ZP-2' },
    ]);
    expect(out.report).toMatchObject({ batchId: out.receipt.batchId, status: 'done', received: 2, loaded: 1, rejected: 1 });
    expect(out.report.rejections).toEqual({
      rejection: [{ index: 1, sourceKey: 'ZP-2', field: 'decision_no', code: 'REQUIRED_FIELD', value: null, message: '必填字段缺失', hint: '填写行政处罚决定书文号' }],
    });
    expect(out.faults.unknown).toEqual(['soap:Client', 'UNKNOWN_ITEM', '目录中没有信息项 no_such_item']);
    expect(out.faults.unauthenticated).toEqual(['soap:Client', 'UNAUTHENTICATED']);
  }, 30_000);

  describe('hostile and broken bodies', () => {
    const auth = { authorization: `Bearer ${keyOf(XMSCJG)}` };

    const laughs = () =>
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
      ']>' +
      envelope('<h:SubmitRecords><h:item>&lol9;</h:item><h:records/></h:SubmitRecords>').replace('<?xml version="1.0" encoding="utf-8"?>', '');
    const xxe = (target: string) => `<?xml version="1.0"?><!doctype foo [<!ENTITY xxe SYSTEM "${target}">]>${submitBody('&xxe;').replace(/^<\?xml[^>]*>/, '')}`;

    /** Any DOCTYPE is refused with a DTD_FORBIDDEN Client fault in well under 100 ms, parsing nothing. */
    async function expectDoctypeRefused(bodies: string[]): Promise<string[]> {
      const replies: string[] = [];
      for (const body of bodies) {
        const reply = await rawPost(endpoint, Buffer.from(body), auth);
        expect(reply.status).toBe(500);
        expect(faultCode(reply.body)).toBe('DTD_FORBIDDEN');
        expect(reply.body).toContain('<faultcode>soap:Client</faultcode>');
        expect(reply.elapsedMs).toBeLessThan(100);
        replies.push(reply.body);
      }
      expect(hub.calls).toBe(0);
      return replies;
    }

    reliabilityCase(
      {
        id: 'E1',
        group: 'E hostile input',
        title: 'a billion-laughs DOCTYPE in a SOAP request is refused before any parsing',
        channel: 'SOAP push endpoint (node-soap server on loopback)',
        input: 'SubmitRecords whose item is &lol9; with nine nested entity levels (10^9 expansions)',
        expected: 'a soap:Client fault DTD_FORBIDDEN in well under 100 ms; no service call; nothing expanded',
      },
      async () => {
        await expectDoctypeRefused([laughs()]);
        return noRecords('soap:Client fault DTD_FORBIDDEN (HTTP 500 as SOAP 1.1 requires for faults); 0 service calls');
      },
    );

    reliabilityCase(
      {
        id: 'E2',
        group: 'E hostile input',
        title: 'XXE (file and metadata-address entities) in a SOAP request is refused, nothing fetched',
        channel: 'SOAP push endpoint (node-soap server on loopback)',
        input: 'SubmitRecords with an external entity SYSTEM "file:///etc/passwd", then one with SYSTEM "http://169.254.169.254/latest/meta-data/"',
        expected: 'a soap:Client fault DTD_FORBIDDEN each time; no service call; no file content in the answer',
      },
      async () => {
        const replies = await expectDoctypeRefused([xxe('file:///etc/passwd'), xxe('http://169.254.169.254/latest/meta-data/')]);
        for (const reply of replies) expect(reply).not.toMatch(/root:|daemon:/);
        return noRecords('soap:Client fault DTD_FORBIDDEN twice; 0 service calls; no passwd line in either answer');
      },
    );

    it('refuses a body over the cap with BODY_TOO_LARGE (413) without reading it whole, memory flat', async () => {
      const total = 64 * 1024 * 1024;
      const piece = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const endless = new Readable({
        read() {
          if (sent === 0) this.push(Buffer.from(envelope('<h:SubmitRecords><h:item>administrative_penalty</h:item><h:records>').replace('</h:records>', '')));
          if (sent >= total) return void this.push(null);
          sent += piece.length;
          this.push(piece);
        },
      });
      const rssBefore = process.memoryUsage().rss;
      const reply = await rawPost(endpoint, endless, auth);
      const grown = process.memoryUsage().rss - rssBefore;

      expect(reply.status).toBe(413);
      expect(faultCode(reply.body)).toBe('BODY_TOO_LARGE');
      expect(reply.headers.connection).toBe('close');
      expect(sent).toBeLessThan(total);
      expect(grown).toBeLessThan(48 * 1024 * 1024);
      expect(hub.calls).toBe(0);
    });

    it('refuses a declared Content-Length over the cap before reading a byte', async () => {
      // the hub answers on the header alone and closes; the declared length is never sent
      const reply = await rawPost(endpoint, Buffer.from(submitBody('administrative_penalty')), { ...auth, 'content-length': String(MAX_BODY + 1) });
      expect(reply.status).toBe(413);
      expect(faultCode(reply.body)).toBe('BODY_TOO_LARGE');
    });

    it('stops a gzip bomb at the cap counted after decompression (BODY_TOO_LARGE), memory flat', async () => {
      const inflated = 256 * 1024 * 1024;
      const bomb = await gzipOfZeros(inflated);
      expect(bomb.length).toBeLessThan(MAX_BODY); // small on the wire: only the inflated size can catch it

      const rssBefore = process.memoryUsage().rss;
      const reply = await rawPost(endpoint, bomb, { ...auth, 'content-encoding': 'gzip' });
      const grown = process.memoryUsage().rss - rssBefore;

      expect(reply.status).toBe(413);
      expect(faultCode(reply.body)).toBe('BODY_TOO_LARGE');
      expect(grown).toBeLessThan(48 * 1024 * 1024);
      expect(hub.calls).toBe(0);
    });

    it('accepts a gzip-compressed request under the cap', async () => {
      const zipped = await gzip(Buffer.from(submitBody('administrative_penalty')));
      const reply = await rawPost(endpoint, zipped, { ...auth, 'content-encoding': 'gzip' });

      expect(reply.status).toBe(200);
      expect(reply.body).toMatch(/<received>1<\/received>/);
    });

    it('decodes a GBK request declared in Content-Type', async () => {
      const body = iconv.encode(submitBody('administrative_penalty', '厦市监罚〔2025〕甲号').replace('encoding="utf-8"', 'encoding="GBK"'), 'gbk');
      const reply = await rawPost(endpoint, body, { ...auth, 'content-type': 'text/xml; charset=GBK' });
      const batchId = /<batchId>([^<]+)<\/batchId>/.exec(reply.body)?.[1] ?? '';

      expect(reply.status).toBe(200);
      expect(hub.batches.get(batchId)?.records).toEqual([{ decision_no: '厦市监罚〔2025〕甲号' }]);
    });

    it('answers unparsable XML, an unknown operation and a corrupt gzip with MALFORMED_BODY, not the parser text', async () => {
      const broken = await rawPost(endpoint, Buffer.from('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x></y></soap:Body>'), auth);
      const unknownOperation = await rawPost(endpoint, Buffer.from(envelope('<h:DropTables/>')), auth);
      const corrupt = await rawPost(endpoint, Buffer.from('not gzip at all'), { ...auth, 'content-encoding': 'gzip' });

      for (const reply of [broken, unknownOperation, corrupt]) {
        expect(reply.status).toBe(500);
        expect(faultCode(reply.body)).toBe('MALFORMED_BODY');
      }
      expect(hub.calls).toBe(0);
    });

    it('refuses a bad API key in a header before reading the body', async () => {
      const reply = await rawPost(endpoint, Buffer.from(submitBody('administrative_penalty')), { 'x-api-key': 'chk_wrong' });
      expect(faultCode(reply.body)).toBe('UNAUTHENTICATED');
      expect(hub.calls).toBe(0);
    });

    it('turns an unexpected service failure into INTERNAL_ERROR with no message, stack or path of it in the fault', async () => {
      hub.failNextWith = new TypeError("Cannot read properties of undefined (reading 'id') at /work/main/libs/pipeline/ingest/ingest.service.ts:42:7");
      const reply = await rawPost(endpoint, Buffer.from(submitBody('administrative_penalty')), auth);

      expect(reply.status).toBe(500);
      expect(faultCode(reply.body)).toBe('INTERNAL_ERROR');
      expect(reply.body).toContain('<faultcode>soap:Server</faultcode>');
      expect(reply.body).not.toContain('Cannot read');
      expect(logged.some((line) => line.includes('Cannot read properties'))).toBe(true); // the operator log has it
    });
  });
});

function gzip(data: Buffer): Promise<Buffer> {
  return collect(Readable.from([data]).pipe(createGzip()));
}

/** A gzip stream of `size` zero bytes, made piece by piece (the test never holds the inflated size either). */
function gzipOfZeros(size: number): Promise<Buffer> {
  const piece = Buffer.alloc(1024 * 1024);
  let left = size;
  const zeros = new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      left -= piece.length;
      this.push(piece);
    },
  });
  return collect(zeros.pipe(createGzip({ level: 9 })));
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
