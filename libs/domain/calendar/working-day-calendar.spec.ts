/**
 * Working days of the official calendar with 调休, the horizon, and the operator table.
 * Expected dates are worked out by hand from the State Council schedules as the package ships them.
 */
import { createWorkingDayCalendar } from './create-calendar';
import {
  CalendarHorizonError,
  CalendarInputError,
  CalendarTableError,
  type OperatorCalendarTable,
  WorkingDayCalendar,
} from './working-day-calendar';

const calendar = createWorkingDayCalendar();

/**
 * ILLUSTRATIVE 2027 entries, not the State Council's 2027 notice: the shape of what the operator
 * enters once the real schedule is published. 2027-01-01 is a Friday; 2027-02-20 a Saturday.
 */
const ILLUSTRATIVE_2027: OperatorCalendarTable = {
  years: [2027],
  days: [
    { date: '2027-01-01', kind: 'holiday', note: '元旦' },
    ...['05', '06', '07', '08', '09', '10', '11', '12'].map((d) => ({
      date: `2027-02-${d}`,
      kind: 'holiday' as const,
      note: '春节',
    })),
    { date: '2027-02-20', kind: 'workday', note: '春节调休' },
  ],
};

describe('isWorkingDay — 2025 and 2026 holidays and 调休 make-up days', () => {
  // prettier-ignore
  it.each([
    { date: '2026-01-02', day: 'Fri', working: false, why: '元旦 holiday' },
    { date: '2026-01-04', day: 'Sun', working: true, why: '元旦 make-up working Sunday' },
    { date: '2026-02-13', day: 'Fri', working: true, why: 'ordinary Friday before the Spring Festival' },
    { date: '2026-02-14', day: 'Sat', working: true, why: '春节 make-up working Saturday' },
    { date: '2026-02-16', day: 'Mon', working: false, why: '春节 (除夕)' },
    { date: '2026-02-23', day: 'Mon', working: false, why: 'last day of the 2026 春节 holiday' },
    { date: '2026-02-24', day: 'Tue', working: true, why: 'first working day after 春节' },
    { date: '2026-02-28', day: 'Sat', working: true, why: '春节 make-up working Saturday' },
    { date: '2026-03-01', day: 'Sun', working: false, why: 'ordinary Sunday' },
    { date: '2026-04-06', day: 'Mon', working: false, why: '清明 holiday' },
    { date: '2026-05-05', day: 'Tue', working: false, why: '劳动节 holiday' },
    { date: '2026-05-09', day: 'Sat', working: true, why: '劳动节 make-up working Saturday' },
    { date: '2026-06-19', day: 'Fri', working: false, why: '端午 holiday' },
    { date: '2026-09-20', day: 'Sun', working: true, why: '国庆 make-up working Sunday' },
    { date: '2026-09-25', day: 'Fri', working: false, why: '中秋 holiday' },
    { date: '2026-10-01', day: 'Thu', working: false, why: '国庆节' },
    { date: '2026-10-07', day: 'Wed', working: false, why: 'last day of the 国庆 holiday' },
    { date: '2026-10-08', day: 'Thu', working: true, why: 'first working day after 国庆' },
    { date: '2026-10-10', day: 'Sat', working: true, why: '国庆 make-up working Saturday' },
    { date: '2026-10-11', day: 'Sun', working: false, why: 'ordinary Sunday' },
    { date: '2026-12-31', day: 'Thu', working: true, why: 'ordinary Thursday' },
    { date: '2025-01-01', day: 'Wed', working: false, why: '元旦 holiday' },
    { date: '2025-01-26', day: 'Sun', working: true, why: '春节 make-up working Sunday' },
    { date: '2025-01-28', day: 'Tue', working: false, why: '除夕, a statutory holiday since the 2025 reform' },
    { date: '2025-02-04', day: 'Tue', working: false, why: 'last day of the 2025 春节 holiday' },
    { date: '2025-02-08', day: 'Sat', working: true, why: '春节 make-up working Saturday' },
    { date: '2025-05-02', day: 'Fri', working: false, why: '劳动节, two statutory days since 2025' },
    { date: '2025-09-28', day: 'Sun', working: true, why: '国庆 make-up working Sunday' },
    { date: '2025-10-08', day: 'Wed', working: false, why: 'last day of the 2025 国庆/中秋 holiday' },
    { date: '2025-10-11', day: 'Sat', working: true, why: '国庆 make-up working Saturday' },
    { date: '2025-10-12', day: 'Sun', working: false, why: 'ordinary Sunday' },
  ])('$date ($day) is $why → working: $working', ({ date, working }) => {
    expect(calendar.isWorkingDay(date)).toBe(working);
  });
});

