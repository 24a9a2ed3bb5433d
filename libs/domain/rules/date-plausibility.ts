/**
 * Whether the dates of one record can be true, beyond being real calendar dates (第九条 数据格式,
 * which `validateRecord` checks). Providers answer for the accuracy of what they send (第十一条);
 * the center sends back what does not meet the standard (第十四条) with a reason the provider can
 * act on. Typical catches: spreadsheet placeholders (1900-01-01), a year typed wrong, a validity
 * period ending before it starts, a decision dated tomorrow.
 *
 * Only well-formed YYYY-MM-DD values of the item's date fields are judged: a malformed or absent
 * date is already INVALID_DATE or REQUIRED_FIELD from `validateRecord`, and is not reported twice.
 * Each field is reported at most once.
 *
 * Old records are not implausible: bad information whose publication period (第二十八条) has
 * already ended is still collected, then archived, never refused for its age.
 */
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { chinaCalendarDate, isCalendarDate } from '../identity/citizen-id';
import { addMonths } from '../publication/publication-end';
import type { Rejection } from '../rejections/rejection-codes';

/**
 * The founding of the People's Republic: no record of a body of today's administration bears an
 * earlier date. Earlier values are placeholders (1900-01-01, Excel's 1899-12-30, 0001-01-01) or
 * typing errors. Applies to every date field.
 */
export const EARLIEST_RECORD_DATE = '1949-10-01';

/**
 * Dates of something that has already happened when the record is sent: a value after today (in
 * China) is a typing error, refused as FUTURE_DATE. 第十三条: the subject is notified BEFORE the
 * record is submitted, so `notified_on` is one of them.
 */
export const EVENT_DATE_FIELDS: ReadonlySet<string> = new Set([
  'decision_date',
  'notified_on',
  'filing_date',
  'issued_on',
  'registered_on',
  'announcement_date',
  'status_changed_on',
  'stats_date',
  'arrears_from',
  'arrears_to',
]);

/** Dates that may lie ahead: the bounds of a validity period (a licence valid until 2099-12-31). */
export const OPEN_DATE_FIELDS: ReadonlySet<string> = new Set(['valid_from', 'valid_to']);

/** `field` must not come before (`not_before`) or after (`not_after`) `other`; `field` is blamed. */
export interface DateOrderRule {
  readonly field: string;
  readonly order: 'not_before' | 'not_after';
  readonly other: string;
  readonly why: string;
}

export const DATE_ORDER_RULES: readonly DateOrderRule[] = [
  { field: 'valid_to', order: 'not_before', other: 'valid_from', why: 'a validity period ends after it starts' },
  { field: 'valid_to', order: 'not_before', other: 'decision_date', why: 'a licence or honour cannot expire before it is granted' },
  { field: 'valid_to', order: 'not_before', other: 'issued_on', why: 'a certificate cannot expire before it is issued' },
  { field: 'arrears_to', order: 'not_before', other: 'arrears_from', why: 'an arrears period ends after it starts' },
  { field: 'arrears_from', order: 'not_after', other: 'decision_date', why: 'arrears begin before they are determined' },
  { field: 'decision_date', order: 'not_before', other: 'filing_date', why: 'a case is decided after it is filed' },
  { field: 'status_changed_on', order: 'not_before', other: 'registered_on', why: 'a registration changes after it is made' },
];

/**
 * How long before the bad information arises (the item's publication start, 第二十八条: the
 * decision or listing date; for tax arrears the announcement date) its notice may lie.
 *
 * Notice after the decision is the usual case (the decision is served, then the record is sent)
 * and has no limit here. Notice before it is lawful too: 行政处罚法（2021）第四十四条 requires a
 * prior notice of the intended penalty, and listing procedures send a 拟列入告知. But 第六十条 of
 * the same law gives 90 days from filing to decision (longer only where a law says so), and a
 * listing follows its prior notice within weeks; 24 months covers every extension and hearing
 * round, while a notice older than that cannot be the notice of this decision (R13): it is
 * almost always a year typed wrong. Refused as INVALID_DATE on `notified_on`.
 */
export const NOTICE_LEAD_MONTHS = 24;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkDatePlausibility(fields: Record<string, unknown>, item: CatalogItem, today: Date): Rejection[] {
  const todayInChina = chinaCalendarDate(today);
  const dates = new Map<string, string>();
  for (const field of item.fields) {
    if (field.type !== 'date') continue;
    const value = fields[field.name];
    if (typeof value === 'string' && ISO_DATE.test(value) && isCalendarDate(value.replace(/-/g, ''))) {
      dates.set(field.name, value);
    }
  }

  const rejections: Rejection[] = [];
  const reported = new Set<string>();
  const report = (field: string, code: Rejection['code']): void => {
    if (reported.has(field)) return;
    reported.add(field);
    rejections.push({ field, code, value: dates.get(field) });
  };

  for (const [name, value] of dates) {
    if (value < EARLIEST_RECORD_DATE) report(name, 'INVALID_DATE');
    else if (EVENT_DATE_FIELDS.has(name) && value > todayInChina) report(name, 'FUTURE_DATE');
  }

  for (const rule of DATE_ORDER_RULES) {
    const value = dates.get(rule.field);
    const other = dates.get(rule.other);
    if (value === undefined || other === undefined || reported.has(rule.other)) continue;
    if (rule.order === 'not_before' ? value < other : value > other) report(rule.field, 'INVALID_DATE');
  }

  const notifiedOn = dates.get('notified_on');
  const arises = dates.get(item.publication.fromField);
  if (notifiedOn !== undefined && arises !== undefined && !reported.has(item.publication.fromField)) {
    if (notifiedOn < addMonths(arises, -NOTICE_LEAD_MONTHS)) report('notified_on', 'INVALID_DATE');
  }
  return rejections;
}
