/**
 * Which kind of credit subject an identifier names (R6): an organisation (USCC, GB 32100-2015) or a
 * natural person (citizen ID, GB 11643-1999). Suppliers put both in the same 行政相对人代码 column, so
 * the shape decides the reading, and when both readings fail the error of the more plausible one is
 * reported (rules on `classifySubjectCode`).
 */
import type { RejectionCode } from '../rejections/rejection-codes';
import { type CitizenIdCheck, checkCitizenId, chinaCalendarDate, EARLIEST_BIRTH_YEAR } from './citizen-id';
import { detectSpreadsheetDamage, normalizeIdentifier } from './normalize';
import { checkOrganizationCode, checkUscc, type UsccCheck } from './uscc';

export type SubjectCodeCheck =
  | { ok: true; code: string; kind: 'organization' | 'person' }
  | { ok: false; code: RejectionCode; reason: string };

/**
 * Values 双公示 feeds use to say "no code" (credit-domain.md §1.5). `00000000000000000X` is the
 * provincial upload specs' placeholder for a 个体工商户 without a USCC (the 工商注册号 field then
 * becomes mandatory); an all-zero code passes both USCC checksums and means the same thing.
 */
export const PLACEHOLDER_SUBJECT_CODES: ReadonlySet<string> = new Set(['00000000000000000X', '000000000000000000']);

type Failure = Extract<SubjectCodeCheck, { ok: false }>;

/**
 * How far a failed reading got; the higher one is the more plausible reading.
 * Citizen: bad province 0; bad birth date or bad check 2 (the structure held).
 * USCC: bad structure 0; bad mod-31 check 1 (weaker evidence than a citizen ID's plausible date and
 * province, because any all-digit string with a known char-1/char-2 pair gets this far);
 * bad embedded organisation code 3 (the mod-31 check passed, a 1-in-31 coincidence otherwise).
 */
function citizenDepth(code: RejectionCode): number {
  return code === 'CITIZEN_ID_FORMAT' ? 0 : 2;
}

function usccDepth(code: RejectionCode): number {
  if (code === 'ORG_CODE_CHECKSUM') return 3;
  if (code === 'USCC_CHECKSUM') return 1;
  return 0;
}

function failure(result: Extract<UsccCheck | CitizenIdCheck, { ok: false }>, prefix: string): Failure {
  return { ok: false, code: result.code, reason: `${prefix}${result.reason}` };
}

/**
 * An 18-character value "looks like a citizen ID" when it is 17 digits plus a digit or X and
 * characters 7–10 are a birth year between EARLIEST_BIRTH_YEAR and this year. Only the year is
 * required (not the full date in 7–14) so that a citizen ID with a mistyped month or day is still
 * read as a citizen ID and gets CITIZEN_ID_BIRTHDATE, not a USCC checksum error.
 */
function looksLikeCitizenId(code: string, today: Date): boolean {
  if (!/^\d{17}[\dX]$/.test(code)) return false;
  const year = Number(code.slice(6, 10));
  return year >= EARLIEST_BIRTH_YEAR && year <= Number(chinaCalendarDate(today).slice(0, 4));
}

function classify18(code: string, today: Date): SubjectCodeCheck {
  const uscc = checkUscc(code);
  if (!looksLikeCitizenId(code, today)) {
    if (uscc.ok) return { ok: true, code: uscc.code, kind: 'organization' };
    const asPerson = /^\d{17}[\dX]$/.test(code) ? ' (read as a USCC: as a citizen ID, characters 7–10 are not a plausible birth year)' : '';
    return { ok: false, code: uscc.code, reason: `${uscc.reason}${asPerson}` };
  }
  // Citizen-shaped. Both readings can be valid at once (e.g. an all-digit USCC registered in a
  // county coded xxxx19 whose organisation code starts like MMDD); that is rarer than 1 in 3,000
  // such codes and the citizen reading wins, because the shape test chose it first.
  const citizen = checkCitizenId(code, today);
  if (citizen.ok) return { ok: true, code: citizen.code, kind: 'person' };
  if (uscc.ok) return { ok: true, code: uscc.code, kind: 'organization' };
  return usccDepth(uscc.code) > citizenDepth(citizen.code)
    ? failure(uscc, 'read as a USCC: ')
    : failure(citizen, 'read as a citizen ID: ');
}

