/**
 * Issue 11, findings 7, 8 and 9 on PostgreSQL + RabbitMQ, through the booted hub: rate limits per
 * client address and per account with 429 + Retry-After (X-Forwarded-For not believed), report
 * numbers past the old 999,999-a-day ceiling, every refused call at the query edge in the query
 * log, and an Idempotency-Key sent again with other content or another item answered 409.
 *
 * Clients are told apart by their source address: every loopback address 127.0.0.x is one
 * client. Limits are counted per wall-clock minute; a burst that happens to straddle a minute
 * boundary is run again from a fresh client (nothing here waits on time or measures it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import * as soap from 'soap';
import { chinaCalendarDate } from '../../libs/domain/identity/citizen-id';
import { mintIdentityToken } from '../../libs/security/identity-token';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { Observation, reconcile, reliabilityCase } from '../support/reliability';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const PUBLIC_LIMIT = 5;
const ACCOUNT_LIMIT = 6;
const REPORT_LIMIT = 2;
const SLOW_UPLOAD_DEADLINE_S = 10;
const IDENTITY = { issuer: 'edge-limits-idp', secret: 'edge-limits-identity-secret-0123456789' };
const ORG = uscc(61_001);
const SUPPLIER = 'lim-sup';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly body: { error?: { code: string; message: string; details: Array<Record<string, unknown>> } } & Record<string, unknown>;
}
interface LogRow {
  caller_kind: string;
  caller_id: string | null;
  subject_code: string;
  outcome: string;
  reason: string | null;
  query_kind: string;
  reference: string | null;
  client_address: string | null;
}

describe('trustworthy at the edges: limits, refused calls, report numbers, idempotency (services)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let apiKey: string;
  let nextClient = 20;
  /** A loopback address no earlier request came from: a fresh client. */
  const freshClient = () => `127.0.0.${nextClient++}`;

  const sql = <T>(text: string, params: unknown[] = []) => withDatabase(database.url, async (c) => (await c.query(text, params)).rows as T[]);

  function call(
    method: string,
    path: string,
    options: { from?: string; token?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<Answer> {
    const url = new URL(path, hub.url);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    if (payload) headers['Content-Type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers, localAddress: options.from ?? '127.0.0.1', agent: false },
        (res) => {
          const pieces: Buffer[] = [];
          res.on('data', (p: Buffer) => pieces.push(p));
          res.on('end', () => {
            const raw = Buffer.concat(pieces);
            const json = (res.headers['content-type'] ?? '').includes('application/json');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: json ? (JSON.parse(raw.toString('utf8')) as Answer['body']) : {} });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Runs `attempt` from a fresh client until one run fits inside one wall-clock minute (the limits' window). */
  async function withinOneWindow<T>(attempt: (client: string) => Promise<T>): Promise<T> {
    for (let tries = 0; tries < 3; tries++) {
      const minute = Math.floor(Date.now() / 60_000);
      const result = await attempt(freshClient());
      if (Math.floor(Date.now() / 60_000) === minute) return result;
    }
    throw new Error('three runs in a row straddled a minute boundary');
  }

  const logRowsFrom = (client: string) =>
    sql<LogRow>(
      `SELECT caller_kind, caller_id, subject_code, outcome, reason, query_kind, reference, client_address
       FROM query_log WHERE client_address = $1 ORDER BY id`,
      [client],
    );

  async function createAccount(kind: string, roles: string[] = []): Promise<{ id: string; token: string }> {
    const created = await call('POST', '/api/v1/admin/query-accounts', {
      token: ADMIN_TOKEN,
      body: { kind, name: `限流测试 ${kind}`, organization: '限流测试单位', roles },
    });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, token: created.body.token as string };
  }

  const count = (answers: readonly Answer[], status: number) => answers.filter((a) => a.status === status).length;
  const fiveHundreds = (answers: readonly Answer[]) => answers.filter((a) => a.status >= 500).length;
  const quiet = (observed: string, answers: readonly Answer[]): Observation => ({
    observed, accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: fiveHundreds(answers), stuckBatches: 0,
  });

  function expectRateLimited(answer: Answer, scope: string, limit: number): void {
    expect(answer.status).toBe(429);
    const retryAfter = Number(answer.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(answer.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/请求过于频繁/) });
    expect(answer.body.error?.details[0]).toEqual({ scope, limit, windowSeconds: 60, retryAfterSeconds: retryAfter });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: {
        DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_IDENTITY_TOKEN_SECRET: IDENTITY.secret, HUB_IDENTITY_TOKEN_ISSUER: IDENTITY.issuer,
        RATE_LIMIT_PUBLIC_PER_MINUTE: String(PUBLIC_LIMIT),
        RATE_LIMIT_ACCOUNT_PER_MINUTE: String(ACCOUNT_LIMIT),
        RATE_LIMIT_REPORT_PER_MINUTE: String(REPORT_LIMIT),
        HTTP_REQUEST_TIMEOUT_S: String(SLOW_UPLOAD_DEADLINE_S),
      },
    });
    apiKey = await registerSupplier(hub.url, SUPPLIER, ['administrative_penalty', 'commendation']);
    const loaded = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify([penaltyRecord(61_001, { source_key: 'lim-org-1' })]));
    expect(loaded.status).toBe(202);
    expect((await waitForBatchDone(hub.url, apiKey, loaded.body.batchId as string)).loaded).toBe(1);
  });

  afterAll(async () => {
    await hub?.stop();
    await vhost?.drop();
    await database?.drop();
  });

  reliabilityCase(
    {
      id: 'G7-rate-limit-anonymous', group: 'G edges (wave 2 findings)', title: 'anonymous queries are limited per client address; operators and suppliers are not',
      channel: 'query edge, services',
      input: `${PUBLIC_LIMIT + 3} GET /api/v1/subjects/{code} without credentials from one address (RATE_LIMIT_PUBLIC_PER_MINUTE=${PUBLIC_LIMIT}), then the operator token and a supplier push from that address, and one query from another address`,
      expected: `${PUBLIC_LIMIT} answered, 3 × 429 RATE_LIMITED with Retry-After 1–60 s, each 429 in the query log (refused, RATE_LIMITED); the operator, the supplier push and the other address are not limited`,
    },
    async () => {
      const { client, answers } = await withinOneWindow(async (from) => {
        const got: Answer[] = [];
        for (let i = 0; i < PUBLIC_LIMIT + 3; i++) got.push(await call('GET', `/api/v1/subjects/${ORG}`, { from }));
        return { client: from, answers: got };
      });
      expect(answers.slice(0, PUBLIC_LIMIT).map((a) => a.status)).toEqual(Array(PUBLIC_LIMIT).fill(200));
      for (const refused of answers.slice(PUBLIC_LIMIT)) expectRateLimited(refused, 'address', PUBLIC_LIMIT);

      const operator = await call('GET', `/api/v1/subjects/${ORG}`, { from: client, token: ADMIN_TOKEN });
      const supplierPush = await call('POST', '/api/v1/ingest/administrative_penalty', { from: client, token: apiKey, body: [penaltyRecord(61_001, { source_key: 'lim-org-1' })] });
      const otherClient = await call('GET', `/api/v1/subjects/${ORG}`, { from: freshClient() });
      expect([operator.status, supplierPush.status, otherClient.status]).toEqual([200, 202, 200]);

      const rows = await logRowsFrom(client);
      const refused = rows.filter((r) => r.outcome === 'refused');
      expect(refused).toHaveLength(3);
      for (const row of refused) expect(row).toMatchObject({ caller_kind: 'public', subject_code: ORG, reason: 'RATE_LIMITED', query_kind: 'subject' });
      expect(rows.filter((r) => r.outcome === 'served')).toHaveLength(PUBLIC_LIMIT + 1); // + the operator's
      await waitForBatchDone(hub.url, apiKey, supplierPush.body.batchId as string);
      const ledger = await reconcile(database.url, ['lim-org-1']);
      const all = [...answers, operator, supplierPush, otherClient];
      return {
        ...quiet(`${count(answers, 200)} × 200 then ${count(answers, 429)} × 429 (Retry-After ${String(answers[PUBLIC_LIMIT].headers['retry-after'])} s); operator 200, supplier push 202, other address 200; ${refused.length} refused rows logged`, all),
        accepted: 1,
        ...ledger,
      };
    },
  );

  reliabilityCase(
    {
      id: 'F5-enumeration-429', group: 'F access and audit', title: 'sequential subject codes from one client are cut off at the limit, X-Forwarded-For cannot pick a new bucket, every attempt is logged',
      channel: 'query edge, services',
      input: `12 GET /api/v1/subjects/{code} with 12 sequential codes from one address, each with a different X-Forwarded-For (HUB_TRUSTED_PROXIES unset)`,
      expected: `${PUBLIC_LIMIT} answered (404), 7 × 429; 12 query-log rows for that address (5 not_found, 7 refused RATE_LIMITED), each with the code asked for`,
    },
    async () => {
      const codes = Array.from({ length: 12 }, (_, i) => uscc(62_000 + i));
      const { client, answers } = await withinOneWindow(async (from) => {
        const got: Answer[] = [];
        for (const [i, code] of codes.entries()) got.push(await call('GET', `/api/v1/subjects/${code}`, { from, headers: { 'X-Forwarded-For': `198.51.100.${i + 1}` } }));
        return { client: from, answers: got };
      });
      expect(answers.map((a) => a.status)).toEqual([...Array(PUBLIC_LIMIT).fill(404), ...Array(12 - PUBLIC_LIMIT).fill(429)]);
      const rows = await logRowsFrom(client);
      expect(rows.map((r) => r.subject_code)).toEqual(codes);
      expect(rows.map((r) => r.outcome)).toEqual([...Array(PUBLIC_LIMIT).fill('not_found'), ...Array(12 - PUBLIC_LIMIT).fill('refused')]);
      expect(await sql('SELECT 1 FROM query_log WHERE client_address LIKE $1', ['198.51.100.%'])).toHaveLength(0);
      return quiet(`${count(answers, 404)} × 404 then ${count(answers, 429)} × 429 despite 12 different X-Forwarded-For; ${rows.length} log rows, all under ${client}`, answers);
    },
  );

  reliabilityCase(
    {
      id: 'G7-rate-limit-account', group: 'G edges (wave 2 findings)', title: 'query accounts are limited per account; a batch query costs one per code',
      channel: 'query edge, services',
      input: `a third-party account: ${ACCOUNT_LIMIT + 2} subject queries; a credit agency: two batch queries of 4 codes (RATE_LIMIT_ACCOUNT_PER_MINUTE=${ACCOUNT_LIMIT}); anonymous queries from the same address meanwhile`,
      expected: `the account: ${ACCOUNT_LIMIT} answered then 2 × 429 (scope account); the agency: first batch 200, second 429; the anonymous caller at the same address is not affected; each 429 logged with the account's kind and id`,
    },
    async () => {
      const { third, agency, answers, batches, anonymous } = await withinOneWindow(async (from) => {
        const thirdParty = await createAccount('authorized_third_party');
        const creditAgency = await createAccount('credit_agency');
        const got: Answer[] = [];
        for (let i = 0; i < ACCOUNT_LIMIT + 2; i++) got.push(await call('GET', `/api/v1/subjects/${ORG}`, { from, token: thirdParty.token }));
        const codes = [ORG, uscc(63_001), uscc(63_002), uscc(63_003)];
        const batchAnswers = [
          await call('POST', '/api/v1/subjects/batch-query', { from, token: creditAgency.token, body: { codes } }),
          await call('POST', '/api/v1/subjects/batch-query', { from, token: creditAgency.token, body: { codes } }),
        ];
        return { third: thirdParty, agency: creditAgency, answers: got, batches: batchAnswers, anonymous: await call('GET', `/api/v1/subjects/${ORG}`, { from }) };
      });
      // Without an authorisation the third party is refused by the policy (403): a look all the same, counted.
      expect(answers.slice(0, ACCOUNT_LIMIT).map((a) => a.status)).toEqual(Array(ACCOUNT_LIMIT).fill(403));
      for (const refused of answers.slice(ACCOUNT_LIMIT)) expectRateLimited(refused, 'account', ACCOUNT_LIMIT);
      expect(batches[0].status).toBe(200);
      expectRateLimited(batches[1], 'account', ACCOUNT_LIMIT);
      expect(anonymous.status).toBe(200);

      const limited = await sql<LogRow>(`SELECT caller_kind, caller_id, query_kind, subject_code FROM query_log WHERE reason = 'RATE_LIMITED' AND caller_id = ANY($1) ORDER BY id`, [[third.id, agency.id]]);
      expect(limited).toEqual([
        { caller_kind: 'authorized_third_party', caller_id: third.id, query_kind: 'subject', subject_code: ORG },
        { caller_kind: 'authorized_third_party', caller_id: third.id, query_kind: 'subject', subject_code: ORG },
        { caller_kind: 'credit_agency', caller_id: agency.id, query_kind: 'batch', subject_code: '' },
      ]);
      const all = [...answers, ...batches, anonymous];
      return quiet(`third party ${count(answers, 403)} × 403 then ${count(answers, 429)} × 429; agency batches ${batches.map((b) => b.status).join(', ')}; anonymous at the same address ${anonymous.status}`, all);
    },
  );

  reliabilityCase(
    {
      id: 'G7-rate-limit-report', group: 'G edges (wave 2 findings)', title: 'the costly PDF report has its own, smaller limit',
      channel: 'query edge, services',
      input: `${REPORT_LIMIT + 1} anonymous GET /api/v1/subjects/{code}/report (PDF) from one address (RATE_LIMIT_REPORT_PER_MINUTE=${REPORT_LIMIT}), then one HTML report`,
      expected: `${REPORT_LIMIT} PDFs, then 429 (scope report, logged as a refused report); the HTML report is still served`,
    },
    async () => {
      const { client, pdfs, html } = await withinOneWindow(async (from) => {
        const got: Answer[] = [];
        for (let i = 0; i < REPORT_LIMIT + 1; i++) got.push(await call('GET', `/api/v1/subjects/${ORG}/report`, { from }));
        return { client: from, pdfs: got, html: await call('GET', `/api/v1/subjects/${ORG}/report?format=html`, { from }) };
      });
      expect(pdfs.slice(0, REPORT_LIMIT).map((a) => [a.status, a.headers['content-type']])).toEqual(Array(REPORT_LIMIT).fill([200, 'application/pdf']));
      expectRateLimited(pdfs[REPORT_LIMIT], 'report', REPORT_LIMIT);
      expect(html.status).toBe(200);
      const refused = (await logRowsFrom(client)).filter((r) => r.outcome === 'refused');
      expect(refused).toEqual([expect.objectContaining({ query_kind: 'report', reason: 'RATE_LIMITED', subject_code: ORG })]);
      return quiet(`PDFs ${pdfs.map((p) => p.status).join(', ')}; HTML ${html.status}`, [...pdfs, html]);
    },
  );

  reliabilityCase(
    {
      id: 'G7-report-numbers', group: 'G edges (wave 2 findings)', title: 'report numbers go on past 999,999 a day, and every one verifies',
      channel: 'query edge, services',
      input: "today's report serial set to 999,998 in the database, then three reports issued (operator) and each verified by number and SHA-256",
      expected: 'three 200 reports numbered …-999999, …-1000000, …-1000001; each verification answers authentic=true; no 500',
    },
    async () => {
      const today = chinaCalendarDate(new Date());
      await sql(
        `INSERT INTO credit_report_serials (issue_date, last_serial) VALUES ($1::date, 999998)
         ON CONFLICT (issue_date) DO UPDATE SET last_serial = 999998`,
        [today],
      );
      const reports: Answer[] = [];
      for (let i = 0; i < 3; i++) reports.push(await call('GET', `/api/v1/subjects/${ORG}/report?format=html`, { token: ADMIN_TOKEN }));
      const day = today.replace(/-/g, '');
      expect(reports.map((r) => [r.status, r.headers['x-report-number']])).toEqual([
        [200, `XMCR-${day}-999999`],
        [200, `XMCR-${day}-1000000`],
        [200, `XMCR-${day}-1000001`],
      ]);
      const from = freshClient();
      const verified: Answer[] = [];
      for (const r of reports) {
        const sha256 = createHash('sha256').update(r.raw).digest('hex');
        verified.push(await call('GET', `/api/v1/reports/${String(r.headers['x-report-number'])}/verification?sha256=${sha256}`, { from }));
      }
      expect(verified.map((v) => [v.status, v.body.authentic])).toEqual([[200, true], [200, true], [200, true]]);
      return quiet(`numbers ${reports.map((r) => String(r.headers['x-report-number'])).join(', ')}; verifications ${verified.map((v) => String(v.body.authentic)).join(', ')}`, [...reports, ...verified]);
    },
  );

  reliabilityCase(
    {
      id: 'F1-unauthenticated-audited', group: 'F access and audit', title: 'an invalid token on every query endpoint is a 401 and a query-log row',
      channel: 'query edge, services',
      input: 'an unknown cqa_ token on GET /subjects/{code}, /subjects/{code}/lists, /subjects/{code}/report, POST /subjects/batch-query and GET /reports/{n}/verification',
      expected: '401 UNAUTHENTICATED each, and one row each: caller_kind query_account, outcome refused, reason UNKNOWN_TOKEN, the kind of look and the subject or report number asked for',
    },
    async () => {
      const from = freshClient();
      const token = `cqa_${'x'.repeat(43)}`;
      const reportNo = 'XMCR-20261201-000001';
      const answers = [
        await call('GET', `/api/v1/subjects/${ORG}`, { from, token }),
        await call('GET', `/api/v1/subjects/${ORG}/lists`, { from, token }),
        await call('GET', `/api/v1/subjects/${ORG}/report?format=html`, { from, token }),
        await call('POST', '/api/v1/subjects/batch-query', { from, token, body: { codes: [ORG] } }),
        await call('GET', `/api/v1/reports/${reportNo}/verification?sha256=${'0'.repeat(64)}`, { from, token }),
      ];
      expect(answers.map((a) => [a.status, a.body.error?.code])).toEqual(Array(5).fill([401, 'UNAUTHENTICATED']));
      const rows = await logRowsFrom(from);
      expect(rows.map((r) => [r.caller_kind, r.outcome, r.reason, r.query_kind, r.subject_code, r.reference])).toEqual([
        ['query_account', 'refused', 'UNKNOWN_TOKEN', 'subject', ORG, null],
        ['query_account', 'refused', 'UNKNOWN_TOKEN', 'lists', ORG, null],
        ['query_account', 'refused', 'UNKNOWN_TOKEN', 'report', ORG, null],
        ['query_account', 'refused', 'UNKNOWN_TOKEN', 'batch', '', null],
        ['query_account', 'refused', 'UNKNOWN_TOKEN', 'report_verification', '', reportNo],
      ]);
      return quiet(`5 × 401, ${rows.length} refused rows`, answers);
    },
  );

  reliabilityCase(
    {
      id: 'G8-refused-calls-logged', group: 'G edges (wave 2 findings)', title: 'every kind of refused call at the query edge is in the query log',
      channel: 'query edge, services',
      input: 'a supplier API key used to query; an expired and a forged identity token (sid1.); a disabled account; a query account and an anonymous caller on the operators\' record views',
      expected: '403 / 401 as before, each with one refused row naming the caller as far as known and the reason (NOT_A_QUERY_CALLER, IDENTITY_TOKEN_EXPIRED, IDENTITY_TOKEN_BAD_SIGNATURE, ACCOUNT_DISABLED, OPERATOR_ONLY)',
    },
    async () => {
      const from = freshClient();
      const now = Math.floor(Date.now() / 1000);
      const expired = mintIdentityToken(IDENTITY, { iss: IDENTITY.issuer, sub: ORG, iat: now - 7200, exp: now - 3600 });
      const forged = mintIdentityToken({ ...IDENTITY, secret: 'not-the-identity-secret-0123456789abcdef' }, { iss: IDENTITY.issuer, sub: ORG, iat: now - 60, exp: now + 600 });
      const account = await createAccount('authorized_third_party');
      const disabled = await createAccount('authorized_third_party');
      expect((await call('POST', `/api/v1/admin/query-accounts/${disabled.id}/disable`, { token: ADMIN_TOKEN })).status).toBeLessThan(300);
      const recordId = randomUUID();
      const answers = [
        await call('GET', `/api/v1/subjects/${ORG}`, { from, token: apiKey }),
        await call('GET', `/api/v1/subjects/${ORG}`, { from, token: expired }),
        await call('GET', `/api/v1/subjects/${ORG}/lists`, { from, token: forged }),
        await call('GET', `/api/v1/subjects/${ORG}`, { from, token: disabled.token }),
      ];
      const second = freshClient(); // the public limit is 5 per address
      answers.push(
        await call('GET', `/api/v1/admin/subjects/${ORG}/records`, { from: second, token: account.token }),
        await call('GET', `/api/v1/admin/records/${recordId}/history`, { from: second }),
      );
      expect(answers.map((a) => a.status)).toEqual([403, 401, 401, 401, 401, 401]);
      const rows = [...(await logRowsFrom(from)), ...(await logRowsFrom(second))];
      expect(rows.map((r) => [r.caller_kind, r.caller_id, r.outcome, r.reason, r.query_kind, r.subject_code, r.reference])).toEqual([
        ['supplier', SUPPLIER, 'refused', 'NOT_A_QUERY_CALLER', 'subject', ORG, null],
        ['subject', null, 'refused', 'IDENTITY_TOKEN_EXPIRED', 'subject', ORG, null],
        ['subject', null, 'refused', 'IDENTITY_TOKEN_BAD_SIGNATURE', 'lists', ORG, null],
        ['query_account', null, 'refused', 'ACCOUNT_DISABLED', 'subject', ORG, null],
        ['authorized_third_party', account.id, 'refused', 'OPERATOR_ONLY', 'history', ORG, null],
        ['public', null, 'refused', 'OPERATOR_ONLY', 'history', '', recordId],
      ]);
      return quiet(`statuses ${answers.map((a) => a.status).join(', ')}; ${rows.length} refused rows with reasons ${rows.map((r) => r.reason).join(', ')}`, answers);
    },
  );

  reliabilityCase(
    {
      id: 'G9-idempotency-conflict-content', group: 'G edges (wave 2 findings)', title: 'an Idempotency-Key sent again with other content is a 409, not a silent drop',
      channel: 'REST JSON, NDJSON, CSV and SOAP, services',
      input: 'REST JSON, NDJSON and CSV: key K with records A (202), K with A again, K with records B; SOAP: requestId R with records C, R with C again, R with records D',
      expected: 'the repeat with the same content gets the same batch; other content gets 409 IDEMPOTENCY_CONFLICT (SOAP: Client fault) naming the earlier batch; A and C load, nothing of B or D is stored',
    },
    async () => {
      const recordsA = [penaltyRecord(64_001, { source_key: 'idem-a-1' }), penaltyRecord(64_002, { source_key: 'idem-a-2' })];
      const recordsB = [penaltyRecord(64_003, { source_key: 'idem-b-1' }), penaltyRecord(64_004, { source_key: 'idem-b-2' })];
      const first = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify(recordsA), { idempotencyKey: 'idem-content' });
      const again = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify(recordsA), { idempotencyKey: 'idem-content' });
      const other = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify(recordsB), { idempotencyKey: 'idem-content' });
      expect(first.status).toBe(202);
      expect(again).toEqual({ status: 202, body: { batchId: first.body.batchId, received: 2 } });
      expect(other.status).toBe(409);
      expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', message: expect.stringContaining(first.body.batchId as string), details: [{ batchId: first.body.batchId, reason: 'OTHER_CONTENT' }] });
      await waitForBatchDone(hub.url, apiKey, first.body.batchId as string);

      // The same on NDJSON and CSV bodies: the digest is of the bytes, whatever their format.
      const ndjson = (records: Record<string, unknown>[]) => records.map((r) => JSON.stringify(r)).join('\n');
      const csv = (key: string) => `source_key,subject_name\n${key},某公司\n`;
      const streamed = [
        await push(hub.url, apiKey, 'administrative_penalty', ndjson(recordsA), { idempotencyKey: 'idem-ndjson', contentType: 'application/x-ndjson' }),
        await push(hub.url, apiKey, 'administrative_penalty', ndjson(recordsA), { idempotencyKey: 'idem-ndjson', contentType: 'application/x-ndjson' }),
        await push(hub.url, apiKey, 'administrative_penalty', ndjson(recordsB), { idempotencyKey: 'idem-ndjson', contentType: 'application/x-ndjson' }),
        await push(hub.url, apiKey, 'administrative_penalty', csv('idem-csv-1'), { idempotencyKey: 'idem-csv', contentType: 'text/csv' }),
        await push(hub.url, apiKey, 'administrative_penalty', csv('idem-csv-1'), { idempotencyKey: 'idem-csv', contentType: 'text/csv' }),
        await push(hub.url, apiKey, 'administrative_penalty', csv('idem-csv-2'), { idempotencyKey: 'idem-csv', contentType: 'text/csv' }),
      ];
      expect(streamed.map((r) => r.status)).toEqual([202, 202, 409, 202, 202, 409]);
      expect([streamed[1].body.batchId, streamed[4].body.batchId]).toEqual([streamed[0].body.batchId, streamed[3].body.batchId]);
      for (const id of [streamed[0].body.batchId, streamed[3].body.batchId]) await waitForBatchDone(hub.url, apiKey, id as string);

      const client = await soap.createClientAsync(`${hub.url}/soap/v1/ingest?wsdl`, { disableCache: true });
      client.setEndpoint(`${hub.url}/soap/v1/ingest`);
      client.setSecurity(new soap.WSSecurity(SUPPLIER, apiKey, { passwordType: 'PasswordText', hasTimeStamp: false }));
      const asFields = (record: Record<string, unknown>) => ({
        field: Object.entries(record).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => ({ name, value: String(v) })) : [{ name, value: String(value) }])),
      });
      const recordsC = [penaltyRecord(64_005, { source_key: 'idem-c-1' })];
      const recordsD = [penaltyRecord(64_006, { source_key: 'idem-d-1' })];
      const submit = (records: Record<string, unknown>[]) =>
        client.SubmitRecordsAsync({ item: 'administrative_penalty', requestId: 'idem-soap', records: { record: records.map(asFields) } }) as Promise<[{ batchId: string; replayed: boolean }]>;
      const [soapFirst] = await submit(recordsC);
      const [soapAgain] = await submit(recordsC);
      expect(soapAgain).toMatchObject({ batchId: soapFirst.batchId, replayed: true });
      const fault = await submit(recordsD).then(
        () => 'accepted',
        (e: { body?: string }) => e.body ?? String(e),
      );
      expect(fault).toContain('IDEMPOTENCY_CONFLICT');
      expect(fault).toContain(soapFirst.batchId);
      await waitForBatchDone(hub.url, apiKey, soapFirst.batchId);

      // idem-csv-1 is accepted and rejected (a CSV of two columns misses required fields): accounted for, not lost.
      const ledger = await reconcile(database.url, ['idem-a-1', 'idem-a-2', 'idem-c-1', 'idem-csv-1']);
      expect(ledger).toMatchObject({ loaded: 3, rejected: 1, lost: 0, duplicated: 0 });
      expect(await sql(`SELECT 1 FROM credit_records WHERE source_key IN ('idem-b-1', 'idem-b-2', 'idem-d-1', 'idem-csv-2')`)).toHaveLength(0);
      expect(await sql(`SELECT 1 FROM rejections WHERE source_key = 'idem-csv-2'`)).toHaveLength(0);
      return {
        observed: `REST JSON 202, 202 (same batch), ${other.status} ${other.body.error?.code ?? ''}; NDJSON and CSV ${streamed.map((r) => r.status).join(', ')}; SOAP receipt, replay, fault IDEMPOTENCY_CONFLICT; accepted records loaded or rejected, none of the refused submissions stored`,
        accepted: 4, ...ledger, answers500: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: 'G9-idempotency-conflict-item', group: 'G edges (wave 2 findings)', title: 'an Idempotency-Key sent again for another item is a 409',
      channel: 'REST JSON, services',
      input: 'key K with a penalty record to administrative_penalty (202), then the same key and body to commendation',
      expected: '409 IDEMPOTENCY_CONFLICT (reason OTHER_ITEM) naming the earlier batch; the first batch loads',
    },
    async () => {
      const body = JSON.stringify([penaltyRecord(65_001, { source_key: 'idem-item-1' })]);
      const first = await push(hub.url, apiKey, 'administrative_penalty', body, { idempotencyKey: 'idem-item' });
      const other = await push(hub.url, apiKey, 'commendation', body, { idempotencyKey: 'idem-item' });
      expect(first.status).toBe(202);
      expect(other.status).toBe(409);
      expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', details: [{ batchId: first.body.batchId, reason: 'OTHER_ITEM' }] });
      await waitForBatchDone(hub.url, apiKey, first.body.batchId as string);
      const ledger = await reconcile(database.url, ['idem-item-1']);
      expect(ledger).toMatchObject({ loaded: 1, lost: 0 });
      return { observed: `202 then ${other.status} ${other.body.error?.code ?? ''} (OTHER_ITEM)`, accepted: 1, ...ledger, answers500: 0 };
    },
  );
  /** Sends headers, then the body one byte a second; resolves with the status line and body the hub answers. */
  function slowUpload(key: string): Promise<{ status: number; body: string; bytesSent: number }> {
    const url = new URL(hub.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let bytesSent = 0;
      let answer = '';
      const drip = setInterval(() => {
        if (socket.writable) {
          socket.write('[');
          bytesSent++;
        }
      }, 1000);
      const giveUp = setTimeout(() => finish(new Error('the hub never cut the slow upload')), (SLOW_UPLOAD_DEADLINE_S + 60) * 1000);
      const finish = (e?: Error) => {
        clearInterval(drip);
        clearTimeout(giveUp);
        socket.destroy();
        if (e) return reject(e);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
        resolve({ status, body: answer.slice(answer.indexOf('\r\n\r\n') + 4), bytesSent });
      };
      socket.on('connect', () =>
        socket.write(
          `POST /api/v1/ingest/administrative_penalty HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${key}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
        ),
      );
      socket.on('data', (piece: Buffer) => (answer += piece.toString('utf8')));
      socket.on('close', () => finish());
      socket.on('error', () => undefined);
    });
  }

  reliabilityCase(
    {
      id: 'G6-slow-upload', group: 'G edges (wave 2 findings)', title: 'a body sent one byte a second is cut at the request deadline; honest pushes go on',
      channel: 'REST JSON, services',
      input: `POST /api/v1/ingest/administrative_penalty announcing 100,000 bytes and sending one a second (HTTP_REQUEST_TIMEOUT_S=${SLOW_UPLOAD_DEADLINE_S}), with an honest push of one record meanwhile`,
      expected: '408 REQUEST_TIMEOUT and the connection closed, nothing of the slow body accepted (no batch); the honest push 202 and loaded',
    },
    async () => {
      const batchesBefore = await withDatabase(database.url, async (db) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM batches WHERE status <> 'aborted'`)).rows[0].n));
      const slow = slowUpload(apiKey);
      const honest = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify([penaltyRecord(61_050, { source_key: 'lim-slow-honest' })]));
      expect(honest.status).toBe(202);
      const cut = await slow;
      expect(cut.status).toBe(408);
      expect(JSON.parse(cut.body)).toMatchObject({ error: { code: 'REQUEST_TIMEOUT', message: expect.stringMatching(/[\u4e00-\u9fff]/) } });
      expect(cut.bytesSent).toBeLessThan(100_000);
      expect((await waitForBatchDone(hub.url, apiKey, honest.body.batchId as string)).loaded).toBe(1);
      const batchesAfter = await withDatabase(database.url, async (db) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM batches WHERE status <> 'aborted'`)).rows[0].n));
      expect(batchesAfter - batchesBefore).toBe(1);
      const ledger = await reconcile(database.url, ['lim-slow-honest']);
      return {
        observed: `slow upload answered ${cut.status} REQUEST_TIMEOUT after ${cut.bytesSent} of 100,000 bytes; honest push 202 and loaded; ${batchesAfter - batchesBefore} new batch`,
        accepted: 1,
        ...ledger,
        answers500: 0,
      };
    },
    (SLOW_UPLOAD_DEADLINE_S + 90) * 1000,
  );
});
