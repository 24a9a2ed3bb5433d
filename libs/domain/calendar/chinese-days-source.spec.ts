/**
 * What the `chinese-days` package really holds, and the trap past its data.
 */
import packageData from 'chinese-days/dist/chinese-days.json';
import { version as packageVersion } from 'chinese-days/package.json';
import { isWorkday as packageIsWorkday } from 'chinese-days';
import { CHINESE_DAYS_SOURCE_NAME, chineseDaysSource } from './chinese-days-source';
import { addDays } from './iso-date';
import { CalendarHorizonError, CalendarTableError, WorkingDayCalendar } from './working-day-calendar';

const years = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the chinese-days data horizon', () => {
  it('is version 1.5.7 (re-check the horizon below on every upgrade)', () => {
    expect(packageVersion).toBe('1.5.7');
    expect(CHINESE_DAYS_SOURCE_NAME).toBe('chinese-days@1.5.7');
  });

  it('covers exactly 2004–2026: the years with explicit holiday entries', () => {
    expect(chineseDaysSource().years).toEqual(years(2004, 2026));
  });

  it('has no entry at all for 2027 (holidays, make-up working days or days in lieu)', () => {
    const all = [
      ...Object.keys(packageData.holidays),
      ...Object.keys(packageData.workdays),
      ...Object.keys(packageData.inLieuDays),
    ];
    expect(all.filter((d) => d >= '2027-01-01')).toEqual([]);
  });

  it('the package API silently guesses past its data: New Year 2027 comes out as a workday', () => {
    // This is the trap the calendar exists to avoid: 元旦 is a holiday every year.
    expect(packageIsWorkday('2027-01-01')).toBe(true);
    const calendar = new WorkingDayCalendar([chineseDaysSource()]);
    expect(() => calendar.isWorkingDay('2027-01-01')).toThrow(CalendarHorizonError);
  });

  it('lists the 2026 make-up working days the research notes give (credit-domain.md §4)', () => {
    const workdays2026 = chineseDaysSource()
      .days.filter((d) => d.kind === 'workday' && d.date.startsWith('2026'))
      .map((d) => d.date)
      .sort();
    expect(workdays2026).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
  });

  it('keeps the Chinese name of each holiday as the note', () => {
    const day = chineseDaysSource().days.find((d) => d.date === '2026-02-17');
    expect(day).toEqual({ date: '2026-02-17', kind: 'holiday', note: '春节' });
  });

  // The package API turns 'YYYY-MM-DD' into UTC midnight and reads it back with local getters, so
  // west of UTC it answers for the day before: one more reason to read its data, not call it. The
  // calendar itself does day arithmetic in UTC only and answers the same in every time zone.
  const apiReliableHere = new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset() <= 0;

  it('agrees with the package API on every day it covers, 2004-01-01 to 2026-12-31 (where the API is right)', () => {
    if (!apiReliableHere) {
      expect(packageIsWorkday('2026-03-07')).toBe(true); // a Saturday: the API is a day off here
      return;
    }
    const calendar = new WorkingDayCalendar([chineseDaysSource()]);
    const disagreements: string[] = [];
    for (let day = '2004-01-01'; day <= '2026-12-31'; day = addDays(day, 1)) {
      if (calendar.isWorkingDay(day) !== packageIsWorkday(day)) disagreements.push(day);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('chineseDaysSource on other data (a future package version)', () => {
  it('covers only the years with holiday entries', () => {
    const source = chineseDaysSource({ holidays: { '2030-01-01': "New Year's Day,元旦,1" }, workdays: {} });
    expect(source.years).toEqual([2030]);
  });

  it('a make-up working day in a year without holidays makes the source invalid, not a covered year', () => {
    const source = chineseDaysSource({
      holidays: { '2030-01-01': "New Year's Day,元旦,1" },
      workdays: { '2031-01-04': "New Year's Day,元旦,1" },
    });
    expect(source.years).toEqual([2030]);
    expect(() => new WorkingDayCalendar([source])).toThrow(CalendarTableError);
  });
});