describe('addWorkingDays — n working days after `from`, `from` not counted', () => {
  // prettier-ignore
  it.each([
    { from: '2026-02-11', n: 5, to: '2026-02-25', why: 'across 春节 and the make-up Saturday 02-14 (credit-domain.md §4; Mon–Fri would say 02-18)' },
    { from: '2026-09-25', n: 5, to: '2026-10-09', why: 'from a holiday across 国庆 (credit-domain.md §4)' },
    { from: '2026-02-13', n: 1, to: '2026-02-14', why: 'the next working day is a make-up Saturday' },
    { from: '2026-02-13', n: 2, to: '2026-02-24', why: 'make-up Saturday, then nine days of 春节' },
    { from: '2026-09-24', n: 6, to: '2026-10-10', why: 'the deadline itself falls on a make-up Saturday' },
    { from: '2026-09-18', n: 2, to: '2026-09-21', why: 'Saturday off, Sunday 09-20 worked' },
    { from: '2026-02-16', n: 1, to: '2026-02-24', why: 'from inside a holiday' },
    { from: '2026-02-16', n: 0, to: '2026-02-16', why: 'zero days is the start day, even a holiday' },
    { from: '2025-01-24', n: 2, to: '2025-01-27', why: 'Sunday 2025-01-26 worked' },
    { from: '2025-01-27', n: 1, to: '2025-02-05', why: 'over the 2025 春节, 除夕 included' },
    { from: '2025-09-30', n: 3, to: '2025-10-11', why: 'over 国庆 2025 onto its make-up Saturday' },
    { from: '2026-03-06', n: 5, to: '2026-03-13', why: 'an ordinary week' },
    { from: '2026-12-30', n: 1, to: '2026-12-31', why: 'the last day of the horizon' },
  ])('$from + $n → $to ($why)', ({ from, n, to }) => {
    expect(calendar.addWorkingDays(from, n)).toBe(to);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a count of %p', (n) => {
    expect(() => calendar.addWorkingDays('2026-03-06', n)).toThrow(CalendarInputError);
  });
});

describe('workingDaysBetween — working days in (a, b]', () => {
  it.each([
    { a: '2026-02-11', b: '2026-02-25', count: 5 },
    { a: '2026-02-25', b: '2026-02-11', count: -5 },
    { a: '2026-02-11', b: '2026-02-11', count: 0 },
    { a: '2026-09-30', b: '2026-10-08', count: 1 },
    { a: '2026-10-09', b: '2026-10-11', count: 1 },
    // Whole years: 261 weekdays, less the weekday holidays, plus the make-up days.
    { a: '2025-12-31', b: '2026-12-31', count: 261 - 19 + 6 },
    { a: '2024-12-31', b: '2025-12-31', count: 261 - 18 + 5 },
  ])('$a → $b: $count', ({ a, b, count }) => {
    expect(calendar.workingDaysBetween(a, b)).toBe(count);
  });

  it('inverts addWorkingDays', () => {
    for (const n of [0, 1, 2, 5, 6, 30]) {
      expect(calendar.workingDaysBetween('2026-09-18', calendar.addWorkingDays('2026-09-18', n))).toBe(n);
    }
  });
});

describe('the horizon: years without official data are an error, never Monday to Friday', () => {
  it('knows 2004–2026 from the package and nothing else', () => {
    expect(calendar.coveredYears[0]).toBe(2004);
    expect(calendar.coveredYears.at(-1)).toBe(2026);
    expect(calendar.covers('2026-12-31')).toBe(true);
    expect(calendar.covers('2027-01-01')).toBe(false);
  });

  it('isWorkingDay on a 2027 Monday throws CALENDAR_HORIZON', () => {
    expect(() => calendar.isWorkingDay('2027-01-04')).toThrow(
      expect.objectContaining({ code: 'CALENDAR_HORIZON', date: '2027-01-04' }),
    );
  });

  it('a deadline that crosses into 2027 throws at the first unknown day', () => {
    expect(() => calendar.addWorkingDays('2026-12-30', 3)).toThrow(
      expect.objectContaining({ code: 'CALENDAR_HORIZON', date: '2027-01-01' }),
    );
  });

  it('counting across the horizon throws', () => {
    expect(() => calendar.workingDaysBetween('2026-12-01', '2027-01-10')).toThrow(CalendarHorizonError);
  });

  it('a year before the package data throws too', () => {
    expect(() => calendar.isWorkingDay('2003-06-02')).toThrow(CalendarHorizonError);
  });

  it('the error says which years are known and what to do', () => {
    const error = captureError(() => calendar.isWorkingDay('2027-01-04'));
    expect(error).toBeInstanceOf(CalendarHorizonError);
    expect((error as CalendarHorizonError).message).toContain('2004–2026');
    expect((error as CalendarHorizonError).message).toContain('operator calendar table');
  });
});

