import { mintIdentityToken } from '../../libs/security/identity-token';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, adminCall, push, querySubject, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { MessageGateway, startMessageGateway } from '../support/message-gateway';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(240_000);

const IDENTITY = { issuer: 'credit-hub-idp', secret: 'objections-e2e-identity-secret-0123456789' };
const SUBJECT = uscc(810_001);
const OTHER_SUBJECT = uscc(810_002);
const CONTACT = '13900000001';
const GATEWAY_SECRET = 'objections-e2e-gateway-secret-0123456789';

type ApiBody = Record<string, unknown> & {
  error?: { code: string };
  objections?: Array<Record<string, unknown>>;
  notifications?: Array<Record<string, unknown>>;
  events?: Array<{ action: string }>;
};
interface ServedRecord {
  readonly id: string;
  readonly status: string;
  readonly disputed: boolean;
  readonly fields: Record<string, unknown>;
}

/**
 * 第二十四条 to 第二十六条 end to end, on a hub whose clock the test moves across 中秋, 国庆节 2026
 * and their two 调休 working days (Sun 09-20 and Sat 10-10, from chinese-days): the deadlines land on
 * the right dates, the record is served marked as disputed while the objection is open, withheld
 * when the provider lets its deadline pass, and corrected with a new version when the center
 * completes, the applicant told through the outbox.
 */
