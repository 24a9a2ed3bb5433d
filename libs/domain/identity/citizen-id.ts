/**
 * Citizen identity number (公民身份号码), GB 11643-1999 (R6).
 *
 * Layout (GB 11643-1999 §5):
 *   1–6    地址码 GB/T 2260 county code at the time the number was assigned (never re-coded,
 *          so retired codes such as 350202 鼓浪屿 stay valid: only the province is checked here)
 *   7–14   出生日期码 YYYYMMDD (GB/T 7408)
 *   15–17  顺序码, odd = male, even = female
 *   18     校验码, ISO 7064:1983 MOD 11-2, `X` = 10
 *
 * Legacy 15-digit numbers (GB 11643-1989) are 6-digit region + YYMMDD + 3-digit sequence with no
 * check; they are converted by inserting `19` before the year and appending the MOD 11-2 check.
 */
import type { RejectionCode } from '../rejections/rejection-codes';
import { citizenIdCheckCharacter } from './check-characters';
import { detectSpreadsheetDamage, normalizeIdentifier } from './normalize';

export { citizenIdCheckCharacter } from './check-characters';

export type CitizenIdCheck =
  | {
      ok: true;
      /** Always the 18-character form, even for converted 15-digit input. */
      code: string;
      /** YYYY-MM-DD */
      birthDate: string;
      region: string;
      sex: 'male' | 'female';
      convertedFrom15: boolean;
    }
  | {
      ok: false;
      code: Extract<
        RejectionCode,
        'CITIZEN_ID_FORMAT' | 'CITIZEN_ID_CHECKSUM' | 'CITIZEN_ID_BIRTHDATE' | 'SPREADSHEET_DAMAGE'
      >;
      reason: string;
    };

/**
 * GB/T 2260 province-level codes (first two digits of the 地址码): every one ever issued since 1980
 * (46 Hainan from 1988, 50 Chongqing from 1997; none has been withdrawn). credit-domain.md §2 gives
 * no list, so this is the GB/T 2260 table. 71 台湾, 81 香港, 82 澳门 are GB/T 2260 codes and are
 * accepted; 83 (used only by 台湾居民居住证 numbers) is not a GB/T 2260 province and is rejected.
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82',
]);

/**
 * Earliest accepted birth year. Numbers were first assigned with the resident ID card (居民身份证条例,
 * 1985); nobody is verified to have lived past 122, so a holder was born after ~1862. 1860 keeps a
 * margin and accepts the standard's own 附录 A example born 1880 (440524188001010014), which
 * python-stdnum's region-in-birth-year heuristic wrongly rejects.
 */
export const EARLIEST_BIRTH_YEAR = 1860;

/** China has used UTC+8 all year since 1991; "today" for the law is the calendar date in China. */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

const MS_PER_DAY = 86_400_000;
/** The last day formatted: the query edge asks for the same day thousands of times a second. */
let lastChinaDay = Number.NaN;
let lastChinaDate = '';

/** The calendar date (YYYY-MM-DD) in China at the injected instant. Never reads the clock. */
export function chinaCalendarDate(instant: Date): string {
  const day = Math.floor((instant.getTime() + CHINA_OFFSET_MS) / MS_PER_DAY);
  if (day !== lastChinaDay) {
    // An invalid Date throws here, as toISOString always did; nothing is cached then.
    const date = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    lastChinaDay = day;
    lastChinaDate = date;
  }
  return lastChinaDate;
}

/** True when YYYYMMDD is a real Gregorian date (30 Feb, 31 Apr and 29 Feb of common years are not). */
export function isCalendarDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= daysInMonth;
}

/**
 * The birth-date rule of GB 11643-1999 §5.2 as the hub applies it: a real calendar date, year at
 * least EARLIEST_BIRTH_YEAR, not after today's date in China. Returns the problem, or null.
 */
export function birthDateProblem(yyyymmdd: string, today: Date): string | null {
  if (!isCalendarDate(yyyymmdd)) return 'characters 7–14 (出生日期码) are not a real calendar date';
  if (Number(yyyymmdd.slice(0, 4)) < EARLIEST_BIRTH_YEAR) {
    return `the birth year is before ${String(EARLIEST_BIRTH_YEAR)}`;
  }
  const birthDate = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
  if (birthDate > chinaCalendarDate(today)) return 'the birth date is in the future';
  return null;
}

/**
 * 15 → 18 conversion (GB 11643-1989 → 1999): insert `19` before YYMMDD, append the MOD 11-2 check.
 * Under the 1989 standard some sequence values marked centenarians (born 18YY); the 1999 revision
 * dropped that rule and the values are unverified (credit-domain.md §2), so no exception is made.
 */
export function convertLegacyCitizenId(legacy15: string): string {
  if (!/^\d{15}$/.test(legacy15)) throw new RangeError('a legacy citizen ID has exactly 15 digits');
  const first17 = `${legacy15.slice(0, 6)}19${legacy15.slice(6)}`;
  return first17 + citizenIdCheckCharacter(first17);
}

/**
 * Validates a citizen identity number, 18-character or legacy 15-digit. No reason ever repeats the
 * number or its digits: reasons end up in logs and supplier feedback.
 * Order: spreadsheet damage → shape → province → birth date → check character, so a typo in the date
 * is reported as a date problem, which tells the supplier where to look.
 */
export function checkCitizenId(raw: string, today: Date): CitizenIdCheck {
  if (detectSpreadsheetDamage(raw)) {
    return {
      ok: false,
      code: 'SPREADSHEET_DAMAGE',
      reason: 'the value looks like a number a spreadsheet rewrote (scientific notation or lost digits)',
    };
  }
  const normalized = normalizeIdentifier(raw);
  let code: string;
  let convertedFrom15 = false;
  if (/^\d{15}$/.test(normalized)) {
    code = convertLegacyCitizenId(normalized);
    convertedFrom15 = true;
  } else if (/^\d{17}[\dX]$/.test(normalized)) {
    code = normalized;
  } else {
    const what = /^\d*$/.test(normalized) ? 'digits' : 'characters including letters or symbols';
    return {
      ok: false,
      code: 'CITIZEN_ID_FORMAT',
      reason: `a citizen ID is 17 digits plus a digit or X, or a legacy 15-digit number; got ${String(normalized.length)} ${what}`,
    };
  }
  if (!PROVINCE_CODES.has(code.slice(0, 2))) {
    return {
      ok: false,
      code: 'CITIZEN_ID_FORMAT',
      reason: 'characters 1–2 are not a GB/T 2260 province code',
    };
  }
  const dateProblem = birthDateProblem(code.slice(6, 14), today);
  if (dateProblem !== null) return { ok: false, code: 'CITIZEN_ID_BIRTHDATE', reason: dateProblem };
  // A converted number gets a computed check, so only 18-character input can fail here.
  if (citizenIdCheckCharacter(code.slice(0, 17)) !== code.charAt(17)) {
    return {
      ok: false,
      code: 'CITIZEN_ID_CHECKSUM',
      reason: 'the check character does not match ISO 7064 MOD 11-2 over characters 1–17',
    };
  }
  return {
    ok: true,
    code,
    birthDate: `${code.slice(6, 10)}-${code.slice(10, 12)}-${code.slice(12, 14)}`,
    region: code.slice(0, 6),
    sex: Number(code.charAt(16)) % 2 === 1 ? 'male' : 'female',
    convertedFrom15,
  };
}
