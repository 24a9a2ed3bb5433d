import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Catalog } from '../../catalog/catalog';
import { citizenIdCheckCharacter, organizationCodeCheckCharacter, usccCheckCharacter } from '../../libs/domain/identity/check-characters';
import { classifySubjectCode } from '../../libs/domain/identity/subject-code';
import { hashApiKey } from '../../libs/http/api-key';
import { withAdminClient } from './environment';
import { BenchError, round } from './util';

/**
 * The query benchmark's data: a dedicated database with the hub's schema (migrated through
 * HubDatabase by the caller) and N credit records over S subjects, written with set-based SQL.
 * Seeding 2,000,000 records takes minutes, so the database is kept between runs and reused
 * when its marker (`bench_seed`) says it was seeded completely with the same parameters.
 *
 * Not seeded: credit_record_versions, subject_identifiers, batch_chunks, collection_log. The
 * subject query reads none of them (subjects, credit_records joined with suppliers, and the
 * query_log it writes), and the hub started for the HTTP scenario runs the api role only.
 */

export interface SeedParameters {
  readonly records: number;
  readonly subjects: number;
  /** Share of subjects that are natural persons (citizen IDs); the rest are organisations (USCCs). */
  readonly personShare: number;
  readonly randomSeed: number;
  /** Bumped whenever the generator below changes, so an old database is not mistaken for a current one. */
  readonly generator: number;
}

export const SEED_GENERATOR_VERSION = 1;

export interface SeedSummary {
  readonly reused: boolean;
  readonly seededAt: string;
  readonly seedSeconds: number | null;
  readonly creditRecords: number;
  readonly subjects: number;
  readonly statuses: Record<string, number>;
  readonly items: Record<string, number>;
  readonly recordsPerSubject: { readonly mean: number; readonly median: number; readonly p99: number; readonly max: number };
  readonly activePastPublicationEnd: number;
  readonly tableSizes: Record<string, string>;
  readonly queryLogRowsBefore: number;
}

/** Database names are fixed by the benchmark's options, never taken from elsewhere. */
export function assertQueryBenchName(name: string): void {
  if (!/^credithub_bench_[0-9a-z_]+$/.test(name)) throw new BenchError(`refusing to touch database "${name}" (must match credithub_bench_*)`);
}

/**
 * What the database holds: 'missing', 'seeded' (complete, same parameters) or 'other'
 * (half-seeded, other parameters, or no marker: it is dropped and made again).
 */
export async function inspectBenchDatabase(adminUrl: string, databaseUrl: string, name: string, wanted: SeedParameters): Promise<'missing' | 'seeded' | 'other'> {
  assertQueryBenchName(name);
  const exists = await withAdminClient(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (!exists) return 'missing';
  const c = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    const r = await c.query<{ parameters: SeedParameters }>(
      `SELECT parameters FROM bench_seed WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1`,
    ).catch(() => ({ rows: [] as { parameters: SeedParameters }[] }));
    const found = r.rows[0]?.parameters;
    return found && JSON.stringify(sortKeys(found)) === JSON.stringify(sortKeys(wanted)) ? 'seeded' : 'other';
  } finally {
    await c.end();
  }
}

export async function recreateBenchDatabase(adminUrl: string, name: string): Promise<void> {
  assertQueryBenchName(name);
  await withAdminClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
}

