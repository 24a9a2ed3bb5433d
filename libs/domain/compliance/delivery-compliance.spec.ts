/**
 * 第三十二条 (催报 and scoring of providers that do not deliver) with 第九条 (归集频率 in the catalog).
 * Dates worked out by hand on the 2026 schedule as chinese-days ships it: 国庆 2026-10-01..07 off,
 * Sunday 2026-09-20 and Saturday 2026-10-10 working days.
 */
import { CalendarHorizonError, createWorkingDayCalendar } from '../calendar';
import {
  assessDeliveries,
  ComplianceInputError,
  type DeliveryPeriod,
  deliveryDue,
  deliveryPeriods,
  type Frequency,
  summarizeCompliance,
} from './delivery-compliance';

const calendar = createWorkingDayCalendar();

describe('deliveryPeriods — what a supplier owes for an item, by its 归集频率', () => {
  it.each<{ frequency: Frequency; from: string; to: string; periods: [string, string, string][] }>([
    {
      frequency: 'daily',
      from: '2026-09-28',
      to: '2026-10-11',
      periods: [
        ['2026-09-25', '2026-09-28', '2026-09-28'], // Monday's period holds 中秋 (Fri 25) and the weekend before it
        ['2026-09-29', '2026-09-29', '2026-09-29'],
        ['2026-09-30', '2026-09-30', '2026-09-30'],
        ['2026-10-01', '2026-10-08', '2026-10-08'], // … and the 国庆 holiday before the first working day after it
        ['2026-10-09', '2026-10-09', '2026-10-09'],
        ['2026-10-10', '2026-10-10', '2026-10-10'], // Saturday, a 调休 working day
      ],
    },
    {
      frequency: 'realtime',
      from: '2026-09-19',
      to: '2026-09-21',
      periods: [
        ['2026-09-19', '2026-09-20', '2026-09-20'], // Sunday, a 调休 working day (Saturday belongs to it)
        ['2026-09-21', '2026-09-21', '2026-09-21'],
      ],
    },
    {
      frequency: 'weekly',
      from: '2026-11-25',
      to: '2026-12-07',
      periods: [
        ['2026-11-23', '2026-11-29', '2026-11-23 至 2026-11-29'],
        ['2026-11-30', '2026-12-06', '2026-11-30 至 2026-12-06'],
        ['2026-12-07', '2026-12-13', '2026-12-07 至 2026-12-13'],
      ],
    },
    {
      frequency: 'monthly',
      from: '2024-01-15',
      to: '2024-03-01',
      periods: [
        ['2024-01-01', '2024-01-31', '2024年1月'],
        ['2024-02-01', '2024-02-29', '2024年2月'],
        ['2024-03-01', '2024-03-31', '2024年3月'],
      ],
    },
    {
      frequency: 'quarterly',
      from: '2026-05-10',
      to: '2026-10-01',
      periods: [
        ['2026-04-01', '2026-06-30', '2026年第2季度'],
        ['2026-07-01', '2026-09-30', '2026年第3季度'],
        ['2026-10-01', '2026-12-31', '2026年第4季度'],
      ],
    },
    {
      frequency: 'yearly',
      from: '2025-06-01',
      to: '2026-01-01',
      periods: [
        ['2025-01-01', '2025-12-31', '2025年度'],
        ['2026-01-01', '2026-12-31', '2026年度'],
      ],
    },
    { frequency: 'monthly', from: '2026-03-02', to: '2026-03-01', periods: [] },
  ])('$frequency periods overlapping $from..$to', ({ frequency, from, to, periods }) => {
    expect(deliveryPeriods(frequency, from, to, calendar).map((p) => [p.start, p.end, p.label])).toEqual(periods);
  });

  it('refuses days of a year the calendar does not know instead of guessing Monday to Friday', () => {
    expect(() => deliveryPeriods('daily', '2027-01-04', '2027-01-05', calendar)).toThrow(CalendarHorizonError);
  });

  it('refuses a malformed date', () => {
    expect(() => deliveryPeriods('daily', '2026-02-30', '2026-03-01', calendar)).toThrow(ComplianceInputError);
  });
});

describe('deliveryDue — deadlineWorkingDays working days after the period’s last day', () => {
  const period = (start: string, end: string): DeliveryPeriod => ({ start, end, label: start });

  it.each([
    { end: '2026-09-30', days: 7, due: '2026-10-15', why: '国庆 holidays skipped, Saturday 10-10 counted' },
    { end: '2026-11-29', days: 7, due: '2026-12-08', why: 'a week ending on Sunday' },
    { end: '2026-11-27', days: 0, due: '2026-11-27', why: 'no grace: the last day itself' },
    { end: '2026-12-28', days: 7, due: null, why: 'the deadline falls in 2027, which the calendar does not know yet' },
  ])('$end + $days working days → $due ($why)', ({ end, days, due }) => {
    expect(deliveryDue(period(end, end), days, calendar)).toBe(due);
  });
});

