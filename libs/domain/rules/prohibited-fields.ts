/**
 * 第十五条（归集限制）: what a provider may never collect about a natural person, and what it may
 * collect only with the person's written consent. The hub judges field NAMES (source or
 * canonical): a record that carries such a field is sent back (第十四条) whatever its value, so the
 * information is never stored, not even for a rejected record.
 *
 * Names are matched after normalisation (NFKC, camelCase split, lower case, `_ - space` and other
 * punctuation ignored): English terms as whole words, so `general` never matches `gene` nor
 * `livestock` `stock`; Chinese terms as substrings of the name's Han characters. Each list carries
 * the longer names that contain a term but denote something else (a religious organisation's
 * code, a certificate's hash, a disease-control authority, wage arrears): those are not flagged.
 *
 * The lists below are the single place the terms live; `docs/rejection-codes.md` prints them.
 */
import type { Rejection } from '../rejections/rejection-codes';

export type RestrictionKind = 'prohibited' | 'consent_only';

/** One kind of information 第十五条 names, and the field names that denote it. */
export interface FieldTermGroup {
  readonly kind: RestrictionKind;
  /** The article and paragraph that restricts it. */
  readonly article: string;
  /** The law's own words, then an English gloss. */
  readonly topic: string;
  /** Matched as substrings of the name's Han characters. */
  readonly zh: readonly string[];
  /** Matched as whole words of the name (`blood type` matches `blood_type`, `bloodType`, `BLOODTYPE`); a trailing s/es is allowed. */
  readonly en: readonly string[];
  /** Longer Chinese names containing a term that denote something else. */
  readonly notZh?: readonly string[];
  /** Longer English names containing a term that denote something else. */
  readonly notEn?: readonly string[];
}

// 第十五条第一款: 禁止采集自然人的宗教信仰、基因、指纹、血型、疾病和病史信息.
export const PROHIBITED_FIELD_TERMS: readonly FieldTermGroup[] = [
  {
    // 第十五条第一款 宗教信仰. A religious organisation is itself a credit subject (a social
    // organisation with a USCC): its code or name is not anyone's belief.
    kind: 'prohibited',
    article: '第十五条第一款',
    topic: '宗教信仰 (religion or belief)',
    zh: ['宗教', '信仰'],
    en: ['religion', 'religious', 'faith', 'belief', 'zongjiao'],
    // (宗教团体, 宗教事务局, religious_organization_code: see ORGANISATION_CONTEXT.)
    notZh: ['宗教活动场所'],
    // 'good faith' is 诚信, the subject of the whole measures (第十二条 信用承诺).
    notEn: ['good faith', 'bad faith', 'religious group'],
  },
  {
    // 第十五条第一款 基因. 转基因 (GMO safety certificates) are licences, not anyone's genes.
    kind: 'prohibited',
    article: '第十五条第一款',
    topic: '基因 (genes, genetic information)',
    zh: ['基因', '遗传'],
    en: ['gene', 'genetic', 'genetics', 'genome', 'genomic', 'genotype', 'dna', 'hereditary', 'jiyin'],
    notZh: ['转基因', '基因检测机构'],
    notEn: [
      'genetic testing lab',
      'genetic testing laboratory',
      'genetic testing institution',
      'genetic testing company',
    ],
  },
  {
    // 第十五条第一款 指纹. A document's or certificate's "fingerprint" is a hash, not a finger.
    kind: 'prohibited',
    article: '第十五条第一款',
    topic: '指纹 (fingerprints)',
    zh: ['指纹'],
    en: ['fingerprint', 'finger print', 'zhiwen'],
    notZh: ['数据指纹', '文件指纹', '数字指纹', '证书指纹', '内容指纹'],
    notEn: [
      'certificate fingerprint',
      'cert fingerprint',
      'file fingerprint',
      'data fingerprint',
      'digital fingerprint',
      'document fingerprint',
      'content fingerprint',
      'record fingerprint',
      'key fingerprint',
    ],
  },
  {
    // 第十五条第一款 血型. Only the type: `blood_donation` (无偿献血, good information) is not flagged.
    kind: 'prohibited',
    article: '第十五条第一款',
    topic: '血型 (blood type)',
    zh: ['血型'],
    en: ['blood type', 'blood group', 'xuexing'],
  },
  {
    // 第十五条第一款 疾病和病史. `medical` and `health` alone are not terms: 医疗机构执业许可,
    // 医疗器械, 健康证 and 医疗保险 (a basic social insurance) are ordinary catalog matters.
    kind: 'prohibited',
    article: '第十五条第一款',
    topic: '疾病和病史 (illness and medical history)',
    zh: ['疾病', '病史', '病历', '病情', '病症', '传染病', '艾滋病', '健康状况', '诊断', '既往史'],
    en: [
      'disease',
      'illness',
      'sickness',
      'diagnosis',
      'diagnoses',
      'medical history',
      'medical record',
      'medical condition',
      'health status',
      'health condition',
      'case history',
      'hiv',
      'jibing',
      'bingshi',
    ],
    notZh: ['疾病预防控制', '疾病控制', '疾控', '传染病防治', '艾滋病防治'],
    notEn: ['disease control', 'disease prevention', 'animal disease', 'plant disease'],
  },
];

