/**
 * 第三十二条: 信息提供单位未按本办法规定向市信用平台归集公共信用信息的，由市公共信用主管部门催报；经催报仍不提供的，
 * 根据考核办法给予绩效扣分. 第九条 puts the collection frequency (归集频率) of each item in the catalog,
 * with the working days a decision has to reach the platform (`deadlineWorkingDays`). From those:
 * which deliveries a supplier owes for an item, and whether each came on time, late or not at all.
 * Plain functions of China dates (`YYYY-MM-DD`) and a working-day calendar; README.md in this
 * folder records the reading.
 */
import type { FREQUENCIES } from '../../../catalog/catalog-item.schema';
import { addDays, CalendarHorizonError, isIsoDate, weekday, type WorkingDayCalendar } from '../calendar';

export type Frequency = (typeof FREQUENCIES)[number];

/** One delivery the supplier owes: the decisions of [start, end] (inclusive). */
export interface DeliveryPeriod {
  readonly start: string;
  readonly end: string;
  /** How the period is named in a 催报 notice, e.g. 2026年11月. */
  readonly label: string;
}

export type PeriodStatus = 'on_time' | 'late' | 'missing' | 'pending';

export interface PeriodOutcome {
  readonly period: DeliveryPeriod;
  /** Last day (inclusive) for the delivery; null when the calendar does not reach it yet (so it is after today). */
  readonly due: string | null;
  readonly status: PeriodStatus;
  /** The China date of the delivery that counts for the period, if any. */
  readonly deliveredOn: string | null;
}

export interface CollectionRule {
  readonly frequency: Frequency;
  readonly deadlineWorkingDays: number;
}

export interface ComplianceSummary {
  /** Periods already decided: on time + late + missing. */
  readonly expected: number;
  readonly onTime: number;
  readonly late: number;
  readonly missing: number;
  /** Not delivered yet, still before the due date: owed, not late. */
  readonly pending: number;
  /** onTime / expected, 4 decimals; null when nothing was expected yet. */
  readonly timeliness: number | null;
}

export class ComplianceInputError extends Error {
  readonly code = 'COMPLIANCE_INVALID_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'ComplianceInputError';
  }
}

/**
 * The periods of `frequency` that overlap [from, to], in order. `daily` periods end on the working
 * days (the providers are administrative bodies: nothing is owed for a weekend or a holiday) and
 * start after the previous working day;
 * `realtime` is checked like `daily` (a platform can only ask whether something arrived each
 * working day); `weekly` are Monday–Sunday; the others calendar months, quarters and years.
 */
export function deliveryPeriods(frequency: Frequency, from: string, to: string, calendar: WorkingDayCalendar): DeliveryPeriod[] {
  assertDate(from, 'from');
  assertDate(to, 'to');
  const periods: DeliveryPeriod[] = [];
  if (from > to) return periods;
  switch (frequency) {
    case 'realtime':
    case 'daily': {
      // A working day's period also holds the days off just before it: a batch sent on a
      // Saturday delivers Monday's decisions early, it is not lost between two periods.
      let start = firstDayAfterPreviousWorkingDay(from, calendar);
      for (let day = from; day <= to; day = addDays(day, 1)) {
        if (!calendar.isWorkingDay(day)) continue;
        periods.push({ start, end: day, label: day });
        start = addDays(day, 1);
      }
      return periods;
    }
    case 'weekly':
      for (let start = mondayOf(from); start <= to; start = addDays(start, 7)) {
        const end = addDays(start, 6);
        periods.push({ start, end, label: `${start} 至 ${end}` });
      }
      return periods;
    case 'monthly':
      return monthPeriods(from, to, 1, (y, m) => `${y}年${m}月`);
    case 'quarterly':
      return monthPeriods(from, to, 3, (y, m) => `${y}年第${(m + 2) / 3}季度`);
    case 'yearly':
      return monthPeriods(from, to, 12, (y) => `${y}年度`);
  }
}

/**
 * The last day a period's delivery may arrive: `deadlineWorkingDays` working days after the
 * period's last day (the catalog's deadline counts from the decision, and the period's last
 * decisions are of its last day). Null when that day lies in a year the calendar does not know.
 */