describe('assessDeliveries — on time, late, missing or pending (第三十二条)', () => {
  const daily7 = { frequency: 'daily' as const, deadlineWorkingDays: 7 };
  const sept30 = { from: '2026-09-30', to: '2026-09-30' };

  it.each([
    { deliveredOn: ['2026-09-30'], today: '2026-10-20', status: 'on_time', counted: '2026-09-30' },
    { deliveredOn: ['2026-10-15'], today: '2026-10-20', status: 'on_time', counted: '2026-10-15' }, // the due day itself
    { deliveredOn: ['2026-10-16', '2026-10-19'], today: '2026-10-20', status: 'late', counted: '2026-10-16' },
    { deliveredOn: [], today: '2026-10-15', status: 'pending', counted: null }, // due today: not late yet
    { deliveredOn: [], today: '2026-10-16', status: 'missing', counted: null },
    { deliveredOn: ['2026-09-29'], today: '2026-10-16', status: 'missing', counted: null }, // before the period: not its delivery
    { deliveredOn: ['2026-10-21'], today: '2026-10-20', status: 'missing', counted: null }, // after today (clock moved back): ignored
  ])('daily, due 2026-10-15, delivered $deliveredOn, on $today: $status', ({ deliveredOn, today, status, counted }) => {
    const [outcome] = assessDeliveries(daily7, deliveredOn, sept30, today, calendar);
    expect(outcome).toMatchObject({ due: '2026-10-15', status, deliveredOn: counted });
  });

  it('lets one batch deliver every period whose due date it meets', () => {
    const outcomes = assessDeliveries(daily7, ['2026-10-09'], { from: '2026-09-28', to: '2026-10-09' }, '2026-10-20', calendar);
    expect(outcomes.map((o) => [o.period.start, o.status])).toEqual([
      ['2026-09-25', 'on_time'], // due 2026-10-13
      ['2026-09-29', 'on_time'],
      ['2026-09-30', 'on_time'],
      ['2026-10-01', 'on_time'],
      ['2026-10-09', 'on_time'],
    ]);
  });

  it('counts a batch sent on a day off for the next working day, not for nothing', () => {
    const outcomes = assessDeliveries(daily7, ['2026-11-28'], { from: '2026-11-28', to: '2026-11-30' }, '2026-12-14', calendar);
    expect(outcomes.map((o) => [o.period.start, o.period.end, o.status, o.deliveredOn])).toEqual([
      ['2026-11-28', '2026-11-30', 'on_time', '2026-11-28'], // sent Saturday for Monday
    ]);
  });

  it('does not look past today: periods after it are not owed yet', () => {
    const outcomes = assessDeliveries(daily7, [], { from: '2026-11-26', to: '2026-12-31' }, '2026-11-27', calendar);
    expect(outcomes.map((o) => [o.period.start, o.status])).toEqual([
      ['2026-11-26', 'pending'],
      ['2026-11-27', 'pending'],
    ]);
  });

  it('keeps a period whose deadline lies in a year not yet in the calendar pending, never missing', () => {
    const [outcome] = assessDeliveries(daily7, [], { from: '2026-12-28', to: '2026-12-28' }, '2026-12-31', calendar);
    expect(outcome).toMatchObject({ due: null, status: 'pending' });
  });

  it('refuses to judge on a today the calendar does not know, and judges once the operator enters the year', () => {
    expect(() => assessDeliveries(daily7, [], { from: '2026-12-28', to: '2027-01-20' }, '2027-01-20', calendar)).toThrow(
      CalendarHorizonError,
    );
    const with2027 = createWorkingDayCalendar({ years: [2027], days: [{ date: '2027-01-01', kind: 'holiday' }] });
    const [outcome] = assessDeliveries(daily7, [], { from: '2026-12-28', to: '2026-12-28' }, '2027-01-20', with2027);
    expect(outcome).toMatchObject({ due: '2027-01-07', status: 'missing' }); // 12-29, 12-30, 12-31, 01-04..01-07
  });

  it('judges a monthly item by its month and deadline', () => {
    const outcomes = assessDeliveries(
      { frequency: 'monthly', deadlineWorkingDays: 10 },
      ['2026-09-10', '2026-11-20'],
      { from: '2026-08-01', to: '2026-11-30' },
      '2026-11-27',
      calendar,
    );
    expect(outcomes.map((o) => [o.period.label, o.due, o.status])).toEqual([
      ['2026年8月', '2026-09-14', 'on_time'],
      ['2026年9月', '2026-10-20', 'on_time'], // the 09-10 batch came within the month; due skips 国庆
      ['2026年10月', '2026-11-13', 'late'],
      ['2026年11月', '2026-12-14', 'on_time'], // delivered 11-20 within the month
    ]);
  });

  it('refuses a negative deadline', () => {
    expect(() => assessDeliveries({ frequency: 'daily', deadlineWorkingDays: -1 }, [], sept30, '2026-10-20', calendar)).toThrow(
      ComplianceInputError,
    );
  });
});

describe('summarizeCompliance — the scorecard line of one item', () => {
  it('counts decided periods as expected, leaves pending ones out, and rates timeliness', () => {
    const outcomes = assessDeliveries(
      { frequency: 'daily', deadlineWorkingDays: 2 },
      ['2026-11-02', '2026-11-09'],
      { from: '2026-11-02', to: '2026-11-27' },
      '2026-11-27',
      calendar,
    );
    // 2026-11-02 Mon .. 11-27 Fri: 20 working days. On time: 11-02 (its own batch), 11-05 (due
    // 11-09) and 11-06 (due 11-10) by the 11-09 batch, 11-09. Late: 11-03 (due 11-05) and 11-04
    // (due 11-06). Missing: 11-10 .. 11-24 (due by 11-26). Pending: 11-25 .. 11-27.
    expect(summarizeCompliance(outcomes)).toEqual({
      expected: 17,
      onTime: 4,
      late: 2,
      missing: 11,
      pending: 3,
      timeliness: 0.2353,
    });
  });

  it('has no timeliness when nothing was expected yet', () => {
    expect(summarizeCompliance([])).toEqual({ expected: 0, onTime: 0, late: 0, missing: 0, pending: 0, timeliness: null });
  });
});
