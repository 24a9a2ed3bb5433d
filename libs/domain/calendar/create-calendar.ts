import { chineseDaysSource } from './chinese-days-source';
import { type CalendarSource, type OperatorCalendarTable, WorkingDayCalendar } from './working-day-calendar';

export const OPERATOR_TABLE_SOURCE_NAME = 'operator table';

/**
 * The hub's calendar: the `chinese-days` package data, then the operator-maintained table on top
 * (the table wins for every date it lists; the known years are the union). Throws
 * CalendarTableError listing every problem of the table.
 */
export function createWorkingDayCalendar(
  operatorTable: OperatorCalendarTable = { years: [], days: [] },
  packageSource: CalendarSource = chineseDaysSource(),
): WorkingDayCalendar {
  return new WorkingDayCalendar([
    packageSource,
    { name: OPERATOR_TABLE_SOURCE_NAME, years: operatorTable.years, days: operatorTable.days },
  ]);
}
