import { AUTHORITY_USCC, recentDate, uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { PenaltyChange, penaltyChanges, SoapSupplier, startSoapSupplier } from '../support/soap-supplier';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(300_000);

/**
 * The supplier's changes carry only seq, changedAt, decisionNo, subjectName, fineAmount and
 * category; a configured mapping renames those and supplies the rest of a canonical
 * administrative_penalty record as constants (one subject, the supplier's own seq as source_key).
 */
const MAPPING = {
  item: 'administrative_penalty',
  description: 'e2e: the SOAP supplier stub GetPenaltyChanges',
  fields: {
    source_key: 'seq',
    subject_name: 'subjectName',
    subject_type: { const: 'legal_person' },
    subject_code: { const: uscc(77_001) },
    legal_representative: { const: '王五' },
    decision_no: 'decisionNo',
    violation_type: { const: '虚假宣传' },
    violation_facts: { const: '在其经营场所发布虚假广告' },
    legal_basis: { const: '《中华人民共和国广告法》第五十五条' },
    penalty_categories: { from: 'category', split: { separator: [';'] } },
    penalty_content: { const: '罚款人民币一千元' },
    fine_amount: { from: 'fineAmount', amount: { unit: '元' } },
    decision_date: { const: recentDate(10) },
    authority_name: { const: '厦门市市场监督管理局' },
    authority_code: { const: AUTHORITY_USCC },
    notified_on: { const: recentDate(20) },
    notice_method: { const: 'written' },
  },
};

/** The SOAP pull connector through the booted hub: a supplier that only answers SOAP calls. */
describe('the SOAP pull connector end to end', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let env: Record<string, string>;
  let supplier: SoapSupplier;
  let apiKey: string;
  let connectorId: string;

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${hub.url}/api/v1/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const loaded = (keys: readonly string[]) =>
    withDatabase(database.url, async (db) => {
      const r = await db.query<{ n: string; d: string; v: string }>(
        `SELECT count(*) AS n, count(DISTINCT r.source_key) AS d,
                (SELECT count(*) FROM credit_record_versions v JOIN credit_records x ON x.id = v.record_id WHERE x.source_key = ANY($1)) AS v
         FROM credit_records r WHERE r.source_key = ANY($1)`,
        [keys],
      );
      return { records: Number(r.rows[0].n), distinct: Number(r.rows[0].d), versions: Number(r.rows[0].v) };
    });

  const getPages = () => supplier.calls.filter((c) => c.operation === 'GetPenaltyChanges').length;

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    supplier = await startSoapSupplier();
    env = { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: 'e2e-hub-secret-key-0123456789abcdef', INGEST_PUBLISH_TIMEOUT_S: '10' };
    hub = await startHubProcess({ env });
    apiKey = await registerSupplier(hub.url, 'soap-pull-sup', ['administrative_penalty']);
    const mapped = await admin('PUT', '/mappings/soap-pull-sup/administrative_penalty', MAPPING);
    expect(mapped).toMatchObject({ status: 200, body: { supplier: 'soap-pull-sup', item: 'administrative_penalty' } });
  });

  afterAll(async () => {
    await hub?.stop();
    await supplier?.close();
    await database?.drop();
    await vhost?.drop();
  });

  it('pages through the supplier, loads the changes as canonical penalties, and reports the rejection back over SOAP', async () => {
    const changes: PenaltyChange[] = penaltyChanges(45, 1).map((c, i) => (i === 17 ? { ...c, decisionNo: '' } : c));
    supplier.changes.push(...changes);
    const bad = changes[17].seq;
    const created = await admin('POST', '/connectors', {
      supplier: 'soap-pull-sup',
      item: 'administrative_penalty',
      kind: 'soap-pull',
      schedule: '0 0 3 * * *',
      config: {
        endpoint: supplier.endpoint,
        wsdl: supplier.wsdl,
        operation: 'GetPenaltyChanges',
        incremental: { parameter: 'since', initialValue: '0', field: 'seq' },
        paging: { pageParameter: 'page', firstPage: 1, pageSizeParameter: 'pageSize', pageSize: 10 },
        recordsPath: 'changes.change',
        timeoutMs: 30_000,
        checkOperation: { name: 'Ping' },
        feedbackOperation: 'ReportRejections',
      },
    });
    expect(created.status).toBe(201);
    connectorId = created.body.id as string;

    const run = await admin('POST', `/connectors/${connectorId}/run`);
    expect(run.body).toMatchObject({ outcome: 'done' });
    const batchIds = run.body.batchIds as string[];
    expect(batchIds).toHaveLength(5);
    const reports = await Promise.all(batchIds.map((b) => waitForBatchDone(hub.url, apiKey, b)));
    expect(reports.reduce((n, r) => n + r.received, 0)).toBe(45);
    expect(reports.reduce((n, r) => n + r.loaded, 0)).toBe(44);
    expect(reports.flatMap((r) => r.rejections.map((x) => ({ sourceKey: x.sourceKey, field: x.field, code: x.code })))).toEqual([
      { sourceKey: bad, field: 'decision_no', code: 'REQUIRED_FIELD' },
    ]);

    // Loaded as canonical penalties: the mapped fields are in the stored record, exactly once each.
    const good = changes.filter((_, i) => i !== 17).map((c) => c.seq);
    expect(await loaded(good)).toEqual({ records: 44, distinct: 44, versions: 44 });
    expect(await loaded([bad])).toEqual({ records: 0, distinct: 0, versions: 0 });
    const stored = await withDatabase(database.url, (db) =>
      db.query<{ payload: string }>(`SELECT to_jsonb(r)::text AS payload FROM credit_records r WHERE r.source_key = $1`, [changes[1].seq]),
    );
    expect(stored.rows[0].payload).toContain(changes[1].decisionNo);
    expect(stored.rows[0].payload).toContain(uscc(77_001));
    expect(stored.rows[0].payload).toContain('1002.5');

    // The scheduler's feedback dispatcher calls the supplier's ReportRejections for the page with the rejection.
    const reported = () => supplier.calls.filter((c) => c.operation === 'ReportRejections');
    const deadline = Date.now() + 60_000;
    while (reported().length === 0 && Date.now() < deadline) await sleep(500);
    expect(reported()).toHaveLength(1);
    const withRejection = reports.find((r) => r.rejected > 0) as { batchId: string };
    expect(reported()[0].args).toMatchObject({ batchId: withRejection.batchId, received: 10, loaded: 9, rejected: 1 });
    const rejection = (reported()[0].args.rejections as { rejection: unknown }).rejection;
    expect([rejection].flat()).toEqual([expect.objectContaining({ sourceKey: bad, field: 'decision_no', code: 'REQUIRED_FIELD' })]);
    expect(supplier.wsdlRequests()).toBe(0);
  });

  it('loses nothing and loads nothing twice when the hub is killed in the middle of a run', async () => {
    const fresh = penaltyChanges(600, 1_001);
    supplier.changes.push(...fresh);
    const keys = fresh.map((c) => c.seq);
    const before = getPages();
    // Pages 1 to 7 answer at once, page 8 never does (within the 30 s timeout): the hub is killed while it waits for it.
    supplier.respondWith('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'hang');
    const running = admin('POST', `/connectors/${connectorId}/run`).catch(() => undefined);
    const until = Date.now() + 60_000;
    while ((getPages() - before < 7 || (await loaded(keys)).records === 0) && Date.now() < until) await sleep(100);
    await sleep(500);
    // The hanging 8th call never reaches node-soap's dispatcher, so only 7 calls are recorded.
    expect(getPages() - before).toBe(7);
    const atKill = await loaded(keys);
    expect(atKill.records).toBeGreaterThan(0);
    expect(atKill.records).toBeLessThan(600);
    await hub.kill();
    await running;

    hub = await startHubProcess({ env });
    // The killed run's lease lapses within 30 s; until then a run answers "busy".
    let rerun = await admin('POST', `/connectors/${connectorId}/run`);
    for (const limit = Date.now() + 90_000; rerun.body.outcome !== 'done' && Date.now() < limit; ) {
      await sleep(2_000);
      rerun = await admin('POST', `/connectors/${connectorId}/run`);
    }
    expect(rerun.body).toMatchObject({ outcome: 'done' });
    // The rerun resumed at the page the killed run was waiting for, with the same since.
    const resumed = supplier.calls.filter((c) => c.operation === 'GetPenaltyChanges').slice(before + 7);
    expect({ since: String(resumed[0].args.since), page: String(resumed[0].args.page) }).toEqual({ since: penaltyChanges(1, 45)[0].seq, page: '8' });
    const deadline = Date.now() + 120_000;
    while ((await loaded(keys)).records < 600 && Date.now() < deadline) await sleep(500);
    expect(await loaded(keys)).toEqual({ records: 600, distinct: 600, versions: 600 });
    // Nothing else came in: the first run's records are still there once each.
    expect((await loaded(penaltyChanges(45, 1).map((c) => c.seq))).records).toBe(44);
  });
});
