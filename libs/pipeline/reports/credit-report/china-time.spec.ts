import { chinaDateTime } from './china-time';

/** The report prints its issue time in China (UTC+8), whatever the process time zone. */
describe('China time of the report', () => {
  it.each([
    ['2026-11-27T06:05:09.000Z', '2026-11-27', '14:05:09', '2026年11月27日 14:05:09'],
    ['2026-11-27T15:59:59.999Z', '2026-11-27', '23:59:59', '2026年11月27日 23:59:59'],
    ['2026-11-27T16:00:00.000Z', '2026-11-28', '00:00:00', '2026年11月28日 00:00:00'],
    ['2026-12-31T16:30:00.000Z', '2027-01-01', '00:30:00', '2027年01月01日 00:30:00'],
  ])('%s is %s %s in China', (iso, date, time, text) => {
    expect(chinaDateTime(new Date(iso))).toEqual({ date, time, text });
  });
});
