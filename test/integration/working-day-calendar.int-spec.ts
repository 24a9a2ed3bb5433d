import { loadHubConfig } from '../../libs/config/hub-config';
import { CalendarHorizonError, CalendarTableError } from '../../libs/domain/calendar';
import { CalendarRepository } from '../../libs/persistence/calendar.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { WorkingDayCalendarService } from '../../libs/pipeline/calendar/working-day-calendar.service';
import { createTestDatabase } from '../support/test-services';

jest.setTimeout(60_000);

/**
 * A made-up 2027 schedule (the tests must not depend on when the State Council publishes the
 * real one): 元旦 Fri 1 Jan off, Sat 2 and Sun 3 Jan as usual, and a 调休 working Sunday 10 Jan.
 */
const YEAR_2027 = {
  year: 2027,
  sourceNote: '测试用年度安排',
  days: [
    { date: '2027-01-01', kind: 'holiday' as const, note: '元旦' },
    { date: '2027-01-10', kind: 'workday' as const, note: '调休上班' },
  ],
};

describe('the operator calendar table, for years the chinese-days package does not know', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let calendar: WorkingDayCalendarService;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    calendar = new WorkingDayCalendarService(new CalendarRepository(db), () => new Date('2026-11-27T02:00:00Z'));
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('refuses a deadline that reaches a year nobody entered, instead of guessing Monday to Friday', async () => {
    const current = await calendar.current();
    expect(() => current.addWorkingDays('2026-12-30', 3)).toThrow(CalendarHorizonError);
  });

  it('counts a year once an operator has entered it, holidays and 调休 working days included', async () => {
    await calendar.enterYear(YEAR_2027);
    const current = await calendar.current();
    // 2026-12-30 Wed → Thu 31 (1), Fri 1 Jan holiday, weekend, Mon 4 (2), Tue 5 (3).
    expect(current.addWorkingDays('2026-12-30', 3)).toBe('2027-01-05');
    // Fri 8 Jan → Sat 9 off, Sun 10 调休 working (1), Mon 11 (2).
    expect(current.addWorkingDays('2027-01-08', 2)).toBe('2027-01-11');
    expect(current.describeDay('2027-01-10')).toEqual({ date: '2027-01-10', working: true, source: 'operator table' });
  });

  it('lists every problem of a bad entry and writes nothing', async () => {
    const bad = {
      year: 2028,
      sourceNote: '有误的录入',
      days: [
        { date: '2027-12-31', kind: 'holiday' as const },
        { date: '2028-01-03', kind: 'holiday' as const },
        { date: '2028-01-03', kind: 'workday' as const },
      ],
    };
    const error = await calendar.enterYear(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalendarTableError);
    expect((error as CalendarTableError).problems).toEqual(['2027-12-31 is not in 2028']);

    const both = await calendar.enterYear({ ...bad, days: bad.days.slice(1) }).catch((e: unknown) => e);
    expect((both as CalendarTableError).problems).toEqual([expect.stringContaining('2028-01-03 is both holiday and workday')]);

    const empty = await calendar.enterYear({ ...bad, days: [] }).catch((e: unknown) => e);
    expect((empty as CalendarTableError).problems).toEqual(['year 2028 is declared but lists no holiday']);

    expect((await new CalendarRepository(db).operatorTable()).years).toEqual([2027]);
  });

  it('replaces a year as a whole when it is entered again', async () => {
    await calendar.enterYear({ ...YEAR_2027, days: [{ date: '2027-01-01', kind: 'holiday' }] });
    const current = await calendar.current();
    expect(current.isWorkingDay('2027-01-10')).toBe(false); // the 调休 Sunday is gone
    expect((await new CalendarRepository(db).operatorTable()).days).toEqual([{ date: '2027-01-01', kind: 'holiday' }]);
  });

  it('describes a range day by day with the source of each answer', async () => {
    const { days } = await calendar.describe('2026-09-30', '2026-10-02');
    expect(days).toEqual([
      { date: '2026-09-30', working: true, source: 'weekday rule' },
      { date: '2026-10-01', working: false, source: expect.stringMatching(/^chinese-days@/) },
      { date: '2026-10-02', working: false, source: expect.stringMatching(/^chinese-days@/) },
    ]);
  });
});
