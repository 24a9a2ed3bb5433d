import type { Catalog } from '../../../../catalog/catalog';
import type { CatalogField, CatalogItem } from '../../../../catalog/catalog-item.schema';
import type { RecordView, SubjectView } from '../../query/subject-query.service';
import { chinaDateTime } from './china-time';
import { describeRequester, type ReportRequester } from './requester';

export const REPORT_TITLE = '公共信用信息报告';
export const CREDIT_CENTER_NAME = '厦门市公共信用信息中心';
/** 第二十六条: a record under objection is served, marked. */
export const DISPUTED_MARK = '异议处理中';
export const EMPTY_REPORT_NOTICE = '未查询到可公开的信用信息';
const EMPTY_SECTION_NOTICE = '未查询到该类信息';
const NO_PUBLICATION_END = '长期';

/** The three kinds of public credit information (R8), in the order the report prints them. */
export const REPORT_SECTIONS = [
  { category: 'basic', title: '基础信息' },
  { category: 'bad', title: '失信信息' },
  { category: 'good', title: '守信信息' },
] as const;
export type ReportCategory = (typeof REPORT_SECTIONS)[number]['category'];

/** Only operators are served records out of service (access policy); their report says so. */
const STATUS_MARKS: Readonly<Record<string, string>> = {
  repaired: '已修复',
  archived: '已归档',
  withheld: '已暂停提供',
  non_disclosed: '已申请不予公开',
  deleted: '已删除',
};

/**
 * Code values the standards fix, printed in Chinese. Other enum values (most catalog code lists
 * are already Chinese, e.g. 一星) are printed as stored.
 */
const CODE_VALUE_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  subject_type: { legal_person: '法人及非法人组织', natural_person: '自然人', individual_business: '个体工商户' },
  notice_method: { written: '书面告知', public_notice: '公告送达', exempt_by_law: '法律、法规另有规定' },
};

export interface CreditReportInput {
  readonly reportNo: string;
  readonly issuedAt: Date;
  /** The issuing body, normally CREDIT_CENTER_NAME. */
  readonly issuer: string;
  readonly requester: ReportRequester;
  /** Exactly what the caller may see: the result of SubjectQueryService for this caller. */
  readonly subject: SubjectView;
  readonly catalog: Catalog;
  /** Supplier code → the provider's name printed under each record; the code when absent. */
  readonly supplierNames?: ReadonlyMap<string, string>;
}

export interface ReportField {
  readonly label: string;
  readonly value: string;
}

export interface ReportEntry {
  readonly recordId: string;
  readonly itemCode: string;
  readonly itemName: string;
  readonly disputed: boolean;
  /** Printed beside the item name when the record is not in service (operators' reports only), else null. */
  readonly statusMark: string | null;
  /** The record's fields under the catalog's labels, in catalog order, empty ones left out. */
  readonly fields: readonly ReportField[];
  readonly provider: string;
  /** `YYYY-MM-DD`, or 长期 for items published without end. */
  readonly publicationEnd: string;
}

export interface ReportItemGroup {
  readonly itemCode: string;
  readonly itemName: string;
  readonly entries: readonly ReportEntry[];
}

export interface ReportSection {
  readonly category: ReportCategory;
  readonly title: string;
  readonly count: number;
  readonly groups: readonly ReportItemGroup[];
  /** Printed instead of the groups when the section has none. */
  readonly emptyNotice: string | null;
}

/** Everything the HTML and the PDF print, already in Chinese and in China time: both say the same thing. */
export interface CreditReportModel {
  readonly title: string;
  readonly reportNo: string;
  readonly issuer: string;
  /** `2026年11月27日 14:05:09（北京时间）` */
  readonly issuedAt: string;
  readonly requester: string;
  readonly subject: {
    readonly name: string;
    readonly kind: string;
    readonly codeLabel: string;
    readonly code: string;
  };
  /** Pairs printed in the report's heading block, in order. */
  readonly heading: readonly ReportField[];
  /** `基础信息 1 条；失信信息 2 条；守信信息 0 条` */
  readonly summary: string;
  /** Always the three sections; empty when the whole report is. */
  readonly sections: readonly ReportSection[];
  /** EMPTY_REPORT_NOTICE when the caller may see no record of the subject, else null. */
  readonly emptyNotice: string | null;
  /** Running line of every page: number and issue time. */
  readonly runningLine: string;
  readonly closingNotes: readonly string[];
}

