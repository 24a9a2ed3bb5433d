/**
 * The official calendar as shipped by the `chinese-days` package (1.5.7: data for 2004–2026),
 * read from its JSON data file, not through its API.
 *
 * Why the data and not `isWorkday()`: for a date past its data the package answers with the
 * Monday-to-Friday rule without saying so (its `isWorkday('2027-01-01')` is true, though New
 * Year's Day is always a holiday). Here a year counts as covered only when the package has
 * explicit holiday entries for it; every other year stays unknown and the calendar refuses it.
 * The API is also time-zone dependent: it parses 'YYYY-MM-DD' as UTC midnight and reads it back
 * with local getters, so in a process west of UTC it answers for the previous day.
 *
 * The file's `holidays` are the days off of each holiday period (weekend days included),
 * `workdays` the weekend days moved into working days (调休/补班); `inLieuDays` (the weekdays
 * given off in exchange) are a subset of `holidays` and add nothing.
 */
import packageData from 'chinese-days/dist/chinese-days.json';
import { version as packageVersion } from 'chinese-days/package.json';
import type { CalendarDay, CalendarSource } from './working-day-calendar';
import { yearOf } from './iso-date';

/** The shape of `chinese-days/dist/chinese-days.json`: date → "English name,中文名,n". */
export interface ChineseDaysData {
  readonly holidays: Readonly<Record<string, string>>;
  readonly workdays: Readonly<Record<string, string>>;
  readonly inLieuDays?: Readonly<Record<string, string>>;
}

export const CHINESE_DAYS_SOURCE_NAME = `chinese-days@${packageVersion}`;

export function chineseDaysSource(data: ChineseDaysData = packageData): CalendarSource {
  const days: CalendarDay[] = [
    ...Object.entries(data.holidays).map(([date, label]) => ({ date, kind: 'holiday' as const, note: chineseName(label) })),
    ...Object.entries(data.workdays).map(([date, label]) => ({ date, kind: 'workday' as const, note: chineseName(label) })),
  ];
  const years = [...new Set(Object.keys(data.holidays).map(yearOf))].sort((a, b) => a - b);
  return { name: CHINESE_DAYS_SOURCE_NAME, years, days };
}

/** "Spring Festival,春节,4" → "春节". */
function chineseName(label: string): string {
  return label.split(',')[1] ?? label;
}
