/**
 * Calendar dates as `YYYY-MM-DD` strings (the China date of an event, already converted by the
 * caller). Arithmetic goes through a day number so no time zone, clock or DST can creep in.
 */
import { isCalendarDate } from '../identity/citizen-id';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

/** True for a real Gregorian date written `YYYY-MM-DD` (not 2026-02-30, not 2026-2-3). */
export function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE.test(value) && isCalendarDate(value.replace(/-/g, ''));
}

/** Days since 1970-01-01. The input must satisfy `isIsoDate`. */
export function dayNumber(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

export function fromDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(isoDate: string, days: number): string {
  return fromDayNumber(dayNumber(isoDate) + days);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(isoDate: string): number {
  return new Date(dayNumber(isoDate) * MS_PER_DAY).getUTCDay();
}

export function yearOf(isoDate: string): number {
  return Number(isoDate.slice(0, 4));
}