describe('the operator table', () => {
  const extended = createWorkingDayCalendar(ILLUSTRATIVE_2027);

  it('extends the horizon to 2027', () => {
    expect(extended.coveredYears.at(-1)).toBe(2027);
    expect(extended.isWorkingDay('2027-01-01')).toBe(false);
    expect(extended.isWorkingDay('2027-01-04')).toBe(true);
    expect(extended.isWorkingDay('2027-02-08')).toBe(false);
    expect(extended.isWorkingDay('2027-02-20')).toBe(true);
    expect(extended.isWorkingDay('2027-02-21')).toBe(false);
  });

  it('a deadline across the new year now resolves', () => {
    // 12-31 (1), 2027-01-01 holiday, weekend, 01-04 (2), 01-05 (3)
    expect(extended.addWorkingDays('2026-12-30', 3)).toBe('2027-01-05');
    // Thu 02-04; holiday 02-05..02-12; weekend; 02-15 (1), 02-16 (2)
    expect(extended.addWorkingDays('2027-02-04', 2)).toBe('2027-02-16');
  });

  it('does not reach past the years it declares', () => {
    expect(() => extended.isWorkingDay('2028-01-03')).toThrow(CalendarHorizonError);
  });

  it('wins over the package for the dates it lists, and leaves the others alone', () => {
    const corrected = createWorkingDayCalendar({
      years: [2026],
      days: [
        { date: '2026-12-31', kind: 'holiday', note: 'correction' },
        { date: '2026-10-10', kind: 'holiday', note: 'correction' },
      ],
    });
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true);
    expect(corrected.isWorkingDay('2026-10-10')).toBe(false);
    expect(corrected.isWorkingDay('2026-12-31')).toBe(false);
    expect(corrected.describeDay('2026-12-31')).toEqual({ date: '2026-12-31', working: false, source: 'operator table' });
    expect(corrected.isWorkingDay('2026-02-14')).toBe(true);
    expect(corrected.describeDay('2026-02-14').source).toBe('chinese-days@1.5.7');
    expect(corrected.describeDay('2026-03-02')).toEqual({ date: '2026-03-02', working: true, source: 'weekday rule' });
  });

  it('is refused with every problem listed when it is inconsistent', () => {
    const error = captureError(() =>
      createWorkingDayCalendar({
        years: [2027, 2028],
        days: [
          { date: '2027-01-01', kind: 'holiday' },
          { date: '2027-01-01', kind: 'workday' },
          { date: '2029-01-01', kind: 'holiday' },
          { date: '2027-02-30', kind: 'holiday' },
        ],
      }),
    );
    expect(error).toBeInstanceOf(CalendarTableError);
    expect(error).toMatchObject({ code: 'CALENDAR_TABLE_INVALID', source: 'operator table' });
    expect((error as CalendarTableError).problems).toEqual([
      'days[1]: 2027-01-01 is both holiday and workday',
      'days[2]: 2029-01-01 is in 2029, which the source does not declare',
      'days[3]: date "2027-02-30" is not YYYY-MM-DD',
      'year 2028 is declared but lists no holiday',
    ]);
  });

  it.each([
    { name: 'a year listed twice', table: { years: [2027, 2027], days: ILLUSTRATIVE_2027.days }, problem: 'year 2027 is listed twice' },
    { name: 'a year that is not a year', table: { years: [27], days: [] }, problem: 'year 27 is not a calendar year' },
    {
      name: 'a day listed twice',
      table: { years: [2027], days: [ILLUSTRATIVE_2027.days[0], ILLUSTRATIVE_2027.days[0]] },
      problem: 'days[1]: 2027-01-01 is listed twice',
    },
    {
      name: 'an unknown kind',
      table: { years: [2027], days: [...ILLUSTRATIVE_2027.days, { date: '2027-03-01', kind: 'weekend' as 'holiday' }] },
      problem: 'days[10]: kind "weekend" is neither holiday nor workday',
    },
  ])('refuses $name', ({ table, problem }) => {
    const error = captureError(() => createWorkingDayCalendar(table));
    expect((error as CalendarTableError).problems).toContain(problem);
  });

  it('an empty table adds nothing', () => {
    expect(createWorkingDayCalendar({ years: [], days: [] }).coveredYears).toEqual(calendar.coveredYears);
  });
});

describe('bad dates are input errors with a code', () => {
  it.each(['2026-2-3', '2026-02-30', '20260203', '2026-02-03T00:00:00Z', ''])('%p', (date) => {
    expect(() => calendar.isWorkingDay(date)).toThrow(expect.objectContaining({ code: 'CALENDAR_INVALID_INPUT' }));
  });

  it('a calendar built from no source knows no year', () => {
    expect(() => new WorkingDayCalendar([]).isWorkingDay('2026-03-02')).toThrow(CalendarHorizonError);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