export function deliveryDue(period: DeliveryPeriod, deadlineWorkingDays: number, calendar: WorkingDayCalendar): string | null {
  try {
    return calendar.addWorkingDays(period.end, deadlineWorkingDays);
  } catch (error) {
    if (error instanceof CalendarHorizonError) return null;
    throw error;
  }
}

/**
 * Each period of [from, min(to, today)] with its outcome, given the China dates on which the
 * supplier's batches of the item were accepted (any order, duplicates allowed).
 *
 * A batch can only carry the decisions of a period from the period's first day on, so the delivery
 * of a period is the first batch accepted on or after its start: on time when it came by the due
 * date, late after it. Without one, the period is missing once its due date has passed, and
 * pending before. One batch may deliver several periods (a weekly sending covers the daily periods
 * whose due date it meets): the catalog's deadline, not the frequency, decides timeliness.
 * `today` must lie in a year the calendar knows (CalendarHorizonError otherwise).
 */
export function assessDeliveries(
  rule: CollectionRule,
  deliveredOn: readonly string[],
  range: { readonly from: string; readonly to: string },
  today: string,
  calendar: WorkingDayCalendar,
): PeriodOutcome[] {
  assertDate(today, 'today');
  if (!Number.isSafeInteger(rule.deadlineWorkingDays) || rule.deadlineWorkingDays < 0) {
    throw new ComplianceInputError(`deadlineWorkingDays must be a whole number >= 0, got ${rule.deadlineWorkingDays}`);
  }
  // Fail closed on an unknown year: no reminder on a guessed deadline.
  if (!calendar.covers(today)) throw new CalendarHorizonError(today, calendar.coveredYears);
  const deliveries = [...new Set(deliveredOn)].map((d, i) => (assertDate(d, `deliveredOn[${i}]`), d)).sort();
  const to = range.to < today ? range.to : today;
  return deliveryPeriods(rule.frequency, range.from, to, calendar).map((period) => {
    const due = deliveryDue(period, rule.deadlineWorkingDays, calendar);
    const first = deliveries.find((d) => d >= period.start && d <= today) ?? null;
    let status: PeriodStatus;
    if (first !== null) status = due === null || first <= due ? 'on_time' : 'late';
    else status = due !== null && today > due ? 'missing' : 'pending';
    return { period, due, status, deliveredOn: first };
  });
}

export function summarizeCompliance(outcomes: readonly PeriodOutcome[]): ComplianceSummary {
  const count = (status: PeriodStatus) => outcomes.filter((o) => o.status === status).length;
  const onTime = count('on_time');
  const late = count('late');
  const missing = count('missing');
  const expected = onTime + late + missing;
  return {
    expected,
    onTime,
    late,
    missing,
    pending: count('pending'),
    timeliness: expected === 0 ? null : Math.round((onTime / expected) * 10_000) / 10_000,
  };
}

function monthPeriods(from: string, to: string, months: 1 | 3 | 12, label: (year: number, month: number) => string): DeliveryPeriod[] {
  const periods: DeliveryPeriod[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  month -= (month - 1) % months; // first month of the quarter / year
  for (;;) {
    const start = `${year}-${pad(month)}-01`;
    if (start > to) return periods;
    const nextMonth = month + months;
    const next = nextMonth > 12 ? `${year + 1}-${pad(nextMonth - 12)}-01` : `${year}-${pad(nextMonth)}-01`;
    periods.push({ start, end: addDays(next, -1), label: label(year, month) });
    [year, month] = nextMonth > 12 ? [year + 1, nextMonth - 12] : [year, nextMonth];
  }
}

/** The day after the last working day before `date` (at most a month back; a year the calendar lacks stops the walk). */
function firstDayAfterPreviousWorkingDay(date: string, calendar: WorkingDayCalendar): string {
  let start = date;
  for (let back = 0; back < 31; back++) {
    const previous = addDays(start, -1);
    if (!calendar.covers(previous) || calendar.isWorkingDay(previous)) return start;
    start = previous;
  }
  return start;
}

function mondayOf(date: string): string {
  return addDays(date, -((weekday(date) + 6) % 7));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function assertDate(value: string, name: string): void {
  if (!isIsoDate(value)) throw new ComplianceInputError(`${name} must be a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
}