// 第十五条第二款: 除明确告知不利后果并取得书面同意外，禁止采集自然人的收入、存款、有价证券、
// 商业保险、不动产的信息和纳税数额信息.
export const CONSENT_ONLY_FIELD_TERMS: readonly FieldTermGroup[] = [
  {
    // 第十五条第二款 收入. `工资` alone is not a term: 拖欠工资 is bad information (第八条).
    // An enterprise's 营业收入 and the state's 罚没收入 are not a person's income.
    kind: 'consent_only',
    article: '第十五条第二款',
    topic: '收入 (income)',
    zh: ['收入', '薪资', '薪金', '薪酬'],
    en: ['income', 'salary', 'salaries', 'earnings', 'shouru'],
    notZh: ['营业收入', '业务收入', '罚没收入', '没收入库'],
    notEn: ['operating income', 'earnings per share', 'salary guarantee'],
  },
  {
    // 第十五条第二款 存款. A guarantee deposit (保证金, e.g. 农民工工资保证金) is paid to the state.
    kind: 'consent_only',
    article: '第十五条第二款',
    topic: '存款 (deposits, savings)',
    zh: ['存款', '储蓄'],
    en: ['deposit', 'savings', 'bank balance', 'cunkuan'],
    notEn: [
      'deposit bank',
      'guarantee deposit',
      'security deposit',
      'margin deposit',
      'bid deposit',
      'performance deposit',
      'wage deposit',
    ],
  },
  {
    // 第十五条第二款 有价证券. `证券` alone is not a term (证券从业资格 is a 职业资格, 第八条);
    // a listed company's stock code is public.
    kind: 'consent_only',
    article: '第十五条第二款',
    topic: '有价证券 (securities, stocks, bonds)',
    zh: ['有价证券', '证券账户', '证券资产', '股票', '债券', '基金份额'],
    en: ['securities', 'stock', 'bond', 'gupiao', 'zhaiquan'],
    notZh: ['股票代码', '证券代码', '债券代码'],
    notEn: [
      'stock code',
      'stock right',
      'stock symbol',
      'stock exchange',
      'stock quantity',
      'stock qty',
      'securities code',
      'securities practitioner',
      'securities business',
      'bid bond',
      'performance bond',
      'bail bond',
      'surety bond',
    ],
  },
  {
    // 第十五条第二款 商业保险. Social insurance (社保, 医疗保险, `insurance_types`) is a public basic
    // item (第八条 社保登记): `insurance` alone is not a term.
    kind: 'consent_only',
    article: '第十五条第二款',
    topic: '商业保险 (commercial insurance)',
    zh: ['商业保险', '商业险', '人寿保险', '寿险', '保单'],
    en: ['commercial insurance', 'insurance policy', 'life insurance', 'private insurance', 'policyholder'],
    notEn: ['social insurance policy'],
  },
  {
    // 第十五条第二款 不动产. 房地产 (the real-estate trade: developer qualifications) does not
    // contain 房产; property seized or damaged is enforcement or accident information (第八条).
    kind: 'consent_only',
    article: '第十五条第二款',
    topic: '不动产 (real estate)',
    zh: ['不动产', '房产', '房屋产权', '房屋所有权'],
    en: ['real estate', 'real property', 'property', 'properties', 'budongchan', 'fangchan'],
    notZh: ['不动产登记机构', '不动产登记中心', '房产中介', '房产经纪'],
    notEn: [
      'intellectual property',
      'property management',
      'property service',
      'property services',
      'property loss',
      'property damage',
      'seized property',
      'property seizure',
      'frozen property',
      'property preservation',
      'public property',
      'real estate developer',
      'real estate development',
      'real estate broker',
      'real estate brokerage',
      'real estate agent',
    ],
  },
  {
    // 第十五条第二款 纳税数额. Tax owed (欠税) is bad information (第八条), handled by the
    // arrears rule below; 纳税信用等级 (the tax credit grade) is not an amount.
    kind: 'consent_only',
    article: '第十五条第二款',
    topic: '纳税数额 (amount of tax paid)',
    zh: ['纳税额', '纳税数额', '纳税金额', '缴税金额', '缴税额', '缴纳税额', '完税金额', '已缴税款'],
    en: ['tax paid', 'taxes paid', 'paid tax', 'tax amount', 'tax payment amount', 'tax payable'],
  },
];

