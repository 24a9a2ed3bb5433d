/**
 * Working days (工作日) of the official Chinese calendar. Every year the 国务院办公厅 publishes which
 * weekdays are holidays and which weekend days become working days (调休/补班); Monday-to-Friday
 * arithmetic is wrong around every long holiday. The deadlines of 第二十五条 and 第二十七条 count
 * these working days.
 *
 * A calendar knows a set of years. Inside them a day is a working day when a source lists it as
 * `workday`, or when no source lists it and it falls Monday to Friday. Outside them nothing is known:
 * every computation that touches such a day throws `CalendarHorizonError`, never a Monday-to-Friday
 * guess (the `chinese-days` API silently guesses past 2026; see chinese-days-source.ts).
 */
import { addDays, isIsoDate, weekday, yearOf } from './iso-date';

export type CalendarDayKind = 'holiday' | 'workday';

/** One day that differs from, or confirms, the Monday-to-Friday rule. */
export interface CalendarDay {
  readonly date: string;
  readonly kind: CalendarDayKind;
  /** e.g. 春节, or the State Council notice the entry comes from. */
  readonly note?: string;
}

/** A source of calendar data and the years it covers completely. */
export interface CalendarSource {
  readonly name: string;
  readonly years: readonly number[];
  readonly days: readonly CalendarDay[];
}

/**
 * The operator-maintained table (entered when the State Council publishes a new year's schedule,
 * or to correct one day): the days, and the years the operator declares complete.
 */
export interface OperatorCalendarTable {
  readonly years: readonly number[];
  readonly days: readonly CalendarDay[];
}

/** A computation reached a year no source covers. */
export class CalendarHorizonError extends Error {
  readonly code = 'CALENDAR_HORIZON';
  constructor(
    readonly date: string,
    readonly coveredYears: readonly number[],
  ) {
    super(
      `no official working-day calendar for ${yearOf(date)} (needed for ${date}); known years: ${describeYears(coveredYears)}. ` +
        'Enter the State Council schedule for that year in the operator calendar table.',
    );
    this.name = 'CalendarHorizonError';
  }
}

/** A date or a count given to the calendar is malformed. */
export class CalendarInputError extends Error {
  readonly code = 'CALENDAR_INVALID_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'CalendarInputError';
  }
}

/** The operator table (or another source) is inconsistent; `problems` lists every one of them. */
export class CalendarTableError extends Error {
  readonly code = 'CALENDAR_TABLE_INVALID';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`calendar source "${source}" is invalid: ${problems.join('; ')}`);
    this.name = 'CalendarTableError';
  }

  /** For the error envelope: one entry per problem. */
  get details(): Array<{ message: string }> {
    return this.problems.map((message) => ({ message }));
  }
}

export class WorkingDayCalendar {
  private readonly kinds = new Map<string, { kind: CalendarDayKind; source: string }>();
  private readonly years: ReadonlySet<number>;

  /**
   * Merges the sources in order: a later source's entry for a date replaces an earlier one (the
   * operator table goes last, so it wins), and the covered years are the union.
   */
  constructor(sources: readonly CalendarSource[]) {
    const years = new Set<number>();
    for (const source of sources) {
      const problems = checkSource(source);
      if (problems.length > 0) throw new CalendarTableError(source.name, problems);
      for (const year of source.years) years.add(year);
      for (const day of source.days) this.kinds.set(day.date, { kind: day.kind, source: source.name });
    }
    this.years = years;
  }

  /** The covered years, ascending. */
  get coveredYears(): number[] {
    return [...this.years].sort((a, b) => a - b);
  }

  /** True when the calendar knows the year of `date`. */
  covers(date: string): boolean {
    assertDate(date, 'date');
    return this.years.has(yearOf(date));
  }

  isWorkingDay(date: string): boolean {
    assertDate(date, 'date');
    return this.working(date);
  }

  /** Where the answer for `date` comes from: an entry of a named source, or the weekday rule. */
  describeDay(date: string): { date: string; working: boolean; source: string } {
    assertDate(date, 'date');
    const working = this.working(date);
    return { date, working, source: this.kinds.get(date)?.source ?? 'weekday rule' };
  }