export function buildCreditReportModel(input: CreditReportInput): CreditReportModel {
  const issued = `${chinaDateTime(input.issuedAt).text}（北京时间）`;
  const subject = {
    name: input.subject.name ?? '（名称未登记）',
    kind: input.subject.kind === 'person' ? '自然人' : '法人和非法人组织',
    codeLabel: input.subject.kind === 'person' ? '公民身份号码' : '统一社会信用代码',
    code: input.subject.code,
  };
  const requester = describeRequester(input.requester);
  const empty = input.subject.records.length === 0;
  const sections = empty ? [] : REPORT_SECTIONS.map(({ category, title }) => {
    const groups = groupByItem(input, input.subject.records.filter((r) => categoryOf(r, input.catalog) === category));
    const count = groups.reduce((n, g) => n + g.entries.length, 0);
    return { category, title, count, groups, emptyNotice: count === 0 ? EMPTY_SECTION_NOTICE : null };
  });
  return {
    title: REPORT_TITLE,
    reportNo: input.reportNo,
    issuer: input.issuer,
    issuedAt: issued,
    requester,
    subject,
    heading: [
      { label: '报告编号', value: input.reportNo },
      { label: '出具时间', value: issued },
      { label: '出具单位', value: input.issuer },
      { label: '查询人', value: requester },
      { label: '信用主体名称', value: subject.name },
      { label: '主体类别', value: subject.kind },
      { label: subject.codeLabel, value: subject.code },
    ],
    summary: empty ? EMPTY_REPORT_NOTICE : sections.map((s) => `${s.title} ${s.count} 条`).join('；'),
    sections,
    emptyNotice: empty ? EMPTY_REPORT_NOTICE : null,
    runningLine: `报告编号：${input.reportNo}\u3000出具时间：${issued}`,
    closingNotes: closingNotes(input.issuer),
  };
}

function closingNotes(issuer: string): string[] {
  return [
    `本报告由${issuer}出具，内容为截至出具时间厦门市公共信用信息平台归集、且查询人依法可以查询的公共信用信息。依照规定已修复、已归档或超过公示期限的信息不对外提供查询。`,
    '信息内容由所列信息提供单位提供，并由其对信息的真实性、准确性负责。',
    `标注「${DISPUTED_MARK}」的信息，信用主体已提出异议，正在核查处理中。信用主体认为信息有误的，可向${issuer}提出异议申请。`,
    '本报告仅供查询人在其查询目的范围内使用，不得用于违法用途；未经信用主体同意，不得向第三方提供报告中的个人信息。',
    `本报告反映出具时间的信息状况，此后信息可能更新，使用时请以最新出具的报告为准。报告真伪可凭报告编号向${issuer}核验。`,
  ];
}

function categoryOf(record: RecordView, catalog: Catalog): ReportCategory {
  const category = catalog.find(record.item)?.category ?? record.category;
  return category === 'bad' || category === 'good' ? category : 'basic';
}

/** Items in catalog order (by code), records in the order the query returned them. */
function groupByItem(input: CreditReportInput, records: readonly RecordView[]): ReportItemGroup[] {
  const byItem = new Map<string, ReportEntry[]>();
  for (const record of records) {
    const entries = byItem.get(record.item) ?? [];
    entries.push(toEntry(input, record));
    byItem.set(record.item, entries);
  }
  return [...byItem.keys()]
    .sort((a, b) => a.localeCompare(b))
    .map((code) => ({ itemCode: code, itemName: input.catalog.find(code)?.name ?? code, entries: byItem.get(code) ?? [] }));
}

function toEntry(input: CreditReportInput, record: RecordView): ReportEntry {
  const item = input.catalog.find(record.item);
  return {
    recordId: record.id,
    itemCode: record.item,
    itemName: item?.name ?? record.item,
    disputed: record.disputed,
    statusMark: record.status === 'active' ? null : (STATUS_MARKS[record.status] ?? record.status),
    fields: item ? labelledFields(item, record, input.subject) : [],
    provider: input.supplierNames?.get(record.supplier) ?? record.supplier,
    publicationEnd: record.publicationEnd ?? NO_PUBLICATION_END,
  };
}

/**
 * The catalog's fields under their labels. The subject's code and kind are in the heading and are
 * not repeated per record; the name only when the record names the subject differently (e.g. a
 * former name). Fields the catalog does not define are not printed: the report has no label for them.
 */
function labelledFields(item: CatalogItem, record: RecordView, subject: SubjectView): ReportField[] {
  const out: ReportField[] = [];
  for (const field of item.fields) {
    if (field.name === item.subject.codeField || field.name === item.subject.typeField) continue;
    const value = displayValue(field, record.fields[field.name]);
    if (value === null) continue;
    if (field.name === item.subject.nameField && value === subject.name) continue;
    out.push({ label: field.label, value });
  }
  return out;
}

function displayValue(field: CatalogField, raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  let text: string;
  if (Array.isArray(raw)) text = raw.map((v) => codeLabel(field.name, String(v))).join('、');
  else if (typeof raw === 'boolean') text = raw ? '是' : '否';
  else if (typeof raw === 'string' || typeof raw === 'number') text = codeLabel(field.name, String(raw));
  else text = JSON.stringify(raw);
  text = text.trim();
  return text === '' ? null : text;
}

function codeLabel(fieldName: string, value: string): string {
  return CODE_VALUE_LABELS[fieldName]?.[value] ?? value;
}