/**
 * 第八条（三）: 拖欠税收、拖欠职工工资 are bad information the hub must collect. A name that speaks of
 * money owed (`tax_arrears`, `unpaid_salary`, 欠缴税款金额, 拖欠工资) is never consent-only.
 */
export const ARREARS_MARKERS = {
  zh: ['欠'],
  en: ['arrears', 'arrear', 'owed', 'owing', 'unpaid', 'overdue', 'outstanding', 'delinquent'],
} as const;

/**
 * A term directly followed by one of these words names an organisation, a trade or a licence
 * (`religious_organization_code`, `securities_company`, 基因检测机构), not a person's data.
 */
export const ORGANISATION_CONTEXT = {
  zh: ['团体', '场所', '院校', '事务', '组织', '机构', '公司', '企业', '行业', '从业', '资质', '许可', '协会'],
  en: [
    'organization',
    'organisation',
    'org',
    'institution',
    'institute',
    'association',
    'company',
    'corporation',
    'enterprise',
    'firm',
    'agency',
    'industry',
    'sector',
    'qualification',
    'license',
    'licence',
    'permit',
    'bureau',
    'authority',
    'department',
    'lab',
    'laboratory',
    'school',
    'college',
    'venue',
    'site',
    'place',
    'affairs',
  ],
} as const;

/** Placeholders suppliers type into an empty column; none of them records a consent. */
const NO_CONSENT_PLACEHOLDERS = new Set(['无', '暂无', '没有', '否', '-', '--', '/', '0', 'n/a', 'na', 'none', 'null', 'nil', 'undefined', 'false', 'no']);

export interface RestrictedFieldMatch {
  readonly kind: RestrictionKind;
  readonly article: string;
  readonly topic: string;
  /** The list term that matched. */
  readonly term: string;
}

/** A field name split for matching: its English words and its Han characters. */
export interface NormalizedFieldName {
  readonly words: readonly string[];
  readonly han: string;
}

const HAN_CHAR = /\p{Script=Han}/u;

export function normalizeFieldName(name: string): NormalizedFieldName {
  const nfkc = name.normalize('NFKC');
  const split = nfkc
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2')
    .toLowerCase();
  const words = split.split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  const han = [...nfkc].filter((c) => HAN_CHAR.test(c)).join('');
  return { words, han };
}

/**
 * The restriction a field name falls under, or null. A name that is prohibited outright is never
 * reported as consent-only: no consent makes it collectable.
 */
export function describeRestrictedField(name: string): RestrictedFieldMatch | null {
  // Every record of a feed carries the same few field names: judge each name once.
  const known = verdictByName.get(name);
  if (known !== undefined) return known;
  const normalized = normalizeFieldName(name);
  const verdict =
    matchGroups(normalized, PROHIBITED_FIELD_TERMS) ?? (speaksOfArrears(normalized) ? null : matchGroups(normalized, CONSENT_ONLY_FIELD_TERMS));
  if (verdictByName.size >= 10_000) verdictByName.clear();
  verdictByName.set(name, verdict);
  return verdict;
}