/**
 * A 15-digit value is a legacy (GB 11643-1989) citizen ID when its region and YYMMDD hold. Old
 * systems also send the 15-digit 工商注册号 in this column (credit-domain.md §1.5); its digits 7–12
 * are a sequence, not a date, so a 15-digit value without a valid region and birth date is reported
 * as SUBJECT_UNRESOLVED (resolve it to the USCC), not as a citizen-ID date error.
 */
function classify15(code: string, today: Date): SubjectCodeCheck {
  const citizen = checkCitizenId(code, today);
  if (citizen.ok) return { ok: true, code: citizen.code, kind: 'person' };
  return {
    ok: false,
    code: 'SUBJECT_UNRESOLVED',
    reason: `15 digits that are not a legacy citizen ID (${citizen.reason}); if it is a legacy 工商注册号, resolve it to the USCC`,
  };
}

/**
 * Classifies and validates a subject identifier. Rules, in order:
 * 1. Spreadsheet damage (on the raw value) → SPREADSHEET_DAMAGE.
 * 2. Normalise; empty or a placeholder (PLACEHOLDER_SUBJECT_CODES) → SUBJECT_UNRESOLVED.
 * 3. 18 characters: citizen-shaped (see looksLikeCitizenId) → citizen ID first, then USCC; else USCC.
 *    When both fail, the reading that got further wins (see citizenDepth/usccDepth; ties go to the
 *    citizen reading for citizen-shaped input).
 * 4. 15 digits → legacy citizen ID, converted to 18 (see classify15).
 * 5. 9 characters of organisation-code shape → legacy organisation code: valid → SUBJECT_UNRESOLVED
 *    (resolve to the USCC whose characters 9–17 equal it), invalid → its GB 11714 error.
 * 6. Anything else: all digits (optionally ending in X) → CITIZEN_ID_FORMAT, otherwise USCC_FORMAT.
 */
export function classifySubjectCode(raw: string, today: Date): SubjectCodeCheck {
  if (detectSpreadsheetDamage(raw)) {
    return {
      ok: false,
      code: 'SPREADSHEET_DAMAGE',
      reason: 'the value looks like a number a spreadsheet rewrote (scientific notation or lost digits)',
    };
  }
  const code = normalizeIdentifier(raw);
  if (code === '') {
    return { ok: false, code: 'SUBJECT_UNRESOLVED', reason: 'the subject identifier is empty' };
  }
  if (PLACEHOLDER_SUBJECT_CODES.has(code)) {
    return {
      ok: false,
      code: 'SUBJECT_UNRESOLVED',
      reason: 'placeholder code (no USCC); resolve the subject from its 工商注册号 or other identifier',
    };
  }
  if (code.length === 18) return classify18(code, today);
  if (/^\d{15}$/.test(code)) return classify15(code, today);
  if (/^[0-9A-Z]{8}[0-9X]$/.test(code)) {
    const org = checkOrganizationCode(code);
    if (!org.ok) return { ok: false, code: org.code, reason: org.reason };
    return {
      ok: false,
      code: 'SUBJECT_UNRESOLVED',
      reason: 'a legacy organisation code (GB 11714); resolve it to the USCC whose characters 9–17 equal it',
    };
  }
  const lengthNote = `${String(code.length)} characters: neither an 18-character USCC or citizen ID nor a 15-digit legacy citizen ID`;
  return /^\d+X?$/.test(code)
    ? { ok: false, code: 'CITIZEN_ID_FORMAT', reason: lengthNote }
    : { ok: false, code: 'USCC_FORMAT', reason: lengthNote };
}
