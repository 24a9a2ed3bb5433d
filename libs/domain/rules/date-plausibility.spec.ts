/**
 * Plausible dates (第九条 数据格式, 第十一条 accuracy, 第十四条 send back), on the real catalog.
 * "Today" is the calendar date in China (UTC+8), injected.
 */
import { loadCatalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import {
  checkDatePlausibility,
  DATE_ORDER_RULES,
  EARLIEST_RECORD_DATE,
  EVENT_DATE_FIELDS,
  NOTICE_LEAD_MONTHS,
  OPEN_DATE_FIELDS,
} from './date-plausibility';

/** Noon in China on 2026-06-15. */
const TODAY = new Date('2026-06-15T04:00:00Z');
const catalog = loadCatalog();

function item(code: string): CatalogItem {
  const found = catalog.find(code);
  if (found === undefined) throw new Error(`catalog item ${code} missing`);
  return found;
}

/** One table row: the record's dates and the field expected to be refused. */
interface RefusedCase {
  readonly why: string;
  readonly code?: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly field: string;
}

const PENALTY = item('administrative_penalty');
const LICENSE = item('administrative_license');

describe('checkDatePlausibility — dates that can be true', () => {
  it.each([
    { why: 'notice after the decision (the decision is served, then sent)', fields: { decision_date: '2026-05-01', notified_on: '2026-05-20' } },
    { why: 'notice the same day as the decision', fields: { decision_date: '2026-05-01', notified_on: '2026-05-01' } },
    { why: 'prior notice (行政处罚法 第四十四条) a month before the decision', fields: { decision_date: '2026-05-01', notified_on: '2026-04-01' } },
    { why: `prior notice exactly ${NOTICE_LEAD_MONTHS} months before the decision`, fields: { decision_date: '2026-05-01', notified_on: '2024-05-01' } },
    { why: 'a decision dated today in China', fields: { decision_date: '2026-06-15', notified_on: '2026-06-15' } },
    { why: 'the founding day of the PRC itself', fields: { decision_date: EARLIEST_RECORD_DATE, notified_on: '1949-10-02' } },
    { why: 'an old decision whose publication period ended long ago (第二十八条: archived, not refused)', fields: { decision_date: '2005-03-01', notified_on: '2005-03-10' } },
  ])('accepts $why', ({ fields }) => {
    expect(checkDatePlausibility(fields, PENALTY, TODAY)).toEqual([]);
  });

  it.each([
    { why: 'a licence valid until 2099-12-31 (长期)', fields: { decision_date: '2026-01-05', valid_from: '2026-01-05', valid_to: '2099-12-31' } },
    { why: 'a licence that takes effect next month', fields: { decision_date: '2026-06-01', valid_from: '2026-07-01', valid_to: '2031-06-30' } },
    { why: 'a licence that expired last year (history is kept)', fields: { decision_date: '2020-01-05', valid_from: '2020-01-05', valid_to: '2025-01-04' } },
    { why: 'a one-day licence', fields: { decision_date: '2026-06-01', valid_from: '2026-06-01', valid_to: '2026-06-01' } },
  ])('accepts $why', ({ fields }) => {
    expect(checkDatePlausibility(fields, LICENSE, TODAY)).toEqual([]);
  });

  it.each<RefusedCase>([
    { why: 'Excel placeholder 1899-12-30 as decision date', fields: { decision_date: '1899-12-30', notified_on: '2026-05-01' }, field: 'decision_date' },
    { why: 'placeholder 1900-01-01 as notice date', fields: { decision_date: '2026-05-01', notified_on: '1900-01-01' }, field: 'notified_on' },
    { why: 'the day before the PRC was founded', fields: { decision_date: '1949-09-30', notified_on: '2026-05-01' }, field: 'decision_date' },
    { why: 'year 0001', fields: { decision_date: '0001-01-01', notified_on: '2026-05-01' }, field: 'decision_date' },
  ])('INVALID_DATE for a date before 1949-10-01: $why', ({ fields, field }) => {
    const value = fields[field];
    expect(checkDatePlausibility(fields, PENALTY, TODAY)).toEqual([{ field, code: 'INVALID_DATE', value }]);
  });

  it.each<RefusedCase>([
    { why: 'a decision dated tomorrow in China', fields: { decision_date: '2026-06-16', notified_on: '2026-06-10' }, field: 'decision_date' },
    { why: 'a decision dated next year (typo)', fields: { decision_date: '2027-06-01', notified_on: '2026-06-10' }, field: 'decision_date' },
    { why: 'a notice not yet given (第十三条: notice precedes submission)', fields: { decision_date: '2026-06-01', notified_on: '2026-06-20' }, field: 'notified_on' },
  ])('FUTURE_DATE for an event dated after today: $why', ({ fields, field }) => {
    const value = fields[field];
    expect(checkDatePlausibility(fields, PENALTY, TODAY)).toEqual([{ field, code: 'FUTURE_DATE', value }]);
  });

  it('judges "today" in China: at 2026-06-15T17:00Z it is already 16 June in Xiamen', () => {
    const lateEvening = new Date('2026-06-15T17:00:00Z');
    expect(checkDatePlausibility({ decision_date: '2026-06-16', notified_on: '2026-06-16' }, PENALTY, lateEvening)).toEqual([]);
    const earlyMorning = new Date('2026-06-15T15:59:59Z');
    expect(checkDatePlausibility({ decision_date: '2026-06-16' }, PENALTY, earlyMorning)).toEqual([
      { field: 'decision_date', code: 'FUTURE_DATE', value: '2026-06-16' },
    ]);
  });

  it(`INVALID_DATE on notified_on when the notice lies more than ${NOTICE_LEAD_MONTHS} months before the decision`, () => {
    expect(checkDatePlausibility({ decision_date: '2026-05-01', notified_on: '2024-04-30' }, PENALTY, TODAY)).toEqual([
      { field: 'notified_on', code: 'INVALID_DATE', value: '2024-04-30' },
    ]);
    expect(checkDatePlausibility({ decision_date: '2026-05-01', notified_on: '2016-05-01' }, PENALTY, TODAY)).toEqual([
      { field: 'notified_on', code: 'INVALID_DATE', value: '2016-05-01' },
    ]);
  });

  it('measures the notice lead from the item’s publication start: tax arrears count from announcement_date', () => {
    const taxArrears = item('tax_arrears');
    expect(checkDatePlausibility({ announcement_date: '2026-04-01', notified_on: '2025-04-01' }, taxArrears, TODAY)).toEqual([]);
    expect(checkDatePlausibility({ announcement_date: '2026-04-01', notified_on: '2023-04-01' }, taxArrears, TODAY)).toEqual([
      { field: 'notified_on', code: 'INVALID_DATE', value: '2023-04-01' },
    ]);
  });

  it.each<RefusedCase>([
    { code: 'administrative_license', why: 'validity ends before it starts', fields: { decision_date: '2026-01-05', valid_from: '2026-01-05', valid_to: '2025-01-04' }, field: 'valid_to' },
    { code: 'administrative_license', why: 'licence expires before it was granted', fields: { decision_date: '2026-01-05', valid_from: '2020-01-01', valid_to: '2025-12-31' }, field: 'valid_to' },
    { code: 'qualification_certificate', why: 'certificate expires before it was issued', fields: { issued_on: '2026-01-05', valid_to: '2025-12-31' }, field: 'valid_to' },
    { code: 'commendation', why: 'honour expires before it was conferred', fields: { decision_date: '2026-01-05', valid_to: '2025-12-31' }, field: 'valid_to' },
    { code: 'wage_arrears', why: 'arrears period ends before it starts', fields: { arrears_from: '2026-03-01', arrears_to: '2026-02-01', decision_date: '2026-05-01', notified_on: '2026-05-02' }, field: 'arrears_to' },
    { code: 'wage_arrears', why: 'arrears begin after they were determined', fields: { arrears_from: '2026-05-02', decision_date: '2026-05-01', notified_on: '2026-05-02' }, field: 'arrears_from' },
    { code: 'dishonest_judgment_debtor', why: 'published before the case was filed', fields: { filing_date: '2026-03-01', decision_date: '2026-02-01', notified_on: '2026-02-01' }, field: 'decision_date' },
    { code: 'social_insurance_registration', why: 'status changed before registration', fields: { registered_on: '2026-03-01', status_changed_on: '2026-02-01' }, field: 'status_changed_on' },
  ])('INVALID_DATE when dates are out of order ($code: $why)', ({ code, fields, field }) => {
    const value = fields[field];
    expect(checkDatePlausibility(fields, item(code ?? ''), TODAY)).toEqual([{ field, code: 'INVALID_DATE', value }]);
  });

  it('reports a field once even when it breaks several rules', () => {
    const fields = { decision_date: '2026-01-05', valid_from: '2026-02-01', valid_to: '2025-01-01' };
    expect(checkDatePlausibility(fields, LICENSE, TODAY)).toEqual([{ field: 'valid_to', code: 'INVALID_DATE', value: '2025-01-01' }]);
  });

  it('does not blame a second field for a date already refused (valid_from 1900-01-01)', () => {
    const fields = { decision_date: '2026-01-05', valid_from: '1900-01-01', valid_to: '2030-01-01' };
    expect(checkDatePlausibility(fields, LICENSE, TODAY)).toEqual([{ field: 'valid_from', code: 'INVALID_DATE', value: '1900-01-01' }]);
  });

  it.each([
    { why: 'absent dates', fields: {} },
    { why: 'malformed dates (validateRecord reports INVALID_DATE)', fields: { decision_date: '2026/05/01', notified_on: '20260501' } },
    { why: 'impossible calendar dates (validateRecord reports them)', fields: { decision_date: '2026-02-30', notified_on: '1800-13-01' } },
    { why: 'non-string values', fields: { decision_date: 20260501, notified_on: null } },
    { why: 'date-like values in fields the item does not declare as dates', fields: { remarks: '1900-01-01', decision_no: '2099-01-01' } },
  ])('reports nothing for $why', ({ fields }) => {
    expect(checkDatePlausibility(fields, PENALTY, TODAY)).toEqual([]);
  });
});

describe('the date field lists', () => {
  it('classify every date field of the real catalog as an event or an open date', () => {
    const unclassified = catalog
      .all()
      .flatMap((i) => i.fields.filter((f) => f.type === 'date').map((f) => `${i.code}.${f.name}`))
      .filter((name) => {
        const field = name.split('.')[1] ?? '';
        return !EVENT_DATE_FIELDS.has(field) && !OPEN_DATE_FIELDS.has(field);
      });
    expect(unclassified).toEqual([]);
  });

  it('never class a field as both', () => {
    expect([...EVENT_DATE_FIELDS].filter((f) => OPEN_DATE_FIELDS.has(f))).toEqual([]);
  });

  it('order rules name only classified date fields', () => {
    const known = new Set([...EVENT_DATE_FIELDS, ...OPEN_DATE_FIELDS]);
    for (const rule of DATE_ORDER_RULES) expect([known.has(rule.field), known.has(rule.other)]).toEqual([true, true]);
  });
});