export async function dropBenchDatabase(adminUrl: string, name: string): Promise<void> {
  assertQueryBenchName(name);
  await withAdminClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

// --- subjects --------------------------------------------------------------------------------

const XIAMEN_DISTRICTS = ['350203', '350205', '350206', '350211', '350212', '350213'];
const USCC_REGIONS = ['350200', '350203', '350205', '350206', '350211', '350212'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '平', '刚', '桂英', '建华', '志强', '晓东', '海燕', '文博', '子涵', '雨桐'];
const ORG_WORDS = ['鹭江', '海沧', '同安', '思明', '湖里', '集美', '翔安', '鼓浪', '筼筜', '五缘', '环岛', '嘉庚', '白鹭', '东渡', '高崎', '天马'];
const ORG_TRADES = ['贸易', '科技', '建设工程', '餐饮管理', '物流', '电子', '食品', '医疗器械', '信息技术', '商贸', '酒店管理', '房地产开发', '装饰工程', '文化传媒', '进出口', '机械设备'];
const ORG_FORMS = ['有限公司', '股份有限公司', '有限责任公司', '商行', '经营部'];

interface GeneratedSubject {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly subjectType: 'legal_person' | 'individual_business' | 'natural_person';
  readonly name: string;
}

/** Subject `idx` (0-based): a valid USCC or 18-digit citizen ID built with the standards' check characters. */
export function benchSubject(idx: number, personShare: number): GeneratedSubject {
  // Persons are spread evenly over the index range, so the record skew (low indexes get more
  // records) hits both kinds alike.
  const every = Math.max(1, Math.round(1 / personShare));
  if (personShare > 0 && idx % every === every - 1) {
    const k = Math.floor(idx / every);
    const region = XIAMEN_DISTRICTS[k % XIAMEN_DISTRICTS.length];
    const born = new Date(Date.UTC(1950, 0, 1) + (Math.floor(k / XIAMEN_DISTRICTS.length) % 20_000) * 86_400_000);
    const seq = String(Math.floor(k / (XIAMEN_DISTRICTS.length * 20_000)) % 1000).padStart(3, '0');
    const first17 = `${region}${born.toISOString().slice(0, 10).replace(/-/g, '')}${seq}`;
    const name = `${SURNAMES[k % SURNAMES.length]}${GIVEN[Math.floor(k / SURNAMES.length) % GIVEN.length]}`;
    return { code: first17 + citizenIdCheckCharacter(first17), kind: 'person', subjectType: 'natural_person', name };
  }
  const k = idx - Math.floor((idx + 1) / every) + 1;
  const [authority, type, subjectType]: [string, string, GeneratedSubject['subjectType']] =
    k % 20 === 0 ? ['9', '2', 'individual_business'] : k % 37 === 0 ? ['5', '2', 'legal_person'] : ['9', '1', 'legal_person'];
  const body = String(10_000_000 + k).slice(-8);
  const first17 = `${authority}${type}${USCC_REGIONS[k % USCC_REGIONS.length]}${body}${organizationCodeCheckCharacter(body)}`;
  const name =
    subjectType === 'individual_business'
      ? `思明区${ORG_WORDS[k % ORG_WORDS.length]}${ORG_TRADES[Math.floor(k / 7) % ORG_TRADES.length]}商行`
      : `厦门${ORG_WORDS[k % ORG_WORDS.length]}${ORG_TRADES[Math.floor(k / 16) % ORG_TRADES.length]}${ORG_FORMS[Math.floor(k / 256) % ORG_FORMS.length]}`;
  return { code: first17 + usccCheckCharacter(first17), kind: 'organization', subjectType, name };
}

/** Authorities that decide records: name and a valid USCC each. */
const AUTHORITIES = [
  '厦门市市场监督管理局',
  '厦门市生态环境局',
  '厦门市交通运输局',
  '厦门市住房和建设局',
  '厦门市人力资源和社会保障局',
  '国家税务总局厦门市税务局',
  '厦门市思明区人民法院',
  '厦门市卫生健康委员会',
];

function authorityCode(n: number): string {
  const body = String(80_000_000 + n).slice(-8);
  const first17 = `11350200${body}${organizationCodeCheckCharacter(body)}`;
  return first17 + usccCheckCharacter(first17);
}

// --- records -----------------------------------------------------------------------------------

/** How often each item occurs per subject kind (weights; items of the catalog absent here are not seeded). */
const ITEM_WEIGHTS: Record<string, { readonly organization: number; readonly person: number }> = {
  administrative_license: { organization: 33, person: 30 },
  administrative_penalty: { organization: 25, person: 30 },
  qualification_certificate: { organization: 8, person: 0 },
  social_insurance_registration: { organization: 8, person: 0 },
  abnormal_operation_list: { organization: 6, person: 0 },
  volunteer_service: { organization: 3, person: 25 },
  commendation: { organization: 4, person: 2 },
  tax_arrears: { organization: 4, person: 0 },
  dishonest_judgment_debtor: { organization: 3, person: 8 },
  wage_arrears: { organization: 3, person: 0 },
  severe_dishonesty_list: { organization: 2, person: 4 },
  key_attention_list: { organization: 1, person: 1 },
};

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const pick = (values: readonly string[], by: string) => `(ARRAY[${values.map(q).join(', ')}])[1 + (${by}) % ${values.length}]`;
const day = (expr: string) => `to_char(${expr}, 'YYYY-MM-DD')`;

/**
 * The `fields` of one record as the worker stores them (canonical field names, strings for
 * dates and decimals). Columns available: i, code, name, subject_type, kind, decided (date),
 * n (an integer drawn per record), authority (1-based index into AUTHORITIES).
 */
function fieldsSql(): string {
  const authName = pick(AUTHORITIES, 'authority - 1');
  const authCode = `(ARRAY[${AUTHORITIES.map((_, a) => q(authorityCode(a + 1))).join(', ')}])[authority]`;
  const common = `'subject_name', name, 'subject_type', subject_type, 'subject_code', code`;
  const decision = `'decision_date', ${day('decided')}, 'authority_name', ${authName}, 'authority_code', ${authCode}`;
  const notice = `'notified_on', ${day('decided + 3')}, 'notice_method', ${pick(['written', 'written', 'written', 'public_notice'], 'n')}`;
  const rep = `CASE WHEN kind = 'organization' AND subject_type = 'legal_person'
                 THEN jsonb_build_object('legal_representative', ${pick(SURNAMES.split(''), 'n')} || ${pick(GIVEN, 'n / 7')}) ELSE '{}'::jsonb END`;
  const docNo = (prefix: string) => `${q(prefix)} || '〔' || extract(year FROM decided)::int || '〕' || (n % 9000 + 1) || '号'`;
  const items: Record<string, string> = {
    administrative_penalty: `jsonb_build_object(${common}, 'decision_no', ${docNo('厦市监罚')},
      'violation_type', ${pick(['虚假宣传', '销售不合格产品', '未按规定公示信息', '无照经营', '违反食品安全规定', '超标排放污染物'], 'n')},
      'violation_facts', ${pick(['在其经营场所发布虚假广告，宣传内容与实际不符', '销售的产品经抽检不合格', '未在规定期限内公示年度报告', '未取得营业执照从事经营活动', '生产经营超过保质期的食品'], 'n / 3')} || '，涉案金额人民币' || (n % 50000) || '元',
      'legal_basis', ${pick(['《中华人民共和国广告法》第五十五条', '《中华人民共和国产品质量法》第四十九条', '《中华人民共和国食品安全法》第一百二十四条', '《企业信息公示暂行条例》第十八条'], 'n')},
      'penalty_categories', ${pick(['["罚款"]', '["警告","罚款"]', '["罚款","没收违法所得"]'], 'n / 5')}::jsonb,
      'penalty_content', '罚款人民币' || (n % 200 + 1) * 500 || '元', 'fine_amount', ((n % 200 + 1) * 500) || '.00',
      ${decision}, ${notice}) || ${rep}`,
    administrative_license: `jsonb_build_object(${common}, 'license_document_name', '准予行政许可决定书',
      'license_document_no', ${docNo('厦行审许')}, 'license_category', ${pick(['普通', '普通', '核准', '登记', '认可'], 'n')},
      'license_certificate_name', ${pick(['食品经营许可证', '道路运输经营许可证', '建筑施工企业安全生产许可证', '排污许可证', '医疗器械经营许可证'], 'n / 3')},
      'license_no', 'JY' || lpad((n % 100000000)::text, 14, '0'),
      'license_content', ${pick(['预包装食品销售（含冷藏冷冻食品）', '普通货运', '房屋建筑工程施工', '重点排污单位排污', '第三类医疗器械经营'], 'n / 3')},
      ${decision}, 'valid_from', ${day('decided')}, 'valid_to', ${day("decided + interval '5 years'")},
      'license_status', ${pick(['有效', '有效', '有效', '无效'], 'n / 11')},
      'data_source_unit', ${authName}, 'data_source_unit_code', ${authCode}) || ${rep}`,
    abnormal_operation_list: `jsonb_build_object(${common}, 'listing_reason', ${pick(['通过登记的住所或者经营场所无法联系', '未按照规定期限公示年度报告', '未在责令的期限内公示有关企业信息'], 'n')},
      'decision_no', ${docNo('厦市监异')}, ${decision}, ${notice}) || ${rep}`,
    commendation: `jsonb_build_object(${common}, 'honor_name', ${pick(['厦门市文明单位', '守合同重信用企业', '厦门市劳动模范', '优秀志愿者', '纳税信用A级纳税人'], 'n')},
      'honor_level', ${pick(['市级', '市级', '省级', '国家级'], 'n / 3')}, 'commendation_reason', '在相关领域表现突出，予以表彰',
      'decision_no', ${docNo('厦委')}, ${decision}) || ${rep}`,
    dishonest_judgment_debtor: `jsonb_build_object(${common}, 'case_no', '（' || extract(year FROM decided)::int || '）闽0203执' || (n % 9000 + 1) || '号',
      'filing_date', ${day('decided - 60')}, 'basis_document_no', '（' || extract(year FROM decided)::int || '）闽0203民初' || (n % 7000 + 1) || '号',
      'basis_authority', '厦门市思明区人民法院', 'obligation', '支付货款人民币' || (n % 900 + 10) * 1000 || '元及利息',
      'performance_status', ${pick(['全部未履行', '部分未履行'], 'n')}, 'dishonest_behavior', '有履行能力而拒不履行生效法律文书确定义务',
      ${decision}, ${notice}) || ${rep}`,
    key_attention_list: `jsonb_build_object(${common}, 'list_name', '重点关注对象名单', 'sector', ${pick(['食品药品', '生态环境', '安全生产', '交通运输'], 'n')},
      'listing_reason', '一年内受到同一行政机关三次以上行政处罚', 'legal_basis', '《厦门经济特区社会信用条例》',
      'decision_no', ${docNo('厦信用重')}, ${decision}, ${notice}) || ${rep}`,
    qualification_certificate: `jsonb_build_object(${common}, 'certificate_name', ${pick(['建筑业企业资质证书', '工程设计资质证书', '安全生产许可证'], 'n')},
      'certificate_no', 'D' || lpad((n % 1000000000)::text, 9, '0'), 'qualification_level', ${pick(['一级', '二级', '三级', '甲级', '乙级'], 'n / 3')},
      'qualification_scope', '建筑工程施工总承包', 'issued_on', ${day('decided')}, 'valid_from', ${day('decided')},
      'valid_to', ${day("decided + interval '5 years'")}, 'certificate_status', ${pick(['有效', '有效', '有效', '暂停', '注销'], 'n / 5')},
      'authority_name', ${authName}, 'authority_code', ${authCode}) || ${rep}`,
    severe_dishonesty_list: `jsonb_build_object(${common}, 'list_name', ${pick(['严重违法失信名单', '拖欠农民工工资失信联合惩戒对象名单', '安全生产严重失信主体名单'], 'n')},
      'dishonesty_facts', '因同一违法行为两年内受到三次以上较重行政处罚', 'legal_basis', '《市场监督管理严重违法失信名单管理办法》第二条',
      'decision_no', ${docNo('厦市监严')}, ${decision}, 'punishment_measures', '依法实施联合惩戒，限制参与政府采购、招标投标', ${notice}) || ${rep}`,
    social_insurance_registration: `jsonb_build_object(${common}, 'registration_no', 'SB' || lpad((n % 100000000)::text, 10, '0'),
      'registered_on', ${day('decided')}, 'insurance_types', '["基本养老保险","失业保险","工伤保险","基本医疗保险","生育保险"]'::jsonb,
      'insured_status', ${pick(['正常参保', '正常参保', '正常参保', '暂停缴费', '终止参保'], 'n')}, 'insured_headcount', n % 500 + 1,
      'authority_name', '厦门市社会保险中心', 'authority_code', ${authCode})`,
    tax_arrears: `jsonb_build_object(${common}, 'business_address', '厦门市思明区' || ${pick(ORG_WORDS, 'n')} || '路' || (n % 300 + 1) || '号',
      'tax_types', ${pick(['["增值税"]', '["企业所得税"]', '["增值税","城市维护建设税"]'], 'n')}::jsonb,
      'arrears_amount', ((n % 5000 + 1) * 37) || '.00', 'new_arrears_amount', ((n % 500) * 11) || '.00',
      'announcement_date', ${day('decided')}, 'authority_name', '国家税务总局厦门市税务局', 'authority_code', ${authCode}, ${notice}) || ${rep}`,
    volunteer_service: `jsonb_build_object(${common}, 'service_hours', ((n % 2000) / 4.0)::text, 'star_level', ${pick(['一星', '二星', '三星', '四星', '五星'], 'n')},
      'volunteer_org_name', ${pick(['厦门市志愿者联合会', '思明区志愿服务中心', '湖里区青年志愿者协会'], 'n / 5')},
      'registered_on', ${day("decided - interval '2 years'")}, 'stats_date', ${day('decided')},
      'data_source_unit', '共青团厦门市委员会', 'data_source_unit_code', ${authCode})`,
    wage_arrears: `jsonb_build_object(${common}, 'arrears_amount', ((n % 3000 + 10) * 100) || '.00', 'workers_affected', n % 80 + 1,
      'arrears_from', ${day('decided - 180')}, 'arrears_to', ${day('decided - 30')}, 'decision_no', ${docNo('厦人社监')},
      ${decision}, 'settled', (n % 3 = 0), ${notice}) || ${rep}`,
  };
  return `CASE item_code ${Object.entries(items).map(([code, sql]) => `WHEN ${q(code)} THEN ${sql}`).join('\n')} END`;
}

interface ItemRow {
  readonly kind: 'organization' | 'person';
  readonly code: string;
  readonly version: number;
  readonly category: string;
  readonly months: number | null;
  readonly lo: number;
  readonly hi: number;
}

function itemRows(catalog: Catalog): ItemRow[] {
  const rows: ItemRow[] = [];
  for (const kind of ['organization', 'person'] as const) {
    const weighted = Object.entries(ITEM_WEIGHTS).filter(([, w]) => w[kind] > 0);
    const total = weighted.reduce((n, [, w]) => n + w[kind], 0);
    let at = 0;
    for (const [code, w] of weighted) {
      const item = catalog.find(code);
      if (!item) throw new BenchError(`catalog item ${code} is not in the catalog; update ITEM_WEIGHTS in bench/support/query-seed.ts`);
      const { rule, months } = item.publication;
      const lo = at / total;
      at += w[kind];
      rows.push({
        kind,
        code,
        version: item.version,
        category: item.category,
        months: rule === 'permanent' || rule === 'none' || months === undefined ? null : months,
        lo,
        hi: at === total ? 1.000001 : at / total,
      });
    }
  }
  return rows;
}

/**
 * Writes the records. `progress` gets a line per step. The database must be freshly migrated
 * and empty; the marker row is written first (unfinished) and completed last, so a seed that
 * died half-way is recognised and redone.
 */
export async function seedQueryBench(databaseUrl: string, catalog: Catalog, p: SeedParameters, progress: (line: string) => void): Promise<number> {
  const started = performance.now();
  const c = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    // Bulk load: nothing here needs to survive a crash (an unfinished marker means "seed again").
    await c.query(`SET synchronous_commit = off`);
    await c.query(`SET maintenance_work_mem = '512MB'`);
    await c.query(`SET work_mem = '64MB'`);
    await c.query(`CREATE TABLE bench_seed (parameters jsonb NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`);
    await c.query(`INSERT INTO bench_seed (parameters) VALUES ($1)`, [JSON.stringify(p)]);

    const supplier = await c.query<{ id: string }>(
      `INSERT INTO suppliers (code, name, uscc, api_key_hash, items) VALUES ('bench-query', '压测报送单位（查询基准）', $1, $2, $3) RETURNING id`,
      [authorityCode(99), hashApiKey(randomBytes(24).toString('hex')), Object.keys(ITEM_WEIGHTS)],
    );
    const supplierId = supplier.rows[0].id;

    const items = itemRows(catalog);
    await c.query(`CREATE TABLE bench_items (kind text, item_code text, version int, category text, months int, lo float8, hi float8, batch_id uuid)`);
    await c.query(
      `INSERT INTO bench_items SELECT * , NULL FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::float8[], $7::float8[])`,
      [items.map((i) => i.kind), items.map((i) => i.code), items.map((i) => i.version), items.map((i) => i.category), items.map((i) => i.months), items.map((i) => i.lo), items.map((i) => i.hi)],
    );
    // One accepted batch per item, as if each item's feed had been loaded once.
    await c.query(
      `WITH b AS (
         INSERT INTO batches (id, supplier_id, item_code, channel, status, received, chunk_count, created_at, accepted_at)
         SELECT gen_random_uuid(), $1, item_code, 'rest', 'accepted', 0, 0, now(), now()
         FROM (SELECT DISTINCT item_code FROM bench_items) i
         RETURNING id, item_code)
       UPDATE bench_items SET batch_id = b.id FROM b WHERE b.item_code = bench_items.item_code`,
      [supplierId],
    );

    progress(`subjects: generating ${p.subjects} codes (USCC / citizen ID with check characters)...`);
    await c.query(`CREATE TABLE bench_subjects (idx int PRIMARY KEY, code text NOT NULL UNIQUE, kind text NOT NULL, subject_type text NOT NULL, name text NOT NULL)`);
    const today = new Date();
    const CHUNK = 50_000;
    for (let start = 0; start < p.subjects; start += CHUNK) {
      const batch = Array.from({ length: Math.min(CHUNK, p.subjects - start) }, (_, j) => benchSubject(start + j, p.personShare));
      for (const s of batch) {
        const checked = classifySubjectCode(s.code, today);
        if (!checked.ok || checked.code !== s.code) throw new BenchError(`generated subject code ${s.code} is not valid: ${checked.ok ? 'normalised differently' : checked.reason}`);
      }
      await c.query(
        `INSERT INTO bench_subjects SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])`,
        [batch.map((_, j) => start + j), batch.map((s) => s.code), batch.map((s) => s.kind), batch.map((s) => s.subjectType), batch.map((s) => s.name)],
      );
    }

    // Records: subject index skewed towards low indexes (a few subjects with hundreds of
    // records, most with a handful), decision dates skewed towards recent years, statuses as the
    // measures leave them (expired bad information mostly archived already, some still active
    // because the archive job has not run yet).
    const insert = `
      WITH g AS (
        SELECT i, least(floor($3::int * power(random(), 1.5))::int, $3::int - 1) AS sidx,
               random() AS u_item, random() AS u_arch, random() AS u_status, random() AS u_disputed,
               (current_date - floor(2190 * power(random(), 2))::int) AS decided,
               floor(random() * 2147483647)::int AS n
        FROM generate_series($1::int, $2::int) AS i
      ), r AS (
        SELECT g.*, s.code, s.name, s.kind, s.subject_type, it.item_code, it.version, it.category, it.batch_id,
               CASE WHEN it.months IS NULL THEN NULL ELSE (g.decided + make_interval(months => it.months))::date END AS publication_end,
               1 + g.n % ${AUTHORITIES.length} AS authority
        FROM g JOIN bench_subjects s ON s.idx = g.sidx
        JOIN bench_items it ON it.kind = s.kind AND g.u_item >= it.lo AND g.u_item < it.hi
      ), f AS (
        SELECT r.*, ${fieldsSql()} AS fields,
               CASE
                 WHEN r.publication_end < current_date AND r.u_arch < 0.85 THEN 'archived'
                 WHEN r.category = 'bad' AND r.u_status < 0.03 THEN 'repaired'
                 WHEN r.u_status >= 0.03 AND r.u_status < 0.045 THEN 'withheld'
                 WHEN r.category = 'good' AND r.u_status >= 0.90 THEN 'non_disclosed'
                 ELSE 'active'
               END AS status
        FROM r
      )
      INSERT INTO credit_records (supplier_id, item_code, source_key, subject_code, fields, content_hash, version,
                                  catalog_version, status, disputed, publication_end, batch_id, created_at, updated_at)
      SELECT $4::uuid, item_code, upper(left(item_code, 3)) || '-' || i, code, fields,
             encode(sha256(convert_to(fields::text, 'UTF8')), 'hex'), 1, version, status, u_disputed < 0.01,
             publication_end, batch_id, decided + time '09:00' + (n % 36000) * interval '1 second', decided + time '09:00' + (n % 36000) * interval '1 second'
      FROM f`;
    const RECORD_CHUNK = 250_000;
    await c.query(`SELECT setseed($1)`, [(p.randomSeed % 1000) / 1000]);
    for (let start = 1; start <= p.records; start += RECORD_CHUNK) {
      const end = Math.min(p.records, start + RECORD_CHUNK - 1);
      const t = performance.now();
      const r = await c.query(insert, [start, end, p.subjects, supplierId]);
      if (r.rowCount !== end - start + 1) throw new BenchError(`records ${start}-${end}: inserted ${String(r.rowCount)} rows, expected ${end - start + 1}`);
      progress(`credit_records ${end}/${p.records} (${round((performance.now() - t) / 1000, 1)} s for this chunk)`);
    }

    progress('subjects: one row per subject that has records...');
    await c.query(
      `INSERT INTO subjects (code, kind, name, first_seen_at, updated_at)
       SELECT s.code, s.kind, s.name, m.first, m.first
       FROM bench_subjects s JOIN (SELECT subject_code, min(created_at) AS first FROM credit_records GROUP BY subject_code) m ON m.subject_code = s.code`,
    );
    await c.query(`UPDATE batches b SET received = x.n, chunk_count = ceil(x.n / 500.0)::int FROM (SELECT batch_id, count(*) AS n FROM credit_records GROUP BY batch_id) x WHERE x.batch_id = b.id`);

    progress('VACUUM ANALYZE (hint bits and visibility map set now, not during the measurement)...');
    await c.query('VACUUM (ANALYZE) credit_records');
    await c.query('VACUUM (ANALYZE) subjects');
    await c.query('VACUUM (ANALYZE) suppliers');
    await c.query('VACUUM (ANALYZE) batches');
    await c.query('ANALYZE query_log');
    await c.query(`UPDATE bench_seed SET finished_at = now()`);
  } finally {
    await c.end();
  }
  return round((performance.now() - started) / 1000, 1);
}

