import { formatReportNumber, parseReportNumber } from './report-number';

/** 第二十条: every credit report carries its own number — China issue date and the day's serial. */
describe('credit report numbers', () => {
  it.each([
    ['2026-11-27', 123, 'XMCR-20261127-000123'],
    ['2026-01-01', 1, 'XMCR-20260101-000001'],
    ['2026-12-31', 999_999, 'XMCR-20261231-999999'],
    // issue 11, finding 7: a day does not run out of numbers at 999,999
    ['2026-12-31', 1_000_000, 'XMCR-20261231-1000000'],
    ['2026-12-31', 123_456_789_012, 'XMCR-20261231-123456789012'],
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
    ['2026-11-27', -1],
    ['2026-11-27', Number.MAX_SAFE_INTEGER + 2],
    ['2026-11-27', 1.5],
    ['20261127', 1],
  ])('refuses date %s with serial %d', (date, serial) => {
    expect(() => formatReportNumber(date, serial)).toThrow(RangeError);
  });

  it('orders past the old ceiling by (day, serial length, text)', () => {
    const issued = [999_998, 999_999, 1_000_000, 1_000_001, 10_000_000].map((n) => formatReportNumber('2026-11-27', n));
    const byIssue = (a: string, b: string) => a.slice(0, 14).localeCompare(b.slice(0, 14)) || a.length - b.length || a.localeCompare(b);
    expect([...issued].reverse().sort(byIssue)).toEqual(issued);
  });

  it.each(['XMCR-2026112-000001', 'XMCR-20261127-1', 'XMCR-20261127-0000001', 'XMCR-20261127-000000', 'XMCR-20261127-12345678901234567', 'ABCD-20261127-000001', ' XMCR-20261127-000001'])('%s is not a report number', (text) => {
    expect(parseReportNumber(text)).toBeUndefined();
  });
});
