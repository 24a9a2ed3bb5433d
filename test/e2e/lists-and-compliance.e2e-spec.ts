import { AUTHORITY_USCC, recentDate, uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, adminCall, push, registerSupplier, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const subjectName = (subject: string) => `厦门名单测试${subject.slice(-4)}有限公司`;

/** The fields every list item shares (第二十一条: designated by the providers, sent through ingest). */
function listRecord(subject: string, n: number, decidedDaysAgo: number): Record<string, unknown> {
  const decided = recentDate(decidedDaysAgo);
  return {
    source_key: `L-${n}`,
    subject_name: subjectName(subject),
    subject_type: 'legal_person',
    subject_code: subject,
    legal_representative: '陈一',
    list_name: '测试名单',
    legal_basis: '《厦门市公共信用信息管理办法》第二十一条',
    decision_no: `厦认〔2026〕${n}号`,
    decision_date: decided,
    authority_name: '厦门市测试认定部门',
    authority_code: AUTHORITY_USCC,
  };
}

const keyAttention = (subject: string, n: number, sector: string, decidedDaysAgo: number) => ({
  ...listRecord(subject, n, decidedDaysAgo),
  list_name: `${sector}领域重点关注名单`,
  sector,
  listing_reason: '存在较为严重的失信行为',
  notified_on: recentDate(decidedDaysAgo),
  notice_method: 'written',
});

const redList = (subject: string, n: number) => ({
  ...listRecord(subject, n, 30),
  list_name: '纳税信用A级纳税人名单',
  listing_reason: '连续三年纳税信用评价为A级',
});

const blackList = (subject: string, n: number) => ({
  ...listRecord(subject, n, 20),
  list_name: '重大税收违法失信主体名单',
  dishonesty_facts: '虚开增值税专用发票',
  notified_on: recentDate(20),
  notice_method: 'written',
});

/** The China date of an instant (the hub's "today"). */
const chinaDate = (instant: Date) => new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

interface Notice {
  recipient_kind: string;
  recipient: string;
  topic: string;
  message: string;
  payload: Record<string, unknown>;
}

/**
 * Lists (第二十一条), the key-attention escalation (第二十八条) and supplier compliance (第三十二条),
 * through the real ingest path, the job runner and the movable clock of the booted hub.
 */
describe('lists, key-attention escalation and supplier compliance end to end', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  const keys = new Map<string, string>();
  const escalated = uscc(7_001);
  const twoSectors = uscc(7_002);
  const oneOfEach = uscc(7_003);

  const notices = (topic: string): Promise<Notice[]> =>
    withDatabase(database.url, async (db) =>
      (await db.query<Notice>('SELECT recipient_kind, recipient, topic, message, payload FROM notification_outbox WHERE topic = $1 ORDER BY id', [topic])).rows,
    );

  async function deliver(supplier: string, item: string, records: Record<string, unknown>[]): Promise<void> {
    const key = keys.get(supplier) as string;
    const accepted = await push(hub.url, key, item, JSON.stringify(records));
    expect(accepted.status).toBe(202);
    const report = await waitForBatchDone(hub.url, key, accepted.body.batchId as string);
    expect({ loaded: report.loaded, rejections: report.rejections }).toEqual({ loaded: records.length, rejections: [] });
  }

  async function runJob(name: string): Promise<Record<string, number>> {
    const run = await adminCall(hub.url, 'POST', `/jobs/${name}/run`);
    expect(run.status).toBe(200);
    return run.body.result as Record<string, number>;
  }

  const lists = async (code: string) => {
    const response = await fetch(`${hub.url}/api/v1/subjects/${code}/lists`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { [list: string]: unknown } };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    hub = await startHubProcess({
      env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_CLOCK_CONTROL: 'on' },
    });
    for (const [code, item] of [
      ['xm-amr', 'key_attention_list'],
      ['xm-tax', 'key_attention_list'],
      ['xm-eco', 'key_attention_list'],
      ['xm-red', 'honesty_red_list'],
      ['xm-black', 'severe_dishonesty_list'],
      ['xm-idle', 'administrative_penalty'],
    ]) {
      keys.set(code, await registerSupplier(hub.url, code, [item]));
    }
    // 第二十八条: three sectors within twelve months for one subject, two for another.
    await deliver('xm-amr', 'key_attention_list', [keyAttention(escalated, 1, '市场监管', 300), keyAttention(twoSectors, 4, '市场监管', 40)]);
    await deliver('xm-tax', 'key_attention_list', [keyAttention(escalated, 2, '税务', 120), keyAttention(twoSectors, 5, '税务', 30)]);
    await deliver('xm-eco', 'key_attention_list', [keyAttention(escalated, 3, '生态环境', 5), keyAttention(twoSectors, 6, '市场监管', 10)]);
    // 第二十一条: one membership of each list.
    await deliver('xm-red', 'honesty_red_list', [redList(oneOfEach, 7)]);
    await deliver('xm-black', 'severe_dishonesty_list', [blackList(oneOfEach, 8)]);
    await deliver('xm-eco', 'key_attention_list', [keyAttention(oneOfEach, 9, '生态环境', 15)]);
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('three key-attention listings from three sectors within 12 months produce the subject notice and the provider prompts, once', async () => {
    expect(await runJob('key-attention-escalation')).toMatchObject({ escalated: 1, providersPrompted: 3 });

    const toSubjects = await notices('key_attention.escalation');
    expect(toSubjects.map((n) => [n.recipient_kind, n.recipient])).toEqual([['subject', escalated]]);
    expect(toSubjects[0].message).toMatch(/3 个行业、领域列入重点关注名单（市场监管、生态环境、税务）.*第二十八条.*公示期调整为二年/);

    const prompts = await notices('key_attention.extension_prompt');
    expect(prompts.map((n) => [n.recipient_kind, n.recipient])).toEqual([
      ['supplier', 'xm-amr'],
      ['supplier', 'xm-eco'],
      ['supplier', 'xm-tax'],
    ]);
    for (const prompt of prompts) {
      expect(prompt.message).toMatch(/公示期调整为二年/);
      expect(prompt.payload).toMatchObject({ subjectCode: escalated, extensionField: 'extended_to_two_years', extendedMonths: 24 });
    }
    expect(prompts.find((p) => p.recipient === 'xm-amr')?.message).toContain('厦认〔2026〕1号');

    // The periods are not extended by the hub: the providers decide (第二十八条).
    const ends = await withDatabase(database.url, async (db) =>
      (await db.query<{ end: string; decided: string }>(
        `SELECT to_char(publication_end, 'YYYY-MM-DD') AS end, fields->>'decision_date' AS decided
         FROM credit_records WHERE subject_code = $1 ORDER BY source_key`,
        [escalated],
      )).rows,
    );
    for (const { end, decided } of ends) expect(Number(end.slice(0, 4)) - Number(decided.slice(0, 4))).toBe(1);

    expect(await runJob('key-attention-escalation')).toMatchObject({ escalated: 0, providersPrompted: 0 });
    expect(await notices('key_attention.escalation')).toHaveLength(1);
    expect(await notices('key_attention.extension_prompt')).toHaveLength(3);
  });

  it('tells nothing to a subject listed by only two sectors', async () => {
    const all = await withDatabase(database.url, async (db) =>
      (await db.query(`SELECT 1 FROM notification_outbox WHERE recipient = $1 OR payload->>'subjectCode' = $1`, [twoSectors])).rows,
    );
    expect(all).toEqual([]);
  });

  it('extends a listing to two years when its provider sends it again with extended_to_two_years', async () => {
    await deliver('xm-amr', 'key_attention_list', [{ ...keyAttention(escalated, 1, '市场监管', 300), extended_to_two_years: true }]);
    const [row] = await withDatabase(database.url, async (db) =>
      (await db.query<{ end: string }>(`SELECT to_char(publication_end, 'YYYY-MM-DD') AS end FROM credit_records WHERE source_key = 'L-1'`)).rows,
    );
    const decided = recentDate(300);
    expect(row.end).toBe(`${Number(decided.slice(0, 4)) + 2}${decided.slice(4)}`);
  });

  it('serves the red, black and key-attention memberships of a subject from one place, and logs the look', async () => {
    const { status, body } = await lists(oneOfEach);
    expect(status).toBe(200);
    const ofList = (name: string) => (body[name] as { item: string; fields: Record<string, unknown> }[]).map((r) => r.item);
    expect({ red: ofList('red'), black: ofList('black'), keyAttention: ofList('keyAttention') }).toEqual({
      red: ['honesty_red_list'],
      black: ['severe_dishonesty_list'],
      keyAttention: ['key_attention_list'],
    });
    expect(body).toMatchObject({ code: oneOfEach, kind: 'organization', name: subjectName(oneOfEach) });
    expect(body.escalation).toBeUndefined();

    const logged = await withDatabase(database.url, async (db) =>
      (await db.query<{ n: string }>(`SELECT count(*) AS n FROM query_log WHERE subject_code = $1 AND query_kind = 'lists'`, [oneOfEach])).rows,
    );
    expect(logged[0].n).toBe('1');
  });

  it('shows the escalation of a subject listed by three sectors', async () => {
    const { status, body } = await lists(escalated);
    expect(status).toBe(200);
    expect((body.keyAttention as unknown[]).length).toBe(3);
    expect(body.escalation).toMatchObject({ sectors: ['市场监管', '生态环境', '税务'], extendedPeriodMonths: 24, windowTo: chinaDate(new Date()) });
    expect((await lists(uscc(7_999))).status).toBe(404);
  });

  it('reminds a supplier that delivered nothing for a daily item once its deadline passed, once, and scores it', async () => {
    const today = chinaDate(new Date());
    expect(await runJob('supplier-compliance')).toMatchObject({ reminded: 0 }); // registered today: nothing due yet

    const later = new Date(Date.now() + 20 * 86_400_000);
    await ensureCalendarCovers(hub.url, [today, chinaDate(new Date(later.getTime() + 40 * 86_400_000))]);
    const moved = await adminCall(hub.url, 'PUT', '/clock', { now: later.toISOString() });
    expect(moved.status).toBe(200);

    const first = await runJob('supplier-compliance');
    const reminders = (await notices('supplier.reminder')).filter((n) => n.recipient === 'xm-idle');
    expect(reminders.length).toBeGreaterThan(0);
    expect(first.reminded).toBeGreaterThanOrEqual(reminders.length);
    expect(reminders[0]).toMatchObject({ recipient_kind: 'supplier', payload: { item: 'administrative_penalty', article: '第三十二条' } });
    expect(reminders[0].message).toMatch(/^【催报】.*“行政处罚”（administrative_penalty）的归集频率为每日，.*应于 \d{4}-\d{2}-\d{2} 前报送/);
    expect(new Set(reminders.map((n) => (n.payload.period as { start: string }).start)).size).toBe(reminders.length);

    expect(await runJob('supplier-compliance')).toMatchObject({ reminded: 0 });
    expect((await notices('supplier.reminder')).filter((n) => n.recipient === 'xm-idle')).toHaveLength(reminders.length);

    const until = chinaDate(later);
    const idle = await adminCall(hub.url, 'GET', `/suppliers/xm-idle/scorecard?from=${today}&to=${until}`);
    expect(idle.status).toBe(200);
    expect(idle.body).toMatchObject({
      supplier: 'xm-idle',
      received: 0,
      rejectionRate: null,
      reminders: reminders.length,
      items: [{ item: 'administrative_penalty', onTime: 0, late: 0, missing: reminders.length, expected: reminders.length, timeliness: 0 }],
    });

    const amr = await adminCall(hub.url, 'GET', `/suppliers/xm-amr/scorecard?from=${today}&to=${until}`);
    expect(amr.body).toMatchObject({ received: 3, rejected: 0, rejectionRate: 0, objections: { total: 0, upheld: 0 } });
    expect((amr.body.items as { onTime: number }[])[0].onTime).toBeGreaterThan(0);

    expect((await adminCall(hub.url, 'GET', '/suppliers/nobody/scorecard')).body).toMatchObject({ error: { code: 'SUPPLIER_NOT_FOUND' } });
    const bad = await adminCall(hub.url, 'GET', '/suppliers/xm-idle/scorecard?from=2026-02-30');
    expect([bad.status, (bad.body.error as { code: string }).code]).toEqual([400, 'INVALID_REQUEST']);
  });
});

/**
 * The bundled calendar data ends with 2026; a year it lacks gets an illustrative operator entry
 * (元旦 only), as an operator would enter the State Council's schedule, so the test runs in any year.
 */
async function ensureCalendarCovers(url: string, dates: string[]): Promise<void> {
  for (const year of new Set(dates.map((d) => d.slice(0, 4)))) {
    const known = await adminCall(url, 'GET', `/calendar/days?from=${year}-01-01&to=${year}-01-01`);
    if (known.status === 200) continue;
    const entered = await adminCall(url, 'PUT', `/calendar/years/${year}`, {
      sourceNote: 'e2e 示例（非国务院办公厅通知）',
      days: [{ date: `${year}-01-01`, kind: 'holiday', note: '元旦' }],
    });
    expect(entered.status).toBe(200);
  }
}
