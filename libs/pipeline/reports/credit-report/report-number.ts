/**
 * 第二十条: each issued credit report carries its own number, `XMCR-<China date>-<serial>`, e.g.
 * `XMCR-20261127-000123`. The serial counts the reports of that China day (from PostgreSQL, see
 * CreditReportRepository.nextSerial), so numbers are unique and sort by issue order as plain text.
 */
export const REPORT_NUMBER_PREFIX = 'XMCR';
const SERIAL_DIGITS = 6;
export const MAX_DAILY_SERIAL = 10 ** SERIAL_DIGITS - 1;

const REPORT_NUMBER = /^XMCR-(\d{4})(\d{2})(\d{2})-(\d{6})$/;

export function formatReportNumber(chinaDate: string, serial: number): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(chinaDate)) throw new RangeError(`not a YYYY-MM-DD date: ${chinaDate}`);
  if (!Number.isInteger(serial) || serial < 1 || serial > MAX_DAILY_SERIAL) {
    throw new RangeError(`a report serial is 1..${MAX_DAILY_SERIAL}, got ${serial}`);
  }
  return `${REPORT_NUMBER_PREFIX}-${chinaDate.replace(/-/g, '')}-${String(serial).padStart(SERIAL_DIGITS, '0')}`;
}

/** The issue date and serial of a report number, or undefined when it is not one. */
export function parseReportNumber(reportNo: string): { chinaDate: string; serial: number } | undefined {
  const m = REPORT_NUMBER.exec(reportNo);
  if (!m) return undefined;
  return { chinaDate: `${m[1]}-${m[2]}-${m[3]}`, serial: Number(m[4]) };
}