  /**
   * The deadline `n` working days after `from`: `from` itself is not counted (the usual reading of
   * "…之日起N个工作日内"; the period ends at the close of the Nth working day). `n` = 0 gives `from`.
   */
  addWorkingDays(from: string, n: number): string {
    assertDate(from, 'from');
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new CalendarInputError(`the number of working days must be a whole number >= 0, got ${n}`);
    }
    this.assertCovered(from);
    let day = from;
    let left = n;
    while (left > 0) {
      day = addDays(day, 1);
      if (this.working(day)) left -= 1;
    }
    return day;
  }

  /**
   * Working days in (a, b]: the count `addWorkingDays(a, n) = b` would use. Negative when b is
   * before a; 0 when they are the same day.
   */
  workingDaysBetween(a: string, b: string): number {
    assertDate(a, 'a');
    assertDate(b, 'b');
    if (b < a) return -this.workingDaysBetween(b, a);
    this.assertCovered(a);
    let count = 0;
    for (let day = addDays(a, 1); day <= b; day = addDays(day, 1)) {
      if (this.working(day)) count += 1;
    }
    return count;
  }

  private working(date: string): boolean {
    this.assertCovered(date);
    const entry = this.kinds.get(date);
    if (entry !== undefined) return entry.kind === 'workday';
    const dow = weekday(date);
    return dow !== 0 && dow !== 6;
  }

  private assertCovered(date: string): void {
    if (!this.years.has(yearOf(date))) throw new CalendarHorizonError(date, this.coveredYears);
  }
}

/** Every problem of a source: malformed dates and kinds, days outside its years, duplicates, empty years. */
export function checkSource(source: CalendarSource): string[] {
  const problems: string[] = [];
  const years = new Set<number>();
  for (const year of source.years) {
    if (!Number.isInteger(year) || year < 1949 || year > 9999) problems.push(`year ${year} is not a calendar year`);
    else if (years.has(year)) problems.push(`year ${year} is listed twice`);
    years.add(year);
  }
  const seen = new Map<string, CalendarDayKind>();
  const holidaysPerYear = new Map<number, number>();
  source.days.forEach((day, index) => {
    const at = `days[${index}]`;
    if (!isIsoDate(day.date)) {
      problems.push(`${at}: date ${JSON.stringify(day.date)} is not YYYY-MM-DD`);
      return;
    }
    if (day.kind !== 'holiday' && day.kind !== 'workday') {
      problems.push(`${at}: kind ${JSON.stringify(day.kind)} is neither holiday nor workday`);
      return;
    }
    const year = yearOf(day.date);
    if (!years.has(year)) problems.push(`${at}: ${day.date} is in ${year}, which the source does not declare`);
    const earlier = seen.get(day.date);
    if (earlier !== undefined) {
      problems.push(
        earlier === day.kind ? `${at}: ${day.date} is listed twice` : `${at}: ${day.date} is both holiday and workday`,
      );
    }
    seen.set(day.date, day.kind);
    if (day.kind === 'holiday') holidaysPerYear.set(year, (holidaysPerYear.get(year) ?? 0) + 1);
  });
  // Every official year has holidays (元旦 at least); a declared year without any is a year
  // whose schedule was never entered, and would silently become Monday to Friday.
  for (const year of years) {
    if ((holidaysPerYear.get(year) ?? 0) === 0) problems.push(`year ${year} is declared but lists no holiday`);
  }
  return problems;
}

function assertDate(value: string, name: string): void {
  if (!isIsoDate(value)) throw new CalendarInputError(`${name} must be a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
}

function describeYears(years: readonly number[]): string {
  if (years.length === 0) return 'none';
  const sorted = [...years].sort((a, b) => a - b);
  const ranges: string[] = [];
  let start = sorted[0];
  let prev = start;
  for (const year of sorted.slice(1).concat(Number.NaN)) {
    if (year === prev + 1) {
      prev = year;
      continue;
    }
    ranges.push(start === prev ? `${start}` : `${start}–${prev}`);
    start = year;
    prev = year;
  }
  return ranges.join(', ');
}
