import {
  addDays,
  type CalendarDay,
  type CalendarSource,
  CalendarTableError,
  chineseDaysSource,
  createWorkingDayCalendar,
  OPERATOR_TABLE_SOURCE_NAME,
  WorkingDayCalendar,
} from '../../domain/calendar';
import { CalendarRepository } from '../../persistence/calendar.repository';
import type { Clock } from '../../runtime/tokens';

export interface CalendarYearInput {
  readonly year: number;
  /** Where the schedule comes from, e.g. 国办发明电〔2027〕X号. */
  readonly sourceNote: string;
  readonly days: readonly CalendarDay[];
}

/**
 * The hub's working-day calendar: the `chinese-days` package data with the operator's table on
 * top, read from the database on each use (the table is a few dozen rows), so an entry made by an
 * operator counts at once in every process.
 */
export class WorkingDayCalendarService {
  private readonly packageSource: CalendarSource = chineseDaysSource();

  constructor(
    private readonly table: CalendarRepository,
    private readonly clock: Clock,
  ) {}

  async current(): Promise<WorkingDayCalendar> {
    return createWorkingDayCalendar(await this.table.operatorTable(), this.packageSource);
  }

  /**
   * Declares a year complete with its holidays and 调休 working days, replacing what the operator
   * entered for it before. The whole resulting table is checked first (CalendarTableError lists
   * every problem); nothing is written when it fails.
   */
  async enterYear(input: CalendarYearInput): Promise<{ year: number; days: number }> {
    const existing = await this.table.operatorTable();
    const others = existing.days.filter((d) => !d.date.startsWith(`${input.year}-`));
    const candidate = {
      years: [...new Set([...existing.years, input.year])],
      days: [...others, ...input.days],
    };
    const outside = input.days.filter((d) => !d.date.startsWith(`${input.year}-`)).map((d) => `${d.date} is not in ${input.year}`);
    if (outside.length > 0) throw new CalendarTableError(OPERATOR_TABLE_SOURCE_NAME, outside);
    createWorkingDayCalendar(candidate, this.packageSource); // throws CalendarTableError
    await this.table.replaceYear({ ...input, enteredAt: this.clock() });
    return { year: input.year, days: input.days.length };
  }

  /** Each day of [from, to] (at most a year) with whether it is a working day and which source says so. */
  async describe(from: string, to: string): Promise<{ coveredYears: number[]; days: ReturnType<WorkingDayCalendar['describeDay']>[] }> {
    const calendar = await this.current();
    const days: ReturnType<WorkingDayCalendar['describeDay']>[] = [];
    for (let d = from; d <= to && days.length < 366; d = addDays(d, 1)) days.push(calendar.describeDay(d));
    return { coveredYears: calendar.coveredYears, days };
  }
}
