/**
 * One dataset loaded through the real ingest path, asked about by every caller kind of the
 * measures (第十六条 public, 第十七条 the subject and authorised third parties, 第十八条 government,
 * 第二十条第二款 credit agencies, operators): each gets exactly its records, refusals are 401/403,
 * and every look, refused ones included, is in the query log with who, why and what.
 * Record states that other workflows set (repair, withholding, archiving, non-disclosure,
 * objections) are set here by SQL.
 */
import { chinaCalendarDate } from '../../libs/domain/identity/citizen-id';
import { mintIdentityToken } from '../../libs/security/identity-token';
import { AUTHORITY_USCC, citizenId, penaltyRecord, personPenaltyRecord, recentDate, uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, adminCall, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { noRecords, reliabilityCase } from '../support/reliability';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const IDENTITY = { issuer: 'xm-unified-idp', secret: 'caller-kinds-identity-secret-0123456789' };
const ORG = uscc(81_001);
const ORG_NAME = '厦门调用方测试有限公司';
const PERSON = citizenId(82_002);
const PERSON_NAME = '陈某';
const NOBODY = uscc(83_003); // valid, never loaded
const PURPOSE = 'licensing_inspection_penalty';

type Json = Record<string, unknown>;
interface Response {
  status: number;
  body: Json & { records?: Array<Json & { id: string; fields: Json }>; error?: { code: string; details: Json[] } };
}
interface LogRow {
  caller_kind: string;
  caller_id: string | null;
  subject_code: string;
  purpose: string | null;
  outcome: string;
  reason: string | null;
  result_count: number;
  query_kind: string | null;
  item_codes: string[] | null;
  reference: string | null;
}

/** China dates around the day the file started (fixed once, so a run across midnight stays consistent). */
const STARTED = Date.now();
function chinaDay(offsetDays: number): string {
  return chinaCalendarDate(new Date(STARTED + offsetDays * 86_400_000));
}

function identityToken(subject: string): string {
  const now = Math.floor(Date.now() / 1000);
  return mintIdentityToken(IDENTITY, { iss: IDENTITY.issuer, sub: subject, iat: now - 60, exp: now + 3600 });
}

describe('the query edge for every caller kind', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  /** source key → record id */
  const id: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  const accountIds: Record<string, string> = {};
  const authorizationIds: Record<string, string> = {};

  const sql = <T>(text: string, params: unknown[] = []) => withDatabase(database.url, async (c) => (await c.query(text, params)).rows as T[]);

  async function call(method: string, path: string, options: { token?: string; purpose?: string; body?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.purpose !== undefined) headers['X-Query-Purpose'] = options.purpose;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${hub.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    return { status: response.status, body: (await response.json()) as Response['body'] };
  }

  const query = (code: string, options: { token?: string; purpose?: string } = {}) => call('GET', `/api/v1/subjects/${encodeURIComponent(code)}`, options);

  /** The response and the query-log rows its call wrote. */
  async function logged(request: () => Promise<Response>): Promise<{ response: Response; rows: LogRow[] }> {
    const [{ last }] = await sql<{ last: string }>('SELECT coalesce(max(id), 0)::text AS last FROM query_log');
    const response = await request();
    const rows = await sql<LogRow>(
      `SELECT caller_kind, caller_id, subject_code, purpose, outcome, reason, result_count, query_kind, item_codes, reference
       FROM query_log WHERE id > $1 ORDER BY id`,
      [last],
    );
    return { response, rows };
  }

  const recordIds = (response: Response) => (response.body.records ?? []).map((r) => r.id).sort();
  const idsOf = (...keys: string[]) => keys.map((k) => id[k]).sort();

  async function createAccount(key: string, kind: string, roles: string[] = []): Promise<void> {
    const created = await adminCall(hub.url, 'POST', '/query-accounts', { kind, name: `账号 ${key}`, organization: `单位 ${key}`, roles });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^cqa_[A-Za-z0-9_-]{43}$/);
    accountIds[key] = created.body.id as string;
    tokens[key] = created.body.token as string;
  }

  async function authorize(key: string, grantee: string, subjectCode: string, scope: string[], validFrom: string, validTo: string): Promise<void> {
    const created = await adminCall(hub.url, 'POST', '/authorizations', {
      subjectCode, grantee: accountIds[grantee], purpose: `约定用途 ${key}`, scope, validFrom, validTo, proofReference: `授权书 ${key}`,
    });
    expect(created.status).toBe(201);
    authorizationIds[key] = created.body.id as string;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: {
        DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_IDENTITY_TOKEN_SECRET: IDENTITY.secret, HUB_IDENTITY_TOKEN_ISSUER: IDENTITY.issuer, HUB_BATCH_QUERY_MAX: '3',
      },
    });
    const items = ['administrative_penalty', 'commendation', 'volunteer_service', 'wage_arrears', 'social_insurance_registration'];
    const apiKey = await registerSupplier(hub.url, 'ck-center', items);

    const org = { subject_name: ORG_NAME, subject_type: 'legal_person', subject_code: ORG };
    const authority = { authority_name: '厦门市人力资源和社会保障局', authority_code: AUTHORITY_USCC };
    const penalty = (key: string) => penaltyRecord(81_001, { source_key: key, subject_name: ORG_NAME, decision_no: `厦市监罚〔2026〕${key}号` });
    const commendation = (key: string) => ({
      source_key: key, ...org, honor_name: '厦门市守合同重信用企业', honor_level: '市级', decision_no: `厦府〔2026〕${key}号`,
      decision_date: recentDate(30), ...authority,
    });
    const volunteer = (key: string, subject: Json) => ({
      source_key: key, ...subject, service_hours: '120.5', stats_date: recentDate(5),
      data_source_unit: '共青团厦门市委员会', data_source_unit_code: AUTHORITY_USCC,
    });
    const socialInsurance = (key: string, subject: Json) => ({
      source_key: key, ...subject, registered_on: recentDate(400), insurance_types: ['基本养老保险'], insured_status: '正常参保', ...authority,
    });
    const person = { subject_name: PERSON_NAME, subject_type: 'natural_person', subject_code: PERSON };
    const batches: Record<string, Json[]> = {
      administrative_penalty: [
        ...['pen-active', 'pen-repaired', 'pen-withheld', 'pen-archived', 'pen-disputed', 'pen-expired'].map(penalty),
        personPenaltyRecord(82_002, { source_key: 'pen-person', subject_name: PERSON_NAME, violation_facts: `当事人（身份证号 ${PERSON}）无照经营` }),
      ],
      commendation: [commendation('com-active'), commendation('com-nondisclosed')],
      volunteer_service: [volunteer('vol-active', org), volunteer('vol-person', person)],
      wage_arrears: [{
        source_key: 'wage-active', ...org, legal_representative: '赵六', arrears_amount: '80000.00', workers_affected: 12,
        decision_no: '厦人社监〔2026〕7号', decision_date: recentDate(10), notified_on: recentDate(20), notice_method: 'written', ...authority,
      }],
      social_insurance_registration: [socialInsurance('si-active', org), socialInsurance('si-person', person)],
    };
    for (const [item, records] of Object.entries(batches)) {
      const accepted = await push(hub.url, apiKey, item, JSON.stringify(records));
      expect(accepted.status).toBe(202);
      const report = await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string);
      expect({ item, loaded: report.loaded, rejections: report.rejections }).toEqual({ item, loaded: records.length, rejections: [] });
    }
    // A second version of pen-active, through the same path.
    const changed = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify([{ ...penalty('pen-active'), penalty_content: '罚款人民币六千元', fine_amount: '6000.00' }]));
    await waitForBatchDone(hub.url, apiKey, changed.body.batchId as string);

    for (const row of await sql<{ id: string; source_key: string }>('SELECT id, source_key FROM credit_records')) id[row.source_key] = row.id;
    const setStatus = async (key: string, to: string, article: string) => {
      await sql(`UPDATE credit_records SET status = $2 WHERE id = $1`, [id[key], to]);
      await sql(`INSERT INTO record_status_events (record_id, from_status, to_status, reason, article, actor, reference)
                 VALUES ($1, 'active', $2, 'e2e', $3, 'e2e-operator', $4)`, [id[key], to, article, `REF-${key}`]);
    };
    await setStatus('pen-repaired', 'repaired', '第二十三条');
    await setStatus('pen-withheld', 'withheld', '第二十六条');
    await setStatus('pen-archived', 'archived', '第二十八条');
    await setStatus('com-nondisclosed', 'non_disclosed', '第二十七条');
    await sql(`UPDATE credit_records SET disputed = true WHERE id = $1`, [id['pen-disputed']]);
    await sql(`UPDATE credit_records SET publication_end = $2::date WHERE id = $1`, [id['pen-expired'], chinaDay(-1)]);

    await createAccount('bank', 'authorized_third_party');
    await createAccount('landlord', 'authorized_third_party');
    await createAccount('lapsed', 'authorized_third_party');
    await createAccount('revoked', 'authorized_third_party');
    await createAccount('gov', 'government', ['subject_query']);
    await createAccount('gov-report-only', 'government', ['credit_report']);
    await createAccount('agency', 'credit_agency');
    await authorize('bank-org', 'bank', ORG, ['administrative_penalty', 'volunteer_service'], chinaDay(-30), chinaDay(30));
    await authorize('landlord-person', 'landlord', PERSON, ['volunteer_service'], chinaDay(-1), chinaDay(1));
    await authorize('lapsed-org', 'lapsed', ORG, ['administrative_penalty'], chinaDay(-60), chinaDay(-1));
    await authorize('revoked-org', 'revoked', ORG, ['administrative_penalty'], chinaDay(-1), chinaDay(30));
    await authorize('agency-org', 'agency', ORG, ['administrative_penalty', 'volunteer_service', 'commendation'], chinaDay(-1), chinaDay(1));
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  describe('the public (no Authorization header, 第十六条)', () => {
    it('sees active public records within their period, the disputed one marked, in the API.md shape', async () => {
      const { response, rows } = await logged(() => query(ORG));
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['code', 'kind', 'name', 'records']);
      expect(response.body).toMatchObject({ code: ORG, kind: 'organization', name: ORG_NAME });
      expect(recordIds(response)).toEqual(idsOf('pen-active', 'pen-disputed', 'com-active'));
      for (const record of response.body.records ?? []) {
        expect(Object.keys(record).sort()).toEqual(['category', 'disclosure', 'disputed', 'fields', 'id', 'item', 'publicationEnd', 'status', 'supplier']);
        expect(record.disputed).toBe(record.id === id['pen-disputed']);
      }
      expect(rows).toEqual([{
        caller_kind: 'public', caller_id: null, subject_code: ORG, purpose: null, outcome: 'served', reason: null,
        result_count: 3, query_kind: 'subject', item_codes: ['administrative_penalty', 'commendation'], reference: null,
      }]);
    });

    reliabilityCase(
      {
        id: 'F2',
        group: 'F access and audit',
        title: "field-level filtering: the public never sees a person's citizen ID whole",
        channel: 'query edge, services',
        input: 'a public (anonymous) query of a person with a loaded penalty',
        expected: 'the record is served without the citizen ID anywhere in it; the look is logged as public/served',
      },
      async () => {
      const { response, rows } = await logged(() => query(PERSON));
      expect(recordIds(response)).toEqual(idsOf('pen-person'));
      expect(JSON.stringify(response.body.records)).not.toContain(PERSON);
      expect(rows).toMatchObject([{ caller_kind: 'public', outcome: 'served', result_count: 1 }]);
      return noRecords(`${response.status}, 1 record, no whole citizen ID in the body; logged public/served`);
    });

    it('gets 404 for a subject with nothing public and 400 for an invalid code, both logged', async () => {
      const missing = await logged(() => query(NOBODY));
      expect(missing.response).toMatchObject({ status: 404, body: { error: { code: 'SUBJECT_NOT_FOUND' } } });
      expect(missing.rows).toMatchObject([{ caller_kind: 'public', subject_code: NOBODY, outcome: 'not_found', result_count: 0 }]);
      const invalid = await logged(() => query('91350200MA0000000X'));
      expect(invalid.response).toMatchObject({ status: 400, body: { error: { code: 'INVALID_SUBJECT_CODE' } } });
      expect(invalid.rows).toMatchObject([{ outcome: 'invalid_code' }]);
    });

    it('is refused with an invalid or foreign bearer token instead of being served as the public', async () => {
      expect((await query(ORG, { token: 'cqa_not-a-real-token' })).status).toBe(401);
      expect((await query(ORG, { token: identityToken(ORG).slice(0, -2) + 'xx' })).status).toBe(401);
      const supplierKey = await registerSupplier(hub.url, 'ck-other', ['administrative_penalty']);
      expect(await query(ORG, { token: supplierKey })).toMatchObject({ status: 403, body: { error: { code: 'ACCESS_DENIED' } } });
    });
  });

  describe('the subject itself (identity token, 第十七条)', () => {
    it('sees its own public and authorised records, unmasked', async () => {
      const { response, rows } = await logged(() => query(ORG, { token: identityToken(ORG) }));
      expect(recordIds(response)).toEqual(idsOf('pen-active', 'pen-disputed', 'com-active', 'vol-active'));
      expect(rows).toMatchObject([{ caller_kind: 'subject', caller_id: ORG, outcome: 'served', result_count: 4, query_kind: 'subject' }]);
      const person = await query(PERSON, { token: identityToken(PERSON) });
      expect(recordIds(person)).toEqual(idsOf('pen-person', 'vol-person'));
      expect(JSON.stringify(person.body.records)).toContain(PERSON);
    });

    reliabilityCase(
      {
        id: 'F3-subject',
        group: 'F access and audit',
        title: "BOLA: a subject's identity token cannot read another subject by editing the path",
        channel: 'query edge, services',
        input: "the organisation's identity token asks for the person's code",
        expected: '403 ACCESS_DENIED NOT_OWN_SUBJECT, nothing served, the attempt logged with the requested subject',
      },
      async () => {
      const { response, rows } = await logged(() => query(PERSON, { token: identityToken(ORG) }));
      expect(response).toMatchObject({ status: 403, body: { error: { code: 'ACCESS_DENIED', details: [{ reason: 'NOT_OWN_SUBJECT' }] } } });
      expect(rows).toMatchObject([{ caller_kind: 'subject', caller_id: ORG, subject_code: PERSON, outcome: 'denied', reason: 'NOT_OWN_SUBJECT', result_count: 0 }]);
      return noRecords(`${response.status} NOT_OWN_SUBJECT; logged denied with the requested subject`);
    });
  });

  describe('authorised third parties (第十七条, 第二十二条)', () => {
    it('see exactly the items in scope of a valid authorisation, masked, with the agreed purpose logged', async () => {
      const { response, rows } = await logged(() => query(ORG, { token: tokens.bank }));
      expect(recordIds(response)).toEqual(idsOf('pen-active', 'pen-disputed', 'vol-active'));
      expect(rows).toEqual([{
        caller_kind: 'authorized_third_party', caller_id: accountIds.bank, subject_code: ORG, purpose: '约定用途 bank-org', outcome: 'served',
        reason: null, result_count: 3, query_kind: 'subject', item_codes: ['administrative_penalty', 'volunteer_service'], reference: null,
      }]);
    });

    it('do not see what their scope leaves out (the person\'s penalty), identifiers masked', async () => {
      const { response, rows } = await logged(() => query(PERSON, { token: tokens.landlord }));
      expect(recordIds(response)).toEqual(idsOf('vol-person'));
      expect(JSON.stringify(response.body.records)).not.toContain(PERSON);
      expect(rows).toMatchObject([{ caller_kind: 'authorized_third_party', item_codes: ['volunteer_service'], result_count: 1 }]);
    });

    reliabilityCase(
      {
        id: 'F3-third-party',
        group: 'F access and audit',
        title: 'BOLA: a third party is refused a subject it holds no live authorisation for',
        channel: 'query edge, services',
        input: "a bank's token with an expired authorisation, one revoked during the test, and one for another subject only",
        expected: '403 AUTHORIZATION_EXPIRED / NO_AUTHORIZATION each time, logged as denied; served only before the revocation',
      },
      async () => {
      const lapsed = await logged(() => query(ORG, { token: tokens.lapsed }));
      expect(lapsed.response).toMatchObject({ status: 403, body: { error: { code: 'ACCESS_DENIED', details: [{ reason: 'AUTHORIZATION_EXPIRED' }] } } });
      expect(lapsed.rows).toMatchObject([{ caller_id: accountIds.lapsed, outcome: 'denied', reason: 'AUTHORIZATION_EXPIRED' }]);

      expect(recordIds(await query(ORG, { token: tokens.revoked }))).toEqual(idsOf('pen-active', 'pen-disputed'));
      const revoked = await adminCall(hub.url, 'POST', `/authorizations/${authorizationIds['revoked-org']}/revoke`);
      expect(revoked).toMatchObject({ status: 200, body: { id: authorizationIds['revoked-org'], revokedAt: expect.any(String) } });
      const after = await logged(() => query(ORG, { token: tokens.revoked }));
      expect(after.response).toMatchObject({ status: 403, body: { error: { details: [{ reason: 'NO_AUTHORIZATION' }] } } });
      expect(after.rows).toMatchObject([{ outcome: 'denied', reason: 'NO_AUTHORIZATION' }]);

      expect(await query(PERSON, { token: tokens.bank })).toMatchObject({ status: 403, body: { error: { details: [{ reason: 'NO_AUTHORIZATION' }] } } });
      return noRecords('expired: 403 AUTHORIZATION_EXPIRED; revoked: 200 before, 403 NO_AUTHORIZATION after; other subject: 403 NO_AUTHORIZATION; all logged');
    });

    it('lose access the moment their account is disabled (401)', async () => {
      await createAccount('short-lived', 'authorized_third_party');
      await authorize('short-lived-org', 'short-lived', ORG, ['administrative_penalty'], chinaDay(-1), chinaDay(1));
      expect((await query(ORG, { token: tokens['short-lived'] })).status).toBe(200);
      expect((await adminCall(hub.url, 'POST', `/query-accounts/${accountIds['short-lived']}/disable`)).body).toMatchObject({ disabledAt: expect.any(String) });
      expect(await query(ORG, { token: tokens['short-lived'] })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    });
  });

  describe('government users (第十八条)', () => {
    it('see public, authorised and government-shared records for a statutory purpose, unmasked', async () => {
      const { response, rows } = await logged(() => query(ORG, { token: tokens.gov, purpose: PURPOSE }));
      expect(recordIds(response)).toEqual(idsOf('pen-active', 'pen-disputed', 'com-active', 'vol-active', 'wage-active', 'si-active'));
      expect(rows).toEqual([{
        caller_kind: 'government', caller_id: accountIds.gov, subject_code: ORG, purpose: PURPOSE, outcome: 'served', reason: null,
        result_count: 6, query_kind: 'subject',
        item_codes: ['administrative_penalty', 'commendation', 'social_insurance_registration', 'volunteer_service', 'wage_arrears'], reference: null,
      }]);
      const person = await query(PERSON, { token: tokens.gov, purpose: PURPOSE });
      expect(recordIds(person)).toEqual(idsOf('pen-person', 'vol-person', 'si-person'));
      expect(JSON.stringify(person.body.records)).toContain(PERSON);
    });

    it('are refused without X-Query-Purpose or with a purpose outside the list, and the claim is logged', async () => {
      const missing = await logged(() => query(ORG, { token: tokens.gov }));
      expect(missing.response).toMatchObject({ status: 403, body: { error: { code: 'QUERY_PURPOSE_REQUIRED' } } });
      expect(missing.rows).toMatchObject([{ caller_kind: 'government', outcome: 'denied', reason: 'PURPOSE_REQUIRED', purpose: null, result_count: 0 }]);
      const bogus = await logged(() => query(ORG, { token: tokens.gov, purpose: 'curiosity' }));
      expect(bogus.response).toMatchObject({ status: 403, body: { error: { code: 'QUERY_PURPOSE_REQUIRED' } } });
      expect(bogus.rows).toMatchObject([{ outcome: 'denied', reason: 'PURPOSE_REQUIRED', purpose: 'curiosity' }]);
    });

    reliabilityCase(
      {
        id: 'F4-role',
        group: 'F access and audit',
        title: 'function-level authorisation: a government account without the subject_query role is refused',
        channel: 'query edge, services',
        input: 'a government token holding only credit_report asks a subject query with a statutory purpose',
        expected: '403 ROLE_NOT_GRANTED, logged as denied with the purpose it claimed',
      },
      async () => {
      const { response, rows } = await logged(() => query(ORG, { token: tokens['gov-report-only'], purpose: PURPOSE }));
      expect(response).toMatchObject({ status: 403, body: { error: { code: 'ROLE_NOT_GRANTED' } } });
      expect(rows).toMatchObject([{ caller_kind: 'government', caller_id: accountIds['gov-report-only'], outcome: 'denied', reason: 'ROLE_NOT_GRANTED', purpose: PURPOSE }]);
      return noRecords(`${response.status} ROLE_NOT_GRANTED; logged denied`);
    });
  });

  describe('credit agencies (第二十条第二款)', () => {
    it('batch-query subjects, each decided and logged on its own', async () => {
      const { response, rows } = await logged(() =>
        call('POST', '/api/v1/subjects/batch-query', { token: tokens.agency, body: { codes: [ORG, PERSON, 'not-a-code'] } }),
      );
      expect(response.status).toBe(200);
      const results = response.body.results as Array<{ code: string; outcome: string; reason?: string; subject?: Response['body'] }>;
      expect(results.map((r) => [r.code, r.outcome, r.reason])).toEqual([
        [ORG, 'served', undefined],
        [PERSON, 'denied', 'NO_AUTHORIZATION'],
        ['not-a-code', 'invalid', undefined],
      ]);
      expect(recordIds({ status: 200, body: results[0].subject as Response['body'] })).toEqual(idsOf('pen-active', 'pen-disputed', 'com-active', 'vol-active'));
      expect(rows.map((r) => [r.caller_kind, r.caller_id, r.query_kind, r.subject_code, r.outcome, r.reason, r.result_count, r.purpose])).toEqual([
        ['credit_agency', accountIds.agency, 'batch', ORG, 'served', null, 4, '约定用途 agency-org'],
        ['credit_agency', accountIds.agency, 'batch', PERSON, 'denied', 'NO_AUTHORIZATION', 0, null],
        ['credit_agency', accountIds.agency, 'batch', 'not-a-code', 'invalid_code', null, 0, null],
      ]);
    });

    reliabilityCase(
      {
        id: 'F4-batch',
        group: 'F access and audit',
        title: 'function-level authorisation: only credit agencies may batch-query, within the size limit',
        channel: 'query edge, services',
        input: 'an agency sends 4 codes (limit 3); a bank, a government user, a subject and the public call batch-query',
        expected: '400 BATCH_TOO_LARGE logged as denied; 403 ACCESS_DENIED BATCH_NOT_OFFERED for every other caller kind',
      },
      async () => {
      const tooLarge = await logged(() => call('POST', '/api/v1/subjects/batch-query', { token: tokens.agency, body: { codes: [ORG, ORG, ORG, ORG] } }));
      expect(tooLarge.response).toMatchObject({ status: 400, body: { error: { code: 'BATCH_TOO_LARGE', details: [{ max: 3, given: 4 }] } } });
      expect(tooLarge.rows).toMatchObject([{ caller_kind: 'credit_agency', query_kind: 'batch', outcome: 'denied', reason: 'BATCH_TOO_LARGE' }]);
      for (const token of [tokens.bank, tokens.gov, identityToken(ORG), undefined]) {
        const refused = await call('POST', '/api/v1/subjects/batch-query', { token, purpose: PURPOSE, body: { codes: [ORG] } });
        expect(refused).toMatchObject({ status: 403, body: { error: { code: 'ACCESS_DENIED', details: [{ reason: 'BATCH_NOT_OFFERED' }] } } });
      }
      return noRecords('agency over the limit: 400 BATCH_TOO_LARGE; bank, government, subject, public: 403 BATCH_NOT_OFFERED');
    });
  });

  describe('operators', () => {
    it('see every record in every state through the query path', async () => {
      const { response, rows } = await logged(() => query(ORG, { token: ADMIN_TOKEN }));
      expect(recordIds(response)).toEqual(
        idsOf('pen-active', 'pen-repaired', 'pen-withheld', 'pen-archived', 'pen-disputed', 'pen-expired', 'com-active', 'com-nondisclosed', 'vol-active', 'wage-active', 'si-active'),
      );
      expect(rows).toMatchObject([{ caller_kind: 'operator', outcome: 'served', result_count: 11 }]);
    });

    it("read a record's versions and status history, logged as a history look", async () => {
      const { response, rows } = await logged(() => call('GET', `/api/v1/admin/records/${id['pen-active']}/history`, { token: ADMIN_TOKEN }));
      expect(response.status).toBe(200);
      expect(response.body.record).toMatchObject({ id: id['pen-active'], subjectCode: ORG, item: 'administrative_penalty', status: 'active', supplier: 'ck-center', version: 2 });
      const versions = response.body.versions as Array<{ version: number; fields: Json; batchId: string; createdAt: string }>;
      expect(versions.map((v) => [v.version, v.fields.fine_amount])).toEqual([[1, '5000.00'], [2, '6000.00']]);
      expect(rows).toEqual([{
        caller_kind: 'operator', caller_id: null, subject_code: ORG, purpose: null, outcome: 'served', reason: null, result_count: 1,
        query_kind: 'history', item_codes: ['administrative_penalty'], reference: id['pen-active'],
      }]);

      const repaired = await call('GET', `/api/v1/admin/records/${id['pen-repaired']}/history`, { token: ADMIN_TOKEN });
      expect(repaired.body.statusEvents).toEqual([
        { from: 'active', to: 'repaired', reason: 'e2e', article: '第二十三条', actor: 'e2e-operator', reference: 'REF-pen-repaired', changedAt: expect.any(String) },
      ]);
      expect(await call('GET', '/api/v1/admin/records/00000000-0000-4000-8000-000000000000/history', { token: ADMIN_TOKEN })).toMatchObject({
        status: 404, body: { error: { code: 'RECORD_NOT_FOUND' } },
      });
      expect((await call('GET', `/api/v1/admin/records/${id['pen-active']}/history`, { token: tokens.gov, purpose: PURPOSE })).status).toBe(401);
    });

    it("page through all of a subject's records in every state", async () => {
      const first = await logged(() => call('GET', `/api/v1/admin/subjects/${ORG}/records?limit=6`, { token: ADMIN_TOKEN }));
      const second = await call('GET', `/api/v1/admin/subjects/${ORG}/records?offset=6&limit=6`, { token: ADMIN_TOKEN });
      expect(first.response.body).toMatchObject({ code: ORG, total: 11, nextOffset: 6 });
      expect(second.body).toMatchObject({ total: 11, nextOffset: null });
      expect([...recordIds(first.response), ...recordIds(second)].sort()).toEqual(
        idsOf('pen-active', 'pen-repaired', 'pen-withheld', 'pen-archived', 'pen-disputed', 'pen-expired', 'com-active', 'com-nondisclosed', 'vol-active', 'wage-active', 'si-active'),
      );
      expect(first.rows).toMatchObject([{ caller_kind: 'operator', query_kind: 'history', subject_code: ORG, result_count: 6 }]);
    });
  });

  describe('operator administration of query accounts and authorisations', () => {
    it('validates accounts: kind, and roles only from the list and only for government accounts', async () => {
      expect(await adminCall(hub.url, 'POST', '/query-accounts', { kind: 'journalist', name: 'x', organization: 'y' })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
      expect(await adminCall(hub.url, 'POST', '/query-accounts', { kind: 'government', name: 'x', organization: 'y', roles: ['superuser'] })).toMatchObject({
        status: 400, body: { error: { details: [{ path: 'roles[0]' }] } },
      });
      expect(await adminCall(hub.url, 'POST', '/query-accounts', { kind: 'credit_agency', name: 'x', organization: 'y', roles: ['subject_query'] })).toMatchObject({
        status: 400, body: { error: { details: [{ path: 'roles' }] } },
      });
      const listed = await adminCall(hub.url, 'GET', '/query-accounts?limit=1000');
      const accounts = listed.body.accounts as Json[];
      expect(accounts.find((a) => a.id === accountIds.gov)).toEqual({
        id: accountIds.gov, kind: 'government', name: '账号 gov', organization: '单位 gov', roles: ['subject_query'], createdAt: expect.any(String), disabledAt: null,
      });
      expect(JSON.stringify(listed.body)).not.toContain(tokens.gov);
      expect(await adminCall(hub.url, 'POST', '/query-accounts/00000000-0000-4000-8000-000000000000/disable')).toMatchObject({ status: 404, body: { error: { code: 'ACCOUNT_NOT_FOUND' } } });
    });

    it('stores only the digest of account tokens', async () => {
      const stored = await sql<{ token_hash: string }>('SELECT token_hash FROM query_accounts WHERE id = $1', [accountIds.gov]);
      expect(stored[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored[0].token_hash).not.toContain(tokens.gov);
    });

    it('refuses an authorisation with every problem listed, storing nothing', async () => {
      const before = await sql<{ n: string }>('SELECT count(*) AS n FROM authorizations');
      const refused = await adminCall(hub.url, 'POST', '/authorizations', {
        subjectCode: '91350200MA0000000X', grantee: accountIds.gov, purpose: '核验', scope: ['no_such_item', 'wage_arrears'],
        validFrom: chinaDay(5), validTo: chinaDay(1), proofReference: 'P-1',
      });
      expect(refused.status).toBe(400);
      expect((refused.body.error as { details: Array<{ path: string }> }).details.map((d) => d.path).sort()).toEqual(['grantee', 'scope[0]', 'scope[1]', 'subjectCode', 'validTo']);
      expect(await sql<{ n: string }>('SELECT count(*) AS n FROM authorizations')).toEqual(before);
    });

    it('lists authorisations by subject and by grantee, paged', async () => {
      const bySubject = await adminCall(hub.url, 'GET', `/authorizations?subject=${ORG}&limit=2`);
      expect((bySubject.body.authorizations as Json[]).length).toBe(2);
      expect(bySubject.body.nextOffset).toBe(2);
      const byGrantee = await adminCall(hub.url, 'GET', `/authorizations?grantee=${accountIds.landlord}`);
      expect(byGrantee.body).toEqual({
        authorizations: [{
          id: authorizationIds['landlord-person'], subjectCode: PERSON, grantee: accountIds.landlord, purpose: '约定用途 landlord-person',
          scope: ['volunteer_service'], validFrom: chinaDay(-1), validTo: chinaDay(1), proofReference: '授权书 landlord-person',
          recordedAt: expect.any(String), revokedAt: null,
        }],
        nextOffset: null,
      });
      const unauthenticated = await fetch(`${hub.url}/api/v1/admin/authorizations`, { headers: { Authorization: `Bearer ${tokens.gov}` } });
      expect(unauthenticated.status).toBe(401);
    });
  });

  it('counts the looks it logged, by caller kind and outcome, in the metrics', async () => {
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    const count = (labels: string) => Number(new RegExp(`^credithub_query_looks_total\\{${labels}\\} ([0-9]+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('caller_kind="public",query_kind="subject",outcome="served"')).toBeGreaterThan(0);
    expect(count('caller_kind="government",query_kind="subject",outcome="served"')).toBeGreaterThan(0);
    expect(count('caller_kind="government",query_kind="subject",outcome="denied"')).toBeGreaterThan(0);
    expect(metrics).toMatch(/^credithub_query_log_commit_seconds_count [1-9][0-9]*$/m);
    expect(metrics).toMatch(/^credithub_query_log_failures_total 0$/m);
    expect(metrics).toMatch(/^credithub_notifications\{state="pending"\} [0-9]+$/m);
  });
});
