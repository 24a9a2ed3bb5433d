import { formatReportNumber, parseReportNumber } from './report-number';

/** 第二十条: every credit report carries its own number — China issue date and the day's serial. */
describe('credit report numbers', () => {
  it.each([
    ['2026-11-27', 123, 'XMCR-20261127-000123'],
    ['2026-01-01', 1, 'XMCR-20260101-000001'],
    ['2026-12-31', 999_999, 'XMCR-20261231-999999'],
  ])('%s serial %d is %s, and reads back', (date, serial, expected) => {
    expect(formatReportNumber(date, serial)).toBe(expected);
    expect(parseReportNumber(expected)).toEqual({ chinaDate: date, serial });
  });

  it('sorts as plain text in issue order: by day, then by serial', () => {
    const issued = [
      formatReportNumber('2026-11-27', 9),
      formatReportNumber('2026-11-27', 10),
      formatReportNumber('2026-11-27', 100_000),
      formatReportNumber('2026-11-28', 1),
      formatReportNumber('2027-01-01', 2),
    ];
    expect([...issued].sort()).toEqual(issued);
  });

  it.each([
    ['2026-11-27', 0],
    ['2026-11-27', 1_000_000],
    ['2026-11-27', 1.5],
    ['20261127', 1],
  ])('refuses date %s with serial %d', (date, serial) => {
    expect(() => formatReportNumber(date, serial)).toThrow(RangeError);
  });

  it.each(['XMCR-2026112-000001', 'XMCR-20261127-1', 'ABCD-20261127-000001', ' XMCR-20261127-000001'])('%s is not a report number', (text) => {
    expect(parseReportNumber(text)).toBeUndefined();
  });
});
