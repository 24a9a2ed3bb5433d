import { mintIdentityToken } from '../../libs/security/identity-token';
import { AUTHORITY_USCC, penaltyRecord, uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, adminCall, push, querySubject, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { createTestDatabase, createTestVhost } from '../support/test-services';

jest.setTimeout(240_000);

const IDENTITY = { issuer: 'credit-hub-idp', secret: 'rights-e2e-identity-secret-0123456789abcd' };
const REPAIRING = uscc(820_001);
const COMMENDED = uscc(820_002);
const EXPIRING = uscc(820_003);

type Json = Record<string, unknown>;
interface ServedRecord {
  readonly id: string;
  readonly item: string;
  readonly fields: Json;
}
interface History {
  readonly record: { readonly id: string; readonly status: string };
  readonly versions: Array<{ readonly version: number }>;
  readonly statusEvents: Array<{ readonly from: string; readonly to: string; readonly article: string; readonly reference: string | null }>;
}

/**
 * Three ways a record leaves the public query without leaving the platform: credit repair
 * (第二十三条), non-disclosure of good information (第二十七条) and the end of the publication period
 * (第二十八条). Each time the public no longer sees it, while an operator's version history still
 * shows the record, its versions and the status event that withdrew it.
 */
describe('repair, non-disclosure and expiry withdraw a record from queries but keep its history', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let hubNow = new Date();
  const records: Record<string, string> = {};

  async function setClock(iso: string): Promise<void> {
    expect((await adminCall(hub.url, 'PUT', '/clock', { now: iso })).status).toBe(200);
    hubNow = new Date(iso);
  }

  function identityToken(subject: string): string {
    const iat = Math.floor(hubNow.getTime() / 1000);
    return mintIdentityToken(IDENTITY, { iss: IDENTITY.issuer, sub: subject, iat, exp: iat + 3600 });
  }

  async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json & { error?: { code: string } } }> {
    const response = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function servedIds(code: string): Promise<string[]> {
    const response = await querySubject(hub.url, code);
    if (response.status === 404) return [];
    expect(response.status).toBe(200);
    return (response.body.records as unknown as ServedRecord[]).map((r) => r.id);
  }

  async function history(recordId: string): Promise<History> {
    const response = await adminCall(hub.url, 'GET', `/records/${recordId}/history`);
    expect(response.status).toBe(200);
    return response.body as unknown as History;
  }

  async function runJob(name: string): Promise<Record<string, number>> {
    const run = await adminCall(hub.url, 'POST', `/jobs/${name}/run`);
    expect(run.status).toBe(200);
    return run.body.result as Record<string, number>;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: {
        DATABASE_URL: database.url,
        AMQP_URL: vhost.url,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_CLOCK_CONTROL: 'on',
        HUB_IDENTITY_TOKEN_SECRET: IDENTITY.secret,
        HUB_IDENTITY_TOKEN_ISSUER: IDENTITY.issuer,
      },
    });
    const amr = await registerSupplier(hub.url, 'xm-amr', ['administrative_penalty']);
    const gov = await registerSupplier(hub.url, 'xm-gov', ['commendation']);

    await setClock('2026-09-01T10:00:00+08:00');
    const penalties = await push(
      hub.url,
      amr,
      'administrative_penalty',
      JSON.stringify([
        // Published until 2026-11-20 (3 months from the decision).
        penaltyRecord(820_001, { source_key: 'REP-1', decision_date: '2026-08-20', notified_on: '2026-08-15' }),
        // Published until 2026-09-10.
        penaltyRecord(820_003, { source_key: 'EXP-1', decision_date: '2026-06-10', notified_on: '2026-06-05' }),
        penaltyRecord(820_003, { source_key: 'EXP-2', decision_no: '厦市监罚〔2026〕8203号', decision_date: '2026-08-20', notified_on: '2026-08-15' }),
      ]),
    );
    expect((await waitForBatchDone(hub.url, amr, penalties.body.batchId as string)).loaded).toBe(3);
    const commendation = {
      source_key: 'GOOD-1', subject_name: '厦门测试企业820002有限公司', subject_type: 'legal_person', subject_code: COMMENDED,
      honor_name: '厦门市守合同重信用企业', honor_level: '市级', decision_no: '厦府〔2026〕88号', decision_date: '2026-06-01',
      authority_name: '厦门市人民政府', authority_code: AUTHORITY_USCC,
    };
    const goods = await push(hub.url, gov, 'commendation', JSON.stringify([commendation]));
    const goodReport = await waitForBatchDone(hub.url, gov, goods.body.batchId as string);
    expect([goodReport.loaded, goodReport.rejections]).toEqual([1, []]);

    for (const code of [REPAIRING, COMMENDED, EXPIRING]) {
      const served = await querySubject(hub.url, code);
      for (const r of served.body.records as unknown as ServedRecord[]) records[String(r.fields.decision_no)] = r.id;
    }
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('credit repair (第二十三条): approved → not served to anyone but operators, kept with its repair on the history', async () => {
    await setClock('2026-09-02T10:00:00+08:00');
    const recordId = records[penaltyRecord(820_001).decision_no as string];
    expect(await servedIds(REPAIRING)).toEqual([recordId]);

    const foreign = await call(identityToken(COMMENDED), 'POST', '/repairs', { recordId, reason: 'x', evidence: 'y' });
    expect([foreign.status, foreign.body.error?.code]).toEqual([403, 'NOT_OWN_RECORD']);
    const good = await call(identityToken(COMMENDED), 'POST', '/repairs', { recordId: records['厦府〔2026〕88号'], reason: 'x', evidence: 'y' });
    expect([good.status, good.body.error?.code]).toEqual([409, 'REPAIR_NOT_BAD_INFORMATION']);

    const filed = await call(identityToken(REPAIRING), 'POST', '/repairs', { recordId, reason: '已缴清罚款并完成整改', evidence: '缴款凭证 2026-0001' });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ state: 'pending', applicant: REPAIRING, supplier: 'xm-amr' });
    const repairId = filed.body.id as string;
    const decided = await adminCall(hub.url, 'POST', `/repairs/${repairId}/decision`, { decision: 'approve', decidedBy: 'center', reason: '已纠正失信行为、消除不利影响' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ state: 'approved', decidedBy: 'center' });

    expect(await servedIds(REPAIRING)).toEqual([]);
    const kept = await history(recordId);
    expect(kept.record).toMatchObject({ id: recordId, status: 'repaired' });
    expect(kept.versions.map((v) => v.version)).toEqual([1]);
    expect(kept.statusEvents).toEqual([expect.objectContaining({ from: 'active', to: 'repaired', article: '第二十三条第三款', reference: repairId })]);
    const again = await call(identityToken(REPAIRING), 'POST', '/repairs', { recordId, reason: '再次', evidence: 'y' });
    expect([again.status, again.body.error?.code]).toEqual([409, 'REPAIR_ALREADY_REPAIRED']);
    const listed = await adminCall(hub.url, 'GET', '/repairs?state=approved');
    expect(listed.body).toMatchObject({ total: 1, nextOffset: null, repairs: [expect.objectContaining({ id: repairId })] });
  });

  it('non-disclosure of a commendation (第二十七条): withheld and archived, history kept, provider informed', async () => {
    // Thu 2026-09-24, before 中秋 and 国庆节.
    await setClock('2026-09-24T10:00:00+08:00');
    const recordId = records['厦府〔2026〕88号'];
    expect(await servedIds(COMMENDED)).toEqual([recordId]);
    const penalty = await call(identityToken(EXPIRING), 'POST', '/non-disclosure-requests', {
      recordId: records['厦市监罚〔2026〕8203号'],
      reason: '不希望公开',
    });
    expect([penalty.status, penalty.body.error?.code]).toEqual([409, 'NON_DISCLOSURE_NOT_GOOD_INFORMATION']);

    const filed = await call(identityToken(COMMENDED), 'POST', '/non-disclosure-requests', { recordId, reason: '本单位不希望公开该表彰信息' });
    expect(filed.status).toBe(201);
    // 5 working days from Thu 09-24: 中秋 09-25..27; Mon 09-28 → 1, 09-29 → 2, 09-30 → 3;
    // 国庆节 10-01..07; Thu 10-08 → 4; Fri 10-09 → 5.
    expect(filed.body).toMatchObject({ state: 'accepted', acceptedOn: '2026-09-24', dueOn: '2026-10-09' });

    expect(await runJob('non-disclosure')).toEqual({ carriedOut: 1, recordsWithdrawn: 1 });
    expect(await runJob('non-disclosure')).toEqual({ carriedOut: 0, recordsWithdrawn: 0 });
    expect(await servedIds(COMMENDED)).toEqual([]);
    const kept = await history(recordId);
    expect(kept.record.status).toBe('non_disclosed');
    expect(kept.versions).toHaveLength(1);
    expect(kept.statusEvents).toEqual([expect.objectContaining({ from: 'active', to: 'non_disclosed', article: '第二十七条', reference: filed.body.id })]);
    const informed = await adminCall(hub.url, 'GET', '/notifications?recipientKind=supplier&recipient=xm-gov&topic=non_disclosure.done');
    expect(informed.body.notifications).toEqual([expect.objectContaining({ payload: { requestId: filed.body.id, recordId } })]);
    const listed = await adminCall(hub.url, 'GET', '/non-disclosure-requests?state=done');
    expect(listed.body).toMatchObject({ total: 1, requests: [expect.objectContaining({ id: filed.body.id, dueOn: '2026-10-09' })] });
  });

  it('expiry (第二十八条): past its publication period the record is archived, not deleted', async () => {
    const expiring = records[penaltyRecord(820_003).decision_no as string];
    const lasting = records['厦市监罚〔2026〕8203号'];
    await setClock('2026-09-10T10:00:00+08:00'); // the last day of the period
    expect((await servedIds(EXPIRING)).sort()).toEqual([expiring, lasting].sort());

    await setClock('2026-09-11T10:00:00+08:00');
    expect((await runJob('publication-expiry')).archived).toBeGreaterThanOrEqual(1);
    expect(await servedIds(EXPIRING)).toEqual([lasting]);
    const kept = await history(expiring);
    expect(kept.record.status).toBe('archived');
    expect(kept.versions).toHaveLength(1);
    expect(kept.statusEvents).toEqual([expect.objectContaining({ from: 'active', to: 'archived', article: '第二十八条' })]);
  });
});