const verdictByName = new Map<string, RestrictedFieldMatch | null>();

/** 第十五条第一款: one PROHIBITED_FIELD rejection per field whose name denotes information never to be collected. */
export function findProhibitedFields(fieldNames: readonly string[]): Rejection[] {
  return unique(fieldNames)
    .filter((name) => describeRestrictedField(name)?.kind === 'prohibited')
    .map((name) => ({ field: name, code: 'PROHIBITED_FIELD' }));
}

/**
 * 第十五条第二款: one CONSENT_REQUIRED rejection per field whose name denotes income, deposits,
 * securities, commercial insurance, real estate or tax amounts, unless the record carries a
 * reference to the subject's written consent (a non-blank string or a number; a bare `true` is not
 * a record of written consent, and placeholders such as 无 or N/A are not references).
 */
export function findConsentOnlyFields(fieldNames: readonly string[], consentReference: unknown): Rejection[] {
  if (hasConsentReference(consentReference)) return [];
  return unique(fieldNames)
    .filter((name) => describeRestrictedField(name)?.kind === 'consent_only')
    .map((name) => ({ field: name, code: 'CONSENT_REQUIRED' }));
}

export function hasConsentReference(consentReference: unknown): boolean {
  if (typeof consentReference === 'number') return Number.isFinite(consentReference) && consentReference !== 0;
  if (typeof consentReference !== 'string') return false;
  const text = consentReference.normalize('NFKC').trim().toLowerCase();
  return text !== '' && !NO_CONSENT_PLACEHOLDERS.has(text);
}

function matchGroups(name: NormalizedFieldName, groups: readonly FieldTermGroup[]): RestrictedFieldMatch | null {
  for (const group of groups) {
    const term =
      group.zh.find((t) => hasHanTerm(name.han, t, group.notZh ?? [])) ??
      group.en.find((t) => hasWordTerm(name.words, t, group.notEn ?? []));
    if (term !== undefined) return { kind: group.kind, article: group.article, topic: group.topic, term };
  }
  return null;
}

function speaksOfArrears(name: NormalizedFieldName): boolean {
  return (
    ARREARS_MARKERS.zh.some((m) => name.han.includes(m)) ||
    name.words.some((w) => (ARREARS_MARKERS.en as readonly string[]).includes(w))
  );
}

/** True when the term occurs in the Han text at least once outside every exception and organisation context. */
function hasHanTerm(han: string, term: string, exceptions: readonly string[]): boolean {
  for (const start of occurrences(han, term)) {
    const end = start + term.length;
    const excepted = exceptions.some((e) => occurrences(han, e).some((s) => s <= start && end <= s + e.length));
    const organisation = ORGANISATION_CONTEXT.zh.some((c) => han.startsWith(c, end));
    if (!excepted && !organisation) return true;
  }
  return false;
}

function occurrences(text: string, part: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + 1)) found.push(at);
  return found;
}

/** True when the term's words occur in the name at least once outside every exception and organisation context. */
function hasWordTerm(words: readonly string[], term: string, exceptions: readonly string[]): boolean {
  for (const [start, end] of wordSpans(words, term)) {
    const excepted = exceptions.some((e) => wordSpans(words, e).some(([s, t]) => s <= start && end <= t));
    const next = words[end + 1];
    const organisation = next !== undefined && (ORGANISATION_CONTEXT.en as readonly string[]).includes(next);
    if (!excepted && !organisation) return true;
  }
  return false;
}

/**
 * Spans [first, last] of consecutive words whose concatenation is the phrase without spaces, so
 * `blood type` is found in `blood_type`, `bloodType` and `bloodtype`; a plural s/es is allowed.
 */
function wordSpans(words: readonly string[], phrase: string): Array<[number, number]> {
  const joined = phrase.replace(/ /g, '');
  const forms = [joined, `${joined}s`, `${joined}es`];
  const spans: Array<[number, number]> = [];
  for (let i = 0; i < words.length; i++) {
    let concat = '';
    for (let j = i; j < words.length && concat.length < joined.length; j++) {
      concat += words[j];
      if (forms.includes(concat)) {
        spans.push([i, j]);
        break;
      }
    }
  }
  return spans;
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
