/**
 * 第二十条: each issued credit report carries its own number, `XMCR-<China date>-<serial>`, e.g.
 * `XMCR-20261127-000123`. The serial counts the reports of that China day (from PostgreSQL, see
 * CreditReportRepository.nextSerial), so numbers are unique. It has six digits, and more once a
 * day passes 999,999 reports (`XMCR-20261127-1000000`): a day has no ceiling (issue 11, finding 7:
 * a fixed width ran out and every later report failed). Within six digits numbers sort by issue
 * order as plain text; across widths, sort by (date, serial length, text).
 */
export const REPORT_NUMBER_PREFIX = 'XMCR';
const MIN_SERIAL_DIGITS = 6;
/** Far beyond any day's reports; keeps the serial an exact JavaScript number. */
export const MAX_SERIAL = Number.MAX_SAFE_INTEGER;

// Six digits (zero-padded), or more without a leading zero: one spelling per serial.
const REPORT_NUMBER = /^XMCR-(\d{4})(\d{2})(\d{2})-(\d{6}|[1-9]\d{6,15})$/;

export function formatReportNumber(chinaDate: string, serial: number): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(chinaDate)) throw new RangeError(`not a YYYY-MM-DD date: ${chinaDate}`);
  if (!Number.isSafeInteger(serial) || serial < 1) throw new RangeError(`a report serial is a positive integer, got ${serial}`);
  return `${REPORT_NUMBER_PREFIX}-${chinaDate.replace(/-/g, '')}-${String(serial).padStart(MIN_SERIAL_DIGITS, '0')}`;
}

/** The issue date and serial of a report number, or undefined when it is not one. */
export function parseReportNumber(reportNo: string): { chinaDate: string; serial: number } | undefined {
  const m = REPORT_NUMBER.exec(reportNo);
  if (!m) return undefined;
  const serial = Number(m[4]);
  if (serial < 1 || !Number.isSafeInteger(serial)) return undefined;
  return { chinaDate: `${m[1]}-${m[2]}-${m[3]}`, serial };
}