/** What the database holds now: for the report, and as a check that the seed is what it claims. */
export async function describeSeed(databaseUrl: string, reused: boolean, seedSeconds: number | null): Promise<SeedSummary> {
  const c = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    const one = async (sql: string): Promise<number> => Number((await c.query<{ n: string }>(sql)).rows[0].n);
    const group = async (sql: string): Promise<Record<string, number>> =>
      Object.fromEntries((await c.query<{ k: string; n: string }>(sql)).rows.map((r) => [r.k, Number(r.n)]));
    const perSubject = (
      await c.query<{ mean: string; median: string; p99: string; max: string }>(
        `SELECT avg(n) AS mean, percentile_disc(0.5) WITHIN GROUP (ORDER BY n) AS median,
                percentile_disc(0.99) WITHIN GROUP (ORDER BY n) AS p99, max(n) AS max
         FROM (SELECT count(*) AS n FROM credit_records GROUP BY subject_code) x`,
      )
    ).rows[0];
    const sizes = await c.query<{ k: string; v: string }>(
      `SELECT t AS k, pg_size_pretty(pg_total_relation_size(t::regclass)) AS v FROM unnest(ARRAY['credit_records', 'subjects', 'query_log']) AS t`,
    );
    const seededAt = (await c.query<{ at: Date }>(`SELECT finished_at AS at FROM bench_seed WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1`)).rows[0].at;
    return {
      reused,
      seededAt: seededAt.toISOString(),
      seedSeconds,
      creditRecords: await one('SELECT count(*) AS n FROM credit_records'),
      subjects: await one('SELECT count(*) AS n FROM subjects'),
      statuses: await group('SELECT status AS k, count(*) AS n FROM credit_records GROUP BY 1 ORDER BY 2 DESC'),
      items: await group('SELECT item_code AS k, count(*) AS n FROM credit_records GROUP BY 1 ORDER BY 2 DESC'),
      recordsPerSubject: { mean: round(Number(perSubject.mean), 2), median: Number(perSubject.median), p99: Number(perSubject.p99), max: Number(perSubject.max) },
      activePastPublicationEnd: await one(`SELECT count(*) AS n FROM credit_records WHERE status = 'active' AND publication_end < current_date`),
      tableSizes: Object.fromEntries(sizes.rows.map((r) => [r.k, r.v])),
      queryLogRowsBefore: await one('SELECT count(*) AS n FROM query_log'),
    };
  } finally {
    await c.end();
  }
}

function sortKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
