/**
 * The deadlines of 第二十五条 (objections) and 第二十七条 (non-disclosure) on the official calendar.
 * Each expected date is worked out by hand; "Mon–Fri" notes what plain weekday arithmetic would
 * wrongly give.
 */
import { createWorkingDayCalendar } from './create-calendar';
import {
  isPastDeadline,
  nonDisclosureDeadline,
  objectionComparisonDeadline,
  objectionCompletionDeadline,
  providerVerificationDeadline,
  WORKING_DAY_DEADLINES,
} from './deadlines';
import { CalendarHorizonError } from './working-day-calendar';

const calendar = createWorkingDayCalendar();

describe('the working-day counts of the measures', () => {
  it.each([
    { key: 'objectionComparison', days: 2, article: '第二十五条第一款' },
    { key: 'providerVerification', days: 6, article: '第二十五条第二款' },
    { key: 'objectionCompletion', days: 2, article: '第二十五条第二款' },
    { key: 'nonDisclosure', days: 5, article: '第二十七条' },
  ] as const)('$key: $days working days ($article)', ({ key, days, article }) => {
    expect(WORKING_DAY_DEADLINES[key].workingDays).toBe(days);
    expect(WORKING_DAY_DEADLINES[key].article).toBe(article);
    expect(WORKING_DAY_DEADLINES[key].text).toContain(`${days}个工作日`);
  });
});

describe('objectionComparisonDeadline (第二十五条第一款: 2 working days from acceptance)', () => {
  it('accepted Fri 2026-02-13: the make-up Saturday counts, then 春节 → Tue 2026-02-24 (Mon–Fri: 02-17)', () => {
    expect(objectionComparisonDeadline(calendar, '2026-02-13')).toBe('2026-02-24');
  });

  it('accepted Fri 2026-09-18: Sunday 09-20 is a working day → Mon 2026-09-21 (Mon–Fri: 09-22)', () => {
    expect(objectionComparisonDeadline(calendar, '2026-09-18')).toBe('2026-09-21');
  });
});

describe('providerVerificationDeadline (第二十五条第二款: 6 working days from the notice)', () => {
  it('notified Thu 2026-09-24: over 中秋 and 国庆 onto the make-up Saturday 2026-10-10 (Mon–Fri: 10-02)', () => {
    expect(providerVerificationDeadline(calendar, '2026-09-24')).toBe('2026-10-10');
  });

  it('notified Mon 2025-01-20: the make-up Sunday 01-26 counts → Mon 2025-01-27 (Mon–Fri: 01-28, which is 除夕)', () => {
    // 21 (1), 22 (2), 23 (3), 24 (4), Sun 26 (5), Mon 27 (6)
    expect(providerVerificationDeadline(calendar, '2025-01-20')).toBe('2025-01-27');
  });
});

describe('objectionCompletionDeadline (第二十五条第二款: 2 working days from the provider answer)', () => {
  it('answer on Fri 2026-04-03, before 清明 (04-04 to 04-06) → Wed 2026-04-08 (Mon–Fri: 04-07)', () => {
    expect(objectionCompletionDeadline(calendar, '2026-04-03')).toBe('2026-04-08');
  });
});

describe('nonDisclosureDeadline (第二十七条: 5 working days from acceptance)', () => {
  it('accepted Wed 2026-02-11 → Wed 2026-02-25 (Mon–Fri: 02-18)', () => {
    expect(nonDisclosureDeadline(calendar, '2026-02-11')).toBe('2026-02-25');
  });

  it('accepted Fri 2025-09-26: Sunday 09-28 worked, 国庆 not → Fri 2025-10-10 (Mon–Fri: 10-03)', () => {
    expect(nonDisclosureDeadline(calendar, '2025-09-26')).toBe('2025-10-10');
  });

  it('accepted Mon 2026-12-28: the deadline would fall in 2027, which nobody has entered → CALENDAR_HORIZON', () => {
    expect(() => nonDisclosureDeadline(calendar, '2026-12-28')).toThrow(CalendarHorizonError);
  });

  it('… and resolves once the operator enters 2027 (illustrative entries)', () => {
    const extended = createWorkingDayCalendar({
      years: [2027],
      days: [{ date: '2027-01-01', kind: 'holiday', note: '元旦 (illustrative)' }],
    });
    // 29 (1), 30 (2), 31 (3), 2027-01-01 holiday, weekend, 01-04 (4), 01-05 (5)
    expect(nonDisclosureDeadline(extended, '2026-12-28')).toBe('2027-01-05');
  });
});

describe('one objection, end to end, across a 调休 weekend and two public holidays', () => {
  // Accepted Fri 2026-09-18. Sun 09-20 is a make-up working day; 中秋 09-25..27; 国庆 10-01..07.
  const accepted = '2026-09-18';
  const compared = objectionComparisonDeadline(calendar, accepted);
  const verified = providerVerificationDeadline(calendar, compared);
  const completed = objectionCompletionDeadline(calendar, verified);

  it('comparison by Mon 09-21, provider by Wed 09-30, completion by Fri 10-09', () => {
    expect([compared, verified, completed]).toEqual(['2026-09-21', '2026-09-30', '2026-10-09']);
  });

  it('the provider is late from Thu 10-01 on, not on its deadline day (第二十六条第二款 then withholds)', () => {
    expect(isPastDeadline(verified, '2026-09-30')).toBe(false);
    expect(isPastDeadline(verified, '2026-10-01')).toBe(true);
    expect(isPastDeadline(verified, '2026-09-29')).toBe(false);
  });
});