describe('an objection across 调休 weekends and public holidays', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let supplierKey: string;
  let otherSupplierKey: string;
  let hubNow = new Date();
  let gateway: MessageGateway;

  async function setClock(iso: string): Promise<void> {
    const moved = await adminCall(hub.url, 'PUT', '/clock', { now: iso });
    expect(moved.status).toBe(200);
    hubNow = new Date(iso);
  }

  /** A verified-identity token (第十七条) valid at the hub's current (moved) time. */
  function identityToken(subject: string): string {
    const iat = Math.floor(hubNow.getTime() / 1000);
    return mintIdentityToken(IDENTITY, { iss: IDENTITY.issuer, sub: subject, iat, exp: iat + 3600 });
  }

  async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: ApiBody }> {
    const response = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ApiBody };
  }

  async function runJob(name: string): Promise<Record<string, number>> {
    const run = await adminCall(hub.url, 'POST', `/jobs/${name}/run`);
    expect(run.status).toBe(200);
    return run.body.result as Record<string, number>;
  }

  async function publicRecords(code: string): Promise<ServedRecord[]> {
    const response = await querySubject(hub.url, code);
    expect(response.status).toBe(200);
    return response.body.records as unknown as ServedRecord[];
  }

  const recordStatus = (id: string) =>
    withDatabase(database.url, async (db) => (await db.query<{ status: string; disputed: boolean }>('SELECT status, disputed FROM credit_records WHERE id = $1', [id])).rows[0]);

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    gateway = await startMessageGateway(GATEWAY_SECRET);
    hub = await startHubProcess({
      env: {
        DATABASE_URL: database.url,
        AMQP_URL: vhost.url,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_CLOCK_CONTROL: 'on',
        HUB_IDENTITY_TOKEN_SECRET: IDENTITY.secret,
        HUB_IDENTITY_TOKEN_ISSUER: IDENTITY.issuer,
        HUB_NOTIFY_WEBHOOK_URL: gateway.url,
        HUB_NOTIFY_WEBHOOK_SECRET: GATEWAY_SECRET,
      },
    });
    supplierKey = await registerSupplier(hub.url, 'xm-amr', ['administrative_penalty']);
    otherSupplierKey = await registerSupplier(hub.url, 'xm-tax', ['administrative_penalty']);
  });

  afterAll(async () => {
    await hub?.stop();
    await gateway?.close();
    await database?.drop();
    await vhost?.drop();
  });

  it('deadlines on the official calendar, disputed while open, withheld when the provider is late, corrected by the center', async () => {
    // Friday 2026-09-18, 10:00 in Xiamen: just before the 调休 Sunday 09-20, 中秋 and 国庆节.
    await setClock('2026-09-18T10:00:00+08:00');
    const dates = { decision_date: '2026-09-01', notified_on: '2026-08-25' };
    const accepted = await push(
      hub.url,
      supplierKey,
      'administrative_penalty',
      JSON.stringify([
        penaltyRecord(810_001, { ...dates, source_key: 'OBJ-1', fine_amount: '5000.00' }),
        penaltyRecord(810_001, { ...dates, source_key: 'OBJ-2', decision_no: '厦市监罚〔2026〕9002号' }),
      ]),
    );
    expect(accepted.status).toBe(202);
    expect((await waitForBatchDone(hub.url, supplierKey, accepted.body.batchId as string)).loaded).toBe(2);
    const served = await publicRecords(SUBJECT);
    const objected = served.find((r) => r.fields.decision_no === penaltyRecord(810_001).decision_no);
    const untouched = served.find((r) => r.fields.decision_no === '厦市监罚〔2026〕9002号');
    if (!objected || !untouched) throw new Error(`records not served: ${JSON.stringify(served)}`);
    expect(objected.disputed).toBe(false);

    // Only the subject itself (or an operator for it) may object (第二十四条).
    const foreign = await call(identityToken(OTHER_SUBJECT), 'POST', '/objections', { recordId: objected.id, reason: '不是我的', contact: 'x' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error?.code).toBe('NOT_OWN_RECORD');
    const missing = await call(identityToken(SUBJECT), 'POST', '/objections', { recordId: '00000000-0000-4000-8000-000000000000', reason: 'x', contact: 'x' });
    expect([missing.status, missing.body.error?.code]).toEqual([404, 'RECORD_NOT_FOUND']);

    const filed = await call(identityToken(SUBJECT), 'POST', '/objections', {
      recordId: objected.id,
      reason: '罚款金额有误，实际为五百元',
      contact: CONTACT,
    });
    expect(filed.status).toBe(201);
    // 第二十五条第一款, 2 working days from acceptance on Fri 09-18 (the day itself not counted):
    //   Sat 09-19 rest day; Sun 09-20 调休 working day → 1; Mon 09-21 → 2.  (Mon–Fri arithmetic: 09-22.)
    expect(filed.body).toMatchObject({ state: 'comparing', acceptedOn: '2026-09-18', comparisonDue: '2026-09-21', contact: CONTACT });
    const objectionId = filed.body.id as string;

    const again = await call(identityToken(SUBJECT), 'POST', '/objections', { recordId: objected.id, reason: '再次', contact: CONTACT });
    expect([again.status, again.body.error?.code]).toEqual([409, 'OBJECTION_ALREADY_OPEN']);

    // 第二十六条第一款: served, marked as disputed, while the objection is open.
    expect((await publicRecords(SUBJECT)).find((r) => r.id === objected.id)?.disputed).toBe(true);
    expect((await publicRecords(SUBJECT)).find((r) => r.id === untouched.id)?.disputed).toBe(false);

    // Thursday 09-24: the center compares and forwards to the provider.
    await setClock('2026-09-24T15:00:00+08:00');
    const forwarded = await adminCall(hub.url, 'POST', `/objections/${objectionId}/comparison`, { discrepancy: true, note: '平台数据与信息源不一致' });
    expect(forwarded.status).toBe(200);
    // 第二十五条第二款, 6 working days from the notice on Thu 09-24:
    //   Fri 09-25 – Sun 09-27 中秋 (holiday); Mon 09-28 → 1; Tue 09-29 → 2; Wed 09-30 → 3;
    //   Thu 10-01 – Wed 10-07 国庆节 (holiday); Thu 10-08 → 4; Fri 10-09 → 5; Sat 10-10 调休 working day → 6.
    //   (Mon–Fri arithmetic: Fri 10-02.)
    expect(forwarded.body).toMatchObject({ state: 'forwarded_to_provider', forwardedOn: '2026-09-24', providerDue: '2026-10-10' });
    const forwardNotice = await adminCall(hub.url, 'GET', '/notifications?recipientKind=supplier&recipient=xm-amr&topic=objection.forwarded');
    expect(forwardNotice.body.notifications).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ objectionId, providerDue: '2026-10-10' }), message: expect.stringContaining('2026-10-10') }),
    ]);

    // The provider sees it (without the applicant's contact); another provider neither sees nor answers it.
    const mine = await call(supplierKey, 'GET', '/supplier/objections');
    expect(mine.body.objections?.map((o) => o.id)).toEqual([objectionId]);
    expect(mine.body.objections?.[0]).not.toHaveProperty('contact');
    expect((await call(otherSupplierKey, 'GET', '/supplier/objections')).body.objections).toEqual([]);
    const stranger = await call(otherSupplierKey, 'POST', `/supplier/objections/${objectionId}/answer`, { answer: 'explain', note: '无此事' });
    expect([stranger.status, stranger.body.error?.code]).toEqual([404, 'OBJECTION_NOT_FOUND']);

    // Sat 10-10 (a 调休 working day) is the provider's last day: nothing happens yet.
    await setClock('2026-10-10T18:00:00+08:00');
    expect(await runJob('objection-deadlines')).toMatchObject({ providerDeadlinesMissed: 0, recordsWithheld: 0 });
    expect((await publicRecords(SUBJECT)).find((r) => r.id === objected.id)?.disputed).toBe(true);

    // Sun 10-11: the deadline has closed without an answer → withheld (第二十六条第二款).
    await setClock('2026-10-11T09:00:00+08:00');
    expect(await runJob('objection-deadlines')).toMatchObject({ providerDeadlinesMissed: 1, recordsWithheld: 1 });
    expect(await runJob('objection-deadlines')).toMatchObject({ providerDeadlinesMissed: 0, recordsWithheld: 0 });
    expect((await publicRecords(SUBJECT)).map((r) => r.id)).toEqual([untouched.id]);
    expect(await recordStatus(objected.id)).toEqual({ status: 'withheld', disputed: true });
    const overdue = await adminCall(hub.url, 'GET', '/objections?overdue=true');
    expect(overdue.body.objections).toEqual([expect.objectContaining({ id: objectionId, overdue: 'provider_verification', recordWithheld: true })]);
    const lateNotices = await adminCall(hub.url, 'GET', `/notifications?recipientKind=applicant&recipient=${CONTACT}&topic=objection.provider_overdue`);
    expect(lateNotices.body.notifications).toHaveLength(1);

    // Mon 10-12: the provider answers late; the center's 2 working days run from today:
    //   Tue 10-13 → 1; Wed 10-14 → 2.
    await setClock('2026-10-12T10:00:00+08:00');
    const answered = await call(supplierKey, 'POST', `/supplier/objections/${objectionId}/answer`, {
      answer: 'correct',
      note: '经核查罚款金额录入错误',
      fields: { fine_amount: '500.00' },
    });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ state: 'provider_answered', answeredOn: '2026-10-12', completionDue: '2026-10-14' });
    expect((await publicRecords(SUBJECT)).map((r) => r.id)).toEqual([untouched.id]); // still withheld until completed

    // Tue 10-13: the center completes with the corrected fields and tells the applicant.
    await setClock('2026-10-13T10:00:00+08:00');
    const decided = await adminCall(hub.url, 'POST', `/objections/${objectionId}/decision`, {
      outcome: 'correct',
      reason: '经信息提供单位核查，罚款金额更正为五百元',
      fields: { fine_amount: '500.00', penalty_content: '罚款人民币五百元' },
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ state: 'closed', outcome: 'correct', closedOn: '2026-10-13' });

    const after = (await publicRecords(SUBJECT)).find((r) => r.id === objected.id);
    expect(after).toMatchObject({ status: 'active', disputed: false, fields: expect.objectContaining({ fine_amount: '500.00', penalty_content: '罚款人民币五百元' }) });
    const versions = await withDatabase(database.url, async (db) =>
      (await db.query<{ version: number; fine: string; provenance: Record<string, unknown> }>(
        `SELECT version, fields->>'fine_amount' AS fine, provenance FROM credit_record_versions WHERE record_id = $1 ORDER BY version`,
        [objected.id],
      )).rows,
    );
    expect(versions.map((v) => [v.version, v.fine])).toEqual([[1, '5000.00'], [2, '500.00']]);
    expect(versions[1].provenance).toMatchObject({ objection: objectionId, outcome: 'correct' });

    // The provider's next full export still carries the old amount: it does not undo the correction.
    // A new decision of the provider (changed content) is taken as usual.
    const resent = await push(hub.url, supplierKey, 'administrative_penalty', JSON.stringify([
      penaltyRecord(810_001, { ...dates, source_key: 'OBJ-1', fine_amount: '5000.00' }),
    ]));
    expect((await waitForBatchDone(hub.url, supplierKey, resent.body.batchId as string)).loaded).toBe(1);
    expect((await publicRecords(SUBJECT)).find((r) => r.id === objected.id)?.fields.fine_amount).toBe('500.00');
    const revised = await push(hub.url, supplierKey, 'administrative_penalty', JSON.stringify([
      penaltyRecord(810_001, { ...dates, source_key: 'OBJ-1', fine_amount: '600.00' }),
    ]));
    expect((await waitForBatchDone(hub.url, supplierKey, revised.body.batchId as string)).loaded).toBe(1);
    const fines = await withDatabase(database.url, async (db) =>
      (await db.query<{ version: number; fine: string }>(
        `SELECT version, fields->>'fine_amount' AS fine FROM credit_record_versions WHERE record_id = $1 ORDER BY version`,
        [objected.id],
      )).rows.map((v) => [v.version, v.fine]),
    );
    expect(fines).toEqual([[1, '5000.00'], [2, '500.00'], [3, '600.00']]);

    const told = await adminCall(hub.url, 'GET', `/notifications?recipientKind=applicant&recipient=${CONTACT}&topic=objection.closed`);
    expect(told.body.notifications).toEqual([
      expect.objectContaining({ message: expect.stringContaining('更正'), payload: expect.objectContaining({ objectionId, outcome: 'correct' }) }),
    ]);

    // The subject follows its own objection; another subject cannot see it.
    const own = await call(identityToken(SUBJECT), 'GET', `/objections/${objectionId}`);
    expect(own.status).toBe(200);
    expect(own.body.events?.map((e) => e.action)).toEqual(['filed', 'forwarded', 'provider_deadline_missed', 'answered', 'decided']);
    const peek = await call(identityToken(OTHER_SUBJECT), 'GET', `/objections/${objectionId}`);
    expect([peek.status, peek.body.error?.code]).toEqual([404, 'OBJECTION_NOT_FOUND']);
  });

  it("delivers the outbox to the center's message gateway, signed, and lets an operator see what was sent", async () => {
    const admin = async (method: string, path: string) => (await adminCall(hub.url, method, path)) as { status: number; body: ApiBody };
    // The scheduler sends every 10 s; an operator may also run the job now.
    await runJob('notification-delivery');
    for (let i = 0; i < 100 && (await admin('GET', '/notifications?state=pending')).body.notifications?.length !== 0; i++) await sleep(200);
    expect((await admin('GET', '/notifications?state=pending')).body.notifications).toEqual([]);

    const outbox = (await admin('GET', '/notifications?limit=100')).body.notifications as unknown as Array<{ id: string; dedupeKey: string; sentAt: string | null }>;
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox.every((n) => n.sentAt !== null)).toBe(true);
    const accepted = gateway.accepted();
    expect([...accepted.keys()].sort()).toEqual(outbox.map((n) => n.dedupeKey).sort());
    expect(gateway.deliveries.every((d) => d.signatureValid)).toBe(true);

    const closed = gateway.deliveries.find((d) => d.body.topic === 'objection.closed');
    expect(closed?.body).toMatchObject({ recipientKind: 'applicant', recipient: CONTACT, message: expect.stringContaining('更正'), payload: expect.objectContaining({ outcome: 'correct' }) });

    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/^credithub_notifications\{state="pending"\} 0$/m);
    expect(metrics).toMatch(/^credithub_notifications\{state="failed"\} 0$/m);
    expect(metrics).toMatch(/^credithub_notifications_oldest_pending_seconds 0$/m);

    const sent = outbox[0];
    const notFailed = await admin('POST', `/notifications/${sent.id}/retry`);
    expect([notFailed.status, notFailed.body.error?.code]).toEqual([409, 'NOTIFICATION_NOT_FAILED']);
    const unknown = await admin('POST', '/notifications/987654321/retry');
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'NOTIFICATION_NOT_FOUND']);
    const badState = await admin('GET', '/notifications?state=lost');
    expect([badState.status, badState.body.error?.code]).toEqual([400, 'INVALID_REQUEST']);
  });
});
